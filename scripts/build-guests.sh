#!/usr/bin/env bash
# Build the TeeWasm example guests into artifacts/guests/:
#   attestation_example.wasm    Rust (guests/rust/tee-attestation, --example attestation_example)
#   main_with_attestation.wasm  C++17 (guests/cpp, header-only bindings + src/cabi_realloc.c)
#   compat_original.wasm        WAT (guests/wat/compat_original.wat, the original host's exact imports)
#   compat_no_realloc.wasm      WAT (guests/wat/compat_no_realloc.wat): the same imports, no cabi_realloc, canaries over
#                               its whole memory (a first-era guest)
#   webgpu_original_era.wasm    WAT (guests/wat/webgpu_original_era.wat): the original C++ guest's wasi:webgpu bootstrap
#                               sampling, only the original 17 imports, first buffer id to create-bind-group
#   wasm-ml-benchmark.wasm      Rust RF benchmark (guests/rust/wasm-ml, wasi:gpu + attestation)
#   wasmwebgpu-ml-benchmark.wasm  C++17 RF benchmark (guests/cpp/wasmwebgpu-ml, include/wasi_gpu.h)
#   webgpu_matmul_rust.wasm     Rust (guests/rust/tee-webgpu, --example webgpu_matmul): wasi:webgpu WGSL matmul
#   webgpu_matmul_cpp.wasm      C++17 (guests/cpp, include/webgpu.hpp + src/cabi_realloc.c): the same checks
#   webgpu_bench_rust.wasm      Rust (--example webgpu_bench): guest side of bench/TeeWasm.WebGpuBench
#   gpu_matmul_bench.wasm       C++17 (guests/cpp/examples/gpu_matmul_bench.cpp): kernel-matmul GFLOP/s through wasi:gpu
#   aes_gcm_bench_rust.wasm     Rust (guests/rust/wasm-ml, --example aes_gcm_bench): AES-256-GCM decryption cost
#   aes_gcm_bench_cpp.wasm      C++17 (guests/cpp/examples/aes_gcm_bench.cpp): the same (bench/aes-gcm.sh runs both)
#   design_sample_rust.wasm     the design document's Rust sample (guests/samples/rust, wasm_ml::attestation)
#   design_sample_cpp.wasm      the design document's C++ sample (guests/samples/cpp), from attestation.hpp alone
#   design_sample_cpp_no_realloc.wasm  the same with WASMTIME_ATTESTATION_NO_CABI_REALLOC: exports no cabi_realloc
#                               (a first-era guest; scripts/check-samples.sh --no-cabi-realloc runs it)
#
# Usage: scripts/build-guests.sh [--force] [--check]
#   --force  rebuild even when the inputs are unchanged (default: skip an artifact whose inputs,
#            tool versions and this script hash to the same stamp as last time)
#   --check  afterwards: each module's imports/exports (wasm-objdump); the native unit tests (cargo test of the Rust
#            crates, the C++ JSON reader, RF and AES-256-GCM tests); the templates guests/templates/{rust,cpp}
#            built from a copy as guests/README.md says; and the guests against guests/tests/*mock_host.mjs, which
#            needs node (scripts/setup.sh installs nodejs; without node the check FAILS) and the diabetes CSVs
#            in $RF_DATA_DIR (default data/, in the repository). Ends with the line
#            "guest tests: N passed, N failed, N skipped (...)" that scripts/test.sh adds to its total.
# Toolchains (Debian packages; scripts/setup.sh installs them): clang-14 lld-14 wasi-libc
# libc++-14-dev-wasm32 libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32 rustc cargo
# libstd-rust-dev-wasm32 wabt make, librust-serde-dev librust-serde-derive-dev librust-serde-json-dev.
# Debian's /usr/bin/cargo and /usr/bin/rustc are used explicitly (a rustup toolchain on PATH usually has no
# wasm32-wasi std). No network: cargo runs --offline; crates come only from Debian's packages (guests/.cargo/config.toml).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/artifacts/guests"
FORCE=0
CHECK=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --check) CHECK=1 ;;
    -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
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
[ "$CHECK" = 1 ] && need_cmd make make
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
# A Rust target: `cargo build --example|--bin TARGET` in crate DIR, rebuilt when the sources of DIR (and of the
# crates it depends on, MORE_DIRS) change.
build_rust() {  # NAME DIR --example|--bin TARGET [MORE_DIRS...]
  local name="$1" dir="$2" kind="$3" target="$4" s sub=""
  shift 4
  local -a inputs
  mapfile -t inputs < <(find "$dir" "$@" -name target -prune -o -type f \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print | sort)
  s="$(stamp "$name" "${inputs[@]}")"
  if up_to_date "$name" "$s"; then
    report "$name" "(unchanged)"
    return
  fi
  (cd "$dir" && "$CARGO" build --offline --quiet --release --target wasm32-wasi "$kind" "$target") ||
    die "cargo build of $name failed"
  [ "$kind" = --example ] && sub=examples/
  cp "$dir/target/wasm32-wasi/release/$sub$target.wasm" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
}

