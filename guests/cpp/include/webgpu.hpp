// webgpu.hpp — header-only C++17 guest bindings for the TeeWasm host module `wasi:webgpu`.
//
// WebGPU compute with WGSL shaders, wrapped in move-only RAII types that release their host object when they go out
// of scope. No third-party dependencies; compiles with -fno-exceptions: calls that can fail return a Result<T>
// (check ok(), read error()), and the error text is the host's (WGSL errors carry line:column).
//
// Host ABI (details: docs/wasi-webgpu.md): ids are i32, 0 = failure; void calls report failure only through
// `get-last-error`, which returns a pointer to `[u32 LE length][UTF-8]` that the host allocated with the guest's
// exported `cabi_realloc(0, 0, 4, 4 + len)` (0 when there is no error). The guest must export `cabi_realloc`:
// link guests/cpp/src/cabi_realloc.c into it. The first 17 imports are the original host's; get-last-error,
// destroy-buffer and release-* are TeeWasm additions.
#ifndef TEE_WEBGPU_HPP
#define TEE_WEBGPU_HPP

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace tee_webgpu {

#if defined(__wasm32__)
extern "C" void __wasm_call_ctors(void);
#endif

// Runs the C/C++ constructors once; call it first thing in main(). Debian's wasi-libc (2022-05) _start does not
// call __wasm_call_ctors, so wasm-ld wraps every export of a command module -- cabi_realloc included -- in a
// wrapper that re-runs the constructors on each host call. Calling it here, once, removes the wrappers.
inline void run_constructors_once() {
#if defined(__wasm32__)
    static bool done = false;
    if (!done) {
        done = true;
        __wasm_call_ctors();
    }
#endif
}

// ------------------------------------------------------------------------------------------------
// Raw host imports
// ------------------------------------------------------------------------------------------------
namespace raw {
#if defined(__wasm__)
#define TEE_WEBGPU_IMPORT(name) __attribute__((import_module("wasi:webgpu"), import_name(name)))
extern "C" {
TEE_WEBGPU_IMPORT("create-instance") int32_t __tee_webgpu_create_instance(void);
TEE_WEBGPU_IMPORT("request-adapter") int32_t __tee_webgpu_request_adapter(int32_t instance, int32_t power_preference);
TEE_WEBGPU_IMPORT("request-device") int32_t __tee_webgpu_request_device(int32_t adapter);
TEE_WEBGPU_IMPORT("get-queue") int32_t __tee_webgpu_get_queue(int32_t device);
TEE_WEBGPU_IMPORT("create-buffer") int32_t __tee_webgpu_create_buffer(int32_t device, int64_t size, int32_t usage);
TEE_WEBGPU_IMPORT("queue-write-buffer") void __tee_webgpu_queue_write_buffer(int32_t queue, int32_t buffer, int64_t offset, const void* data, int32_t len);
TEE_WEBGPU_IMPORT("create-shader-module") int32_t __tee_webgpu_create_shader_module(int32_t device, const char* code, int32_t len);
TEE_WEBGPU_IMPORT("create-bind-group-layout") int32_t __tee_webgpu_create_bind_group_layout(int32_t device, int32_t count, const uint32_t* entries);
TEE_WEBGPU_IMPORT("create-compute-pipeline") int32_t __tee_webgpu_create_compute_pipeline(int32_t device, int32_t shader, const char* entry, int32_t entry_len, int32_t layout);
TEE_WEBGPU_IMPORT("create-bind-group") int32_t __tee_webgpu_create_bind_group(int32_t device, int32_t layout, int32_t count, const int32_t* buffer_ids);
TEE_WEBGPU_IMPORT("create-command-encoder") int32_t __tee_webgpu_create_command_encoder(int32_t device);
TEE_WEBGPU_IMPORT("dispatch-compute") void __tee_webgpu_dispatch_compute(int32_t encoder, int32_t pipeline, int32_t group, int32_t x, int32_t y, int32_t z);
TEE_WEBGPU_IMPORT("submit-commands") void __tee_webgpu_submit_commands(int32_t queue, int32_t encoder);
TEE_WEBGPU_IMPORT("copy-buffer-to-buffer") void __tee_webgpu_copy_buffer_to_buffer(int32_t encoder, int32_t src, int64_t src_offset, int32_t dst, int64_t dst_offset, int64_t size);
TEE_WEBGPU_IMPORT("buffer-map-async") void __tee_webgpu_buffer_map_async(int32_t buffer, int32_t mode, int64_t offset, int64_t size, int32_t cb_ptr, int32_t cb_len);
TEE_WEBGPU_IMPORT("buffer-get-mapped-range") void __tee_webgpu_buffer_get_mapped_range(int32_t buffer, int64_t offset, int64_t size, void* dest);
TEE_WEBGPU_IMPORT("buffer-unmap") void __tee_webgpu_buffer_unmap(int32_t buffer);
TEE_WEBGPU_IMPORT("get-last-error") int32_t __tee_webgpu_get_last_error(void);
TEE_WEBGPU_IMPORT("destroy-buffer") int32_t __tee_webgpu_destroy_buffer(int32_t id);
TEE_WEBGPU_IMPORT("release-shader-module") int32_t __tee_webgpu_release_shader_module(int32_t id);
TEE_WEBGPU_IMPORT("release-bind-group-layout") int32_t __tee_webgpu_release_bind_group_layout(int32_t id);
TEE_WEBGPU_IMPORT("release-compute-pipeline") int32_t __tee_webgpu_release_compute_pipeline(int32_t id);
TEE_WEBGPU_IMPORT("release-bind-group") int32_t __tee_webgpu_release_bind_group(int32_t id);
TEE_WEBGPU_IMPORT("release-command-encoder") int32_t __tee_webgpu_release_command_encoder(int32_t id);
}
#undef TEE_WEBGPU_IMPORT
#else
// Native stand-ins so the header compiles (and its pure parts test) off wasm: every call fails.
inline int32_t __tee_webgpu_create_instance(void) { return 0; }
inline int32_t __tee_webgpu_request_adapter(int32_t, int32_t) { return 0; }
inline int32_t __tee_webgpu_request_device(int32_t) { return 0; }
inline int32_t __tee_webgpu_get_queue(int32_t) { return 0; }
inline int32_t __tee_webgpu_create_buffer(int32_t, int64_t, int32_t) { return 0; }
inline void __tee_webgpu_queue_write_buffer(int32_t, int32_t, int64_t, const void*, int32_t) {}
inline int32_t __tee_webgpu_create_shader_module(int32_t, const char*, int32_t) { return 0; }
inline int32_t __tee_webgpu_create_bind_group_layout(int32_t, int32_t, const uint32_t*) { return 0; }
inline int32_t __tee_webgpu_create_compute_pipeline(int32_t, int32_t, const char*, int32_t, int32_t) { return 0; }
inline int32_t __tee_webgpu_create_bind_group(int32_t, int32_t, int32_t, const int32_t*) { return 0; }
inline int32_t __tee_webgpu_create_command_encoder(int32_t) { return 0; }
inline void __tee_webgpu_dispatch_compute(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t) {}
inline void __tee_webgpu_submit_commands(int32_t, int32_t) {}
inline void __tee_webgpu_copy_buffer_to_buffer(int32_t, int32_t, int64_t, int32_t, int64_t, int64_t) {}
inline void __tee_webgpu_buffer_map_async(int32_t, int32_t, int64_t, int64_t, int32_t, int32_t) {}
inline void __tee_webgpu_buffer_get_mapped_range(int32_t, int64_t, int64_t, void*) {}
inline void __tee_webgpu_buffer_unmap(int32_t) {}
inline int32_t __tee_webgpu_get_last_error(void) { return 0; }
inline int32_t __tee_webgpu_destroy_buffer(int32_t) { return 0; }
inline int32_t __tee_webgpu_release_shader_module(int32_t) { return 0; }
inline int32_t __tee_webgpu_release_bind_group_layout(int32_t) { return 0; }
inline int32_t __tee_webgpu_release_compute_pipeline(int32_t) { return 0; }
inline int32_t __tee_webgpu_release_bind_group(int32_t) { return 0; }
inline int32_t __tee_webgpu_release_command_encoder(int32_t) { return 0; }
#endif
}  // namespace raw

// ------------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------------

// The host's last error (and clears it); empty when there is none.
inline std::string last_error() {
    int32_t p = raw::__tee_webgpu_get_last_error();
    if (p == 0) return std::string();
    unsigned char* block = reinterpret_cast<unsigned char*>(static_cast<uintptr_t>(static_cast<uint32_t>(p)));
    uint32_t len = 0;
    std::memcpy(&len, block, 4);  // wasm32 is little-endian
    std::string text(reinterpret_cast<const char*>(block + 4), len);
    std::free(block);  // allocated by our cabi_realloc (malloc heap)
    return text;
}

// A value or the host's error message.
template <typename T>
class Result {
public:
    Result(T value) : value_(std::move(value)), ok_(true) {}
    static Result failure(std::string message) { return Result(std::move(message), 0); }
    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }
    T& value() { return value_; }
    T take() { return std::move(value_); }

private:
    Result(std::string message, int) : error_(std::move(message)), ok_(false) {}
    T value_{};
    std::string error_;
    bool ok_;
};

