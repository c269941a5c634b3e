// gpu_matmul_bench.cpp — kernel-matmul throughput measured from inside a guest, through the wasi:gpu ABI.
//
//   tee-wasm run --gpu cpu artifacts/guests/gpu_matmul_bench.wasm -- [N] [REPS]      (default 1024 10)
//
// Creates A, B, C (N x N f32) with buffer-create, fills A and B with buffer-write, runs kernel-matmul
// (C = A * B, alpha 1, beta 0) once to warm up and then REPS times, each call timed in the guest with
// the WASI monotonic clock around the host call (+ sync), so the number includes the ABI's per-call cost.
// GFLOP/s = 2 N^3 / seconds. Checks 64 entries of C (buffer-read) against scalar dot products (1e-3 rel).
// Prints one line per call, then `GPU_MATMUL_JSON {...}` with n, reps, best/median/worst GFLOP/s.
// Exit 1 when no device, a call fails or the check fails.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "attestation.hpp"  // run_constructors_once
#include "wasi_gpu.h"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    wasmtime_attestation::run_constructors_once();
    const uint32_t n = argc > 1 ? (uint32_t)std::strtoul(argv[1], nullptr, 10) : 1024;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 10;
    if (n == 0 || n > 8192 || reps <= 0) {
        std::fprintf(stderr, "usage: gpu_matmul_bench [N (1..8192)] [REPS (>0)]\n");
        return 2;
    }
    auto dev = wasi_gpu::get_device_info();
    if (!dev.available()) {
        std::fprintf(stderr, "no wasi:gpu device (run with --gpu cpu or webgpu)\n");
        return 1;
    }
    std::printf("device: %s (backend %s)\n", dev.name.c_str(), dev.backend.c_str());
    std::fflush(stdout);

    const size_t count = (size_t)n * n;
    std::vector<float> a(count), b(count);
    uint32_t x = 12345;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return (float)(x % 2001) / 1000.0f - 1.0f;
    };
    for (auto& v : a) v = next();
    for (auto& v : b) v = next();
    const uint32_t usage = WASI_GPU_BUFFER_USAGE_STORAGE | WASI_GPU_BUFFER_USAGE_COPY_SRC | WASI_GPU_BUFFER_USAGE_COPY_DST;
    auto ba = wasi_gpu::buffer_create(count * 4, usage);
    auto bb = wasi_gpu::buffer_create(count * 4, usage);
    auto bc = wasi_gpu::buffer_create(count * 4, usage);
    if (!ba.ok() || !bb.ok() || !bc.ok()) {
        std::fprintf(stderr, "buffer-create failed\n");
        return 1;
    }
    if (!wasi_gpu::buffer_write_f32(ba.value, 0, a).ok() || !wasi_gpu::buffer_write_f32(bb.value, 0, b).ok()) {
        std::fprintf(stderr, "buffer-write failed\n");
        return 1;
    }
    const double flop = 2.0 * n * (double)n * n;
    std::vector<double> gflops;
    for (int i = 0; i <= reps; ++i) {
        auto t0 = Clock::now();
        auto s = wasi_gpu::kernel_matmul(n, n, n, false, false, 1.0f, 0.0f, ba.value, bb.value, bc.value);
        wasi_gpu::sync();
        double sec = std::chrono::duration<double>(Clock::now() - t0).count();
        if (!s.ok()) {
            std::fprintf(stderr, "kernel-matmul failed: %s\n", wasi_gpu::error_name(s.error));
            return 1;
        }
        double g = flop / sec / 1e9;
        std::printf("%s %2d: %8.3f ms  %7.2f GFLOP/s\n", i == 0 ? "warm-up" : "call   ", i, sec * 1e3, g);
        std::fflush(stdout);
        if (i > 0) gflops.push_back(g);
    }
    auto c = wasi_gpu::buffer_read_f32(bc.value, 0, count);
    if (!c.ok()) {
        std::fprintf(stderr, "buffer-read failed\n");
        return 1;
    }
    int bad = 0;
    for (int s = 0; s < 64; ++s) {
        size_t i = (size_t)(s * 7919u) % n, j = (size_t)(s * 104729u) % n;
        double ref = 0;
        for (size_t k = 0; k < n; ++k) ref += (double)a[i * n + k] * b[k * n + j];
        double got = c.value[i * n + j];
        if (std::fabs(got - ref) > 1e-3 * std::max(1.0, std::fabs(ref))) ++bad;
    }
    std::sort(gflops.begin(), gflops.end());
    double med = gflops.size() % 2 ? gflops[gflops.size() / 2]
                                   : (gflops[gflops.size() / 2 - 1] + gflops[gflops.size() / 2]) / 2;
    std::printf("check: %s (64 entries vs scalar dot products)\n", bad ? "FAILED" : "ok");
    std::printf("GPU_MATMUL_JSON {\"n\":%u,\"reps\":%d,\"backend\":\"%s\",\"best_gflops\":%.2f,\"median_gflops\":%.2f,"
                "\"worst_gflops\":%.2f,\"check\":%s}\n",
                n, reps, dev.backend.c_str(), gflops.back(), med, gflops.front(), bad ? "false" : "true");
    std::fflush(stdout);  // flushed by hand: this guest's buffered stdout is not flushed at exit
    return bad ? 1 : 0;
}