RUST_DIR="$ROOT/guests/rust/tee-attestation"
build_rust attestation_example.wasm "$RUST_DIR" --example attestation_example

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
build_rust wasm-ml-benchmark.wasm "$ML_DIR" --bin wasm-ml-benchmark "$RUST_DIR"
build_rust aes_gcm_bench_rust.wasm "$ML_DIR" --example aes_gcm_bench "$RUST_DIR"

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
for name in compat_original.wasm compat_no_realloc.wasm webgpu_original_era.wasm; do
  src="$ROOT/guests/wat/${name%.wasm}.wat"
  s="$(stamp "$name" "$src")"
  if up_to_date "$name" "$s"; then
    report "$name" "(unchanged)"
  else
    # MVP features only, so it also loads in the most conservative engine configuration.
    wat2wasm --disable-bulk-memory --disable-reference-types "$src" -o "$OUT/$name" || die "wat2wasm $src failed"
    echo "$s" > "$OUT/.$name.stamp"
    report "$name" "(built)"
  fi
done

# --- wasi:webgpu guests (Rust, C++) ---------------------------------------------------------------
WEBGPU_RUST_DIR="$ROOT/guests/rust/tee-webgpu"
build_rust webgpu_matmul_rust.wasm "$WEBGPU_RUST_DIR" --example webgpu_matmul
build_rust webgpu_bench_rust.wasm "$WEBGPU_RUST_DIR" --example webgpu_bench

build_cpp_example webgpu_matmul_cpp.wasm webgpu_matmul.cpp "$CPP_DIR/include/webgpu.hpp"

# --- The design document's samples (guests/samples) ---------------------------------------------------
SAMPLES_DIR="$ROOT/guests/samples"
build_rust design_sample_rust.wasm "$SAMPLES_DIR/rust" --bin design_sample "$ML_DIR" "$RUST_DIR"
# The C++ sample from the header alone (no cabi_realloc.c), without a warning.
build_cpp_header_only() {  # NAME SOURCE [FLAGS...]
  local name="$1" src="$2" build="$SAMPLES_DIR/cpp/build" s
  shift 2
  s="$(stamp "$name" "$src" "$CPP_DIR/include/attestation.hpp")"
  if up_to_date "$name" "$s"; then
    report "$name" "(unchanged)"
    return
  fi
  mkdir -p "$build"
  "$CXX" --target=wasm32-wasi --sysroot="$SYSROOT" -std=c++17 -O2 -fno-exceptions -Wall -Wextra -Werror "$@" \
    -I "$CPP_DIR/include" "$src" -Wl,--strip-all -o "$build/$name" || die "compiling $name failed"
  cp "$build/$name" "$OUT/$name"
  echo "$s" > "$OUT/.$name.stamp"
  report "$name" "(built)"
}
build_cpp_header_only design_sample_cpp.wasm "$SAMPLES_DIR/cpp/design_sample.cpp"
build_cpp_header_only design_sample_cpp_no_realloc.wasm "$SAMPLES_DIR/cpp/design_sample.cpp" -DWASMTIME_ATTESTATION_NO_CABI_REALLOC

