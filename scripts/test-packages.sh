#!/usr/bin/env bash
# Checks what users install, as they would, offline:
#   1. scripts/pack.sh; the tool tee-wasm installed from that local feed into a temporary tool path, then a guest run
#      with it under the simulator, and WebGPU found inside the installed tool (no repository around it);
#   2. samples/ built against the packed packages (a fresh package folder: nothing stale; EmbedHost gets the service
#      clients, TeeWasm.Attestation.Services, through TeeWasm.Runtime, VerifyEvidence does not) and run: EmbedHost runs the
#      attestation example guest, VerifyEvidence verifies an SEV-SNP report and a TDX quote and rejects a flipped byte;
#   3. scripts/publish.sh; the release archive unpacked into an empty directory and a guest run from there with a
#      clean environment (no .NET SDK or runtime on PATH, no repository around it); then the paths where the native
#      build differs most (a JSON policy, a precompiled module, verify --json); `verify` of the native build prints
#      byte for byte what the .NET tool prints (SEV-SNP, TDX with a policy, NVIDIA with a RIM, Azure; valid and
#      rejected), and its key broker (`kbs serve`, scripts/demo-kbs.sh) releases and refuses secrets as it should.
# Prints one "package checks: N passed, N failed" line; exits non-zero when one failed.
#
# Usage: scripts/test-packages.sh [--skip-release]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RELEASE=1
for a in "$@"; do
  case "$a" in
    --skip-release) RELEASE=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "test-packages: unknown option '$a' (try --help)" >&2; exit 2 ;;
  esac
done

GUEST="$ROOT/artifacts/guests/attestation_example.wasm"
[ -f "$GUEST" ] || scripts/build-guests.sh >/dev/null
VERSION="$(dotnet msbuild src/TeeWasm.Cli -getProperty:Version -nologo)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# What tee-wasm runs under: a fresh home (module cache, simulator keys), run from $WORK, so that nothing is found by
# walking up from the repository or in the user's directories.
mkdir -p "$WORK/home"
ISOLATED=(env HOME="$WORK/home" XDG_CACHE_HOME="$WORK/home/.cache" XDG_DATA_HOME="$WORK/home/.local/share")
passed=0
failed=0
check() { # NAME COMMAND...: runs COMMAND, logs to $WORK/NAME.log
  local name="$1"; shift
  if (cd "$WORK" && "$@") >"$WORK/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "  ok    $name"
  else
    failed=$((failed + 1)); echo "  FAIL  $name (last lines of its log:)"; tail -n 15 "$WORK/$name.log" | sed 's/^/        /'
  fi
}
expect_in() { # FILE PATTERN
  grep -q -- "$2" "$1" || { echo "expected '$2' in $1:"; cat "$1"; return 1; }
}

echo "==> packing (version $VERSION)"
scripts/pack.sh

echo "==> the .NET tool from the local feed"
cat > "$WORK/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$ROOT/artifacts/packages" /></packageSources></configuration>
XML
tool_run() {
  "${ISOLATED[@]}" "$WORK/tools/tee-wasm" run --tee simulate "$GUEST" >"$WORK/tool-run.out" &&
    expect_in "$WORK/tool-run.out" "All attestations passed"
}
tool_webgpu() {
  "${ISOLATED[@]}" "$WORK/tools/tee-wasm" info >"$WORK/tool-info.out" && expect_in "$WORK/tool-info.out" "WebGPU library    $WORK/tools/.store/"
}
check tool-install dotnet tool install tee-wasm --version "$VERSION" --tool-path "$WORK/tools" --configfile "$WORK/nuget.config"
check tool-runs-a-guest tool_run
check tool-finds-dawn tool_webgpu

