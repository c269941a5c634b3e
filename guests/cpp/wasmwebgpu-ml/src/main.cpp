// wasmwebgpu-ml-benchmark: random-forest regression on the diabetes set; GPU path through wasi:gpu
// when a device is present, TEE attestation through wasmtime_attestation, the original benchmark output.
//
// Usage: wasmwebgpu-ml-benchmark [--seed N] [--data DIR] [--cpu] [--gpu-min-rows N] [--data-key NAME]
//   --seed N          std::mt19937 seed (u32, default 42): the same seed gives the same forest and MSE
//   --data DIR        directory holding diabetes_train.csv / diabetes_test.csv (default: data)
//   --cpu             take the CPU path even when a device is present
//   --data-key NAME   read DIR/diabetes_{train,test}.csv.enc instead (`tee-wasm kbs encrypt`: 12-byte nonce ||
//                     AES-256-GCM ciphertext || 16-byte tag) and decrypt them in the guest with the 32-byte key
//                     get_secret(NAME) returns. A refused key, a wrong key or an altered file stops the guest
//                     (exit 1, before any training): unlike attestation failures, which the benchmark only reports.
//   --gpu-min-rows N  GPU path: nodes with fewer rows are split in the guest (default 128; 0 = all on the device)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "aes_gcm.hpp"
#include "attestation.hpp"
#include "dataset.hpp"
#include "gpu_executor.hpp"
#include "random_forest.hpp"

namespace {

constexpr uint32_t kDefaultSeed = 42;
constexpr size_t kFeatures = 10;

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string json_escape(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': o += "\\\""; break;
            case '\\': o += "\\\\"; break;
            case '\n': o += "\\n"; break;
            case '\r': o += "\\r"; break;
            case '\t': o += "\\t"; break;
            default:
                if (c < 0x20) {
                    char b[8];
                    std::snprintf(b, sizeof b, "\\u%04x", c);
                    o += b;
                } else {
                    o += (char)c;
                }
        }
    }
    return o + "\"";
}

[[noreturn]] void usage(int code) {
    std::fprintf(code ? stderr : stdout, "usage: wasmwebgpu-ml-benchmark [--seed N] [--data DIR] [--cpu] [--gpu-min-rows N] [--data-key NAME]   (default seed %u)\n",
                 kDefaultSeed);
    std::exit(code);
}

ml::Dataset load(const std::string& path) {
    ml::Dataset d;
    std::string err;
    if (!ml::Dataset::from_csv(path, kFeatures, d, &err)) {
        std::fprintf(stderr, "❌ Failed to load dataset: %s\n", err.c_str());
        std::exit(1);
    }
    return d;
}

// --data-key NAME: the key from the broker, then one encrypted file decrypted (tag checked) and parsed; exits 1 on
// any failure.
ml::Dataset load_encrypted(const std::string& path, const std::vector<uint8_t>& key) {
    std::vector<uint8_t> file, plain;
    std::string err;
    ml::Dataset d;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        err = "cannot open " + path;
    } else {
        uint8_t buf[8192];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) file.insert(file.end(), buf, buf + n);
        std::fclose(f);
        if (aes_gcm::open_secret_file(key, file, plain, &err) &&
            ml::Dataset::parse_csv(std::string(plain.begin(), plain.end()), kFeatures, d, &err)) {
            std::printf("[DATA] %s: decrypted, tag verified (%zu samples)\n", path.c_str(), d.n_samples);
            return d;
        }
        err = path + ": " + err;
    }
    std::fprintf(stderr, "❌ Failed to load encrypted dataset: %s\n", err.c_str());
    std::exit(1);
}

