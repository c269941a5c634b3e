#!/usr/bin/env bash
# Installs what TeeWasm needs beyond the .NET SDK, from Debian's packages, only where missing:
#   guest toolchains  clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32
#                     libclang-rt-14-dev-wasm32 rustc cargo libstd-rust-dev-wasm32 wabt make (the C++ template)
#   guest crates      librust-serde-dev librust-serde-derive-dev librust-serde-json-dev (Debian's packaged serde,
#                     the crates.io source of guests/.cargo/config.toml; the guests' optional `serde` feature)
#   tests             swtpm swtpm-tools tpm2-tools (software TPM), gcc (fake NVML library; with zlib1g-dev the
#                     native linker of scripts/publish.sh),
#                     python3-sklearn (the diabetes data set), nodejs when no `node` is on PATH (the guests' mock-host
#                     runs in scripts/build-guests.sh --check)
#   benchmarks        python3-matplotlib (bench/rf-compare --plot)
# Idempotent and quiet when everything is there. Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  clang-14 lld-14 wasi-libc libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32
  rustc cargo libstd-rust-dev-wasm32 wabt make
  librust-serde-dev librust-serde-derive-dev librust-serde-json-dev
  swtpm swtpm-tools tpm2-tools gcc zlib1g-dev python3-sklearn python3-matplotlib
)

command -v dotnet >/dev/null 2>&1 || { echo "setup: the .NET SDK (dotnet) is required: https://dot.net" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Any node (Debian's nodejs, NodeSource's, nvm's) will do; install Debian's only when there is none.
command -v node >/dev/null 2>&1 || missing+=(nodejs)

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