// Success or the host's error message.
class Status {
public:
    Status() = default;
    explicit Status(std::string message) : error_(std::move(message)), ok_(false) {}
    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }

private:
    std::string error_;
    bool ok_ = true;
};

namespace detail {
inline std::string failure(const char* what) {
    std::string e = last_error();
    return e.empty() ? std::string(what) + ": failed (the host gave no reason)" : e;
}
inline Status checked() {
    std::string e = last_error();
    return e.empty() ? Status() : Status(std::move(e));
}
inline void discard(int32_t released) {
    if (released == 0) (void)last_error();  // a failed release must not surface as a later call's error
}

// A move-only owner of one host id; Release is the import that frees it.
template <int32_t (*Release)(int32_t)>
class Handle {
public:
    Handle() = default;
    explicit Handle(int32_t id) : id_(id) {}
    Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, 0);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }
    int32_t id() const { return id_; }
    int32_t release() { return std::exchange(id_, 0); }
    void reset() {
        if (id_ != 0) discard(Release(std::exchange(id_, 0)));
    }

private:
    int32_t id_ = 0;
};
}  // namespace detail

// ------------------------------------------------------------------------------------------------
// Objects
// ------------------------------------------------------------------------------------------------

namespace usage {
inline constexpr uint32_t MapRead = 0x1, MapWrite = 0x2, CopySrc = 0x4, CopyDst = 0x8, Uniform = 0x40, Storage = 0x80;
}

