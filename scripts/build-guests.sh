#!/usr/bin/env bash
# Build the TeeWasm example guests into artifacts/guests/:
#   attestation_example.wasm    Rust (guests/rust/tee-attestation, --example attestation_example)
#   main_with_attestation.wasm  C++17 (guests/cpp, header-only bindings + src/cabi_realloc.c)
#   compat_original.wasm        WAT (guests/wat/compat_original.wat, the original host's exact imports)
#   webgpu_matmul_rust.wasm     Rust (guests/rust/tee-webgpu, --example webgpu_matmul): wasi:webgpu WGSL matmul
#   webgpu_matmul_cpp.wasm      C++17 (guests/cpp, include/webgpu.hpp + src/cabi_realloc.c): the same checks
#   webgpu_bench_rust.wasm      Rust (--example webgpu_bench): guest side of bench/TeeWasm.WebGpuBench
#
# Usage: scripts/build-guests.sh [--force] [--check]
#   --force  rebuild even when the inputs are unchanged (default: skip an artifact whose inputs,
#            tool versions and this script hash to the same stamp as last time)
#   --check  afterwards verify each module's imports/exports with wasm-objdump and run the native
#            unit tests (cargo test of the Rust crates, the C++ JSON reader test)
# Toolchains (Debian packages; scripts/setup.sh installs them): clang-14 lld-14 wasi-libc
# libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32 rustc cargo
# libstd-rust-dev-wasm32 wabt. Debian's /usr/bin/cargo and /usr/bin/rustc are used explicitly (a rustup
# toolchain on PATH usually has no wasm32-wasi std). No network: cargo runs --offline, no crates.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/artifacts/guests"
FORCE=0
CHECK=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --check) CHECK=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "build-guests: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done

CXX=clang++-14
CC=clang-14
CARGO=/usr/bin/cargo
RUSTC=/usr/bin/rustc
SYSROOT=/usr
WASI_LIB=/usr/lib/wasm32-wasi

die() { echo "build-guests: error: $*" >&2; exit 1; }
missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 (package: $2)"); }
need_file() { [ -e "$1" ] || missing+=("$1 (package: $2)"); }
need_cmd "$CXX" clang-14
need_cmd "$CC" clang-14
need_cmd wasm-ld-14 lld-14
need_cmd wat2wasm wabt
need_file "$CARGO" cargo
need_file "$RUSTC" rustc
need_file "$WASI_LIB/libc.a" wasi-libc
need_file "$WASI_LIB/libc++.a" libc++-14-dev-wasm32
need_file "$WASI_LIB/libc++abi.a" libc++abi-14-dev-wasm32
compgen -G "/usr/lib/llvm-14/lib/clang/14*/lib/wasi/libclang_rt.builtins-wasm32.a" >/dev/null ||
  missing+=("/usr/lib/llvm-14/lib/clang/14*/lib/wasi/libclang_rt.builtins-wasm32.a (package: libclang-rt-14-dev-wasm32)")
need_file /usr/lib/rustlib/wasm32-wasi/lib libstd-rust-dev-wasm32
[ "$CHECK" = 1 ] && need_cmd wasm-objdump wabt
if [ "${#missing[@]}" -gt 0 ]; then
  {
    echo "build-guests: missing toolchain pieces:"
    printf '  - %s\n' "${missing[@]}"
    echo "run scripts/setup.sh (it apt-get installs the packages above)"
  } >&2
  exit 1
fi

mkdir -p "$OUT"
export CARGO_HOME="$ROOT/.cache/cargo-home"   # keep ~/.cargo (and its config) out of it
export RUSTC RUSTDOC=/usr/bin/rustdoc
unset RUSTUP_TOOLCHAIN RUSTFLAGS CARGO_BUILD_TARGET CARGO_TARGET_DIR 2>/dev/null || true

