#include "random_forest.hpp"

#include <algorithm>
#include <numeric>

namespace ml {

using wasi_gpu::Error;

float Tree::predict(const float* x) const {
    size_t i = 0;
    while (true) {
        const Node& n = nodes[i];
        if (n.feature < 0) return n.value;
        i = (size_t)(x[n.feature] <= n.value ? n.left : n.right);
    }
}

static int depth_of(const std::vector<Node>& nodes, size_t i) {
    const Node& n = nodes[i];
    if (n.feature < 0) return 0;
    return 1 + std::max(depth_of(nodes, (size_t)n.left), depth_of(nodes, (size_t)n.right));
}
int Tree::depth() const { return depth_of(nodes, 0); }

void midpoints(const Dataset& ds, const uint32_t* rows, size_t n, size_t feature, std::vector<float>& out) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = ds.at(rows[i], feature);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    out.clear();
    for (size_t i = 0; i + 1 < v.size(); ++i) out.push_back((v[i] + v[i + 1]) / 2.0f);
}

Error CpuTrainer::bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) {
    std::uniform_int_distribution<uint32_t> dist(0, (uint32_t)n - 1);
    rows.resize(n);
    for (size_t i = 0; i < n; ++i) rows[i] = dist(rng);
    return Error::None;
}

// Sort once, sweep the thresholds with running sums (double).
Error CpuTrainer::best_split(const Dataset& ds, const uint32_t* rows, size_t m, size_t feature, Split& out) {
    out = Split{};
    auto& p = pairs_;
    p.resize(m);
    double ts = 0, tss = 0;
    for (size_t i = 0; i < m; ++i) {
        p[i] = {ds.at(rows[i], feature), ds.labels[rows[i]]};
        ts += p[i].second;
        tss += (double)p[i].second * p[i].second;
    }
    std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double ls = 0, lss = 0;
    size_t k = 0;
    for (size_t i = 0; i + 1 < m; ++i) {
        if (!(p[i].first < p[i + 1].first)) continue;
        float t = (p[i].first + p[i + 1].first) / 2.0f;
        while (k < m && p[k].first <= t) {
            double y = p[k].second;
            ls += y;
            lss += y * y;
            ++k;
        }
        if (k == 0 || k == m) continue;
        double nl = (double)k, nr = (double)(m - k), rs = ts - ls, rss = tss - lss;
        double sse = std::max(0.0, lss - ls * ls / nl) + std::max(0.0, rss - rs * rs / nr);
        if (!out.found || sse < out.score) out = Split{true, t, sse};
    }
    return Error::None;
}

namespace {
struct Builder {
    const Dataset& ds;
    const Params& params;
    Trainer& trainer;
    std::mt19937& rng;
    std::vector<size_t> features;

    Node leaf(const uint32_t* rows, size_t n) const {
        double s = 0;
        for (size_t i = 0; i < n; ++i) s += ds.labels[rows[i]];
        return Node{-1, n ? (float)(s / (double)n) : 0.0f, 0, 0};
    }

    Error build(std::vector<Node>& nodes, uint32_t* rows, size_t n, int depth, int32_t& index) {
        index = (int32_t)nodes.size();
        nodes.push_back(leaf(rows, n));
        if (depth >= params.max_depth || n < 2) return Error::None;
        size_t nf = features.size(), k = std::min((size_t)params.max_features, nf);
        for (size_t i = 0; i < k; ++i) {  // partial Fisher-Yates
            std::uniform_int_distribution<size_t> d(i, nf - 1);
            std::swap(features[i], features[d(rng)]);
        }
        Error e = trainer.begin_node(rows, n);
        if (e != Error::None) return e;
        Split best;
        size_t best_f = 0;
        for (size_t fi = 0; fi < k; ++fi) {
            Split s;
            e = trainer.best_split(ds, rows, n, features[fi], s);
            if (e != Error::None) return e;
            if (s.found && (!best.found || s.score < best.score)) {
                best = s;
                best_f = features[fi];
            }
        }
        if (!best.found) return Error::None;
        size_t split = 0;  // in-place partition: x <= t to the front
        for (size_t i = 0; i < n; ++i)
            if (ds.at(rows[i], best_f) <= best.threshold) std::swap(rows[i], rows[split++]);
        if (split == 0 || split == n) return Error::None;
        int32_t l = 0, r = 0;
        if ((e = build(nodes, rows, split, depth + 1, l)) != Error::None) return e;
        if ((e = build(nodes, rows + split, n - split, depth + 1, r)) != Error::None) return e;
        nodes[(size_t)index] = Node{(int32_t)best_f, best.threshold, l, r};
        return Error::None;
    }
};
}  // namespace

Error RandomForest::train(const Dataset& ds, const Params& params, Trainer& trainer, std::mt19937& rng,
                          const std::function<void(int)>& progress) {
    trees.clear();
    n_features = ds.n_features;
    max_depth = params.max_depth;
    Builder b{ds, params, trainer, rng, std::vector<size_t>(ds.n_features)};
    std::iota(b.features.begin(), b.features.end(), 0);
    std::vector<uint32_t> rows;
    for (int t = 0; t < params.n_trees; ++t) {
        Error e = trainer.bootstrap(ds.n_samples, rng, rows);
        if (e != Error::None) return e;
        Tree tree;
        int32_t root = 0;
        if ((e = b.build(tree.nodes, rows.data(), rows.size(), 0, root)) != Error::None) return e;
        trees.push_back(std::move(tree));
        if (progress) progress(t + 1);
    }
    return Error::None;
}

std::vector<float> RandomForest::predict_cpu(const std::vector<float>& samples) const {
    size_t n = samples.size() / n_features;
    std::vector<float> out(n);
    for (size_t s = 0; s < n; ++s) {
        double acc = 0;
        for (const Tree& t : trees) acc += t.predict(samples.data() + s * n_features);
        out[s] = (float)(acc / (double)trees.size());
    }
    return out;
}

void RandomForest::flatten(std::vector<Node>& nodes, std::vector<uint32_t>& offsets) const {
    nodes.clear();
    offsets.clear();
    for (const Tree& t : trees) {
        offsets.push_back((uint32_t)nodes.size());
        nodes.insert(nodes.end(), t.nodes.begin(), t.nodes.end());
    }
}

size_t RandomForest::node_count() const {
    size_t n = 0;
    for (const Tree& t : trees) n += t.nodes.size();
    return n;
}

int RandomForest::max_tree_depth() const {
    int d = 0;
    for (const Tree& t : trees) d = std::max(d, t.depth());
    return d;
}

double mse(const std::vector<float>& pred, const std::vector<float>& truth) {
    double s = 0;
    for (size_t i = 0; i < truth.size(); ++i) {
        double d = (double)pred[i] - truth[i];
        s += d * d;
    }
    return truth.empty() ? 0 : s / (double)truth.size();
}

}  // namespace ml
