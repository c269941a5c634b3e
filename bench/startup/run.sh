#!/usr/bin/env bash
# The start-up benchmark: whole-process wall-clock times, side by side in one interleaved run, of
#   tee-wasm run hello.wasm           against Node.js's WASI running the same module (goal: <= Node)
#   tee-wasm --version                (goal: <= 30 ms)
#   tee-wasm run --tee simulate attestation_example.wasm   (goal: <= 150 ms)
# for each tee-wasm build given (default: the native release build from scripts/publish.sh --no-archive, and the
# framework-dependent build of `dotnet build`). The module cache is warm (warm-up rounds run first), as in a user's
# inner loop. Prints a Markdown table and whether each goal is met (exit 1 when one is missed).
#
# Usage: bench/startup/run.sh [--rounds N] [--build LABEL=COMMAND]...
#   --build 'before=dotnet /tmp/main-build/tee-wasm.dll'   compare another build (e.g. main's) in the same run
# Needs: node (>= 20), clang-14 + wasi-libc (scripts/setup.sh), the builds named. Goals are checked for the first build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ROUNDS=30
BUILDS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift ;;
    --build) BUILDS+=("$2"); shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "startup bench: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

OUT="$ROOT/artifacts/bench/startup"
mkdir -p "$OUT"
HELLO="$OUT/hello.wasm"
clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-all bench/startup/hello.c -o "$HELLO"
ATTEST="$ROOT/artifacts/guests/attestation_example.wasm"
[ -f "$ATTEST" ] || scripts/build-guests.sh >/dev/null

if [ "${#BUILDS[@]}" -eq 0 ]; then
  NATIVE="$(scripts/publish.sh --no-archive --out "$OUT/release" --print-dir)"
  dotnet build src/TeeWasm.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
  BUILDS=("native=$NATIVE/tee-wasm" "dotnet=dotnet src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll")
fi

ARGS=(--rounds "$ROUNDS" --cmd "node: hello.wasm" "node --no-warnings bench/startup/node-wasi.mjs $HELLO")
first=""
for b in "${BUILDS[@]}"; do
  label="${b%%=*}"; cmd="${b#*=}"
  [ -n "$first" ] || first="$label"
  ARGS+=(--cmd "$label: run hello.wasm" "$cmd run $HELLO")
  ARGS+=(--cmd "$label: --version" "$cmd --version")
  ARGS+=(--cmd "$label: run --tee simulate attestation_example.wasm" "$cmd run --tee simulate $ATTEST")
done
ARGS+=(--goal "$first: run hello.wasm<=node: hello.wasm" --goal "$first: --version<=30ms"
       --goal "$first: run --tee simulate attestation_example.wasm<=150ms")
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
python3 bench/startup/interleave.py "${ARGS[@]}"