enum class BindingType : uint32_t { Storage = 0, ReadOnlyStorage = 1, Uniform = 2 };

// One explicit layout entry; in guest memory {u32 binding, u32 type, u32 min_size}.
struct LayoutEntry {
    uint32_t binding;
    BindingType type;
    uint32_t min_size;
};

class Buffer {
public:
    Buffer() = default;
    Buffer(int32_t id, uint64_t size) : h_(id), size_(size) {}
    int32_t id() const { return h_.id(); }
    uint64_t size() const { return size_; }

private:
    detail::Handle<raw::__tee_webgpu_destroy_buffer> h_;
    uint64_t size_ = 0;
};

using ShaderModule = detail::Handle<raw::__tee_webgpu_release_shader_module>;
using BindGroupLayout = detail::Handle<raw::__tee_webgpu_release_bind_group_layout>;
using ComputePipeline = detail::Handle<raw::__tee_webgpu_release_compute_pipeline>;
using BindGroup = detail::Handle<raw::__tee_webgpu_release_bind_group>;

// Records dispatches and copies; consumed by Gpu::submit.
class CommandEncoder {
public:
    CommandEncoder() = default;
    explicit CommandEncoder(int32_t id) : h_(id) {}
    int32_t id() const { return h_.id(); }

    Status dispatch(const ComputePipeline& pipeline, const BindGroup* group, uint32_t x, uint32_t y = 1, uint32_t z = 1) {
        raw::__tee_webgpu_dispatch_compute(h_.id(), pipeline.id(), group ? group->id() : 0, static_cast<int32_t>(x),
                                           static_cast<int32_t>(y), static_cast<int32_t>(z));
        return detail::checked();
    }

