#!/usr/bin/env bash
# Build the TeeWasm example guests into artifacts/guests/:
#   attestation_example.wasm    Rust (guests/rust/tee-attestation, --example attestation_example)
#   main_with_attestation.wasm  C++17 (guests/cpp, header-only bindings + src/cabi_realloc.c)
#   compat_original.wasm        WAT (guests/wat/compat_original.wat, the original host's exact imports)
#   wasm-ml-benchmark.wasm      Rust RF benchmark (guests/rust/wasm-ml, wasi:gpu + attestation)
#   wasmwebgpu-ml-benchmark.wasm  C++17 RF benchmark (guests/cpp/wasmwebgpu-ml, include/wasi_gpu.h)
#   webgpu_matmul_rust.wasm     Rust (guests/rust/tee-webgpu, --example webgpu_matmul): wasi:webgpu WGSL matmul
#   webgpu_matmul_cpp.wasm      C++17 (guests/cpp, include/webgpu.hpp + src/cabi_realloc.c): the same checks
#   webgpu_bench_rust.wasm      Rust (--example webgpu_bench): guest side of bench/TeeWasm.WebGpuBench
#   gpu_matmul_bench.wasm       C++17 (guests/cpp/examples/gpu_matmul_bench.cpp): kernel-matmul GFLOP/s through wasi:gpu
#   aes_gcm_bench_rust.wasm     Rust (guests/rust/wasm-ml, --example aes_gcm_bench): AES-256-GCM decryption cost
#   aes_gcm_bench_cpp.wasm      C++17 (guests/cpp/examples/aes_gcm_bench.cpp): the same (bench/aes-gcm.sh runs both)
#
# Usage: scripts/build-guests.sh [--force] [--check]
#   --force  rebuild even when the inputs are unchanged (default: skip an artifact whose inputs,
#            tool versions and this script hash to the same stamp as last time)
#   --check  afterwards verify each module's imports/exports with wasm-objdump and run the native
#            unit tests (cargo test of the Rust crates, the C++ JSON reader, RF and AES-256-GCM tests); with node, also run
#            the guests against guests/tests/*mock_host.mjs (the RF benchmarks need the diabetes CSVs
#            in $RF_DATA_DIR, default data/; skipped with a message when they are absent)
# Toolchains (Debian packages; scripts/setup.sh installs them): clang-14 lld-14 wasi-libc
# libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32 rustc cargo
# libstd-rust-dev-wasm32 wabt, librust-serde-dev librust-serde-derive-dev librust-serde-json-dev. Debian's /usr/bin/cargo and /usr/bin/rustc are used explicitly (a rustup
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
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
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
# Debian's packaged crates: guests/.cargo/config.toml makes /usr/share/cargo/registry the crates.io source; the
# optional `serde` feature of tee-attestation and wasm-ml resolves there (their lock files list it).
for crate in serde:librust-serde-dev serde_derive:librust-serde-derive-dev serde_json:librust-serde-json-dev; do
  compgen -G "/usr/share/cargo/registry/${crate%%:*}-1.*" >/dev/null ||
    missing+=("/usr/share/cargo/registry/${crate%%:*}-1.* (package: ${crate##*:})")
done
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
# A Rust example: `cargo build --example EXAMPLE` in crate DIR, rebuilt when the crate's sources change.
build_rust_example() {  # NAME DIR EXAMPLE
  local name="$1" dir="$2" example="$3" s
  local -a inputs
  mapfile -t inputs < <(find "$dir" -path "$dir/target" -prune -o -type f \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print | sort)
  s="$(stamp "$name" "${inputs[@]}")"
  if up_to_date "$name" "$s"; then
    report "$name" "(unchanged)"
    return
  fi
  (cd "$dir" && "$CARGO" build --offline --quiet --release --target wasm32-wasi --example "$example") ||
    die "cargo build of $name failed"
  cp "$dir/target/wasm32-wasi/release/examples/$example.wasm" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
}

RUST_DIR="$ROOT/guests/rust/tee-attestation"
build_rust_example attestation_example.wasm "$RUST_DIR" attestation_example