[ "$CHECK" = 1 ] || exit 0

# --- Checks -------------------------------------------------------------------------------------
# Every check is a test, counted per group; the last line, "guest tests: N passed, N failed, N skipped (...)", is
# what scripts/test.sh adds to its summary. Native test programs report cargo's "test result: ... N passed; M failed;
# K ignored" line (cargo test, guests/cpp/tests/check.hpp, rf_check.mjs), which counts each of their tests.
fail=0
declare -A N_PASS=() N_FAIL=() N_SKIP=()
GROUP_ORDER=(modules cargo c++ templates mock-host)
add() {  # GROUP PASSED FAILED SKIPPED
  N_PASS[$1]=$(( ${N_PASS[$1]:-0} + $2 ))
  N_FAIL[$1]=$(( ${N_FAIL[$1]:-0} + $3 ))
  N_SKIP[$1]=$(( ${N_SKIP[$1]:-0} + $4 ))
  [ "$3" = 0 ] || fail=1
}
# One test: run FUNCTION ARGS...; it failed if it returned non-zero or set fail=1.
counted() {  # GROUP FUNCTION ARGS...
  local group="$1" before="$fail"
  shift
  fail=0
  "$@" || fail=1
  if [ "$fail" = 0 ]; then add "$group" 1 0 0; else add "$group" 0 1 0; fi
  [ "$before" = 0 ] || fail=1
}
# Adds the counts of a "test result: ... N passed; M failed; K ignored" line in OUTPUT (a run that exited non-zero
# without one counts as one failed test).
add_results() {  # GROUP RC OUTPUT
  local line p f i
  line="$(grep -E 'test result: .*[0-9]+ passed; [0-9]+ failed' <<<"$3" | tail -1 || true)"
  if [ -z "$line" ]; then
    echo "CHECK FAIL: no 'test result:' line (exit $2)"
    add "$1" 0 1 0
    return
  fi
  p="$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")"
  f="$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
  i="$(sed -nE 's/.* ([0-9]+) ignored.*/\1/p' <<<"$line")"
  [ "$2" = 0 ] || [ "$f" != 0 ] || f=1   # non-zero exit with "0 failed": still a failure
  add "$1" "$p" "$f" "${i:-0}"
}

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
check_module() {  # FILE "expected wasmtime_attestation imports" "expected wasi imports or *" [EXPORTS]
  local f="$OUT/$1" want_att="$2" want_wasi="$3" want_exports="${4:-memory cabi_realloc _start}" got_att got_other e
  got_att="$(imports "$f" | sed -n 's/^wasmtime_attestation\.//p' | tr '\n' ' ' | sed 's/ $//')"
  got_other="$(imports "$f" | grep -v -e '^wasmtime_attestation\.' -e '^wasi_snapshot_preview1\.' || true)"
  if [ "$got_att" != "$want_att" ]; then echo "CHECK FAIL $1: attestation imports [$got_att], want [$want_att]"; fail=1; fi
  if [ -n "$got_other" ]; then echo "CHECK FAIL $1: unexpected imports: $got_other"; fail=1; fi
  if [ "$want_wasi" != "*" ]; then
    local got_wasi; got_wasi="$(imports "$f" | sed -n 's/^wasi_snapshot_preview1\.//p' | tr '\n' ' ' | sed 's/ $//')"
    [ "$got_wasi" = "$want_wasi" ] || { echo "CHECK FAIL $1: wasi imports [$got_wasi], want [$want_wasi]"; fail=1; }
  fi
  for e in $want_exports; do
    exports "$f" | grep -qx "$e" || { echo "CHECK FAIL $1: missing export $e"; fail=1; }
  done
  echo "check $1: imports wasmtime_attestation.{${got_att// /,}} + wasi_snapshot_preview1.*; exports ${want_exports// /, }"
}
counted modules check_module attestation_example.wasm "attest_gpu attest_vm detect_tee verify_token verify_token_json" "*"
counted modules check_module main_with_attestation.wasm "attest_gpu attest_vm detect_tee verify_token" "*"
counted modules check_module compat_original.wasm "attest_gpu attest_vm clear_cache detect_tee verify_token" "fd_write"
counted modules check_module design_sample_rust.wasm "attest_gpu attest_vm" "*"
counted modules check_module design_sample_cpp.wasm "attest_gpu attest_vm verify_token" "*"
# The first-era variant: no cabi_realloc export at all.
no_cabi_realloc() {  # FILE
  check_module "$1" "attest_gpu attest_vm verify_token" "*" "memory _start"
  if exports "$OUT/$1" | grep -qx cabi_realloc; then echo "CHECK FAIL $1: exports cabi_realloc"; fail=1; fi
}
counted modules no_cabi_realloc design_sample_cpp_no_realloc.wasm
no_cabi_realloc_wat() {  # the WAT first-era guest: the five original imports, no cabi_realloc
  check_module compat_no_realloc.wasm "attest_gpu attest_vm clear_cache detect_tee verify_token" "fd_write proc_exit" "memory _start"
  if exports "$OUT/compat_no_realloc.wasm" | grep -qx cabi_realloc; then echo "CHECK FAIL compat_no_realloc.wasm: exports cabi_realloc"; fail=1; fi
}
counted modules no_cabi_realloc_wat
for m in attestation_example.wasm main_with_attestation.wasm; do counted modules no_ctor_wrapper "$m"; done

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
counted modules check_bench_module wasm-ml-benchmark.wasm
counted modules check_bench_module wasmwebgpu-ml-benchmark.wasm
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
original_webgpu_module() {  # the original-era wasi:webgpu guest: exactly the original host's 17 functions, no additions
  local got want
  got="$(imports "$OUT/webgpu_original_era.wasm" | sed -n 's/^wasi:webgpu\.//p' | tr '\n' ' ')"
  want="$(printf '%s\n' create-instance request-adapter request-device get-queue create-buffer queue-write-buffer \
    create-shader-module create-bind-group-layout create-compute-pipeline create-bind-group create-command-encoder \
    dispatch-compute submit-commands copy-buffer-to-buffer buffer-map-async buffer-get-mapped-range buffer-unmap | sort | tr '\n' ' ')"
  [ "$got" = "$want" ] || { echo "CHECK FAIL webgpu_original_era.wasm: wasi:webgpu imports [$got], want the original 17"; return 1; }
  echo "check webgpu_original_era.wasm: imports exactly the original host's 17 wasi:webgpu functions"
}
counted modules original_webgpu_module
counted modules check_webgpu_module webgpu_matmul_rust.wasm
counted modules check_webgpu_module webgpu_matmul_cpp.wasm
for m in webgpu_matmul_rust.wasm webgpu_matmul_cpp.wasm webgpu_bench_rust.wasm; do counted modules no_ctor_wrapper "$m"; done

