// webgpu_matmul.cpp — WGSL compute from a TeeWasm C++ guest: a 64x64 matmul (automatic layout) and the original
// project's bootstrap-sample shader (explicit layout: storage + uniform), both checked against CPU code, and a broken
// shader whose compiler message must name line 3. Exit status 0 when all pass, 1 otherwise.
//
// Build: see scripts/build-guests.sh (clang++-14 --target=wasm32-wasi, links src/cabi_realloc.c).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "webgpu.hpp"

namespace wg = tee_webgpu;

namespace {

constexpr uint32_t N = 64;

const char* const kMatmulWgsl = R"(
struct Dims { n: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

@compute @workgroup_size(8, 8)
fn matmul(@builtin(global_invocation_id) id: vec3<u32>) {
    let n = dims.n;
    if (id.y >= n || id.x >= n) { return; }
    var sum = 0.0;
    for (var k = 0u; k < n; k = k + 1u) {
        sum = sum + a[id.y * n + k] * b[k * n + id.x];
    }
    c[id.y * n + id.x] = sum;
}
)";

// The original guests' bootstrap_sample.wgsl algorithm: per invocation a seeded xorshift index in [0, n_samples).
const char* const kBootstrapWgsl = R"(
struct Params { n_samples: u32, seed: u32 }
@group(0) @binding(0) var<storage, read_write> indices: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

fn xorshift(x: u32) -> u32 {
    var s = x;
    s = s ^ (s << 13u);
    s = s ^ (s >> 17u);
    s = s ^ (s << 5u);
    return s;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let idx = id.x;
    if (idx >= params.n_samples) { return; }
    var state = params.seed + idx * 747796405u + 2891336453u;
    state = xorshift(state);
    state = xorshift(state);
    indices[idx] = state % params.n_samples;
}
)";

[[noreturn]] void fail(const std::string& what, const std::string& error) {
    std::fprintf(stderr, "error: %s: %s\n", what.c_str(), error.c_str());
    std::exit(1);
}

// Unwraps a Result or exits with its error.
template <typename T>
T must(wg::Result<T> r, const char* what) {
    if (!r.ok()) fail(what, r.error());
    return r.take();
}

void must(const wg::Status& s, const char* what) {
    if (!s.ok()) fail(what, s.error());
}

float matmul(const wg::Gpu& gpu) {
    const size_t n = N;
    std::vector<float> a(n * n), b(n * n), c(n * n);
    for (size_t i = 0; i < n * n; i++) {
        a[i] = static_cast<float>((i * 7) % 13) * 0.25f - 1.5f;
        b[i] = static_cast<float>((i * 5) % 11) * 0.5f - 2.0f;
    }
    const uint64_t bytes = n * n * sizeof(float);
    wg::Buffer ba = must(gpu.create_buffer(bytes, wg::usage::Storage | wg::usage::CopyDst), "create a");
    wg::Buffer bb = must(gpu.create_buffer(bytes, wg::usage::Storage | wg::usage::CopyDst), "create b");
    wg::Buffer bc = must(gpu.create_buffer(bytes, wg::usage::Storage | wg::usage::CopySrc), "create c");
    wg::Buffer dims = must(gpu.create_buffer(16, wg::usage::Uniform | wg::usage::CopyDst), "create dims");
    wg::Buffer readback = must(gpu.create_buffer(bytes, wg::usage::MapRead | wg::usage::CopyDst), "create readback");
    must(gpu.write_buffer(ba, 0, a), "write a");
    must(gpu.write_buffer(bb, 0, b), "write b");
    must(gpu.write_buffer(dims, 0, std::vector<uint32_t>{N, 0, 0, 0}), "write dims");

    wg::ShaderModule module = must(gpu.create_shader_module(kMatmulWgsl), "matmul shader");
    wg::ComputePipeline pipeline = must(gpu.create_compute_pipeline(module, "matmul"), "matmul pipeline");  // layout: auto
    wg::BindGroup group = must(gpu.create_bind_group_for(pipeline, {&ba, &bb, &bc, &dims}), "matmul bind group");
    wg::CommandEncoder encoder = must(gpu.create_command_encoder(), "encoder");
    must(encoder.dispatch(pipeline, &group, (N + 7) / 8, (N + 7) / 8), "dispatch");
    must(encoder.copy_buffer_to_buffer(bc, 0, readback, 0, bytes), "copy");
    must(gpu.submit(std::move(encoder)), "submit");
    must(gpu.read_buffer(readback, c), "read c");

    float max_err = 0;
    for (size_t row = 0; row < n; row++) {
        for (size_t col = 0; col < n; col++) {
            float sum = 0;
            for (size_t k = 0; k < n; k++) sum += a[row * n + k] * b[k * n + col];
            max_err = std::fmax(max_err, std::fabs(sum - c[row * n + col]));
        }
    }
    return max_err;
}

