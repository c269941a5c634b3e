#include "gpu_executor.hpp"

#include <cmath>

namespace ml {

using wasi_gpu::Error;
#define TRY(expr)                                   \
    do {                                            \
        Error e_ = (expr);                          \
        if (e_ != Error::None) return e_;           \
    } while (0)

Error GpuBuffer::create(uint64_t size) {
    reset();
    auto r = wasi_gpu::buffer_create(size ? size : 4, WASI_GPU_BUFFER_USAGE_STORAGE | WASI_GPU_BUFFER_USAGE_COPY_SRC |
                                                          WASI_GPU_BUFFER_USAGE_COPY_DST);
    if (r.ok()) id_ = r.value;
    return r.error;
}

void GpuBuffer::reset() {
    if (id_) wasi_gpu::buffer_destroy(id_);
    id_ = 0;
}

Error GpuTrainer::init(const Dataset& ds) {
    n_rows_ = ds.n_samples;
    n_features_ = ds.n_features;
    uint64_t n4 = (uint64_t)ds.n_samples * 4;
    TRY(data_.create(ds.data.size() * 4));
    TRY(wasi_gpu::buffer_write_f32(data_.id(), 0, ds.data).error);
    TRY(labels_.create(n4));
    TRY(wasi_gpu::buffer_write_f32(labels_.id(), 0, ds.labels).error);
    TRY(indices_.create(n4));
    TRY(thresholds_.create(n4));
    TRY(scores_.create(n4));
    TRY(boot_.create(n4));
    return Error::None;
}

Error GpuTrainer::bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) {
    uint32_t seed = (uint32_t)rng();
    TRY(wasi_gpu::kernel_bootstrap_sample((uint32_t)n, seed, (uint32_t)n_rows_, boot_.id()).error);
    ++kernel_calls;
    auto r = wasi_gpu::buffer_read_u32(boot_.id(), 0, n);
    if (!r.ok()) return r.error;
    for (uint32_t v : r.value)
        if (v >= n_rows_) return Error::Malformed;  // host bug: refuse rather than index out of range
    rows = std::move(r.value);
    return Error::None;
}

Error GpuTrainer::begin_node(const uint32_t* rows, size_t n) {
    return wasi_gpu::buffer_write_u32(indices_.id(), 0, rows, n).error;
}

Error GpuTrainer::device_split(size_t n, size_t feature, const std::vector<float>& thr, Split& out) {
    out = Split{};
    TRY(wasi_gpu::buffer_write_f32(thresholds_.id(), 0, thr).error);
    TRY(wasi_gpu::kernel_find_split((uint32_t)n, (uint32_t)n_features_, (uint32_t)feature, (uint32_t)thr.size(), data_.id(),
                                    labels_.id(), indices_.id(), thresholds_.id(), scores_.id())
            .error);
    ++kernel_calls;
    auto r = wasi_gpu::buffer_read_f32(scores_.id(), 0, thr.size());
    if (!r.ok()) return r.error;
    for (size_t i = 0; i < thr.size(); ++i) {
        float s = r.value[i];
        if (std::isfinite(s) && (!out.found || (double)s < out.score)) out = Split{true, thr[i], (double)s};
    }
    return Error::None;
}

Error predict_gpu(const RandomForest& f, const std::vector<float>& samples, std::vector<float>& out) {
    size_t n = samples.size() / f.n_features;
    std::vector<Node> nodes;
    std::vector<uint32_t> offsets;
    f.flatten(nodes, offsets);
    GpuBuffer s, nb, ob, o;
    TRY(s.create(samples.size() * 4));
    TRY(wasi_gpu::buffer_write_f32(s.id(), 0, samples).error);
    TRY(nb.create(nodes.size() * sizeof(Node)));
    TRY(wasi_gpu::buffer_write(nb.id(), 0, nodes.data(), nodes.size() * sizeof(Node)).error);
    TRY(ob.create(offsets.size() * 4));
    TRY(wasi_gpu::buffer_write_u32(ob.id(), 0, offsets.data(), offsets.size()).error);
    TRY(o.create(n * 4));
    TRY(wasi_gpu::kernel_batch_predict((uint32_t)n, (uint32_t)f.n_features, (uint32_t)f.trees.size(), (uint32_t)f.max_depth, s.id(),
                                       nb.id(), ob.id(), o.id())
            .error);
    wasi_gpu::sync();
    auto r = wasi_gpu::buffer_read_f32(o.id(), 0, n);
    if (!r.ok()) return r.error;
    out = std::move(r.value);
    return Error::None;
}

Error predict_gpu_average(const RandomForest& f, const std::vector<float>& samples, std::vector<float>& out) {
    size_t n = samples.size() / f.n_features;
    std::vector<float> preds;
    preds.reserve(n * f.trees.size());
    for (size_t i = 0; i < n; ++i)
        for (const Tree& t : f.trees) preds.push_back(t.predict(samples.data() + i * f.n_features));
    GpuBuffer p, o;
    TRY(p.create(preds.size() * 4));
    TRY(wasi_gpu::buffer_write_f32(p.id(), 0, preds).error);
    TRY(o.create(n * 4));
    TRY(wasi_gpu::kernel_average((uint32_t)f.trees.size(), (uint32_t)n, p.id(), o.id()).error);
    wasi_gpu::sync();
    auto r = wasi_gpu::buffer_read_f32(o.id(), 0, n);
    if (!r.ok()) return r.error;
    out = std::move(r.value);
    return Error::None;
}

}  // namespace ml