tools_id() { { "$CXX" --version | head -1; "$RUSTC" --version; "$CARGO" --version; wat2wasm --version; } 2>&1; }
TOOLS="$(tools_id)"
# stamp NAME FILES... -> prints the hash of the inputs
stamp() {
  local name="$1"; shift
  { echo "$TOOLS"; sha256sum "$ROOT/scripts/build-guests.sh"; sha256sum "$@"; } | sha256sum | cut -d' ' -f1
}
up_to_date() { [ "$FORCE" = 0 ] && [ -f "$OUT/$1" ] && [ -f "$OUT/.$1.stamp" ] && [ "$(cat "$OUT/.$1.stamp")" = "$2" ]; }
report() { printf '%-28s %8d bytes  %s\n' "$1" "$(stat -c %s "$OUT/$1")" "$2"; }

# --- Rust ---------------------------------------------------------------------------------------
RUST_DIR="$ROOT/guests/rust/tee-attestation"
name=attestation_example.wasm
mapfile -t rust_inputs < <(find "$RUST_DIR" -path "$RUST_DIR/target" -prune -o -type f \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print | sort)
s="$(stamp "$name" "${rust_inputs[@]}")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  (cd "$RUST_DIR" && "$CARGO" build --offline --quiet --release --target wasm32-wasi --example attestation_example) ||
    die "cargo build of $name failed"
  cp "$RUST_DIR/target/wasm32-wasi/release/examples/attestation_example.wasm" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
fi

# --- C++ ----------------------------------------------------------------------------------------
CPP_DIR="$ROOT/guests/cpp"
name=main_with_attestation.wasm
s="$(stamp "$name" "$CPP_DIR/include/attestation.hpp" "$CPP_DIR/src/cabi_realloc.c" "$CPP_DIR/examples/main_with_attestation.cpp")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  BUILD="$CPP_DIR/build"
  mkdir -p "$BUILD"
  "$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c11 -O2 -Wall -Wextra -Werror \
    -c "$CPP_DIR/src/cabi_realloc.c" -o "$BUILD/cabi_realloc.o" || die "compiling cabi_realloc.c failed"
  "$CXX" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c++17 -O2 -fno-exceptions -Wall -Wextra -Werror \
    -I "$CPP_DIR/include" "$CPP_DIR/examples/main_with_attestation.cpp" "$BUILD/cabi_realloc.o" \
    -Wl,--strip-all -o "$BUILD/$name" || die "compiling $name failed"
  cp "$BUILD/$name" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
fi

# --- WAT ----------------------------------------------------------------------------------------
name=compat_original.wasm
src="$ROOT/guests/wat/compat_original.wat"
s="$(stamp "$name" "$src")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  # MVP features only, so it also loads in the most conservative engine configuration.
  wat2wasm --disable-bulk-memory --disable-reference-types "$src" -o "$OUT/$name" || die "wat2wasm $src failed"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
fi

# --- wasi:webgpu guests (Rust, C++) ---------------------------------------------------------------
WEBGPU_RUST_DIR="$ROOT/guests/rust/tee-webgpu"
name=webgpu_matmul_rust.wasm
mapfile -t rust_inputs < <(find "$WEBGPU_RUST_DIR" -path "$WEBGPU_RUST_DIR/target" -prune -o -type f \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print | sort)
s="$(stamp "$name" "${rust_inputs[@]}")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  (cd "$WEBGPU_RUST_DIR" && "$CARGO" build --offline --quiet --release --target wasm32-wasi --example webgpu_matmul) ||
    die "cargo build of $name failed"
  cp "$WEBGPU_RUST_DIR/target/wasm32-wasi/release/examples/webgpu_matmul.wasm" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
fi
name=webgpu_bench_rust.wasm
s="$(stamp "$name" "${rust_inputs[@]}")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  (cd "$WEBGPU_RUST_DIR" && "$CARGO" build --offline --quiet --release --target wasm32-wasi --example webgpu_bench) ||
    die "cargo build of $name failed"
  cp "$WEBGPU_RUST_DIR/target/wasm32-wasi/release/examples/webgpu_bench.wasm" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
fi

