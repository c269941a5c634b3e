#!/usr/bin/env bash
# Build the GPU device-check bundle: everything scripts/device-check.sh runs, for a bare linux-x64 machine with an
# NVIDIA GPU and no .NET, no internet (docs/benchmarks.md, "GPU device check"):
#   bin/      tee-wasm, TeeWasm.DeviceCheck (matmul + RF measurements) and TeeWasm.Gpu.DeviceTests (the conformance
#             suites on the GPU), published self-contained for linux-x64 into one folder (they share the runtime);
#             Dawn's libwebgpu_wrapper.so beside them; Wasmtime's and SkiaSharp's linux-x64 native libraries
#   lib/      this machine's Vulkan loader (libvulkan.so.1), used there only when the machine has none
#   guests/   the RF benchmark guests; data/ the diabetes CSVs
# packed as .device/teewasm-device-linux-x64.tar.xz (git-ignored: `carry` that file, not .device/, to the device machine).
# Not trimmed: ILGPU reads its kernels' IL by reflection and Wasmtime's bindings are reflected too.
#
# Usage: scripts/device-bundle.sh [--no-build]
#   --no-build  pack what the last run published (.device/stage) without publishing again
# Needs: the .NET SDK, .cache/webgpu (scripts/setup-webgpu.sh) and artifacts/guests (scripts/build-guests.sh);
# this script runs both when their outputs are missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEVICE="$ROOT/.device"
STAGE="$DEVICE/stage"
BUNDLE="$DEVICE/teewasm-device-linux-x64.tar.xz"
RID=linux-x64
BUILD=1
for a in "$@"; do
  case "$a" in
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "device-bundle: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done
die() { echo "device-bundle: error: $*" >&2; exit 1; }
command -v xz >/dev/null || die "xz is needed (apt-get install xz-utils)"

if [ "$BUILD" = 1 ]; then
  [ -f "$ROOT/.cache/webgpu/package/libwebgpu_wrapper.so" ] || "$ROOT/scripts/setup-webgpu.sh" --no-mesa
  [ -f "$ROOT/artifacts/guests/wasm-ml-benchmark.wasm" ] && [ -f "$ROOT/artifacts/guests/wasmwebgpu-ml-benchmark.wasm" ] \
    || "$ROOT/scripts/build-guests.sh"
  rm -rf "$STAGE"
  mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/guests" "$STAGE/data"
  for project in src/TeeWasm.Cli bench/TeeWasm.DeviceCheck tests/TeeWasm.Gpu.DeviceTests; do
    echo "device-bundle: publishing $project ($RID, self-contained)"
    dotnet publish "$ROOT/$project" -c Release -r "$RID" --self-contained -nologo -v quiet \
      -p:DebugType=none -p:GenerateDocumentationFile=false -p:SatelliteResourceLanguages=en -o "$STAGE/bin" >/dev/null
  done
  cp "$ROOT/.cache/webgpu/package/libwebgpu_wrapper.so" "$STAGE/bin/"
  vulkan="$(ldconfig -p | awk '/libvulkan\.so\.1 .*x86-64/ {print $NF; exit}')"
  [ -n "$vulkan" ] && cp -L "$vulkan" "$STAGE/lib/libvulkan.so.1" || echo "device-bundle: no libvulkan.so.1 here; the bundle carries no Vulkan loader"
  cp "$ROOT/artifacts/guests/wasm-ml-benchmark.wasm" "$ROOT/artifacts/guests/wasmwebgpu-ml-benchmark.wasm" "$STAGE/guests/"
  cp "$ROOT"/data/diabetes_*.csv "$STAGE/data/"
  git -C "$ROOT" rev-parse --short HEAD > "$STAGE/COMMIT" 2>/dev/null || echo unknown > "$STAGE/COMMIT"
fi
[ -x "$STAGE/bin/tee-wasm" ] || die "nothing published in $STAGE (run without --no-build)"

tar -C "$STAGE" -cf - . | xz -T0 -6 > "$BUNDLE.tmp"
mv "$BUNDLE.tmp" "$BUNDLE"
unpacked=$(du -sm "$STAGE" | cut -f1)
packed=$(du -m "$BUNDLE" | cut -f1)
echo "device-bundle: $BUNDLE: ${packed} MiB (${unpacked} MiB unpacked, commit $(cat "$STAGE/COMMIT"))"
echo "device-bundle: on the device: scripts/device-check.sh, carrying only ${BUNDLE#"$ROOT"/} (docs/benchmarks.md)"