# --- C++ ----------------------------------------------------------------------------------------
CPP_DIR="$ROOT/guests/cpp"
WML_DIR="$CPP_DIR/wasmwebgpu-ml"
# A C++17 example: examples/SOURCE + src/cabi_realloc.c, rebuilt when SOURCE or the given headers change.
build_cpp_example() {  # NAME SOURCE HEADER...
  local name="$1" src="$CPP_DIR/examples/$2" build="$CPP_DIR/build" s
  shift 2
  s="$(stamp "$name" "$@" "$CPP_DIR/src/cabi_realloc.c" "$src")"
  if up_to_date "$name" "$s"; then
    report "$name" "(unchanged)"
    return
  fi
  mkdir -p "$build"
  "$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c11 -O2 -Wall -Wextra -Werror \
    -c "$CPP_DIR/src/cabi_realloc.c" -o "$build/cabi_realloc.o" || die "compiling cabi_realloc.c failed"
  "$CXX" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c++17 -O2 -fno-exceptions -Wall -Wextra -Werror \
    -I "$CPP_DIR/include" -I "$WML_DIR/src" "$src" "$build/cabi_realloc.o" \
    -Wl,--strip-all -o "$build/$name" || die "compiling $name failed"
  cp "$build/$name" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
}

build_cpp_example main_with_attestation.wasm main_with_attestation.cpp "$CPP_DIR/include/attestation.hpp"

build_cpp_example gpu_matmul_bench.wasm gpu_matmul_bench.cpp "$CPP_DIR/include/attestation.hpp" "$CPP_DIR/include/wasi_gpu.h"
build_cpp_example aes_gcm_bench_cpp.wasm aes_gcm_bench.cpp "$WML_DIR/src/aes_gcm.hpp"

# --- RF benchmark guests --------------------------------------------------------------------------
ML_DIR="$ROOT/guests/rust/wasm-ml"
name=wasm-ml-benchmark.wasm
mapfile -t ml_inputs < <(find "$ML_DIR" "$RUST_DIR" \( -path "$ML_DIR/target" -o -path "$RUST_DIR/target" \) -prune -o -type f \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print | sort)
s="$(stamp "$name" "${ml_inputs[@]}")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  (cd "$ML_DIR" && "$CARGO" build --offline --quiet --release --target wasm32-wasi --bin wasm-ml-benchmark) ||
    die "cargo build of $name failed"
  cp "$ML_DIR/target/wasm32-wasi/release/$name" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
fi
build_rust_example aes_gcm_bench_rust.wasm "$ML_DIR" aes_gcm_bench