name=webgpu_matmul_cpp.wasm
s="$(stamp "$name" "$CPP_DIR/include/webgpu.hpp" "$CPP_DIR/src/cabi_realloc.c" "$CPP_DIR/examples/webgpu_matmul.cpp")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  BUILD="$CPP_DIR/build"
  mkdir -p "$BUILD"
  "$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c11 -O2 -Wall -Wextra -Werror \
    -c "$CPP_DIR/src/cabi_realloc.c" -o "$BUILD/cabi_realloc.o" || die "compiling cabi_realloc.c failed"
  "$CXX" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c++17 -O2 -fno-exceptions -Wall -Wextra -Werror \
    -I "$CPP_DIR/include" "$CPP_DIR/examples/webgpu_matmul.cpp" "$BUILD/cabi_realloc.o" \
    -Wl,--strip-all -o "$BUILD/$name" || die "compiling $name failed"
  cp "$BUILD/$name" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
fi

[ "$CHECK" = 1 ] || exit 0

# --- Checks -------------------------------------------------------------------------------------
fail=0
imports() { wasm-objdump -x -j Import "$1" | sed -n 's/.* <- \([^ ]*\)$/\1/p' | sort; }
exports() { wasm-objdump -x -j Export "$1" | sed -n 's/.* -> "\([^"]*\)"$/\1/p' | sort; }
check_module() {  # FILE "expected wasmtime_attestation imports" "expected wasi imports or *"
  local f="$OUT/$1" want_att="$2" want_wasi="$3" got_att got_other e
  got_att="$(imports "$f" | sed -n 's/^wasmtime_attestation\.//p' | tr '\n' ' ' | sed 's/ $//')"
  got_other="$(imports "$f" | grep -v -e '^wasmtime_attestation\.' -e '^wasi_snapshot_preview1\.' || true)"
  if [ "$got_att" != "$want_att" ]; then echo "CHECK FAIL $1: attestation imports [$got_att], want [$want_att]"; fail=1; fi
  if [ -n "$got_other" ]; then echo "CHECK FAIL $1: unexpected imports: $got_other"; fail=1; fi
  if [ "$want_wasi" != "*" ]; then
    local got_wasi; got_wasi="$(imports "$f" | sed -n 's/^wasi_snapshot_preview1\.//p' | tr '\n' ' ' | sed 's/ $//')"
    [ "$got_wasi" = "$want_wasi" ] || { echo "CHECK FAIL $1: wasi imports [$got_wasi], want [$want_wasi]"; fail=1; }
  fi
  for e in memory cabi_realloc _start; do
    exports "$f" | grep -qx "$e" || { echo "CHECK FAIL $1: missing export $e"; fail=1; }
  done
  echo "check $1: imports wasmtime_attestation.{${got_att// /,}} + wasi_snapshot_preview1.*; exports memory, cabi_realloc, _start"
}
check_module attestation_example.wasm "attest_gpu attest_vm detect_tee verify_token verify_token_json" "*"
check_module main_with_attestation.wasm "attest_gpu attest_vm detect_tee verify_token" "*"
check_module compat_original.wasm "attest_gpu attest_vm clear_cache detect_tee verify_token" "fd_write"
check_webgpu_module() {  # FILE: imports only wasi:webgpu.* and wasi_snapshot_preview1.*, the 17 originals used
  local f="$OUT/$1" other got e
  other="$(imports "$f" | grep -v -e '^wasi:webgpu\.' -e '^wasi_snapshot_preview1\.' || true)"
  if [ -n "$other" ]; then echo "CHECK FAIL $1: unexpected imports: $other"; fail=1; fi
  got="$(imports "$f" | sed -n 's/^wasi:webgpu\.//p' | tr '\n' ' ' | sed 's/ $//')"
  for e in create-instance request-adapter request-device get-queue create-buffer queue-write-buffer create-shader-module \
           create-bind-group-layout create-compute-pipeline create-bind-group create-command-encoder dispatch-compute \
           submit-commands copy-buffer-to-buffer buffer-map-async buffer-get-mapped-range buffer-unmap get-last-error; do
    grep -qw -- "$e" <<<"$got" || { echo "CHECK FAIL $1: does not import wasi:webgpu.$e"; fail=1; }
  done
  for e in memory cabi_realloc _start; do
    exports "$f" | grep -qx "$e" || { echo "CHECK FAIL $1: missing export $e"; fail=1; }
  done
  echo "check $1: imports wasi:webgpu.{$(wc -w <<<"$got") functions} + wasi_snapshot_preview1.*; exports memory, cabi_realloc, _start"
}
check_webgpu_module webgpu_matmul_rust.wasm
check_webgpu_module webgpu_matmul_cpp.wasm

