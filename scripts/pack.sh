#!/usr/bin/env bash
# Packs TeeWasm's NuGet packages into artifacts/packages (a local folder feed): the libraries (TeeWasm.Attestation,
# TeeWasm.Attestation.Services, TeeWasm.Gpu, TeeWasm.Runtime) and the .NET tool tee-wasm (with Wasmtime's and Dawn's
# native libraries).
# The version is the one in Directory.Build.props. Packages of that version already in the folder are replaced.
#
# Usage: scripts/pack.sh
# Needs: the .NET SDK; Dawn in .cache/webgpu (scripts/setup-webgpu.sh --no-mesa fetches it when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
for a in "$@"; do
  case "$a" in
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "pack: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done
OUT="$ROOT/artifacts/packages"
VERSION="$(dotnet msbuild src/TeeWasm.Cli -getProperty:Version -nologo)"
[ -f .cache/webgpu/package/libwebgpu_wrapper.so ] || scripts/setup-webgpu.sh --no-mesa
mkdir -p "$OUT"
rm -f "$OUT"/*."$VERSION".nupkg "$OUT"/*."$VERSION".snupkg
for project in src/TeeWasm.Attestation src/TeeWasm.Attestation.Services src/TeeWasm.Gpu src/TeeWasm.Runtime src/TeeWasm.Cli; do
  dotnet pack "$project" -c Release -nologo -v quiet -clp:ErrorsOnly
done
echo "pack: $(ls "$OUT"/*."$VERSION".nupkg | wc -l) packages, version $VERSION, in $OUT:"
ls -1 "$OUT"/*."$VERSION".nupkg | sed "s|$ROOT/||; s/^/  /"
