#include "dataset.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ml {

bool Dataset::parse_csv(const std::string& text, size_t n_features, Dataset& out, std::string* error) {
    out = Dataset{};
    out.n_features = n_features;
    size_t pos = 0, lineno = 0;
    auto fail = [&](const std::string& why) {
        if (error) *error = "line " + std::to_string(lineno) + ": " + why;
        return false;
    };
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (lineno == 1) continue;  // header
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        size_t n = 0;
        const char* p = line.c_str();
        while (true) {
            char* q = nullptr;
            errno = 0;
            float v = std::strtof(p, &q);
            if (q == p) return fail("not a number");
            if (!std::isfinite(v)) return fail("non-finite value");
            while (*q == ' ' || *q == '\t') ++q;
            if (n < n_features) out.data.push_back(v);
            else out.labels.push_back(v);
            ++n;
            if (*q == ',') { p = q + 1; continue; }
            if (*q == '\0') break;
            return fail("unexpected character");
        }
        if (n != n_features + 1)
            return fail(std::to_string(n) + " columns, expected " + std::to_string(n_features + 1));
    }
    if (out.labels.empty()) {
        if (error) *error = "no data rows";
        return false;
    }
    out.n_samples = out.labels.size();
    return true;
}

bool Dataset::from_csv(const std::string& path, size_t n_features, Dataset& out, std::string* error) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        if (error) *error = "cannot open " + path;
        return false;
    }
    std::string text;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    std::string e;
    if (!parse_csv(text, n_features, out, &e)) {
        if (error) *error = path + ": " + e;
        return false;
    }
    return true;
}

}  // namespace ml
