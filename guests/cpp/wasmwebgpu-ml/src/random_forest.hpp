// random_forest.hpp — RandomForest regressor (the original guests' algorithm, correct on both paths).
//
// Per tree: a bootstrap sample of n row indices (with replacement); grow a binary tree: a leaf (mean
// label) when depth >= max_depth or fewer than 2 rows; otherwise try max_features features (partial
// Fisher-Yates shuffle), every midpoint (v[i]+v[i+1])/2 (f32) between the node's distinct sorted values,
// rule x <= t goes left, score SSE(left)+SSE(right), empty sides skipped, lowest score wins (first on
// ties); no finite score => leaf. Prediction = mean over trees. Rows are always indices into the full
// training set, on the CPU and the GPU path alike.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "dataset.hpp"
#include "wasi_gpu.h"

namespace ml {

// One node in the kernel-batch-predict layout (4 little-endian words): feature < 0 = leaf with
// prediction `value`; else x[feature] <= value (threshold) goes to `left`, otherwise `right`;
// children relative to the tree's root.
struct Node {
    int32_t feature;
    float value;
    int32_t left;
    int32_t right;
};
static_assert(sizeof(Node) == 16, "node layout");

struct Tree {
    std::vector<Node> nodes;  // root at 0
    float predict(const float* x) const;
    int depth() const;
};

struct Params {
    int n_trees = 200;
    int max_depth = 16;
    int max_features = 4;  // ceil(sqrt(10))
    static Params benchmark(size_t n_features) {
        Params p;
        p.max_features = (int)std::ceil(std::sqrt((double)n_features));
        return p;
    }
};

struct Split {
    bool found = false;
    float threshold = 0;
    double score = INFINITY;
};

// Where bootstrap samples and split scores come from. Methods return a wasi_gpu error (None = ok).
class Trainer {
public:
    virtual ~Trainer() = default;
    virtual wasi_gpu::Error bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) = 0;
    virtual wasi_gpu::Error begin_node(const uint32_t* rows, size_t n) = 0;
    virtual wasi_gpu::Error best_split(const Dataset& ds, const uint32_t* rows, size_t n, size_t feature, Split& out) = 0;
};

// Midpoints between the distinct sorted values of `feature` over `rows`.
void midpoints(const Dataset& ds, const uint32_t* rows, size_t n, size_t feature, std::vector<float>& out);

class CpuTrainer : public Trainer {
public:
    wasi_gpu::Error bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) override;
    wasi_gpu::Error begin_node(const uint32_t*, size_t) override { return wasi_gpu::Error::None; }
    wasi_gpu::Error best_split(const Dataset& ds, const uint32_t* rows, size_t n, size_t feature, Split& out) override;

private:
    std::vector<std::pair<float, float>> pairs_;
};

class RandomForest {
public:
    std::vector<Tree> trees;
    size_t n_features = 0;
    int max_depth = 0;

    // Train params.n_trees trees; progress(done) after each. Returns the first device error, if any.
    wasi_gpu::Error train(const Dataset& ds, const Params& params, Trainer& trainer, std::mt19937& rng,
                          const std::function<void(int)>& progress);
    std::vector<float> predict_cpu(const std::vector<float>& samples) const;
    // Node array and tree offsets in the kernel-batch-predict layout.
    void flatten(std::vector<Node>& nodes, std::vector<uint32_t>& offsets) const;
    size_t node_count() const;
    int max_tree_depth() const;
};

double mse(const std::vector<float>& pred, const std::vector<float>& truth);

}  // namespace ml