echo "check: cargo test (native) of tee-attestation"
rc=0; out="$(cd "$RUST_DIR" && CARGO_TARGET_DIR="$RUST_DIR/target/native" "$CARGO" test --offline --quiet --lib 2>&1)" || rc=$?
grep -E '^test result|FAILED|panicked|^error' <<<"$out" || true
[ "$rc" = 0 ] || { echo "CHECK FAIL: cargo test"; fail=1; }
echo "check: cargo test (native) of tee-webgpu"
rc=0; out="$(cd "$WEBGPU_RUST_DIR" && CARGO_TARGET_DIR="$WEBGPU_RUST_DIR/target/native" "$CARGO" test --offline --quiet --lib 2>&1)" || rc=$?
grep -E '^test result|FAILED|panicked|^error' <<<"$out" || true
[ "$rc" = 0 ] || { echo "CHECK FAIL: cargo test (tee-webgpu)"; fail=1; }
echo "check: webgpu.hpp compiles natively (stubs)"
"$CXX" -std=c++17 -fno-exceptions -Wall -Wextra -Werror -fsyntax-only -x c++ "$CPP_DIR/include/webgpu.hpp" ||
  { echo "CHECK FAIL: webgpu.hpp (native)"; fail=1; }
echo "check: C++ JSON reader test (native)"
mkdir -p "$CPP_DIR/build"
"$CXX" -std=c++17 -fno-exceptions -Wall -Wextra -Werror -I "$CPP_DIR/include" "$CPP_DIR/tests/json_test.cpp" \
  -o "$CPP_DIR/build/json_test" && "$CPP_DIR/build/json_test" || { echo "CHECK FAIL: C++ JSON test"; fail=1; }
if command -v node >/dev/null 2>&1; then
  echo "check: guests against the mock host (node guests/tests/mock_host.mjs)"
  for g in attestation_example main_with_attestation; do
    for sc in notee:1 ok:0 badtoken:1 null:1; do
      rc=0; out="$(node --no-warnings "$ROOT/guests/tests/mock_host.mjs" "$OUT/$g.wasm" "${sc%%:*}" 2>&1)" || rc=$?
      if [ "$rc" != "${sc##*:}" ]; then echo "CHECK FAIL $g scenario ${sc%%:*}: exit $rc, want ${sc##*:}"; echo "$out" | tail -5; fail=1; fi
      if [ "${sc%%:*}" = ok ] && ! grep -q "✓ Training step complete" <<<"$out"; then echo "CHECK FAIL $g: no training step"; fail=1; fi
      if [ "${sc%%:*}" != ok ] && grep -q "Training" <<<"$out"; then echo "CHECK FAIL $g: trained after failed attestation"; fail=1; fi
    done
    echo "  $g: notee/ok/badtoken/null scenarios give the expected exit codes"
  done
  rc=0; out="$(node --no-warnings "$ROOT/guests/tests/mock_host.mjs" "$OUT/compat_original.wasm" ok 2>&1)" || rc=$?
  if [ "$rc" != 0 ] || ! grep -q "verify_token=1" <<<"$out"; then echo "CHECK FAIL compat_original: $out"; fail=1; else echo "  compat_original: ok"; fi
else
  echo "check: node not found; skipping the mock-host runs"
fi
[ "$fail" = 0 ] && echo "all guest checks passed" || { echo "guest checks FAILED" >&2; exit 1; }
