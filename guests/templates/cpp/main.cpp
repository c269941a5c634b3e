// A TeeWasm guest: detects the TEE, attests the confidential VM and prints the result.
// Exit status 1 when the VM cannot be attested (no TEE, or the host refused).
#include <cstdio>
#include <cstdlib>

#include "attestation.hpp"

namespace att = wasmtime_attestation;

static int attest_and_print() {
    att::TeeInfo tee = att::detect_tee_type();
    if (tee.error)
        std::printf("TEE detection failed: %s\n", tee.error->c_str());
    else
        std::printf("TEE: %s (attestation: %s)%s\n", tee.tee_type.c_str(), tee.supports_attestation ? "yes" : "no",
                    tee.simulated ? " [SIMULATED]" : "");

    att::AttestationResult vm = att::attest_vm();
    if (!vm.success) {
        const std::string error = vm.error.value_or("no reason given");
        std::fflush(stdout);
        if (att::is_no_tee_error(error))
            std::fprintf(stderr, "%s\n   VM attestation failed: %s\n", att::kNoTeeLine, error.c_str());
        else
            std::fprintf(stderr, "❌ VM attestation failed: %s\n", error.c_str());
        return 1;
    }
    std::printf("%s\n", att::kVmAttestedLine);
    std::printf("  Token length: %zu chars\n", vm.token ? vm.token->size() : 0);
    std::printf("  TEE type: %s\n", vm.tee_type ? vm.tee_type->c_str() : "(not given)");
    if (vm.simulated) std::printf("  ⚠ SIMULATED evidence (not a real TEE)\n");
    return 0;
}

int main() {
    // Run the C++ constructors once, first thing; then leave through std::exit(), which flushes stdio (with Debian's
    // wasi-libc a plain return from main would not, once the constructors are run here; see guests/README.md).
    att::run_constructors_once();
    std::exit(attest_and_print());
}
