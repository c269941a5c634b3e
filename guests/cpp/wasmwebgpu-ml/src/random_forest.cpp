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

Split sweep(const Entry* p, size_t m) {
    Split out;
    double ts = 0, tss = 0;
    for (size_t i = 0; i < m; ++i) {
        ts += p[i].y;
        tss += (double)p[i].y * p[i].y;
    }
    double ls = 0, lss = 0;
    size_t k = 0;
    for (size_t i = 0; i + 1 < m; ++i) {
        if (!(p[i].v < p[i + 1].v)) continue;
        float t = (p[i].v + p[i + 1].v) / 2.0f;
        while (k < m && p[k].v <= t) {
            double y = p[k].y;
            ls += y;
            lss += y * y;
            ++k;
        }
        if (k == 0 || k == m) continue;
        double nl = (double)k, nr = (double)(m - k), rs = ts - ls, rss = tss - lss;
        double sse = std::max(0.0, lss - ls * ls / nl) + std::max(0.0, rss - rs * rs / nr);
        if (!out.found || sse < out.score) out = Split{true, t, sse};
    }
    return out;
}

Error CpuTrainer::best_split(const Dataset& ds, const uint32_t* rows, size_t m, size_t feature, Split& out) {
    std::vector<Entry> p(m);
    for (size_t i = 0; i < m; ++i) p[i] = Entry{ds.at(rows[i], feature), ds.labels[rows[i]], rows[i]};
    std::stable_sort(p.begin(), p.end(), [](const Entry& a, const Entry& b) { return a.v < b.v; });
    out = sweep(p.data(), m);
    return Error::None;
}

namespace {
// Grows trees over per-feature presorted lists: lists[f*n .. f*n+n) holds the tree's bootstrap rows sorted
// by feature f (built in O(n) per feature from a global sort order); a node is the same segment [lo, hi)
// of every list, so its values come sorted (no sort per node), and a split stably partitions the other
// features' segments. The trees are the ones a sort-per-node builder grows.
struct Builder {
    const Dataset& ds;
    const Params& params;
    Trainer& trainer;
    std::mt19937& rng;
    std::vector<size_t> features;
    std::vector<std::vector<uint32_t>> order;  // rows sorted by each feature over the whole set
    size_t n = 0;
    std::vector<Entry> lists, tmp;
    std::vector<uint8_t> left;
    std::vector<uint32_t> counts, rows;
    std::vector<float> thr;

    Builder(const Dataset& d, const Params& p, Trainer& t, std::mt19937& r)
        : ds(d), params(p), trainer(t), rng(r), features(d.n_features), order(d.n_features), left(d.n_samples),
          counts(d.n_samples) {
        std::iota(features.begin(), features.end(), 0);
        for (size_t f = 0; f < ds.n_features; ++f) {
            auto& o = order[f];
            o.resize(ds.n_samples);
            std::iota(o.begin(), o.end(), 0u);
            std::stable_sort(o.begin(), o.end(), [&](uint32_t a, uint32_t b) { return ds.at(a, f) < ds.at(b, f); });
        }
    }

    void load(const std::vector<uint32_t>& sample) {
        std::fill(counts.begin(), counts.end(), 0u);
        for (uint32_t r : sample) ++counts[r];
        n = sample.size();
        lists.clear();
        lists.reserve(n * ds.n_features);
        for (size_t f = 0; f < ds.n_features; ++f)
            for (uint32_t r : order[f]) {
                Entry e{ds.at(r, f), ds.labels[r], r};
                for (uint32_t c = 0; c < counts[r]; ++c) lists.push_back(e);
            }
        tmp.resize(n);
    }

    Error build(std::vector<Node>& nodes, size_t lo, size_t hi, int depth, int32_t& index) {
        size_t nf = ds.n_features, m = hi - lo;
        index = (int32_t)nodes.size();
        double sum = 0;
        for (size_t i = lo; i < hi; ++i) sum += lists[i].y;
        nodes.push_back(Node{-1, m ? (float)(sum / (double)m) : 0.0f, 0, 0});
        if (depth >= params.max_depth || m < 2) return Error::None;
        size_t k = std::min((size_t)params.max_features, nf);
        for (size_t i = 0; i < k; ++i) {  // partial Fisher-Yates
            std::uniform_int_distribution<size_t> d(i, nf - 1);
            std::swap(features[i], features[d(rng)]);
        }
        bool device = trainer.use_device(m);
        Error e = Error::None;
        if (device) {
            rows.resize(m);
            for (size_t i = 0; i < m; ++i) rows[i] = lists[lo + i].r;
            if ((e = trainer.begin_node(rows.data(), m)) != Error::None) return e;
        }
        Split best;
        size_t best_f = 0;
        for (size_t fi = 0; fi < k; ++fi) {
            size_t f = features[fi];
            const Entry* seg = lists.data() + f * n + lo;
            Split s;
            if (device) {
                thr.clear();
                for (size_t i = 0; i + 1 < m; ++i)
                    if (seg[i].v < seg[i + 1].v) thr.push_back((seg[i].v + seg[i + 1].v) / 2.0f);
                if (!thr.empty() && (e = trainer.device_split(m, f, thr, s)) != Error::None) return e;
            } else {
                s = sweep(seg, m);
            }
            if (s.found && (!best.found || s.score < best.score)) {
                best = s;
                best_f = f;
            }
        }
        if (!best.found) return Error::None;
        // Sorted by best_f: the rows going left (x <= t) are a prefix of its segment.
        const Entry* seg = lists.data() + best_f * n + lo;
        size_t split = 0;
        while (split < m && seg[split].v <= best.threshold) ++split;
        if (split == 0 || split == m) return Error::None;
        for (size_t i = 0; i < m; ++i) left[seg[i].r] = i < split;
        for (size_t g = 0; g < nf; ++g) {
            if (g == best_f) continue;
            Entry* s = lists.data() + g * n + lo;
            size_t a = 0, b = split;
            for (size_t i = 0; i < m; ++i) {
                if (left[s[i].r])
                    tmp[a++] = s[i];
                else
                    tmp[b++] = s[i];
            }
            std::copy(tmp.begin(), tmp.begin() + (long)m, s);
        }
        int32_t l = 0, r = 0;
        if ((e = build(nodes, lo, lo + split, depth + 1, l)) != Error::None) return e;
        if ((e = build(nodes, lo + split, hi, depth + 1, r)) != Error::None) return e;
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
    Builder b(ds, params, trainer, rng);
    std::vector<uint32_t> rows;
    for (int t = 0; t < params.n_trees; ++t) {
        Error e = trainer.bootstrap(ds.n_samples, rng, rows);
        if (e != Error::None) return e;
        b.load(rows);
        Tree tree;
        int32_t root = 0;
        if ((e = b.build(tree.nodes, 0, rows.size(), 0, root)) != Error::None) return e;
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