    Status copy_buffer_to_buffer(const Buffer& src, uint64_t src_offset, const Buffer& dst, uint64_t dst_offset, uint64_t size) {
        raw::__tee_webgpu_copy_buffer_to_buffer(h_.id(), src.id(), static_cast<int64_t>(src_offset), dst.id(),
                                                static_cast<int64_t>(dst_offset), static_cast<int64_t>(size));
        return detail::checked();
    }

    int32_t release() { return h_.release(); }

private:
    detail::Handle<raw::__tee_webgpu_release_command_encoder> h_;
};

// The device and its queue.
class Gpu {
public:
    // create-instance -> request-adapter -> request-device -> get-queue.
    static Result<Gpu> create() {
        int32_t instance = raw::__tee_webgpu_create_instance();
        if (instance == 0) return Result<Gpu>::failure(detail::failure("create-instance"));
        int32_t adapter = raw::__tee_webgpu_request_adapter(instance, 0);
        if (adapter == 0) return Result<Gpu>::failure(detail::failure("request-adapter"));
        int32_t device = raw::__tee_webgpu_request_device(adapter);
        if (device == 0) return Result<Gpu>::failure(detail::failure("request-device"));
        int32_t queue = raw::__tee_webgpu_get_queue(device);
        if (queue == 0) return Result<Gpu>::failure(detail::failure("get-queue"));
        Gpu g;
        g.device_ = device;
        g.queue_ = queue;
        return g;
    }

    Result<Buffer> create_buffer(uint64_t size, uint32_t usage_bits) const {
        int32_t id = raw::__tee_webgpu_create_buffer(device_, static_cast<int64_t>(size), static_cast<int32_t>(usage_bits));
        if (id == 0) return Result<Buffer>::failure(detail::failure("create-buffer"));
        return Buffer(id, size);
    }

    Status write_buffer(const Buffer& buffer, uint64_t offset, const void* data, size_t len) const {
        raw::__tee_webgpu_queue_write_buffer(queue_, buffer.id(), static_cast<int64_t>(offset), data, static_cast<int32_t>(len));
        return detail::checked();
    }

    template <typename T>
    Status write_buffer(const Buffer& buffer, uint64_t offset, const std::vector<T>& values) const {
        return write_buffer(buffer, offset, values.data(), values.size() * sizeof(T));
    }

    // Compiles WGSL; the error names line and column.
    Result<ShaderModule> create_shader_module(const std::string& wgsl) const {
        int32_t id = raw::__tee_webgpu_create_shader_module(device_, wgsl.data(), static_cast<int32_t>(wgsl.size()));
        if (id == 0) return Result<ShaderModule>::failure(detail::failure("create-shader-module"));
        return ShaderModule(id);
    }

    Result<BindGroupLayout> create_bind_group_layout(const std::vector<LayoutEntry>& entries) const {
        std::vector<uint32_t> words;
        words.reserve(entries.size() * 3);
        for (const auto& e : entries) {
            words.push_back(e.binding);
            words.push_back(static_cast<uint32_t>(e.type));
            words.push_back(e.min_size);
        }
        int32_t id = raw::__tee_webgpu_create_bind_group_layout(device_, static_cast<int32_t>(entries.size()), words.data());
        if (id == 0) return Result<BindGroupLayout>::failure(detail::failure("create-bind-group-layout"));
        return BindGroupLayout(id);
    }