uint32_t xorshift(uint32_t s) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}

size_t bootstrap(const wg::Gpu& gpu, uint32_t n_samples, uint32_t seed) {
    const uint64_t bytes = uint64_t{n_samples} * 4;
    wg::Buffer indices = must(gpu.create_buffer(bytes, wg::usage::Storage | wg::usage::CopySrc), "create indices");
    wg::Buffer params = must(gpu.create_buffer(16, wg::usage::Uniform | wg::usage::CopyDst), "create params");
    wg::Buffer readback = must(gpu.create_buffer(bytes, wg::usage::MapRead | wg::usage::CopyDst), "create readback");
    must(gpu.write_buffer(params, 0, std::vector<uint32_t>{n_samples, seed, 0, 0}), "write params");

    wg::BindGroupLayout layout = must(gpu.create_bind_group_layout({{0, wg::BindingType::Storage, 0}, {1, wg::BindingType::Uniform, 8}}),
                                      "bootstrap layout");
    wg::ShaderModule module = must(gpu.create_shader_module(kBootstrapWgsl), "bootstrap shader");
    wg::ComputePipeline pipeline = must(gpu.create_compute_pipeline(module, "main", &layout), "bootstrap pipeline");
    wg::BindGroup group = must(gpu.create_bind_group(layout, {&indices, &params}), "bootstrap bind group");
    wg::CommandEncoder encoder = must(gpu.create_command_encoder(), "encoder");
    must(encoder.dispatch(pipeline, &group, (n_samples + 255) / 256), "dispatch");
    must(encoder.copy_buffer_to_buffer(indices, 0, readback, 0, bytes), "copy");
    must(gpu.submit(std::move(encoder)), "submit");
    std::vector<uint32_t> got(n_samples);
    must(gpu.read_buffer(readback, got), "read indices");

    size_t mismatches = 0;
    for (uint32_t i = 0; i < n_samples; i++) {
        uint32_t state = xorshift(xorshift(seed + i * 747796405u + 2891336453u));
        if (got[i] != state % n_samples) mismatches++;
    }
    return mismatches;
}

}  // namespace

int main() {
    wg::run_constructors_once();
    std::printf("wasi:webgpu example (C++): matmul %ux%u and bootstrap sampling\n", N, N);
    wg::Gpu gpu = must(wg::Gpu::create(), "no WebGPU device");
    bool ok = true;

    float max_err = matmul(gpu);
    if (max_err <= 1e-3f) {
        std::printf("matmul: OK (max abs error %.2e)\n", static_cast<double>(max_err));
    } else {
        std::fprintf(stderr, "matmul: MISMATCH (max abs error %.2e)\n", static_cast<double>(max_err));
        ok = false;
    }

    size_t bad = bootstrap(gpu, 1000, 42);
    if (bad == 0) {
        std::printf("bootstrap-sample: OK (1000 indices match the CPU)\n");
    } else {
        std::fprintf(stderr, "bootstrap-sample: MISMATCH (%zu of 1000 indices differ)\n", bad);
        ok = false;
    }

    auto broken = gpu.create_shader_module("@compute @workgroup_size(1)\nfn main() {\n    let x: u32 = 1.5;\n}\n");
    if (broken.ok()) fail("broken shader", "it compiled");
    if (broken.error().find("3:") == std::string::npos) fail("broken shader", "message without line 3: " + broken.error());
    std::printf("broken shader refused: %s\n", broken.error().c_str());

    if (!ok) return 1;
    std::printf("all checks passed\n");
    // exit() runs the destructors and flushes stdio; with run_constructors_once() nothing else does.
    std::exit(0);
}