name=wasmwebgpu-ml-benchmark.wasm
mapfile -t wml_inputs < <(find "$WML_DIR/src" -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
s="$(stamp "$name" "${wml_inputs[@]}" "$CPP_DIR/include/attestation.hpp" "$CPP_DIR/include/wasi_gpu.h" "$CPP_DIR/src/cabi_realloc.c")"
if up_to_date "$name" "$s"; then
  report "$name" "(unchanged)"
else
  BUILD="$WML_DIR/build"
  mkdir -p "$BUILD"
  "$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c11 -O2 -Wall -Wextra -Werror \
    -c "$CPP_DIR/src/cabi_realloc.c" -o "$BUILD/cabi_realloc.o" || die "compiling cabi_realloc.c failed"
  objs=("$BUILD/cabi_realloc.o")
  for src in "$WML_DIR"/src/*.cpp; do   # one TU at a time: lean on the 2 shared cores
    o="$BUILD/$(basename "${src%.cpp}").o"
    "$CXX" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c++17 -O2 -fno-exceptions -Wall -Wextra -Werror \
      -I "$CPP_DIR/include" -I "$WML_DIR/src" -c "$src" -o "$o" || die "compiling $src failed"
    objs+=("$o")
  done
  "$CXX" --target=wasm32-wasi --sysroot="$SYSROOT" -fno-exceptions "${objs[@]}" -Wl,--strip-all -Wl,--gc-sections \
    -o "$BUILD/$name" || die "linking $name failed"
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
build_rust_example webgpu_matmul_rust.wasm "$WEBGPU_RUST_DIR" webgpu_matmul
build_rust_example webgpu_bench_rust.wasm "$WEBGPU_RUST_DIR" webgpu_bench

build_cpp_example webgpu_matmul_cpp.wasm webgpu_matmul.cpp "$CPP_DIR/include/webgpu.hpp"

[ "$CHECK" = 1 ] || exit 0

# --- Checks -------------------------------------------------------------------------------------
fail=0
imports() { wasm-objdump -x -j Import "$1" | sed -n 's/.* <- \([^ ]*\)$/\1/p' | sort; }
exports() { wasm-objdump -x -j Export "$1" | sed -n 's/.* -> "\([^"]*\)"$/\1/p' | sort; }
# A command-export wrapper calls __wasm_call_ctors at the top of cabi_realloc (see guests/README.md): the
# guest must run its constructors itself (run_constructors_once() in both bindings).
no_ctor_wrapper() {  # FILE
  local f="$OUT/$1" ci
  ci="$(wasm-objdump -x -j Export "$f" | sed -n 's/.*func\[\([0-9]*\)\].*-> "cabi_realloc"$/\1/p')"
  if [ -n "$ci" ] && wasm-objdump -d "$f" | awk -v h="func[$ci]" '/^ *[0-9a-f]+ func\[/ {on = (index($0, h " ") > 0 || index($0, h ":") > 0)} on' | sed -n '2p' | grep -q 'call '; then
    echo "CHECK FAIL $1: cabi_realloc begins with a call: a command-export wrapper that re-runs the constructors on every host call"
    return 1
  fi
}
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
for m in attestation_example.wasm main_with_attestation.wasm; do no_ctor_wrapper "$m" || fail=1; done

# The RF benchmarks: only the four host modules, the right flat signatures (wasm2wat), the imports the
# GPU and attestation paths need, and no command-export wrapper around cabi_realloc.
declare -A WANT_SIG=(
  [wasmtime_attestation.detect_tee]="(result i32)" [wasmtime_attestation.attest_vm]="(result i32)"
  [wasmtime_attestation.attest_gpu]="(param i32) (result i32)"
  [wasmtime_attestation.get_secret]="(param i32 i32) (result i32)"
  [wasi:gpu/compute@0.1.0.get-device-info]="(param i32)" [wasi:gpu/compute@0.1.0.buffer-create]="(param i64 i32 i32)"
  [wasi:gpu/compute@0.1.0.buffer-write]="(param i32 i64 i32 i32 i32)" [wasi:gpu/compute@0.1.0.buffer-read]="(param i32 i64 i32 i32)"
  [wasi:gpu/compute@0.1.0.buffer-copy]="(param i32 i64 i32 i64 i64 i32)" [wasi:gpu/compute@0.1.0.buffer-destroy]="(param i32 i32)"
  [wasi:gpu/compute@0.1.0.sync]=""
  [wasi:gpu/ml-kernels@0.1.0.kernel-bootstrap-sample]="(param i32 i32 i32 i32 i32)"
  [wasi:gpu/ml-kernels@0.1.0.kernel-find-split]="(param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)"
  [wasi:gpu/ml-kernels@0.1.0.kernel-average]="(param i32 i32 i32 i32 i32)"
  [wasi:gpu/ml-kernels@0.1.0.kernel-matmul]="(param i32 i32 i32 i32 i32 f32 f32 i32 i32 i32 i32)"
  [wasi:gpu/ml-kernels@0.1.0.kernel-elementwise]="(param i32 i32 i32 i32 i32 i32 i32)"
  [wasi:gpu/ml-kernels@0.1.0.kernel-reduce]="(param i32 i32 i32 i32 i32)"
  [wasi:gpu/ml-kernels@0.1.0.kernel-batch-predict]="(param i32 i32 i32 i32 i32 i32 i32 i32 i32)"
)
BENCH_NEEDS="wasmtime_attestation.detect_tee wasmtime_attestation.attest_vm wasmtime_attestation.attest_gpu wasmtime_attestation.get_secret
wasi:gpu/compute@0.1.0.get-device-info wasi:gpu/compute@0.1.0.buffer-create wasi:gpu/compute@0.1.0.buffer-write
wasi:gpu/compute@0.1.0.buffer-read wasi:gpu/compute@0.1.0.buffer-destroy wasi:gpu/ml-kernels@0.1.0.kernel-bootstrap-sample
wasi:gpu/ml-kernels@0.1.0.kernel-find-split wasi:gpu/ml-kernels@0.1.0.kernel-batch-predict wasi:gpu/ml-kernels@0.1.0.kernel-average"
check_bench_module() {  # FILE
  local f="$OUT/$1" wat imp n sig want e bad=0
  wat="$(wasm2wat "$f")" || { echo "CHECK FAIL $1: wasm2wat failed"; fail=1; return; }
  # "module.name<TAB>signature" for every function import
  imp="$(awk '
    /^ *\(type \(;[0-9]+;\) \(func/ { n=$0; sub(/^ *\(type \(;/, "", n); id=n; sub(/;.*/, "", id)
      s=$0; sub(/^ *\(type \(;[0-9]+;\) \(func ?/, "", s); sub(/\)\)$/, "", s); t[id]=s }
    /^ *\(import "/ { split($0, q, "\""); ty=$0; sub(/.*\(type /, "", ty); sub(/\).*/, "", ty)
      print q[2] "." q[4] "\t" t[ty] }' <<<"$wat")"
  while IFS=$'\t' read -r n sig; do
    [ -n "$n" ] || continue
    case "$n" in
      wasi_snapshot_preview1.*) ;;
      wasmtime_attestation.*|wasi:gpu/compute@0.1.0.*|wasi:gpu/ml-kernels@0.1.0.*)
        if [ -z "${WANT_SIG[$n]+x}" ]; then echo "CHECK FAIL $1: unknown import $n"; bad=1
        elif [ "$sig" != "${WANT_SIG[$n]}" ]; then echo "CHECK FAIL $1: $n has ($sig), want (${WANT_SIG[$n]})"; bad=1; fi ;;
      *) echo "CHECK FAIL $1: unexpected import module in $n"; bad=1 ;;
    esac
  done <<<"$imp"
  for n in $BENCH_NEEDS; do
    grep -q "^$n"$'\t' <<<"$imp" || { echo "CHECK FAIL $1: missing import $n"; bad=1; }
  done
  for e in memory cabi_realloc _start; do
    exports "$f" | grep -qx "$e" || { echo "CHECK FAIL $1: missing export $e"; bad=1; }
  done
  no_ctor_wrapper "$1" || bad=1
  [ "$bad" = 0 ] || fail=1
  echo "check $1: imports $(grep -c . <<<"$imp") (wasi_snapshot_preview1, wasmtime_attestation, wasi:gpu/compute@0.1.0, wasi:gpu/ml-kernels@0.1.0), flat signatures as documented; exports memory, cabi_realloc, _start"
}
check_bench_module wasm-ml-benchmark.wasm
check_bench_module wasmwebgpu-ml-benchmark.wasm
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
for m in webgpu_matmul_rust.wasm webgpu_matmul_cpp.wasm webgpu_bench_rust.wasm; do no_ctor_wrapper "$m" || fail=1; done