    // A placeholder that becomes the automatic layout of the pipeline created with it.
    Result<BindGroupLayout> auto_layout() const {
        int32_t id = raw::__tee_webgpu_create_bind_group_layout(device_, 0, nullptr);
        if (id == 0) return Result<BindGroupLayout>::failure(detail::failure("create-bind-group-layout"));
        return BindGroupLayout(id);
    }

    // layout == nullptr: the layout comes from the shader (layout: auto).
    Result<ComputePipeline> create_compute_pipeline(const ShaderModule& module, const std::string& entry_point,
                                                    const BindGroupLayout* layout = nullptr) const {
        int32_t id = raw::__tee_webgpu_create_compute_pipeline(device_, module.id(), entry_point.data(),
                                                               static_cast<int32_t>(entry_point.size()), layout ? layout->id() : 0);
        if (id == 0) return Result<ComputePipeline>::failure(detail::failure("create-compute-pipeline"));
        return ComputePipeline(id);
    }

    // Binds buffers[i] to binding i; the layout is explicit or an auto placeholder.
    Result<BindGroup> create_bind_group(const BindGroupLayout& layout, const std::vector<const Buffer*>& buffers) const {
        return bind_group(layout.id(), buffers);
    }

    // Binds buffers[i] to binding i of the pipeline's group 0 (its automatic layout).
    Result<BindGroup> create_bind_group_for(const ComputePipeline& pipeline, const std::vector<const Buffer*>& buffers) const {
        return bind_group(pipeline.id(), buffers);
    }

    Result<CommandEncoder> create_command_encoder() const {
        int32_t id = raw::__tee_webgpu_create_command_encoder(device_);
        if (id == 0) return Result<CommandEncoder>::failure(detail::failure("create-command-encoder"));
        return CommandEncoder(id);
    }

    // Finishes and submits; the encoder is consumed either way.
    Status submit(CommandEncoder&& encoder) const {
        raw::__tee_webgpu_submit_commands(queue_, encoder.release());
        return detail::checked();
    }

    // Maps `size` bytes of a MapRead buffer (waits for the GPU), copies them to `dest`, unmaps.
    Status read_buffer(const Buffer& buffer, uint64_t offset, uint64_t size, void* dest) const {
        raw::__tee_webgpu_buffer_map_async(buffer.id(), 1, static_cast<int64_t>(offset), static_cast<int64_t>(size), 0, 0);
        Status s = detail::checked();
        if (!s.ok()) return s;
        raw::__tee_webgpu_buffer_get_mapped_range(buffer.id(), static_cast<int64_t>(offset), static_cast<int64_t>(size), dest);
        Status copied = detail::checked();
        raw::__tee_webgpu_buffer_unmap(buffer.id());
        Status unmapped = detail::checked();
        return copied.ok() ? unmapped : copied;
    }

    template <typename T>
    Status read_buffer(const Buffer& buffer, std::vector<T>& out) const {
        return read_buffer(buffer, 0, out.size() * sizeof(T), out.data());
    }

private:
    Result<BindGroup> bind_group(int32_t layout, const std::vector<const Buffer*>& buffers) const {
        std::vector<int32_t> ids;
        ids.reserve(buffers.size());
        for (const Buffer* b : buffers) ids.push_back(b ? b->id() : 0);
        int32_t id = raw::__tee_webgpu_create_bind_group(device_, layout, static_cast<int32_t>(ids.size()), ids.data());
        if (id == 0) return Result<BindGroup>::failure(detail::failure("create-bind-group"));
        return BindGroup(id);
    }

    int32_t device_ = 0;
    int32_t queue_ = 0;
};

}  // namespace tee_webgpu

#endif  // TEE_WEBGPU_HPP
