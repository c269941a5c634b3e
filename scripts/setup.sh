#!/usr/bin/env bash
# Installs what TeeWasm needs beyond the .NET SDK, from Debian's packages, only where missing:
#   guest toolchains  clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
#                     libclang-rt-14-dev-wasm32 rustc cargo libstd-rust-dev-wasm32 wabt
#   tests             swtpm swtpm-tools tpm2-tools (software TPM), gcc (fake NVML library; the native linker of
#                     scripts/publish.sh, with zlib1g-dev),
#                     python3-sklearn (the diabetes data set)
# Idempotent and quiet when everything is there. Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32
  rustc cargo libstd-rust-dev-wasm32 wabt
  swtpm swtpm-tools tpm2-tools gcc python3-sklearn
  zlib1g-dev
)

command -v dotnet >/dev/null 2>&1 || { echo "setup: the .NET SDK (dotnet) is required: https://dot.net" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$ROOT/scripts/setup-webgpu.sh" ]; then
  "$ROOT/scripts/setup-webgpu.sh"
fi
