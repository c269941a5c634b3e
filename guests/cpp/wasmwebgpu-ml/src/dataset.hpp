// dataset.hpp — the diabetes CSVs: a header line, then rows of comma-separated floats (label last).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ml {

struct Dataset {
    std::vector<float> data;  // row-major n_samples x n_features
    std::vector<float> labels;
    size_t n_samples = 0;
    size_t n_features = 0;

    const float* row(size_t i) const { return data.data() + i * n_features; }
    float at(size_t row, size_t feature) const { return data[row * n_features + feature]; }

    // Parse CSV text / a file; false and *error on any malformed row (never exits).
    static bool parse_csv(const std::string& text, size_t n_features, Dataset& out, std::string* error);
    static bool from_csv(const std::string& path, size_t n_features, Dataset& out, std::string* error);
};

}  // namespace ml
