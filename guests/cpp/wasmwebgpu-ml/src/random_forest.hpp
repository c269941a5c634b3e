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

// Where bootstrap samples come from, and optionally a device that scores a node's thresholds. Methods
// return a wasi_gpu error (None = ok).
class Trainer {
public:
    virtual ~Trainer() = default;
    virtual wasi_gpu::Error bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) = 0;
    // True when a node of m rows is scored on the device (begin_node, then device_split per tried
    // feature); otherwise the builder sweeps the node's presorted values itself.
    virtual bool use_device(size_t /*m*/) const { return false; }
    // The node's rows (indices into the full training set), before its device_split calls.
    virtual wasi_gpu::Error begin_node(const uint32_t*, size_t) { return wasi_gpu::Error::None; }
    // Best split among `thresholds` (ascending, non-empty) for `feature` over the rows of the last begin_node.
    virtual wasi_gpu::Error device_split(size_t /*n_rows*/, size_t /*feature*/, const std::vector<float>& /*thresholds*/,
                                         Split& out) {
        out = Split{};
        return wasi_gpu::Error::None;
    }
};

// Midpoints between the distinct sorted values of `feature` over `rows`.
void midpoints(const Dataset& ds, const uint32_t* rows, size_t n, size_t feature, std::vector<float>& out);

// One row of a node in one feature's presorted list: the value, the label, the row.
struct Entry {
    float v;
    float y;
    uint32_t r;
};

// Best midpoint split of m entries sorted by v: running sums (double) over the ascending thresholds,
// score SSE(left) + SSE(right), empty sides skipped, the first lowest score wins.
Split sweep(const Entry* p, size_t m);

// CPU path: bootstrap from the guest's RNG; every node swept in the guest.
class CpuTrainer : public Trainer {
public:
    wasi_gpu::Error bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) override;
    // Best split of `feature` over `rows` (sorts them; the builder uses presorted lists instead).
    wasi_gpu::Error best_split(const Dataset& ds, const uint32_t* rows, size_t n, size_t feature, Split& out);
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
