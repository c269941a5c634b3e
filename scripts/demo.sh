#!/usr/bin/env bash
# The TeeWasm demo: installs what is missing, builds the host and the example guests, then runs
#   1. the Rust guest and the C++ guest under --tee simulate: detect, attest VM and GPU 0, verify both
#      tokens, and only then a small training step;
#   2. the same guests with no TEE (--tee none): they stop with "No TEE attestation available…" and exit 1;
#   3. scripts/demo-secure-training.sh: the RF guest trains on an encrypted data set once the embedded key broker
#      releases its key to the simulated TEE, and is refused under a policy that forbids simulated platforms.
# Exits non-zero if any step does not behave as described.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
echo "==> building the host (Release)"
dotnet build src/TeeWasm.Cli -c Release -nologo -v quiet -clp:ErrorsOnly
"$ROOT/scripts/build-guests.sh"

TEE_WASM=(dotnet "$ROOT/src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll")
RUST=artifacts/guests/attestation_example.wasm
CPP=artifacts/guests/main_with_attestation.wasm

banner() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

banner "tee-wasm detect --tee simulate"
"${TEE_WASM[@]}" detect --tee simulate

for guest in "$RUST" "$CPP"; do
  banner "tee-wasm run --tee simulate $guest"
  "${TEE_WASM[@]}" run --tee simulate "$guest"
done

for guest in "$RUST" "$CPP"; do
  banner "tee-wasm run --tee none $guest   (no TEE: the guest must refuse)"
  set +e
  "${TEE_WASM[@]}" run --tee none "$guest"
  code=$?
  set -e
  if [ "$code" -eq 0 ]; then
    echo "demo: FAILED: $guest went on without attestation" >&2
    exit 1
  fi
  echo "(guest exited with code $code, as it should without a TEE)"
done

banner "secure training: scripts/demo-secure-training.sh"
TEE_WASM="${TEE_WASM[*]}" "$ROOT/scripts/demo-secure-training.sh"

banner "demo complete: attested guests ran; unattested guests refused; the data key went only to an accepted TEE"
