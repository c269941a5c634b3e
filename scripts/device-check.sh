#!/usr/bin/env bash
# The GPU device check (docs/benchmarks.md, "GPU device check"): on a machine with an NVIDIA GPU and no .NET, from the
# bundle scripts/device-bundle.sh built, in under 8 minutes:
#   1. tee-wasm info and detect --json   the real adapter, the CUDA driver and devices, NVML's CC mode, --gpu auto's choice
#   2. tee-wasm attest gpu --index 0     NVML's attestation-report call (a non-CC machine answers "CC mode off")
#   3. the conformance suites of the CUDA (cuBLAS and tiled matmul) and WebGPU backends on the GPU (TeeWasm.Gpu.DeviceTests)
#   4. matmul GFLOP/s (n = 1024, 4096) per backend and the RF guests on cuda, webgpu and cpu (TeeWasm.DeviceCheck)
# and writes to $OUT (default .device/out): device-check.json (everything, one file), device-check.png, device-check.log,
# conformance-cuda.json and conformance-webgpu.json (CTRF). Without a GPU every GPU step says why and the rest runs.
#
# Usage: scripts/device-check.sh [BUNDLE]   (default .device/teewasm-device-linux-x64.tar.xz)
# Environment: OUT (results folder), DEVICE_CHECK_BUDGET (seconds for the whole check, default 470).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="${1:-$ROOT/.device/teewasm-device-linux-x64.tar.xz}"
OUT="${OUT:-$ROOT/.device/out}"
BUDGET="${DEVICE_CHECK_BUDGET:-470}"
START=$(date +%s)
case "$BUNDLE" in -h|--help) sed -n '2,13p' "$0"; exit 0 ;; esac
[ -f "$BUNDLE" ] || { echo "device-check: error: no bundle at $BUNDLE (build it with scripts/device-bundle.sh)" >&2; exit 2; }

mkdir -p "$OUT"
LOG="$OUT/device-check.log"
: > "$LOG"
say() { echo "[device-check $(( $(date +%s) - START )) s] $*" | tee -a "$LOG" >&2; }
left() { echo $(( BUDGET - ( $(date +%s) - START ) )); }

WORK="$(mktemp -d /tmp/teewasm-device.XXXXXX)"
B="$WORK/bundle"
STEPS="$WORK/steps"
mkdir -p "$B" "$STEPS"
say "unpacking $BUNDLE ($(du -m "$BUNDLE" | cut -f1) MiB)"
xz -dc "$BUNDLE" | tar -C "$B" -xf - || { say "error: cannot unpack the bundle"; exit 1; }
say "bundle of commit $(cat "$B/COMMIT" 2>/dev/null || echo '?'), unpacked $(du -sm "$B" | cut -f1) MiB"

export XDG_CACHE_HOME="$WORK/cache" XDG_DATA_HOME="$WORK/data" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The NVIDIA Vulkan driver where the machine keeps it off the loader's default path, and a loader when it has none.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
done
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  export LD_LIBRARY_PATH="$B/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "no Vulkan loader on this machine: using the bundle's"
fi
say "VK_DRIVER_FILES=${VK_DRIVER_FILES:-(unset)}; $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi: none')"

TIMES="$STEPS/times.json"
echo "{" > "$TIMES"
# step NAME SECONDS COMMAND...: runs COMMAND with a time limit, its output in $STEPS/NAME.txt, its time and exit code in times.json.
step() {
  local name="$1" limit="$2"; shift 2
  local remaining; remaining=$(left)
  [ "$limit" -gt "$remaining" ] && limit=$remaining
  if [ "$limit" -le 5 ]; then say "$name: skipped (time budget spent)"; echo "\"$name\": {\"skipped\": \"time budget spent\"}," >> "$TIMES"; return; fi
  local t0; t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" > "$STEPS/$name.txt" 2>&1
  local rc=$?
  local took=$(( $(date +%s) - t0 ))
  [ "$rc" = 124 ] && echo "(stopped after its $limit s limit)" >> "$STEPS/$name.txt"
  echo "\"$name\": {\"exit_code\": $rc, \"seconds\": $took}," >> "$TIMES"
  say "$name: exit $rc in $took s; $(grep -v '^\s*$' "$STEPS/$name.txt" | tail -n 1 | cut -c1-200)"
}

TEE="$B/bin/tee-wasm"
TESTS="$B/bin/TeeWasm.Gpu.DeviceTests"
step info 60 "$TEE" info
step detect 30 "$TEE" detect --json
step attest-gpu 60 "$TEE" attest gpu --index 0
step conformance-cuda 150 "$TESTS" -class 'TeeWasm.Gpu.Tests.Device.Cuda*' -noColor -ctrf "$OUT/conformance-cuda.json"
step conformance-webgpu 120 "$TESTS" -class 'TeeWasm.Gpu.Tests.Device.WebGpu*' -noColor -ctrf "$OUT/conformance-webgpu.json"
echo "\"prepare_seconds\": $(( $(date +%s) - START ))}" >> "$TIMES"

measure=$(( $(left) - 25 ))
[ "$measure" -lt 30 ] && measure=30
say "measuring (matmul, RF guests) within $measure s"
attach=()
for f in info detect attest-gpu conformance-cuda conformance-webgpu; do attach+=(--attach "$f=$STEPS/$f.txt"); done
attach+=(--attach "steps=$TIMES")
timeout --kill-after=10 $(( measure + 20 )) "$B/bin/TeeWasm.DeviceCheck" --out "$OUT" --guests "$B/guests" --data "$B/data" \
  --sizes 1024,4096 --rf-runs 2 --budget "$measure" "${attach[@]}" 2>&1 | tee -a "$LOG"
rc=${PIPESTATUS[0]}
say "done: exit $rc; results in $OUT ($(ls "$OUT" | tr '\n' ' '))"
rm -rf "$WORK"
exit "$rc"