echo "==> samples against the packages"
samples_build() {
  rm -rf "$WORK/samples-packages"
  # Offline: TeeWasm from the local feed, everything else from the machine's package folder (already restored).
  dotnet build "$ROOT/samples/$1" -c Release -nologo -v quiet -clp:ErrorsOnly -p:TeeWasmVersion="$VERSION" \
    -p:RestorePackagesPath="$WORK/samples-packages" \
    -p:RestoreSources="$ROOT/artifacts/packages;${NUGET_PACKAGES:-$HOME/.nuget/packages}" \
    -p:BaseOutputPath="$WORK/samples-out/$1/bin/" -p:BaseIntermediateOutputPath="$WORK/samples-out/$1/obj/"
}
embed_host() {
  "${ISOLATED[@]}" dotnet "$WORK/samples-out/EmbedHost/bin/Release/net10.0/EmbedHost.dll" "$GUEST" --simulate >"$WORK/embed.out" &&
    expect_in "$WORK/embed.out" "All attestations passed"
}
verify_evidence() { # EXPECTED-EXIT EXPECTED-TEXT ARGS...
  local want="$1" text="$2"; shift 2
  local code=0
  dotnet "$WORK/samples-out/VerifyEvidence/bin/Release/net10.0/VerifyEvidence.dll" "$@" >"$WORK/verify.out" || code=$?
  [ "$code" -eq "$want" ] || { echo "exit $code, expected $want"; cat "$WORK/verify.out"; return 1; }
  expect_in "$WORK/verify.out" "$text"
}
verify_valid_and_flipped() {
  local data="$ROOT/tests/TestData"
  verify_evidence 0 "VALID: SEV-SNP report" "$data/snp/attestation.bin" --cert "$data/snp/vcek.testcer" &&
    verify_evidence 0 "VALID: TDX quote" "$data/tdx/tdx_prod_quote_SPR_E4.dat" --at 2026-02-15 &&
    cp "$data/snp/attestation.bin" "$WORK/flipped.bin" && printf '\x01' | dd of="$WORK/flipped.bin" bs=1 seek=100 conv=notrunc 2>/dev/null &&
    verify_evidence 1 "REJECTED: SEV-SNP report" "$WORK/flipped.bin" --cert "$data/snp/vcek.testcer"
}
restored() { # SAMPLE PACKAGE-ID EXPECTED(yes|no): whether building SAMPLE restored PACKAGE-ID from the feed
  local id="${2,,}" got=no
  [ -d "$WORK/samples-packages/$id/$VERSION" ] && got=yes
  [ "$got" = "$3" ] || { echo "$1: package $2 restored: $got, expected $3"; ls "$WORK/samples-packages"; return 1; }
}
embed_host_builds() { samples_build EmbedHost && restored EmbedHost TeeWasm.Attestation.Services yes; } # via TeeWasm.Runtime
verify_evidence_builds() { samples_build VerifyEvidence && restored VerifyEvidence TeeWasm.Attestation.Services no; } # offline verification alone
check sample-EmbedHost-builds embed_host_builds
check sample-EmbedHost-runs embed_host
check sample-VerifyEvidence-builds verify_evidence_builds
check sample-VerifyEvidence-verifies verify_valid_and_flipped

