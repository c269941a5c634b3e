// wasi_gpu.h — C++17 bindings for wasi:gpu/compute@0.1.0 and wasi:gpu/ml-kernels@0.1.0 (TeeWasm host),
// in the core-wasm ABI of the original host (docs/wasi-gpu.md): every function returns void and writes
// its result at a trailing retptr (8-byte aligned): [+0] i32 0 Ok / 1 Err, [+4] payload (buffer id; for
// lists a pointer, length at [+8]) or the error code. Lists/strings the host returns are allocated in
// the guest through its exported cabi_realloc(0, 0, 1, len) (guests/cpp/src/cabi_realloc.c: malloc
// memory) — the wrappers copy them and free() them. No exceptions: results are wasi_gpu::Result<T>.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__wasm32__)
#define WASI_GPU_IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
extern "C" {
// wasi:gpu/compute@0.1.0
WASI_GPU_IMPORT("wasi:gpu/compute@0.1.0", "get-device-info") void __wasi_gpu_get_device_info(int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/compute@0.1.0", "buffer-create") void __wasi_gpu_buffer_create(int64_t size, int32_t usage, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/compute@0.1.0", "buffer-write")
void __wasi_gpu_buffer_write(int32_t buffer, int64_t offset, int32_t data_ptr, int32_t data_len, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/compute@0.1.0", "buffer-read") void __wasi_gpu_buffer_read(int32_t buffer, int64_t offset, int32_t size, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/compute@0.1.0", "buffer-copy")
void __wasi_gpu_buffer_copy(int32_t src, int64_t src_offset, int32_t dst, int64_t dst_offset, int64_t size, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/compute@0.1.0", "buffer-destroy") void __wasi_gpu_buffer_destroy(int32_t buffer, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/compute@0.1.0", "sync") void __wasi_gpu_sync(void);
// wasi:gpu/ml-kernels@0.1.0
WASI_GPU_IMPORT("wasi:gpu/ml-kernels@0.1.0", "kernel-bootstrap-sample")
void __wasi_gpu_kernel_bootstrap_sample(int32_t n_samples, int32_t seed, int32_t max_index, int32_t output, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/ml-kernels@0.1.0", "kernel-find-split")
void __wasi_gpu_kernel_find_split(int32_t n_samples, int32_t n_features, int32_t feature_idx, int32_t n_thresholds, int32_t data,
                                  int32_t labels, int32_t indices, int32_t thresholds, int32_t output_scores, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/ml-kernels@0.1.0", "kernel-average")
void __wasi_gpu_kernel_average(int32_t n_trees, int32_t n_samples, int32_t tree_predictions, int32_t output, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/ml-kernels@0.1.0", "kernel-matmul")
void __wasi_gpu_kernel_matmul(int32_t m, int32_t k, int32_t n, int32_t trans_a, int32_t trans_b, float alpha, float beta, int32_t a,
                              int32_t b, int32_t c, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/ml-kernels@0.1.0", "kernel-elementwise")
void __wasi_gpu_kernel_elementwise(int32_t n_elements, int32_t op, int32_t input_a, int32_t input_b_is_some, int32_t input_b,
                                   int32_t output, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/ml-kernels@0.1.0", "kernel-reduce")
void __wasi_gpu_kernel_reduce(int32_t n_elements, int32_t op, int32_t input, int32_t output, int32_t ret);
WASI_GPU_IMPORT("wasi:gpu/ml-kernels@0.1.0", "kernel-batch-predict")
void __wasi_gpu_kernel_batch_predict(int32_t batch_size, int32_t n_features, int32_t n_trees, int32_t max_depth, int32_t samples,
                                     int32_t tree_nodes, int32_t tree_offsets, int32_t output, int32_t ret);
}
#undef WASI_GPU_IMPORT
#define WASI_GPU_PTR(p) ((int32_t)(uintptr_t)(p))
#endif

#define WASI_GPU_BUFFER_USAGE_MAP_READ 1u
#define WASI_GPU_BUFFER_USAGE_MAP_WRITE 2u
#define WASI_GPU_BUFFER_USAGE_COPY_SRC 4u
#define WASI_GPU_BUFFER_USAGE_COPY_DST 8u
#define WASI_GPU_BUFFER_USAGE_UNIFORM 16u
#define WASI_GPU_BUFFER_USAGE_STORAGE 32u

namespace wasi_gpu {

enum class Error : int32_t {
    None = -1,
    OutOfMemory = 0,
    InvalidBuffer = 1,
    KernelError = 2,
    DeviceUnavailable = 3,
    InvalidParams = 4,
    Malformed = 100,  // a result outside the ABI (host bug)
};

inline const char* error_name(Error e) {
    switch (e) {
        case Error::None: return "ok";
        case Error::OutOfMemory: return "out of memory";
        case Error::InvalidBuffer: return "invalid buffer";
        case Error::KernelError: return "kernel error";
        case Error::DeviceUnavailable: return "device unavailable";
        case Error::InvalidParams: return "invalid parameters";
        default: return "unexpected result";
    }
}

template <typename T>
struct Result {
    Error error = Error::None;
    T value{};
    bool ok() const { return error == Error::None; }
};
struct Status {
    Error error = Error::None;
    bool ok() const { return error == Error::None; }
};

enum ElementwiseOp : uint32_t { RELU = 0, SIGMOID, TANH, ADD, MUL, SQRT, EXP, LOG };
enum ReduceOp : uint32_t { SUM = 0, MAX, MIN, MEAN, VARIANCE };

using BufferId = uint32_t;

struct DeviceInfo {
    std::string name, backend, compute_capability;
    uint64_t total_memory = 0;
    bool is_hardware = false;
    // The guests' rule: a device is present when it has a name and memory.
    bool available() const { return !name.empty() && total_memory > 0; }
};

namespace detail {
struct alignas(8) RetArea {
    uint8_t b[40];
    RetArea() { std::memset(b, 0, sizeof b); }
    int32_t word(size_t off) const { int32_t v; std::memcpy(&v, b + off, 4); return v; }
    uint64_t u64(size_t off) const { uint64_t v; std::memcpy(&v, b + off, 8); return v; }
    int32_t ptr() { return (int32_t)(uintptr_t)b; }
    Error status() const {
        if (word(0) == 0) return Error::None;
        if (word(0) != 1) return Error::Malformed;
        int32_t c = word(4);
        return (c >= 0 && c <= 4) ? (Error)c : Error::Malformed;
    }
};
// Copy out and free a host-allocated list (cabi_realloc => malloc); len 0 was not allocated.
inline std::vector<uint8_t> take_list(int32_t ptr, int32_t len) {
    std::vector<uint8_t> v;
    if (ptr == 0 || len <= 0) return v;
    uint8_t* p = (uint8_t*)(uintptr_t)(uint32_t)ptr;
    v.assign(p, p + len);
    std::free(p);
    return v;
}
inline std::string take_string(int32_t ptr, int32_t len) {
    std::vector<uint8_t> v = take_list(ptr, len);
    return std::string(v.begin(), v.end());
}
}  // namespace detail

#if defined(__wasm32__)
inline DeviceInfo get_device_info() {
    detail::RetArea r;
    __wasi_gpu_get_device_info(r.ptr());
    DeviceInfo d;
    d.name = detail::take_string(r.word(0), r.word(4));
    d.backend = detail::take_string(r.word(8), r.word(12));
    d.total_memory = r.u64(16);
    d.is_hardware = r.word(24) != 0;
    d.compute_capability = detail::take_string(r.word(28), r.word(32));
    return d;
}
inline Result<BufferId> buffer_create(uint64_t size, uint32_t usage) {
    detail::RetArea r;
    __wasi_gpu_buffer_create((int64_t)size, (int32_t)usage, r.ptr());
    Result<BufferId> res;
    res.error = r.status();
    if (res.ok()) res.value = (BufferId)r.word(4);
    return res;
}
inline Status buffer_write(BufferId b, uint64_t offset, const void* data, size_t len) {
    detail::RetArea r;
    __wasi_gpu_buffer_write((int32_t)b, (int64_t)offset, WASI_GPU_PTR(data), (int32_t)len, r.ptr());
    return Status{r.status()};
}
inline Result<std::vector<uint8_t>> buffer_read(BufferId b, uint64_t offset, uint32_t size) {
    detail::RetArea r;
    __wasi_gpu_buffer_read((int32_t)b, (int64_t)offset, (int32_t)size, r.ptr());
    Result<std::vector<uint8_t>> res;
    res.error = r.status();
    if (res.ok()) {
        res.value = detail::take_list(r.word(4), r.word(8));
        if (res.value.size() != size) res.error = Error::Malformed;
    }
    return res;
}
inline Status buffer_copy(BufferId src, uint64_t src_offset, BufferId dst, uint64_t dst_offset, uint64_t size) {
    detail::RetArea r;
    __wasi_gpu_buffer_copy((int32_t)src, (int64_t)src_offset, (int32_t)dst, (int64_t)dst_offset, (int64_t)size, r.ptr());
    return Status{r.status()};
}
inline Status buffer_destroy(BufferId b) {
    detail::RetArea r;
    __wasi_gpu_buffer_destroy((int32_t)b, r.ptr());
    return Status{r.status()};
}
inline void sync() { __wasi_gpu_sync(); }

inline Status kernel_bootstrap_sample(uint32_t n_samples, uint32_t seed, uint32_t max_index, BufferId output) {
    detail::RetArea r;
    __wasi_gpu_kernel_bootstrap_sample((int32_t)n_samples, (int32_t)seed, (int32_t)max_index, (int32_t)output, r.ptr());
    return Status{r.status()};
}
inline Status kernel_find_split(uint32_t n_samples, uint32_t n_features, uint32_t feature_idx, uint32_t n_thresholds, BufferId data,
                                BufferId labels, BufferId indices, BufferId thresholds, BufferId output_scores) {
    detail::RetArea r;
    __wasi_gpu_kernel_find_split((int32_t)n_samples, (int32_t)n_features, (int32_t)feature_idx, (int32_t)n_thresholds, (int32_t)data,
                                 (int32_t)labels, (int32_t)indices, (int32_t)thresholds, (int32_t)output_scores, r.ptr());
    return Status{r.status()};
}
inline Status kernel_average(uint32_t n_trees, uint32_t n_samples, BufferId tree_predictions, BufferId output) {
    detail::RetArea r;
    __wasi_gpu_kernel_average((int32_t)n_trees, (int32_t)n_samples, (int32_t)tree_predictions, (int32_t)output, r.ptr());
    return Status{r.status()};
}
inline Status kernel_matmul(uint32_t m, uint32_t k, uint32_t n, bool trans_a, bool trans_b, float alpha, float beta, BufferId a,
                            BufferId b, BufferId c) {
    detail::RetArea r;
    __wasi_gpu_kernel_matmul((int32_t)m, (int32_t)k, (int32_t)n, trans_a ? 1 : 0, trans_b ? 1 : 0, alpha, beta, (int32_t)a,
                             (int32_t)b, (int32_t)c, r.ptr());
    return Status{r.status()};
}
inline Status kernel_elementwise(uint32_t n_elements, ElementwiseOp op, BufferId input_a, const BufferId* input_b, BufferId output) {
    detail::RetArea r;
    __wasi_gpu_kernel_elementwise((int32_t)n_elements, (int32_t)op, (int32_t)input_a, input_b ? 1 : 0,
                                  input_b ? (int32_t)*input_b : 0, (int32_t)output, r.ptr());
    return Status{r.status()};
}
inline Status kernel_reduce(uint32_t n_elements, ReduceOp op, BufferId input, BufferId output) {
    detail::RetArea r;
    __wasi_gpu_kernel_reduce((int32_t)n_elements, (int32_t)op, (int32_t)input, (int32_t)output, r.ptr());
    return Status{r.status()};
}
inline Status kernel_batch_predict(uint32_t batch_size, uint32_t n_features, uint32_t n_trees, uint32_t max_depth, BufferId samples,
                                   BufferId tree_nodes, BufferId tree_offsets, BufferId output) {
    detail::RetArea r;
    __wasi_gpu_kernel_batch_predict((int32_t)batch_size, (int32_t)n_features, (int32_t)n_trees, (int32_t)max_depth, (int32_t)samples,
                                    (int32_t)tree_nodes, (int32_t)tree_offsets, (int32_t)output, r.ptr());
    return Status{r.status()};
}
#else
// Native builds (unit tests): no device.
inline DeviceInfo get_device_info() { return DeviceInfo{}; }
inline Result<BufferId> buffer_create(uint64_t, uint32_t) { return {Error::DeviceUnavailable, 0}; }
inline Status buffer_write(BufferId, uint64_t, const void*, size_t) { return {Error::DeviceUnavailable}; }
inline Result<std::vector<uint8_t>> buffer_read(BufferId, uint64_t, uint32_t) { return {Error::DeviceUnavailable, {}}; }
inline Status buffer_copy(BufferId, uint64_t, BufferId, uint64_t, uint64_t) { return {Error::DeviceUnavailable}; }
inline Status buffer_destroy(BufferId) { return {Error::DeviceUnavailable}; }
inline void sync() {}
inline Status kernel_bootstrap_sample(uint32_t, uint32_t, uint32_t, BufferId) { return {Error::DeviceUnavailable}; }
inline Status kernel_find_split(uint32_t, uint32_t, uint32_t, uint32_t, BufferId, BufferId, BufferId, BufferId, BufferId) {
    return {Error::DeviceUnavailable};
}
inline Status kernel_average(uint32_t, uint32_t, BufferId, BufferId) { return {Error::DeviceUnavailable}; }
inline Status kernel_matmul(uint32_t, uint32_t, uint32_t, bool, bool, float, float, BufferId, BufferId, BufferId) {
    return {Error::DeviceUnavailable};
}
inline Status kernel_elementwise(uint32_t, ElementwiseOp, BufferId, const BufferId*, BufferId) { return {Error::DeviceUnavailable}; }
inline Status kernel_reduce(uint32_t, ReduceOp, BufferId, BufferId) { return {Error::DeviceUnavailable}; }
inline Status kernel_batch_predict(uint32_t, uint32_t, uint32_t, uint32_t, BufferId, BufferId, BufferId, BufferId) {
    return {Error::DeviceUnavailable};
}
#endif

// Typed helpers (wasm32 is little-endian: f32/u32 arrays are written as they are in memory).
inline Status buffer_write_f32(BufferId b, uint64_t offset, const std::vector<float>& v) {
    return buffer_write(b, offset, v.data(), v.size() * 4);
}
inline Status buffer_write_u32(BufferId b, uint64_t offset, const uint32_t* v, size_t n) { return buffer_write(b, offset, v, n * 4); }
inline Result<std::vector<float>> buffer_read_f32(BufferId b, uint64_t offset, size_t count) {
    Result<std::vector<float>> out;
    auto r = buffer_read(b, offset, (uint32_t)(count * 4));
    out.error = r.error;
    if (r.ok()) {
        out.value.resize(count);
        std::memcpy(out.value.data(), r.value.data(), count * 4);
    }
    return out;
}
inline Result<std::vector<uint32_t>> buffer_read_u32(BufferId b, uint64_t offset, size_t count) {
    Result<std::vector<uint32_t>> out;
    auto r = buffer_read(b, offset, (uint32_t)(count * 4));
    out.error = r.error;
    if (r.ok()) {
        out.value.resize(count);
        std::memcpy(out.value.data(), r.value.data(), count * 4);
    }
    return out;
}

}  // namespace wasi_gpu
