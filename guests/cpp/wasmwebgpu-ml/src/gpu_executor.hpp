// gpu_executor.hpp — the wasi:gpu side of the benchmark: device detection, RAII buffers, the GPU trainer
// (kernel-bootstrap-sample + kernel-find-split on row indices into the full uploaded data) and GPU
// inference (kernel-batch-predict; kernel-average as a fallback).
#pragma once
#include <string>
#include <vector>

#include "random_forest.hpp"
#include "wasi_gpu.h"

namespace ml {

class GpuBuffer {
public:
    GpuBuffer() = default;
    ~GpuBuffer() { reset(); }
    GpuBuffer(const GpuBuffer&) = delete;
    GpuBuffer& operator=(const GpuBuffer&) = delete;
    wasi_gpu::Error create(uint64_t size);  // storage | copy-src | copy-dst
    void reset();
    wasi_gpu::BufferId id() const { return id_; }

private:
    wasi_gpu::BufferId id_ = 0;
};

class GpuExecutor {
public:
    GpuExecutor() : info_(wasi_gpu::get_device_info()) {}
    bool available() const { return info_.available(); }
    const wasi_gpu::DeviceInfo& info() const { return info_; }

private:
    wasi_gpu::DeviceInfo info_;
};

class GpuTrainer : public Trainer {
public:
    // Uploads the training data and labels once; prints nothing.
    wasi_gpu::Error init(const Dataset& ds);
    wasi_gpu::Error bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) override;
    wasi_gpu::Error begin_node(const uint32_t* rows, size_t n) override;
    wasi_gpu::Error best_split(const Dataset& ds, const uint32_t* rows, size_t n, size_t feature, Split& out) override;
    uint64_t kernel_calls = 0;

private:
    GpuBuffer data_, labels_, indices_, thresholds_, scores_, boot_;
    size_t n_rows_ = 0, n_features_ = 0;
    std::vector<float> thr_;
};

// Forest inference on the device: one kernel-batch-predict launch.
wasi_gpu::Error predict_gpu(const RandomForest& f, const std::vector<float>& samples, std::vector<float>& out);
// Per-tree predictions on the CPU, averaged with kernel-average.
wasi_gpu::Error predict_gpu_average(const RandomForest& f, const std::vector<float>& samples, std::vector<float>& out);

}  // namespace ml