run_tests() {  # GROUP DESCRIPTION COMMAND...: a test program that prints a "test result:" line
  local group="$1" what="$2" rc=0 out
  shift 2
  echo "check: $what"
  out="$("$@" 2>&1)" || rc=$?
  grep -E 'test result|FAILED|FAIL |panicked|^error' <<<"$out" || true
  [ "$rc" = 0 ] || echo "CHECK FAIL: $what (exit $rc)"
  add_results "$group" "$rc" "$out"
}
cargo_test() {  # DIR [FEATURES]
  (cd "$1" && CARGO_TARGET_DIR="$1/target/native" "$CARGO" test --offline --quiet --lib ${2:+--features "$2"})
}
run_tests cargo "cargo test (native) of tee-attestation (with the serde feature)" cargo_test "$RUST_DIR" serde
run_tests cargo "cargo test (native) of wasm-ml" cargo_test "$ML_DIR"
run_tests cargo "cargo test (native) of tee-webgpu" cargo_test "$WEBGPU_RUST_DIR"

echo "check: webgpu.hpp compiles natively (stubs)"
webgpu_native() { "$CXX" -std=c++17 -fno-exceptions -Wall -Wextra -Werror -fsyntax-only -x c++ "$CPP_DIR/include/webgpu.hpp"; }
counted c++ webgpu_native
mkdir -p "$CPP_DIR/build"
# Compile a native C++ test (the first argument) and run it with ARGS.
cpp_test() {  # OUT_NAME "SOURCES AND FLAGS" ARGS...
  local bin="$CPP_DIR/build/$1" src="$2"
  shift 2
  # shellcheck disable=SC2086
  "$CXX" -std=c++17 -O1 -fno-exceptions -Wall -Wextra -Werror -I "$CPP_DIR/include" -I "$WML_DIR/src" $src -o "$bin" && "$bin" "$@"
}
run_tests c++ "C++ JSON reader test (native)" cpp_test json_test "$CPP_DIR/tests/json_test.cpp"
run_tests c++ "C++ random-forest test (native)" cpp_test rf_test "$CPP_DIR/tests/rf_test.cpp $WML_DIR/src/dataset.cpp $WML_DIR/src/random_forest.cpp"
run_tests c++ "C++ AES-256-GCM test (native; S-box, FIPS 197, SP 800-38A/D, NIST GCM vectors, the --data-key file format)" \
  cpp_test aes_gcm_test "$CPP_DIR/tests/aes_gcm_test.cpp" "$ROOT/guests/tests/vectors/aes256_gcm.txt"