size_t token_len(const wasmtime_attestation::AttestationResult& r) {
    if (r.token) return r.token->size();
    if (r.evidence) return r.evidence->size();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    wasmtime_attestation::run_constructors_once();
    uint32_t seed = kDefaultSeed;
    std::string data_dir = "data";
    bool force_cpu = false;
    std::string data_key;
    size_t gpu_min_rows = ml::kDefaultMinDeviceRows;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--seed" && i + 1 < argc) {
            char* end = nullptr;
            unsigned long long v = std::strtoull(argv[++i], &end, 10);
            if (!*argv[i] || *end || v > 0xFFFFFFFFull) {
                std::fprintf(stderr, "--seed needs an unsigned 32-bit integer\n");
                usage(2);
            }
            seed = (uint32_t)v;
        } else if (a == "--data" && i + 1 < argc) {
            data_dir = argv[++i];
        } else if (a == "--data-key" && i + 1 < argc) {
            data_key = argv[++i];
        } else if (a == "--gpu-min-rows" && i + 1 < argc) {
            char* end = nullptr;
            unsigned long long v = std::strtoull(argv[++i], &end, 10);
            if (!*argv[i] || *end) {
                std::fprintf(stderr, "--gpu-min-rows needs an unsigned integer\n");
                usage(2);
            }
            gpu_min_rows = (size_t)v;
        } else if (a == "--cpu") {
            force_cpu = true;
        } else if (a == "-h" || a == "--help") {
            usage(0);
        } else {
            std::fprintf(stderr, "unknown argument '%s'\n", a.c_str());
            usage(2);
        }
    }

    std::printf("╔════════════════════════════════════════════════════════════╗\n");
    std::printf("║   WASM ML Benchmark (C++) - RandomForest on Diabetes       ║\n");
    std::printf("╚════════════════════════════════════════════════════════════╝\n");

    // --- GPU information ---------------------------------------------------------------------
    std::printf("\n=== GPU INFORMATION ===\n");
    ml::GpuExecutor gpu;
    const bool gpu_available = gpu.available();
    const auto& dev = gpu.info();
    if (gpu_available) {
        std::printf("[GPU] Device: %s\n", dev.name.c_str());
        std::printf("[GPU] Backend: %s\n", dev.backend.c_str());
        std::printf("[GPU] Memory: %llu MB\n", (unsigned long long)(dev.total_memory / (1024 * 1024)));
        std::printf("[GPU] Hardware: %s\n", dev.is_hardware ? "YES ✓" : "NO (software/CPU backend)");
        if (!dev.compute_capability.empty()) std::printf("[GPU] Compute capability: %s\n", dev.compute_capability.c_str());
    } else {
        std::printf("[GPU] No GPU device available (CPU mode)\n");
    }
    const bool use_gpu = gpu_available && !force_cpu;
    if (gpu_available && force_cpu) std::printf("[GPU] --cpu given: the device is not used\n");
    const std::string gpu_device = gpu_available ? dev.name : "N/A";
    const std::string gpu_backend = gpu_available ? dev.backend : "N/A";

    // --- TEE attestation (failures are reported, never fatal) ---------------------------------
    std::printf("\n=== TEE ATTESTATION ===\n");
    auto t_att = Clock::now();
    auto tee = wasmtime_attestation::detect_tee_type();
    if (tee.error) std::printf("[TEE] Detection failed: %s\n", tee.error->c_str());
    std::printf("[TEE] Type: %s\n", tee.tee_type.c_str());
    std::printf("[TEE] Supports attestation: %s\n", tee.supports_attestation ? "YES" : "NO");
    // The design document's lines, then the original benchmark's [TEE] line with the detail.
    auto vm = wasmtime_attestation::attest_vm();
    if (vm.success) {
        std::printf("%s\n[TEE] VM attestation: OK (token: %zu chars)\n", wasmtime_attestation::kVmAttestedLine, token_len(vm));
    } else {
        const std::string why = vm.error.value_or("no reason given");
        if (wasmtime_attestation::is_no_tee_error(why)) std::printf("%s\n", wasmtime_attestation::kNoTeeLine);
        std::printf("[TEE] VM attestation: SKIPPED (%s)\n", why.c_str());
    }
    auto ga = wasmtime_attestation::attest_gpu(0);
    if (ga.success)
        std::printf("%s\n[TEE] GPU attestation: OK (token: %zu chars)\n", wasmtime_attestation::gpu_attested_line(ga, 0).c_str(),
                    token_len(ga));
    else
        std::printf("[TEE] GPU attestation: SKIPPED (%s)\n", ga.error ? ga.error->c_str() : "no reason given");
    if (vm.success && ga.success) std::printf("%s\n", wasmtime_attestation::kAllAttestedLine);
    const double attestation_ms = ms_since(t_att);
    std::printf("[TIMING] Attestation: %.2f ms\n", attestation_ms);

    // --- Encrypted data (--data-key): before any training; a refusal is fatal ----------------------
    ml::Dataset train, test;
    bool have_test = false;
    if (!data_key.empty()) {
        std::printf("\n=== ENCRYPTED DATA ===\n");
        wasmtime_attestation::SecretResult key = wasmtime_attestation::get_secret(data_key);
        if (!key.success) {
            std::printf("[DATA] Key '%s': REFUSED\n", data_key.c_str());
            std::fflush(stdout);
            std::fprintf(stderr, "❌ The key broker did not release the data key '%s': %s\n", data_key.c_str(),
                         key.error ? key.error->c_str() : "no reason given");
            std::exit(1);
        }
        std::printf("[DATA] Key '%s': released by the key broker (%zu bytes)\n", data_key.c_str(), key.secret.size());
        std::fflush(stdout);
        train = load_encrypted(data_dir + "/diabetes_train.csv.enc", key.secret);
        test = load_encrypted(data_dir + "/diabetes_test.csv.enc", key.secret);
        have_test = true;
        volatile uint8_t* k = key.secret.data();
        for (size_t i = 0; i < key.secret.size(); ++i) k[i] = 0;
    } else {
        train = load(data_dir + "/diabetes_train.csv");
    }

    // --- Training -----------------------------------------------------------------------------
    std::printf("\n=== TRAINING ===\n");
    ml::Params params = ml::Params::benchmark(train.n_features);
    std::printf("[TRAIN] Dataset: %zu samples, %zu features\n", train.n_samples, train.n_features);
    std::printf("[TRAIN] Model: RandomForest (%d trees, depth %d)\n", params.n_trees, params.max_depth);
    std::printf("[TRAIN] Features per split: %d of %zu\n", params.max_features, train.n_features);
    std::printf("[TRAIN] Seed: %u\n", seed);
    std::fflush(stdout);
    auto t_train = Clock::now();
    ml::RandomForest model;
    bool train_on_gpu = false;
    if (use_gpu) {
        std::mt19937 rng(seed);
        ml::GpuTrainer trainer;
        trainer.min_device_rows = gpu_min_rows;
        wasi_gpu::Error e = trainer.init(train);
        if (e == wasi_gpu::Error::None)
            e = model.train(train, params, trainer, rng, [&](int n) {
                if (n % 10 == 0) std::fprintf(stderr, "Trained %d/%d trees (GPU)\n", n, params.n_trees);
            });
        if (e == wasi_gpu::Error::None) {
            std::printf("[TRAIN] Accelerator: GPU\n");
            std::printf("[TRAIN] Kernel launches: %llu (nodes of >= %zu rows on the device)\n", (unsigned long long)trainer.kernel_calls,
                        gpu_min_rows);
            train_on_gpu = true;
        } else {
            std::printf("[TRAIN] GPU training failed (%s); falling back to CPU\n", wasi_gpu::error_name(e));
        }
    }
    if (!train_on_gpu) {
        std::printf("[TRAIN] Accelerator: CPU\n");
        std::mt19937 rng(seed);
        ml::CpuTrainer trainer;
        model.train(train, params, trainer, rng, [&](int n) {
            if (n % 10 == 0) std::fprintf(stderr, "Trained %d/%d trees (CPU)\n", n, params.n_trees);
        });
    }
    const double training_ms = ms_since(t_train);
    std::printf("[TRAIN] Nodes: %zu (max depth reached: %d)\n", model.node_count(), model.max_tree_depth());
    std::printf("[TIMING] Training: %.2f ms\n", training_ms);

    // --- Inference ----------------------------------------------------------------------------
    std::printf("\n=== INFERENCE ===\n");
    if (!have_test) test = load(data_dir + "/diabetes_test.csv");
    std::printf("[INFER] Test set: %zu samples\n", test.n_samples);
    auto t_inf = Clock::now();
    const char* how = "CPU";
    std::vector<float> preds;
    bool have = false;
    if (use_gpu) {
        wasi_gpu::Error e = ml::predict_gpu(model, test.data, preds);
        if (e == wasi_gpu::Error::None) {
            how = "GPU";
            have = true;
        } else {
            std::printf("[INFER] kernel-batch-predict failed (%s); trying kernel-average\n", wasi_gpu::error_name(e));
            e = ml::predict_gpu_average(model, test.data, preds);
            if (e == wasi_gpu::Error::None) {
                how = "GPU (kernel-average)";
                have = true;
            } else {
                std::printf("[INFER] kernel-average failed (%s); CPU inference\n", wasi_gpu::error_name(e));
            }
        }
    }
    if (!have) preds = model.predict_cpu(test.data);
    const double inference_ms = ms_since(t_inf);
    const double mse = ml::mse(preds, test.labels);
    std::printf("[INFER] Accelerator: %s\n", how);
    std::printf("[TIMING] Inference: %.2f ms\n", inference_ms);
    std::printf("[INFER] MSE: %.4f\n", mse);

    // --- Report -------------------------------------------------------------------------------
    std::printf("\n╔════════════════════════════════════════════════════════════╗\n");
    std::printf("║                     BENCHMARK RESULTS                      ║\n");
    std::printf("╚════════════════════════════════════════════════════════════╝\n");
    std::printf("  Language:     C++\n");
    std::printf("  GPU:          %s (%s)\n", gpu_device.c_str(), gpu_backend.c_str());
    std::printf("  TEE:          %s (attestation: %s)\n", tee.tee_type.c_str(), tee.supports_attestation ? "yes" : "no");
    std::printf("  Training:     %.2f ms (%s)\n", training_ms, train_on_gpu ? "GPU" : "CPU");
    std::printf("  Inference:    %.2f ms (%s)\n", inference_ms, how);
    std::printf("  Attestation:  %.2f ms\n", attestation_ms);
    std::printf("  MSE:          %.4f\n\n", mse);
    std::printf("### BENCHMARK_JSON ###\n");
    std::printf("{\"language\":\"cpp\",\"gpu_device\":%s,\"gpu_backend\":%s,\"tee_type\":%s,\"gpu_available\":%s,"
                "\"tee_available\":%s,\"attestation_ms\":%.2f,\"training_ms\":%.2f,\"inference_ms\":%.2f,\"mse\":%.4f,"
                "\"train_samples\":%zu,\"test_samples\":%zu}\n",
                json_escape(gpu_device).c_str(), json_escape(gpu_backend).c_str(), json_escape(tee.tee_type).c_str(),
                gpu_available ? "true" : "false", tee.supports_attestation ? "true" : "false", attestation_ms, training_ms,
                inference_ms, mse, train.n_samples, test.n_samples);
    std::printf("### END_BENCHMARK_JSON ###\n");
    std::printf("\n✅ Benchmark completed successfully!\n");
    // exit() flushes stdio: without the command-export wrapper, returning from main does not (see above).
    std::exit(0);
}
