#!/usr/bin/env bash
# Runs the original design document's samples (guests/samples, built by scripts/build-guests.sh) on the TeeWasm host:
#   design_sample_rust.wasm  the Rust sample, verbatim, with `use wasm_ml::attestation::{attest_vm_token, attest_gpu_token}`
#   design_sample_cpp.wasm   the C++ sample, verbatim, compiled from attestation.hpp alone (its weak cabi_realloc)
# Under --tee simulate each must exit 0 and print its training step (the C++ one also "✓ All attestations passed!");
# under --tee none each must exit 1 before training (C++: "❌ No TEE attestation available").
#   --no-cabi-realloc  also run design_sample_cpp_no_realloc.wasm (the same sample with
#                      WASMTIME_ATTESTATION_NO_CABI_REALLOC: no cabi_realloc export, like the original's first-era
#                      guests) the same way: the host hands it its results in its result area (docs/attestation-abi.md).
# Ends with "sample checks: N passed, N failed" (scripts/test.sh adds it to its total) and exits non-zero if any run
# does not behave as described. Set TEE_WASM to use an already built tee-wasm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NO_REALLOC=0
for a in "$@"; do
  case "$a" in
    --no-cabi-realloc) NO_REALLOC=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "check-samples: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done

if [ -n "${TEE_WASM:-}" ]; then
  read -r -a TW <<<"$TEE_WASM"
else
  dotnet build "$ROOT/src/TeeWasm.Cli" -c Release -nologo -v quiet -clp:ErrorsOnly
  TW=(dotnet "$ROOT/src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll")
fi
"$ROOT/scripts/build-guests.sh" >/dev/null

failures=0
passes=0
# expect GUEST TEE WANT_EXIT MUST_PRINT [MUST_NOT_PRINT]
expect() {
  local guest="artifacts/guests/$1" tee="$2" want="$3" must="$4" mustnot="${5:-}" out code=0
  out="$(timeout 120 "${TW[@]}" run --tee "$tee" "$guest" 2>&1)" || code=$?
  if [ "$code" = "$want" ] && grep -qF -- "$must" <<<"$out" && { [ -z "$mustnot" ] || ! grep -qF -- "$mustnot" <<<"$out"; }; then
    printf 'ok    %-36s --tee %-8s exit %s, prints "%s"\n' "$1" "$tee" "$code" "$must"
    passes=$((passes + 1))
  else
    printf 'FAIL  %-36s --tee %-8s exit %s (want %s), must print "%s"%s\n' "$1" "$tee" "$code" "$want" "$must" \
      "${mustnot:+, must not print \"$mustnot\"}"
    sed 's/^/      | /' <<<"$out" | tail -8
    failures=$((failures + 1))
  fi
}

expect design_sample_rust.wasm simulate 0 "✓ Training step complete"
expect design_sample_rust.wasm none 1 "No TEE attestation available" "Training step"
for g in design_sample_cpp.wasm $([ "$NO_REALLOC" = 1 ] && echo design_sample_cpp_no_realloc.wasm); do
  expect "$g" simulate 0 "✓ All attestations passed!"
  expect "$g" simulate 0 "✓ Training step complete"
  expect "$g" none 1 "❌ No TEE attestation available" "Training step"
done

echo "sample checks: $passes passed, $failures failed"
if [ "$failures" != 0 ]; then
  echo "check-samples: $failures check(s) FAILED" >&2
  exit 1
fi
echo "check-samples: the design document's samples behave as documented"