echo "check: cargo test (native) of tee-attestation (with the serde feature)"
rc=0; out="$(cd "$RUST_DIR" && CARGO_TARGET_DIR="$RUST_DIR/target/native" "$CARGO" test --offline --quiet --lib --features serde 2>&1)" || rc=$?
grep -E '^test result|FAILED|panicked|^error' <<<"$out" || true
[ "$rc" = 0 ] || { echo "CHECK FAIL: cargo test"; fail=1; }
echo "check: cargo test (native) of wasm-ml"
rc=0; out="$(cd "$ML_DIR" && CARGO_TARGET_DIR="$ML_DIR/target/native" "$CARGO" test --offline --quiet --lib 2>&1)" || rc=$?
grep -E '^test result|FAILED|panicked|^error' <<<"$out" || true
[ "$rc" = 0 ] || { echo "CHECK FAIL: cargo test wasm-ml"; fail=1; }
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
echo "check: C++ random-forest test (native)"
"$CXX" -std=c++17 -O1 -fno-exceptions -Wall -Wextra -Werror -I "$CPP_DIR/include" -I "$WML_DIR/src" "$CPP_DIR/tests/rf_test.cpp" \
  "$WML_DIR/src/dataset.cpp" "$WML_DIR/src/random_forest.cpp" -o "$CPP_DIR/build/rf_test" && "$CPP_DIR/build/rf_test" ||
  { echo "CHECK FAIL: C++ RF test"; fail=1; }
echo "check: C++ AES-256-GCM test (native; FIPS 197 + NIST GCM vectors, the --data-key file format)"
"$CXX" -std=c++17 -O1 -fno-exceptions -Wall -Wextra -Werror -I "$WML_DIR/src" "$CPP_DIR/tests/aes_gcm_test.cpp" \
  -o "$CPP_DIR/build/aes_gcm_test" && "$CPP_DIR/build/aes_gcm_test" "$ROOT/guests/tests/vectors/aes256_gcm.txt" || { echo "CHECK FAIL: C++ AES-GCM test"; fail=1; }
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
  RF_DATA="${RF_DATA_DIR:-$ROOT/data}"
  if [ -f "$RF_DATA/diabetes_train.csv" ] && [ -f "$RF_DATA/diabetes_test.csv" ]; then
    echo "check: RF benchmarks against the wasi:gpu mock (node guests/tests/rf_check.mjs $RF_DATA; timings are Node's, not the host's)"
    node --no-warnings "$ROOT/guests/tests/rf_check.mjs" "$RF_DATA" "$OUT/wasm-ml-benchmark.wasm" "$OUT/wasmwebgpu-ml-benchmark.wasm" || fail=1
  else
    echo "check: $RF_DATA/diabetes_{train,test}.csv not found; skipping the RF benchmark runs (set RF_DATA_DIR)"
  fi
else
  echo "check: node not found; skipping the mock-host runs"
fi
[ "$fail" = 0 ] && echo "all guest checks passed" || { echo "guest checks FAILED" >&2; exit 1; }
