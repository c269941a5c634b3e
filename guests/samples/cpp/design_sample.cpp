#include "attestation.hpp"

// ---- the user's own code (not part of the design document's sample) ---------------------------------------------
// The design document's C++ sample is the #include above and main() below, verbatim; it compiles from the header
// alone (the header exports a weak cabi_realloc; no cabi_realloc.c). run_ml_training() is the user's function the
// sample calls: one tiny training step (least squares on four points), printed.
// Build: scripts/build-guests.sh (-> artifacts/guests/design_sample_cpp.wasm); run: scripts/check-samples.sh.
#include <cstdio>

static void run_ml_training() {
    const float x[4] = {1, 2, 3, 4}, y[4] = {100, 120, 140, 160};
    float w = 0, b = 0;
    for (int epoch = 0; epoch < 2000; ++epoch) {  // gradient descent on the mean squared error
        float gw = 0, gb = 0;
        for (int i = 0; i < 4; ++i) {
            const float e = w * x[i] + b - y[i];
            gw += e * x[i] / 2;
            gb += e / 2;
        }
        w -= 0.05f * gw;
        b -= 0.05f * gb;
    }
    std::printf("━━━ ML training ━━━\n");
    std::printf("Model: y = %.2f x + %.2f (expected 20.00 x + 80.00)\n", w, b);
    std::printf("Prediction at x = 2.5: %.2f (expected 130.00)\n", w * 2.5f + b);
    std::printf("✓ Training step complete\n");
}
// ---- end of the user's code -----------------------------------------------------------------------------------

int main() {
    // Attestazione completa (VM + GPU)
    if (!wasmtime_attestation::attest_all(0)) {
        return 1;
    }
    // Procedi con ML
    run_ml_training();
    return 0;
}