# --- The templates, built as guests/README.md ("A new guest in minutes") says: a copy outside the checkout ---------
TEMPLATE_WORK="$(mktemp -d)"
trap 'rm -rf "$TEMPLATE_WORK"' EXIT
template_rust() {
  cp -r "$ROOT/guests/templates/rust" "$TEMPLATE_WORK/hello-rust"
  sed -i "s|\.\./\.\./rust/tee-attestation|$ROOT/guests/rust/tee-attestation|" "$TEMPLATE_WORK/hello-rust/Cargo.toml"
  # As a user runs it: Debian's cargo, no RUSTC in the environment (the template's .cargo/config.toml names rustc).
  (cd "$TEMPLATE_WORK/hello-rust" && env -u RUSTC -u RUSTDOC "$CARGO" build --quiet --release) ||
    { echo "CHECK FAIL: the Rust template does not build"; return 1; }
  cp "$TEMPLATE_WORK/hello-rust/target/wasm32-wasi/release/hello-guest.wasm" "$OUT/template_rust.wasm"
  cmp -s "$ROOT/guests/templates/rust/Cargo.lock" "$TEMPLATE_WORK/hello-rust/Cargo.lock" ||
    { echo "CHECK FAIL: the Rust template's Cargo.lock is not what cargo writes"; return 1; }
  report template_rust.wasm "(guests/templates/rust, built from a copy)"
  check_module template_rust.wasm "attest_vm detect_tee" "*"
}
template_cpp() {
  cp -r "$ROOT/guests/templates/cpp" "$TEMPLATE_WORK/hello-cpp"
  make -s -C "$TEMPLATE_WORK/hello-cpp" TEEWASM="$ROOT" || { echo "CHECK FAIL: the C++ template does not build"; return 1; }
  cp "$TEMPLATE_WORK/hello-cpp/hello-guest.wasm" "$OUT/template_cpp.wasm"
  report template_cpp.wasm "(guests/templates/cpp, built from a copy)"
  check_module template_cpp.wasm "attest_vm detect_tee" "*"
  no_ctor_wrapper template_cpp.wasm
}
echo "check: the templates (copied to $TEMPLATE_WORK, built with Debian's toolchain)"
counted templates template_rust
counted templates template_cpp

