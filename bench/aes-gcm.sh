#!/usr/bin/env bash
# Decryption cost of the guests' AES-256-GCM on the secure-training demo's data set (scripts/demo-secure-training.sh):
# data/diabetes_{train,test}.csv encrypted with `tee-wasm kbs encrypt` under a fresh key, then the tag check and
# decryption that the RF guests do (`open_secret_file`), REPS times per file, measured
#   1. inside the wasm guests under tee-wasm (aes_gcm_bench_rust.wasm, aes_gcm_bench_cpp.wasm), and
#   2. natively (the same sources: cargo --example aes_gcm_bench, clang++ -O2 guests/cpp/examples/aes_gcm_bench.cpp).
# Usage: bench/aes-gcm.sh [REPS]   (default 20). Builds the host and the guests when needed. Loopback only, no network.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPS="${1:-20}"
case "$REPS" in ''|*[!0-9]*|0) echo "aes-gcm: REPS must be a positive number" >&2; exit 2 ;; esac

DLL="$ROOT/src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll"
[ -f "$DLL" ] || dotnet build src/TeeWasm.Cli -c Release -nologo -v quiet -clp:ErrorsOnly
TW=(dotnet "$DLL")
"$ROOT/scripts/build-guests.sh" >/dev/null

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
head -c 32 /dev/urandom >"$WORK/key"
for f in diabetes_train.csv diabetes_test.csv; do
  "${TW[@]}" kbs encrypt --key-file "$WORK/key" --in "data/$f" --out "$WORK/$f.enc" >/dev/null
done
FILES=(data/diabetes_train.csv.enc data/diabetes_test.csv.enc)

echo "== wasm guests under tee-wasm (cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
for g in aes_gcm_bench_rust aes_gcm_bench_cpp; do
  echo "-- $g.wasm"
  "${TW[@]}" run --dir "$WORK::data" "artifacts/guests/$g.wasm" -- --key-file data/key --reps "$REPS" "${FILES[@]}"
done

echo "== native (same sources)"
ML_DIR="$ROOT/guests/rust/wasm-ml"
echo "-- rust (cargo --release --example aes_gcm_bench)"
(cd "$ML_DIR" && RUSTC=/usr/bin/rustc CARGO_HOME="$ROOT/.cache/cargo-home" CARGO_TARGET_DIR="$ML_DIR/target/native" \
  /usr/bin/cargo build --offline --quiet --release --example aes_gcm_bench)
(cd "$WORK" && "$ML_DIR/target/native/release/examples/aes_gcm_bench" --key-file key --reps "$REPS" \
  diabetes_train.csv.enc diabetes_test.csv.enc)
echo "-- c++ (clang++-14 -O2)"
mkdir -p "$ROOT/guests/cpp/build"
clang++-14 -std=c++17 -O2 -fno-exceptions -I "$ROOT/guests/cpp/wasmwebgpu-ml/src" "$ROOT/guests/cpp/examples/aes_gcm_bench.cpp" \
  -o "$ROOT/guests/cpp/build/aes_gcm_bench_native"
(cd "$WORK" && "$ROOT/guests/cpp/build/aes_gcm_bench_native" --key-file key --reps "$REPS" \
  diabetes_train.csv.enc diabetes_test.csv.enc)
