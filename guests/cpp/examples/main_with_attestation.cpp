// main_with_attestation.cpp — Confidential ML with TEE attestation (TeeWasm C++ guest example).
//
// Flow (same as the Rust attestation_example): detect the TEE, then wasmtime_attestation::attest_all(0)
// (VM -> GPU 0 -> verify both tokens). On any failure the error is printed on stderr and the program
// exits with status 1 before any training. Only if everything passed it runs a tiny deterministic
// random-forest training step (same algorithm, PRNG and seed as the Rust example).
//
// Build (see scripts/build-guests.sh):
//   clang++-14 --target=wasm32-wasi --sysroot=/usr -std=c++17 -O2 -fno-exceptions -I guests/cpp/include \
//     guests/cpp/examples/main_with_attestation.cpp guests/cpp/src/cabi_realloc.c -o main_with_attestation.wasm
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "attestation.hpp"

namespace {

constexpr size_t kFeatures = 10;
constexpr size_t kTrees = 10;
constexpr size_t kMaxDepth = 4;
constexpr size_t kMaxFeatures = 4;  // ceil(sqrt(10))
constexpr uint64_t kSeed = 42;

struct Rng {  // SplitMix64
    uint64_t state;
    uint64_t next() {
        state += 0x9E3779B97F4A7C15ull;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

struct Node {
    bool leaf = true;
    float value = 0.0f;
    size_t feature = 0;
    float threshold = 0.0f;
    std::unique_ptr<Node> left, right;
};

float mean(const std::vector<float>& y, const std::vector<size_t>& idx) {
    float s = 0.0f;
    for (size_t i : idx) s += y[i];
    return s / static_cast<float>(idx.size());
}

float sse(const std::vector<float>& y, const std::vector<size_t>& idx) {
    float m = mean(y, idx), s = 0.0f;
    for (size_t i : idx) {
        float d = y[i] - m;
        s += d * d;
    }
    return s;
}

void split(const std::vector<float>& x, const std::vector<size_t>& idx, size_t f, float t,
           std::vector<size_t>& l, std::vector<size_t>& r) {
    l.clear();
    r.clear();
    for (size_t i : idx) (x[i * kFeatures + f] <= t ? l : r).push_back(i);
}

std::unique_ptr<Node> build(const std::vector<float>& x, const std::vector<float>& y,
                            const std::vector<size_t>& idx, size_t depth, Rng& rng) {
    auto node = std::make_unique<Node>();
    if (depth >= kMaxDepth || idx.size() < 2) {
        node->value = mean(y, idx);
        return node;
    }
    size_t features[kFeatures];
    for (size_t i = 0; i < kFeatures; ++i) features[i] = i;
    for (size_t i = kFeatures - 1; i >= 1; --i) std::swap(features[i], features[rng.below(i + 1)]);

    bool found = false;
    float best_score = 0.0f, best_t = 0.0f;
    size_t best_f = 0;
    std::vector<size_t> l, r;
    for (size_t k = 0; k < kMaxFeatures; ++k) {
        size_t f = features[k];
        std::vector<float> vals;
        for (size_t i : idx) vals.push_back(x[i * kFeatures + f]);
        std::sort(vals.begin(), vals.end());
        vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
        for (size_t j = 0; j + 1 < vals.size(); ++j) {
            float t = (vals[j] + vals[j + 1]) / 2.0f;
            split(x, idx, f, t, l, r);
            if (l.empty() || r.empty()) continue;
            float score = sse(y, l) + sse(y, r);
            if (!found || score < best_score) {
                found = true;
                best_score = score;
                best_f = f;
                best_t = t;
            }
        }
    }
    if (!found) {
        node->value = mean(y, idx);
        return node;
    }
    split(x, idx, best_f, best_t, l, r);
    node->leaf = false;
    node->feature = best_f;
    node->threshold = best_t;
    node->left = build(x, y, l, depth + 1, rng);
    node->right = build(x, y, r, depth + 1, rng);
    return node;
}

float predict(const Node& n, const float* sample) {
    const Node* p = &n;
    while (!p->leaf) p = sample[p->feature] <= p->threshold ? p->left.get() : p->right.get();
    return p->value;
}

void training_step() {
    std::vector<float> x;
    for (size_t r = 0; r < 4; ++r)
        for (size_t c = 0; c < kFeatures; ++c) x.push_back(static_cast<float>(r + c + 1));  // 1..10 .. 4..13
    std::vector<float> y = {100.0f, 120.0f, 140.0f, 160.0f};
    float test[kFeatures];
    for (size_t c = 0; c < kFeatures; ++c) test[c] = 2.5f + static_cast<float>(c);  // 2.5..11.5
    const float test_label = 125.0f;
    const size_t n = y.size();
    std::printf("📂 Toy dataset: %zu samples, %zu features\n", n, kFeatures);
    std::printf("🌲 Training RandomForest (%zu trees, depth %zu, seed %llu)...\n", kTrees, kMaxDepth,
                static_cast<unsigned long long>(kSeed));

    Rng rng{kSeed};
    std::vector<std::unique_ptr<Node>> trees;
    for (size_t t = 0; t < kTrees; ++t) {
        std::vector<size_t> boot;
        for (size_t i = 0; i < n; ++i) boot.push_back(rng.below(n));
        trees.push_back(build(x, y, boot, 0, rng));
    }
    float sum = 0.0f;
    for (const auto& t : trees) sum += predict(*t, test);
    float prediction = sum / static_cast<float>(trees.size());
    float diff = prediction - test_label;
    float mse = diff * diff;

    std::printf("✓ Training completed!\n\n");
    std::printf("━━━ Results ━━━\n\n");
    std::printf("Prediction: %.2f (expected %.2f)\n", prediction, test_label);
    std::printf("Mean Squared Error: %.2f\n", mse);
    std::printf("Number of Trees: %zu\n", kTrees);
    std::printf("Max Depth: %zu\n", kMaxDepth);
    std::printf("✓ Training step complete\n");
}

}  // namespace

int main() {
    wasmtime_attestation::run_constructors_once();
    std::printf("╔════════════════════════════════════════════════╗\n");
    std::printf("║  Confidential ML with TEE Attestation          ║\n");
    std::printf("║  WASM + C++ + wasmtime_attestation             ║\n");
    std::printf("╚════════════════════════════════════════════════╝\n\n");
    std::printf("━━━ Phase 1: TEE Attestation ━━━\n\n");

    wasmtime_attestation::TeeInfo tee = wasmtime_attestation::detect_tee_type();
    if (tee.error)
        std::printf("⚠ TEE detection failed: %s\n\n", tee.error->c_str());
    else
        std::printf("TEE type: %s (supports attestation: %s)%s\n\n", tee.tee_type.c_str(),
                    tee.supports_attestation ? "YES" : "NO", tee.simulated ? " [SIMULATED]" : "");

    if (!wasmtime_attestation::attest_all(0)) {
        std::fflush(stdout);
        std::fprintf(stderr, "\n❌ Attestation failed! Aborting ML execution.\n");
        return 1;
    }

    std::printf("━━━ Phase 2: ML Training ━━━\n\n");
    training_step();
    // exit() runs the destructors and flushes stdio; with run_constructors_once() nothing else does.
    std::exit(0);
}