# --- Mock-host runs -------------------------------------------------------------------------------
# Each guest x scenario is a test. node is required: scripts/setup.sh installs nodejs.
mock_run() {  # GUEST.wasm SCENARIO WANT_EXIT MUST_PRINT [MUST_NOT_PRINT]
  local rc=0 out
  out="$(node --no-warnings "$ROOT/guests/tests/mock_host.mjs" "$OUT/$1" "$2" 2>&1)" || rc=$?
  if [ "$rc" != "$3" ]; then echo "CHECK FAIL $1 scenario $2: exit $rc, want $3"; echo "$out" | tail -5; return 1; fi
  if ! grep -qF -- "$4" <<<"$out"; then echo "CHECK FAIL $1 scenario $2: no '$4'"; echo "$out" | tail -5; return 1; fi
  if [ -n "${5:-}" ] && grep -qF -- "$5" <<<"$out"; then echo "CHECK FAIL $1 scenario $2: printed '$5'"; return 1; fi
}
if ! command -v node >/dev/null 2>&1; then
  echo "CHECK FAIL: node not found: the mock-host runs need it (scripts/setup.sh installs nodejs)"
  add mock-host 0 1 0
else
  echo "check: guests against the mock host (node guests/tests/mock_host.mjs)"
  for g in attestation_example main_with_attestation; do
    counted mock-host mock_run "$g.wasm" ok 0 "✓ Training step complete"
    counted mock-host mock_run "$g.wasm" notee 1 "❌ No TEE attestation available" "Training"
    counted mock-host mock_run "$g.wasm" badtoken 1 "token verification failed" "Training"
    counted mock-host mock_run "$g.wasm" null 1 "Host returned null pointer" "Training"
    echo "  $g: ok/notee/badtoken/null scenarios give the expected exit codes and lines"
  done
  for g in design_sample_rust design_sample_cpp template_rust template_cpp; do
    case "$g" in template_*) ok_line="✓ VM attestation successful (TDX/SEV-SNP)" ;; *) ok_line="✓ Training step complete" ;; esac
    counted mock-host mock_run "$g.wasm" ok 0 "$ok_line"
    counted mock-host mock_run "$g.wasm" notee 1 "No TEE attestation available" "Training step"
    echo "  $g: ok/notee scenarios"
  done
  compat_ok() { mock_run compat_original.wasm ok 0 "verify_token=1"; }
  counted mock-host compat_ok && echo "  compat_original: ok"
  RF_DATA="${RF_DATA_DIR:-$ROOT/data}"
  if [ -f "$RF_DATA/diabetes_train.csv" ] && [ -f "$RF_DATA/diabetes_test.csv" ]; then
    run_tests mock-host "RF benchmarks against the wasi:gpu mock (node guests/tests/rf_check.mjs $RF_DATA; timings are Node's, not the host's)" \
      node --no-warnings "$ROOT/guests/tests/rf_check.mjs" "$RF_DATA" "$OUT/wasm-ml-benchmark.wasm" "$OUT/wasmwebgpu-ml-benchmark.wasm"
  else
    echo "CHECK FAIL: $RF_DATA/diabetes_{train,test}.csv not found (they are in the repository's data/; or set RF_DATA_DIR)"
    add mock-host 0 1 0
  fi
fi

tp=0; tf=0; ts=0; detail=()
for g in "${GROUP_ORDER[@]}"; do
  tp=$(( tp + ${N_PASS[$g]:-0} )); tf=$(( tf + ${N_FAIL[$g]:-0} )); ts=$(( ts + ${N_SKIP[$g]:-0} ))
  detail+=("$g $(( ${N_PASS[$g]:-0} + ${N_FAIL[$g]:-0} ))")
done
echo "guest tests: $tp passed, $tf failed, $ts skipped ($(IFS=,; echo "${detail[*]}" | sed 's/,/, /g'))"
[ "$fail" = 0 ] && echo "all guest checks passed" || { echo "guest checks FAILED" >&2; exit 1; }
