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

// Nodes with fewer rows are swept in the guest on the GPU path (GpuTrainer::min_device_rows): below it,
// three host calls per tried feature cost more than the sweep over the presorted rows.
constexpr size_t kDefaultMinDeviceRows = 128;

class GpuTrainer : public Trainer {
public:
    // Uploads the training data and labels once; prints nothing.
    wasi_gpu::Error init(const Dataset& ds);
    wasi_gpu::Error bootstrap(size_t n, std::mt19937& rng, std::vector<uint32_t>& rows) override;
    bool use_device(size_t m) const override { return m >= min_device_rows; }
    wasi_gpu::Error begin_node(const uint32_t* rows, size_t n) override;
    wasi_gpu::Error device_split(size_t n_rows, size_t feature, const std::vector<float>& thresholds, Split& out) override;
    uint64_t kernel_calls = 0;
    size_t min_device_rows = kDefaultMinDeviceRows;  // 0 = every node on the device (the original's behaviour)

private:
    GpuBuffer data_, labels_, indices_, thresholds_, scores_, boot_;
    size_t n_rows_ = 0, n_features_ = 0;
};

// Forest inference on the device: one kernel-batch-predict launch.
wasi_gpu::Error predict_gpu(const RandomForest& f, const std::vector<float>& samples, std::vector<float>& out);
// Per-tree predictions on the CPU, averaged with kernel-average.
wasi_gpu::Error predict_gpu_average(const RandomForest& f, const std::vector<float>& samples, std::vector<float>& out);

}  // namespace ml
