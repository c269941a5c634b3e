#!/usr/bin/env bash
# Builds the release: tee-wasm as one native executable (Native AOT, trimmed; no .NET needed where it runs) beside
# Wasmtime's and Dawn's native libraries and the licences, packed as
#   artifacts/release/tee-wasm-<version>-linux-x64.tar.gz   (one folder tee-wasm-<version>-linux-x64/ inside)
# Unpack it anywhere and run ./tee-wasm-<version>-linux-x64/tee-wasm. It needs glibc, libssl.so.3 and, for WebGPU,
# libstdc++ and a Vulkan driver (docs/deploy.md).
#
# Usage: scripts/publish.sh [--jit] [--out DIR] [--no-archive] [--print-dir]
#   --jit          a self-contained .NET build (ReadyToRun, not trimmed; ...-linux-x64-jit) instead of Native AOT: it
#                  keeps the CUDA backend (ILGPU compiles its kernels from their IL at run time, which Native AOT
#                  does not keep) and starts slower
#   --out DIR      put the folder (and the archive) under DIR [default: artifacts/release]
#   --no-archive   only the folder: for other scripts that bundle it (e.g. a device bundle)
#   --print-dir    print only the folder's path on stdout when done (for other scripts)
# Needs: the .NET SDK (the ILCompiler package comes from NuGet), clang or gcc (the native linker), and Dawn
# (.cache/webgpu/package, fetched by scripts/setup-webgpu.sh --no-mesa when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/artifacts/release"
ARCHIVE=1
PRINT_DIR=0
JIT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
    --no-archive) ARCHIVE=0 ;;
    --print-dir) PRINT_DIR=1 ;;
    --jit) JIT=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "publish: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
say() { if [ "$PRINT_DIR" = 1 ]; then echo "$*" >&2; else echo "$*"; fi; }

RID=linux-x64
VERSION="$(dotnet msbuild "$ROOT/src/TeeWasm.Cli" -getProperty:Version -nologo)"
NAME="tee-wasm-$VERSION-$RID"
[ "$JIT" = 0 ] || NAME="$NAME-jit"
DIR="$OUT/$NAME"
DAWN="$ROOT/.cache/webgpu/package"

[ -f "$DAWN/libwebgpu_wrapper.so" ] || "$ROOT/scripts/setup-webgpu.sh" --no-mesa >&2

rm -rf "$DIR"
if [ "$JIT" = 0 ]; then
  say "publish: building $NAME (Native AOT; a few minutes)"
  dotnet publish "$ROOT/src/TeeWasm.Cli" -c Release -r "$RID" -p:TeeWasmNative=true -o "$DIR" -nologo -v quiet \
    -clp:ErrorsOnly >&2
else
  say "publish: building $NAME (self-contained, ReadyToRun)"
  dotnet publish "$ROOT/src/TeeWasm.Cli" -c Release -r "$RID" --self-contained -p:PublishReadyToRun=true \
    -p:SatelliteResourceLanguages=en -o "$DIR" -nologo -v quiet -clp:ErrorsOnly >&2
fi
# Keep what runs: the executable and the native libraries; not symbols or XML docs.
find "$DIR" -maxdepth 1 -type f \( -name '*.pdb' -o -name '*.dbg' -o -name '*.xml' \) -delete
cp "$DAWN/libwebgpu_wrapper.so" "$DIR/"
cp "$DAWN/LICENSE" "$DIR/LICENSE-bun-webgpu.txt"
cp /usr/share/common-licenses/Apache-2.0 "$DIR/LICENSE-APACHE-2.0.txt"
cp "$ROOT/packaging/THIRD-PARTY-NOTICES.md" "$DIR/"
cp "$ROOT/packaging/release-README.md" "$DIR/README.md"
for f in tee-wasm libwasmtime.so libwebgpu_wrapper.so; do
  [ -f "$DIR/$f" ] || { echo "publish: error: $DIR/$f is missing" >&2; exit 1; }
done
"$DIR/tee-wasm" --version >/dev/null || { echo "publish: error: the built tee-wasm does not start" >&2; exit 1; }

if [ "$ARCHIVE" = 1 ]; then
  TGZ="$OUT/$NAME.tar.gz"
  # Reproducible order, owner and times: the same inputs give the same archive.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' -C "$OUT" -czf "$TGZ" "$NAME"
  say "publish: $TGZ ($(du -h "$TGZ" | cut -f1))"
fi
say "publish: $DIR"
if [ "$PRINT_DIR" = 1 ]; then echo "$DIR"; fi
