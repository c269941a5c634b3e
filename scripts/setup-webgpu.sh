#!/usr/bin/env bash
# Set up the WebGPU engine: Dawn (libwebgpu_wrapper.so from the npm package bun-webgpu-linux-x64, pinned version and
# SHA-256) in .cache/webgpu/, and Mesa's lavapipe (software Vulkan) from bookworm-backports when no lavapipe ICD is
# installed. Idempotent: silent and does nothing when both are already in place; one line per piece it installs.
#
# Usage: scripts/setup-webgpu.sh [--no-mesa] [-v]
#   --no-mesa   only fetch Dawn (e.g. on a machine whose GPU has its own Vulkan driver)
#   -v          also say what is already in place
# Needs: npm (registry access) for the first run; root (or sudo) and apt for Mesa.
# The host finds the library at .cache/webgpu/package/libwebgpu_wrapper.so (or $TEEWASM_WEBGPU_LIB).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG=bun-webgpu-linux-x64
VERSION=0.1.7
# sha256sum of the tarball `npm pack bun-webgpu-linux-x64@0.1.7` writes (npm's own integrity:
# sha512-UEP7UZdEhx9otvkZczjsszL8ZVlrODANQvgl+C88/bNVmxDoFi7w1fWzGi1sZyakiETjmtFDq2/xCLhbSZxjqw==).
SHA256=8badfecdad4e726ac12be4f29771f4cbd7ce7683b4418316a547c5bda94fb798
DIR="$ROOT/.cache/webgpu"
TGZ="$DIR/$PKG-$VERSION.tgz"
LIB="$DIR/package/libwebgpu_wrapper.so"
STAMP="$DIR/package/.sha256"
# Mesa 25 from bookworm-backports installs lvp_icd.json; older/other builds name it lvp_icd.x86_64.json.
LVP_ICDS=(/usr/share/vulkan/icd.d/lvp_icd.json /usr/share/vulkan/icd.d/lvp_icd.x86_64.json)
BACKPORTS_LINE="deb http://deb.debian.org/debian bookworm-backports main"

MESA=1
VERBOSE=0
for a in "$@"; do
  case "$a" in
    --no-mesa) MESA=0 ;;
    -v|--verbose) VERBOSE=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup-webgpu: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done

die() { echo "setup-webgpu: error: $*" >&2; exit 1; }
verbose() { [ "$VERBOSE" = 0 ] || echo "$*"; }

# --- Dawn ---------------------------------------------------------------------------------------
if [ -f "$LIB" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$SHA256" ]; then
  verbose "dawn: $LIB (already in place)"
else
  command -v npm >/dev/null 2>&1 || die "npm not found (apt-get install npm, or nodejs from nodesource)"
  mkdir -p "$DIR"
  how="extracted from the cached tarball"
  if [ ! -f "$TGZ" ] || [ "$(sha256sum "$TGZ" | cut -d' ' -f1)" != "$SHA256" ]; then
    rm -f "$TGZ"
    (cd "$DIR" && npm pack --silent "$PKG@$VERSION" >/dev/null 2>&1) || die "npm pack $PKG@$VERSION failed"
    how="fetched $PKG@$VERSION"
  fi
  got="$(sha256sum "$TGZ" | cut -d' ' -f1)"
  if [ "$got" != "$SHA256" ]; then
    rm -f "$TGZ"
    die "checksum mismatch for $PKG@$VERSION: got $got, want $SHA256 (tarball removed)"
  fi
  rm -rf "$DIR/package"
  tar -xzf "$TGZ" -C "$DIR" package/libwebgpu_wrapper.so package/LICENSE package/package.json ||
    die "extracting libwebgpu_wrapper.so from $TGZ failed"
  echo "$SHA256" > "$STAMP"
  echo "dawn: $LIB ($how, sha256 verified)"
fi

# --- Mesa lavapipe ------------------------------------------------------------------------------
[ "$MESA" = 1 ] || exit 0
lvp_icd() { local f; for f in "${LVP_ICDS[@]}"; do [ -f "$f" ] && { echo "$f"; return 0; }; done; return 1; }
mesa_ok() {
  lvp_icd >/dev/null || return 1
  # Dawn refuses Mesa 22.x (Debian 12's stock version) and silently falls back to its Null adapter.
  local v; v="$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)"
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25 2>/dev/null
}
if mesa_ok; then
  verbose "mesa: lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) at $(lvp_icd) (already in place)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "installing Mesa needs root (run as root, or install sudo)"
  SUDO=sudo
fi
command -v apt-get >/dev/null 2>&1 || die "no apt-get: install Mesa >= 25 with lavapipe (mesa-vulkan-drivers) yourself"
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "$BACKPORTS_LINE" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
# Another apt/dpkg may hold the lock: apt-get waits for it up to the timeout.
APT=(-o DPkg::Lock::Timeout=600 -qq)
$SUDO apt-get "${APT[@]}" update >/dev/null || die "apt-get update failed"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${APT[@]}" install -y --no-install-recommends -t bookworm-backports \
  mesa-vulkan-drivers libvulkan1 >/dev/null || die "apt-get install of mesa-vulkan-drivers from bookworm-backports failed"
mesa_ok || die "Mesa installed but no lavapipe ICD (${LVP_ICDS[*]}) or Mesa older than 25"
echo "mesa: lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) at $(lvp_icd) (installed from bookworm-backports)"