if [ "$RELEASE" = 1 ]; then
  echo "==> the release archive, unpacked into an empty directory"
  scripts/publish.sh
  archive="$ROOT/artifacts/release/tee-wasm-$VERSION-linux-x64.tar.gz"
  release_run() {
    mkdir -p "$WORK/empty" && tar -xzf "$archive" -C "$WORK/empty" &&
      (cd "$WORK/empty" && env -i HOME="$WORK/home" PATH=/usr/bin:/bin "./tee-wasm-$VERSION-linux-x64/tee-wasm" run --tee simulate "$GUEST") >"$WORK/release-run.out" &&
      expect_in "$WORK/release-run.out" "All attestations passed"
  }
  release_webgpu() {
    (cd "$WORK/empty" && env -i HOME="$WORK/home" PATH=/usr/bin:/bin "./tee-wasm-$VERSION-linux-x64/tee-wasm" info) >"$WORK/release-info.out" &&
      expect_in "$WORK/release-info.out" "WebGPU library    $WORK/empty/tee-wasm-$VERSION-linux-x64/libwebgpu_wrapper.so"
  }
  release_paths() { # where the native build differs most from the .NET one: JSON policies, precompiled modules, verify --json, no CUDA
    local tw="$WORK/empty/tee-wasm-$VERSION-linux-x64/tee-wasm"
    echo '{"accepted_platforms":["AMD SEV-SNP","NVIDIA GPU"],"allow_simulated":true,"max_evidence_age_seconds":600}' >"$WORK/policy.json"
    "${ISOLATED[@]}" "$tw" run --tee simulate --policy "$WORK/policy.json" --require-attestation "$GUEST" >"$WORK/release-policy.out" &&
      expect_in "$WORK/release-policy.out" "All attestations passed" &&
      "$tw" compile "$GUEST" -o "$WORK/guest.cwasm" &&
      "${ISOLATED[@]}" "$tw" run --tee simulate --allow-precompiled "$WORK/guest.cwasm" >"$WORK/release-cwasm.out" &&
      expect_in "$WORK/release-cwasm.out" "All attestations passed" &&
      { "$tw" verify "$ROOT/tests/TestData/snp/attestation.bin" --cert "$ROOT/tests/TestData/snp/vcek.testcer" --json >"$WORK/release-verify.json" || true; } &&
      expect_in "$WORK/release-verify.json" '"evidence_valid": true' &&
      { "$tw" run --gpu cuda "$GUEST" 2>"$WORK/release-cuda.err"; [ $? -eq 2 ]; } &&
      expect_in "$WORK/release-cuda.err" "error: --gpu cuda: not in the native build"
  }
  release_verify_same() { # `verify` of the native build prints what the .NET tool prints, byte for byte, and exits alike
    local tw="$WORK/empty/tee-wasm-$VERSION-linux-x64/tee-wasm" data="$ROOT/tests/TestData" n=0 code
    local nonce=931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb
    local nonce535=27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66
    mkdir -p "$WORK/rims" && cp "$data/nvidia/rim-driver-GH100-570.124.03-expired.xml" "$data/nvidia/rim-driver-GH100-550.144.03.xml" \
      "$data/nvidia/rim-vbios-1010_0200_882_96005E0001-mismatch.xml" "$WORK/rims/"
    cp "$data/snp/attestation.bin" "$WORK/flipped-native.bin" && printf '\x01' | dd of="$WORK/flipped-native.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
    echo '{"accepted_platforms":["Intel TDX"],"tdx":{"min_tee_tcb_svn":"00000000000000000000000000000000"},"max_evidence_age_seconds":60}' >"$WORK/verify-policy.json"
    # Every case whose output names the time of verification gets --at: the two runs are seconds apart.
    local cases=(
      "$data/snp/attestation.bin --cert $data/snp/vcek.testcer"
      "$data/snp/attestation.bin --cert $data/snp/vcek.testcer --json"
      "$WORK/flipped-native.bin --cert $data/snp/vcek.testcer --json"
      "$data/tdx/tdx_prod_quote_SPR_E4.dat --at 2026-02-15 --json"
      "$data/tdx/tdx_prod_quote_SPR_E4.dat --at 2026-02-15 --policy $WORK/verify-policy.json"
      "$data/nvidia/sdk-evidence-4gpu-hopper-590.json --at 2026-02-15 --json"
      "$data/nvidia/sdk-hopper-570-report.txt --cert $data/nvidia/sdk-hopper-certchain-2.txt --nonce $nonce --rim $WORK/rims --at 2025-01-01T12:00:00Z --json"
      "$data/nvidia/sdk-hopper-535-report.txt --cert $data/nvidia/sdk-hopper-535-certchain.txt --nonce $nonce535 --rim $WORK/rims --at 2025-05-01"
      "$data/azure/constellation-azure-snp-report+igvm-header.bin --cert $data/azure/constellation-azure-vcek.pem --json"
    )
    for c in "${cases[@]}"; do
      n=$((n + 1))
      # shellcheck disable=SC2086 # each case is its words
      { code=0; "$WORK/tools/tee-wasm" verify $c >"$WORK/verify-$n.tool" 2>&1 || code=$?; echo "exit $code" >>"$WORK/verify-$n.tool"; }
      # shellcheck disable=SC2086
      { code=0; "$tw" verify $c >"$WORK/verify-$n.native" 2>&1 || code=$?; echo "exit $code" >>"$WORK/verify-$n.native"; }
      cmp -s "$WORK/verify-$n.tool" "$WORK/verify-$n.native" || { echo "verify $c differs:"; diff "$WORK/verify-$n.tool" "$WORK/verify-$n.native"; return 1; }
    done
    echo "$n verify outputs identical"
  }
  release_kbs() { # the key broker of the native build: a simulated guest gets its secret; a policy that forbids it refuses
    "${ISOLATED[@]}" TEE_WASM="$WORK/empty/tee-wasm-$VERSION-linux-x64/tee-wasm" "$ROOT/scripts/demo-kbs.sh"
  }
  check release-runs-a-guest release_run
  check release-finds-dawn release_webgpu
  check release-policy-precompiled-verify release_paths
  check release-verify-same-as-tool release_verify_same
  check release-kbs-serve release_kbs
fi

echo "package checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
