#!/usr/bin/env bash
# Records what the built tee-wasm prints, so two builds can be compared (before/after a refactoring):
#   - `tee-wasm verify` (text and --json) over every evidence vector, with the flags each one needs and with the
#     failure cases (wrong chain, expired, broken chains, foreign TD quotes, RIMs, policies…);
#   - `tee-wasm attest vm|gpu` under --tee simulate, and `verify` of what it wrote;
#   - `tee-wasm run` of the example guests under --tee simulate and --tee none, and the --require-attestation gate;
#   - scripts/demo.sh (includes demo-secure-training.sh) and scripts/demo-kbs.sh.
# One file per command in OUTDIR: the command line, the exit code, stdout, stderr. What varies from run to run
# (tokens, timestamps, keys, nonces, report ids, signatures, temporary paths, today's date) is masked.
#
# Usage: scripts/transcripts.sh OUTDIR [--no-demos]    (raw outputs are kept in OUTDIR/raw)
#        scripts/transcripts.sh --remask OUTDIR          (masks OUTDIR/raw again, e.g. after changing the masks)
#   TEE_WASM   the command to run (default: dotnet src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll; build it first)
#   VECTORS    the evidence vectors (default: $TEEWASM_VECTORS, else tests/TestData)
# Then: diff -r BEFORE AFTER
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

[ $# -ge 1 ] || { sed -n '2,16p' "$0"; exit 2; }
REMASK=0
if [ "$1" = "--remask" ]; then REMASK=1; shift; fi
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
DEMOS=1
[ "${2:-}" = "--no-demos" ] && DEMOS=0

if [ -n "${TEE_WASM:-}" ]; then read -r -a TW <<<"$TEE_WASM"; else TW=(dotnet "$ROOT/src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll"); fi
if [ -n "${VECTORS:-}" ]; then V="$VECTORS"
elif [ -n "${TEEWASM_VECTORS:-}" ]; then V="$TEEWASM_VECTORS"
elif [ -d "$ROOT/tests/TestData" ]; then V="$ROOT/tests/TestData"
elif [ "$REMASK" -ne 1 ]; then echo "transcripts: no vectors: tests/TestData is missing (set VECTORS)" >&2; exit 2
else V=""
fi

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
SIM="$W/simulator"            # one simulator authority for the whole run
export XDG_DATA_HOME="$W/xdg" # --trust-simulator without DIR, and the run/attest default, look here
TODAY="$(date -u +%Y-%m-%d)"
N=0

HEAVY=0 # 0 while the inputs are fixed files (mask paths and today's date only); 1 once keys and nonces vary per run
# mask HEAVY W V ROOT TODAY < raw > masked
mask() {
  sed -E \
    -e "s#$2#\$W#g" -e "s#$3#\$V#g" -e "s#$4#\$ROOT#g" -e "s#/tmp/tmp\.[A-Za-z0-9]+#\$TMP#g" \
    -e "s#${5}[ T][0-9:.]+Z?#<NOW>#g" -e 's#Time Elapsed [0-9:.]+#Time Elapsed <DUR>#' -e 's#\((built|up to date|unchanged)\)#(<BUILT>)#' \
    | if [ "$1" -eq 0 ]; then cat; else heavy; fi
}
heavy() {
  perl -pe '
    s#-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----#<PEM>#g;
    s#eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*#<JWT>#g;
    s#(Timestamp: )[0-9]+#$1<TS>#g;
    s#("timestamp"|\\"timestamp\\"|\\u0022timestamp\\u0022|"iat"|"exp"|"nbf"): ?[0-9]+#$1:<TS>#g;
    s#"time":"[^"]*"#"time":"<TIME>"#g;
    s#"token_sha256":"[0-9a-f]+"#"token_sha256":"<FP>"#g;
    s#[0-9a-f]{64,}#<HEX>#g;
    s#[A-Za-z0-9+/\\]{60,}=*#<B64>#g;
    s#http://127\.0\.0\.1:[0-9]+#http://127.0.0.1:<PORT>#g;
    s#(MSE: )[0-9.]+#$1<MSE>#g;
    s#\b[0-9]+(\.[0-9]+)? ?(ms|s)\b#<DUR>#g;
  '
}

# remask: OUT/raw/*.txt (first line: HEAVY W V ROOT TODAY) -> OUT/*.txt
remask() {
  rm -f "$OUT"/*.txt
  for raw in "$OUT"/raw/*.txt; do
    read -r heavy w v root today <"$raw"
    tail -n +2 "$raw" | mask "$heavy" "$w" "$v" "$root" "$today" >"$OUT/$(basename "$raw")"
  done
}
if [ "$REMASK" -eq 1 ]; then remask; exit 0; fi
mkdir -p "$OUT/raw"
rm -f "$OUT"/raw/*.txt "$OUT"/*.txt

# t NAME ARGS...: runs tee-wasm ARGS, records it as OUT/raw/NNN-NAME.txt
t() {
  local name="$1"; shift
  N=$((N + 1))
  local file; file="$(printf '%s/raw/%03d-%s.txt' "$OUT" "$N" "$name")"
  local so="$W/stdout" se="$W/stderr" code
  "${TW[@]}" "$@" >"$so" 2>"$se" </dev/null
  code=$?
  { echo "$HEAVY $W $V $ROOT $TODAY"; printf '$ tee-wasm %s\n' "$*"; printf 'exit %d\n--- stdout\n' "$code"; cat "$so"; printf -- '--- stderr\n'; cat "$se"; } >"$file"
}

# Inputs made once.
mkdir -p "$W/collateral-v5" "$W/collateral-v4" "$W/rims" "$W/rim-one"
cp "$V/tdx/sample_tcbinfo_response_v5" "$W/collateral-v5/tcbinfo.json"
cp "$V/tdx/sample_tcbInfo_response" "$W/collateral-v4/tcbinfo.json"
cp "$V/tdx/sample_qeIdentity_response" "$W/collateral-v4/qeidentity.json"
cp "$V/tdx/pckcrl" "$W/collateral-v4/pckcrl.der"
cp "$V/tdx/rootcrl.der" "$W/collateral-v4/rootcrl.der"
cp "$V"/nvidia/rim-*.xml "$W/rims/"
cp "$V/nvidia/rim-driver-GH100-570.124.03-expired.xml" "$W/rim-one/"
echo '{"allow_debug": true, "require_report_data_binding": false}' >"$W/lax.json"
echo '{}' >"$W/strict.json"
echo '{"accepted_platforms": ["AMD SEV-SNP", "Intel TDX", "NVIDIA GPU"], "allow_simulated": true}' >"$W/sim.json"
echo '{"accepted_platforms": ["AMD SEV-SNP", "Intel TDX", "NVIDIA GPU"], "allow_simulated": true, "gpu": {"min_driver_version": "590"}, "snp": {"min_tcb": {"snp": 30}}}' >"$W/sim-strict.json"
echo '{"accepted_platforms": ["NVIDIA GPU"], "require_report_data_binding": false, "gpu": {"cc_mode_required": false, "min_vbios_version": "96.00.00.00.00"}}' >"$W/gpu.json"
echo '{"accepted_platforms":["Intel TDX"],"require_report_data_binding":false,"tdx":{"accepted_tcb_status":["OutOfDate"]}}' >"$W/tdx-tcb.json"
cp "$V/snp/attestation.bin" "$W/snp-flip.bin"; printf '\x01' | dd of="$W/snp-flip.bin" bs=1 seek=100 conv=notrunc status=none
cp "$V/tdx/quote_v5_sample.dat" "$W/tdx-flip.dat"; printf '\x00' | dd of="$W/tdx-flip.dat" bs=1 seek=248 conv=notrunc status=none
base64 -w0 "$V/tdx/cvmtools-azure-td-quote-v5.dat" >"$W/q5.b64"
base64 -w0 "$V/snp/attestation.bin" >"$W/attestation.b64"
head -c 1184 "$V/azure/constellation-azure-snp-report+igvm-header.bin" >"$W/azure-snp-1184.bin"

# 1. verify: every vector file as it is, no flags (text, then JSON).
while IFS= read -r f; do
  rel="${f#"$V"/}"
  t "bare-${rel//\//_}" verify "$f"
  t "bare-json-${rel//\//_}" verify "$f" --json
done < <(find "$V" -type f ! -name 'README*' | LC_ALL=C sort)

# 2. verify: SEV-SNP.
S="$V/snp"
for j in "" --json; do
  t snp-vcek verify "$S/attestation.bin" --cert "$S/vcek.testcer" $j
  t snp-vcek-milan verify "$S/attestation.bin" --cert "$S/vcek.testcer" --cert "$S/amd-root-ask_ark_milan.pem" $j
  t snp-vcek-genoa verify "$S/attestation.bin" --cert "$S/vcek.testcer" --cert "$S/amd-root-ask_ark_genoa.pem" $j
  t snp-vcek-turin verify "$S/attestation.bin" --cert "$S/vcek.testcer" --cert "$S/amd-root-ask_ark_turin_vcek.pem" $j
  t snp-vcek-lax verify "$S/attestation.bin" --cert "$S/vcek.testcer" --policy "$W/lax.json" $j
  t snp-vcek-strict verify "$S/attestation.bin" --cert "$S/vcek.testcer" --policy "$W/strict.json" $j
  t snp-vcek-sim verify "$S/attestation.bin" --cert "$S/vcek.testcer" --policy "$W/sim.json" $j
  t snp-vcek-2010 verify "$S/attestation.bin" --cert "$S/vcek.testcer" --at 2010-01-01 $j
  t snp-b64 verify "$W/attestation.b64" --cert "$S/vcek.testcer" $j
  t snp-flip verify "$W/snp-flip.bin" --cert "$S/vcek.testcer" $j
  t snp-nocert verify "$S/attestation.bin" $j
  t snp-vlek-aws-2025 verify "$S/aws-vlek-report.b64" --cert "$S/aws-vlek.pem" --cert "$S/amd-root-ask_ark_milan_vlek.pem" --at 2025-06-01 $j
  t snp-vlek-aws-now verify "$S/aws-vlek-report.b64" --cert "$S/aws-vlek.pem" --cert "$S/amd-root-ask_ark_milan_vlek.pem" $j
  t snp-vlek-aws-vcekchain verify "$S/aws-vlek-report.b64" --cert "$S/aws-vlek.pem" --cert "$S/amd-root-ask_ark_milan.pem" --at 2025-06-01 $j
  t snp-vlek-aws-vcek verify "$S/aws-vlek-report.b64" --cert "$S/vcek.testcer" --at 2025-06-01 $j
  t snp-vlek-aws-lax verify "$S/aws-vlek-report.b64" --cert "$S/aws-vlek.pem" --at 2025-06-01 --policy "$W/lax.json" $j
  t snp-vlek-badsig verify "$S/constellation-vlek-report-badsig.bin" --cert "$S/constellation-vlek.pem" --cert "$S/amd-root-ask_ark_milan_vlek.pem" --at 2024-01-01 $j
  t snp-vlek-badsig-now verify "$S/constellation-vlek-report-badsig.bin" --cert "$S/constellation-vlek.pem" $j
done

# 3. verify: TDX.
T="$V/tdx"
for q in tdx_prod_quote_SPR_E4.dat quote_v5_sample.dat cos-113-tdx-quote.dat cvmtools-azure-td-quote-v4.dat cvmtools-azure-td-quote-v5.dat; do
  for j in "" --json; do
    t "tdx-$q-v5coll" verify "$T/$q" --collateral "$W/collateral-v5" --at 2026-02-15 --allow-unsigned-collateral $j
    t "tdx-$q-v4coll" verify "$T/$q" --collateral "$W/collateral-v4" --at 2023-06-20 --allow-unsigned-collateral $j
    t "tdx-$q-coll-signed" verify "$T/$q" --collateral "$W/collateral-v5" --at 2026-02-15 $j
    t "tdx-$q-coll-expired" verify "$T/$q" --collateral "$W/collateral-v5" --allow-unsigned-collateral $j
    t "tdx-$q-lax" verify "$T/$q" --policy "$W/lax.json" $j
  done
done
for j in "" --json; do
  t tdx-tcb-policy verify "$T/quote_v5_sample.dat" --collateral "$W/collateral-v5" --at 2026-02-15 --allow-unsigned-collateral --policy "$W/tdx-tcb.json" $j
  t tdx-tcb-policy-nocoll verify "$T/quote_v5_sample.dat" --policy "$W/tdx-tcb.json" $j
  t tdx-flip verify "$W/tdx-flip.dat" $j
  t tdx-2010 verify "$T/quote_v5_sample.dat" --at 2010-01-01 $j
done

# 4. verify: Azure.
A="$V/azure"
for j in "" --json; do
  t az-snp-der verify "$A/constellation-azure-snp-report+igvm-header.bin" --cert "$A/constellation-azure-vcek.der" $j
  t az-snp-pem verify "$A/constellation-azure-snp-report+igvm-header.bin" --cert "$A/constellation-azure-vcek.pem" --cert "$S/amd-root-ask_ark_milan.pem" $j
  t az-snp-1184 verify "$W/azure-snp-1184.bin" --cert "$A/constellation-azure-vcek.der" --policy "$W/lax.json" $j
  t az-snp-genoa verify "$A/constellation-azure-snp-report+igvm-header.bin" --cert "$A/constellation-azure-vcek.der" --cert "$S/amd-root-ask_ark_genoa.pem" $j
  for h in cvmtools-tdx-hcl-report.bin constellation-azure-tdx-hcl-report.bin; do
    t "az-$h-q4" verify "$A/$h" --td-quote "$T/cvmtools-azure-td-quote-v4.dat" --at 2026-02-15 $j
    t "az-$h-q5b64" verify "$A/$h" --td-quote "$W/q5.b64" --at 2026-02-15 $j
    t "az-$h-qcoll" verify "$A/$h" --td-quote "$T/cvmtools-azure-td-quote-v5.dat" --collateral "$W/collateral-v5" --allow-unsigned-collateral --at 2026-02-15 $j
    t "az-$h-notquote" verify "$A/$h" --td-quote "$S/attestation.bin" $j
    t "az-$h-nofile" verify "$A/$h" --td-quote "$W/missing.dat" $j
  done
  t az-tdquote-on-snp verify "$S/attestation.bin" --td-quote "$T/cvmtools-azure-td-quote-v4.dat" $j
done
python3 - "$A" "$T" "$S" "$W" <<'PY'
import base64, json, sys
a, t, s, w = sys.argv[1:5]
b = lambda p: base64.b64encode(open(p, 'rb').read()).decode()
json.dump({"tee_type": "Intel TDX", "source": "azure-vtpm", "report": b(a + "/cvmtools-tdx-hcl-report.bin"),
           "td_quote": b(t + "/cvmtools-azure-td-quote-v5.dat"), "certificates": []}, open(w + "/az-tdx-evidence.json", "w"))
inner = json.dumps({"tee_type": "AMD SEV-SNP", "report": b(s + "/attestation.bin"),
                    "certificates": [open(s + "/amd-root-ask_ark_milan.pem").read()]})
json.dump({"success": True, "token": None, "evidence": inner, "timestamp": 1700000000}, open(w + "/snp-result.json", "w"))
json.dump({"tee_type": "AMD_SEV_SNP", "report": b(s + "/attestation.bin"), "certificates": [],
           "binding": {"scheme": "nope", "module_sha256": "00" * 32, "host_key": "04", "nonce": ""}}, open(w + "/snp-badbinding.json", "w"))
json.dump({"tee_type": "AMD_SEV_SNP", "report": b(s + "/attestation.bin"), "certificates": [],
           "binding": {"module_sha256": "00" * 32, "host_key": "04", "nonce": "01"}}, open(w + "/snp-binding.json", "w"))
json.dump({"success": False, "token": None, "evidence": None, "error": "x", "timestamp": 1}, open(w + "/failed-result.json", "w"))
open(w + "/garbage.json", "w").write("{not json")
open(w + "/empty.bin", "w").write("")
PY
for j in "" --json; do
  t az-tdx-evidence-json verify "$W/az-tdx-evidence.json" --at 2026-02-15 $j
  t snp-result-json verify "$W/snp-result.json" --cert "$S/vcek.testcer" $j
  t snp-badbinding-json verify "$W/snp-badbinding.json" --cert "$S/vcek.testcer" $j
  t snp-binding-json verify "$W/snp-binding.json" --cert "$S/vcek.testcer" --policy "$W/lax.json" $j
  t failed-result-json verify "$W/failed-result.json" $j
  t garbage-json verify "$W/garbage.json" $j
  t empty verify "$W/empty.bin" $j
  t missing verify "$W/missing.bin" $j
  t bad-at verify "$S/attestation.bin" --at yesterday-ish $j
done

# 5. verify: NVIDIA GPUs.
G="$V/nvidia"
HOP=931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb
COCO=87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec
N535=27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66
N580=5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca
AT=2025-06-01
for j in "" --json; do
  for c in 1 2 3 4; do t "gpu-hopper-case$c" verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case$c.txt" --nonce $HOP --at $AT $j; done
  t gpu-hopper-leaf verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_signing_cert.pem" --nonce $HOP --at $AT $j
  t gpu-hopper-now verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" --nonce $HOP $j
  t gpu-hopper-2019 verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" --nonce $HOP --at 2019-01-01 $j
  t gpu-hopper-othernonce verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" --nonce $COCO --at $AT $j
  t gpu-hopper-policy verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" --nonce $HOP --at $AT --policy "$W/gpu.json" $j
  t gpu-hopper-rims verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" --nonce $HOP --at $AT --rim "$W/rims" $j
  t gpu-coco verify "$G/hopper_coco_report1.txt" --cert "$G/hopper_coco_certs1.txt" --nonce $COCO --at $AT $j
  t gpu-535-rims verify "$G/sdk-hopper-535-report.txt" --cert "$G/sdk-hopper-535-certchain.txt" --nonce $N535 --at 2025-05-01 --rim "$W/rims" $j
  t gpu-535-rims-2026 verify "$G/sdk-hopper-535-report.txt" --cert "$G/sdk-hopper-535-certchain.txt" --nonce $N535 --at 2026-01-01 --rim "$W/rims" $j
  t gpu-570-rim-in verify "$G/sdk-hopper-570-report.txt" --cert "$G/sdk-hopper-certchain-2.txt" --nonce $HOP --rim "$W/rim-one" --at 2025-01-01T12:00:00Z $j
  t gpu-570-rim-late verify "$G/sdk-hopper-570-report.txt" --cert "$G/sdk-hopper-certchain-2.txt" --nonce $HOP --rim "$W/rims" --at 2026-01-01 $j
  t gpu-580 verify "$G/sdk-hopper-580-report.txt" --cert "$G/sdk-hopper-580-certchain.txt" --nonce $N580 --at $AT $j
  t gpu-invalid-sig verify "$G/sdk-hopper-invalid-signature-report.txt" --cert "$G/sdk-hopper-certchain-2.txt" --nonce $HOP --at $AT $j
  t gpu-blackwell verify "$G/sdk-blackwell-report.txt" --cert "$G/sdk-blackwell-certchain.txt" --nonce $HOP --at $AT $j
  for e in sdk-evidence-hopper-590.json sdk-evidence-4gpu-hopper-590.json sdk-evidence-hopper-570-cert-hold.json; do
    t "gpu-$e" verify "$G/$e" --at $AT $j
    t "gpu-$e-hopnonce" verify "$G/$e" --at $AT --nonce $HOP $j
    t "gpu-$e-policy" verify "$G/$e" --at $AT --policy "$W/gpu.json" $j
    t "gpu-$e-rims" verify "$G/$e" --at $AT --rim "$W/rims" $j
  done
  t gpu-usage-nocert verify "$G/hopperAttestationReport.txt" --nonce $HOP $j
  t gpu-usage-nononce verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" $j
  t gpu-usage-shortnonce verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" --nonce 0102 $j
  t gpu-usage-hexnonce verify "$G/hopperAttestationReport.txt" --cert "$G/hopper_cert_chain_case1.txt" --nonce xyz $j
  t gpu-usage-cert-json verify "$G/sdk-evidence-hopper-590.json" --cert "$G/hopper_cert_chain_case1.txt" $j
  t gpu-usage-collateral verify "$G/sdk-evidence-hopper-590.json" --collateral "$W/collateral-v5" --td-quote "$W/q5.b64" $j
  t gpu-usage-rimdir verify "$G/sdk-evidence-hopper-590.json" --rim "$W/none" $j
  t gpu-usage-vm-nonce verify "$S/attestation.bin" --nonce $HOP $j
  t gpu-usage-vm-rim verify "$S/attestation.bin" --rim "$W/rims" $j
done

# 6. attest (simulator) and verify of what it wrote.
HEAVY=1
t detect detect --tee simulate
t detect-json detect --tee simulate --json
t detect-none detect --tee none
t attest-vm attest vm --tee simulate --simulator-dir "$SIM"
t attest-vm-nonce attest vm --tee simulate --simulator-dir "$SIM" --nonce 0102 --out "$W/vm.json"
t attest-vm-none attest vm --tee none
t attest-gpu attest gpu --tee simulate --simulator-dir "$SIM" --nonce 0102 --out "$W/gpu.json"
t attest-gpu-all attest gpu --tee simulate --simulator-dir "$SIM" --simulated-gpus 3 --all --out "$W/gpus.json"
t attest-gpu-stdout attest gpu --tee simulate --simulator-dir "$SIM" --index 0
t attest-gpu-badindex attest gpu --tee simulate --simulator-dir "$SIM" --index 5
t attest-gpu-none attest gpu --tee none
t attest-bad-nonce attest vm --tee simulate --simulator-dir "$SIM" --nonce zz
for j in "" --json; do
  t verify-attested-vm verify "$W/vm.json" --trust-simulator "$SIM" $j
  t verify-attested-vm-untrusted verify "$W/vm.json" $j
  t verify-attested-vm-policy verify "$W/vm.json" --trust-simulator "$SIM" --policy "$W/sim.json" $j
  t verify-attested-vm-strict verify "$W/vm.json" --trust-simulator "$SIM" --policy "$W/sim-strict.json" $j
  t verify-attested-vm-nosim-policy verify "$W/vm.json" --trust-simulator "$SIM" --policy "$W/strict.json" $j
  t verify-attested-gpu verify "$W/gpu.json" --trust-simulator "$SIM" $j
  t verify-attested-gpu-untrusted verify "$W/gpu.json" $j
  t verify-attested-gpu-policy verify "$W/gpu.json" --trust-simulator "$SIM" --policy "$W/sim.json" $j
  t verify-attested-gpu-strict verify "$W/gpu.json" --trust-simulator "$SIM" --policy "$W/sim-strict.json" $j
  t verify-attested-gpu-late verify "$W/gpu.json" --trust-simulator "$SIM" --at 2050-01-01 $j
  t verify-attested-gpus verify "$W/gpus.json" --trust-simulator "$SIM" $j
  t verify-attested-gpus-nonce verify "$W/gpus.json" --trust-simulator "$SIM" --nonce $HOP $j
done

# 7. run.
GU="$ROOT/artifacts/guests"
for g in attestation_example.wasm main_with_attestation.wasm compat_original.wasm; do
  t "run-sim-$g" run --tee simulate --simulator-dir "$SIM" "$GU/$g"
  t "run-none-$g" run --tee none "$GU/$g"
done
t run-gate-sim run --tee simulate --simulator-dir "$SIM" --require-attestation --policy "$W/sim.json" "$GU/attestation_example.wasm"
t run-gate-refused run --tee simulate --simulator-dir "$SIM" --require-attestation "$GU/attestation_example.wasm"
t run-gate-strict run --tee simulate --simulator-dir "$SIM" --require-attestation --policy "$W/sim-strict.json" "$GU/attestation_example.wasm"
t run-policy-guest run --tee simulate --simulator-dir "$SIM" --policy "$W/sim-strict.json" "$GU/attestation_example.wasm"
t run-gate-none run --tee none --require-attestation "$GU/attestation_example.wasm"

# 8. demos.
if [ "$DEMOS" -eq 1 ]; then
  for d in demo.sh demo-kbs.sh; do
    N=$((N + 1))
    file="$(printf '%s/raw/%03d-script-%s.txt' "$OUT" "$N" "$d")"
    TEE_WASM="${TW[*]}" "$ROOT/scripts/$d" >"$W/stdout" 2>"$W/stderr" </dev/null
    code=$?
    { echo "$HEAVY $W $V $ROOT $TODAY"; printf '$ scripts/%s\nexit %d\n--- stdout\n' "$d" "$code"; sed -e 's/\x1b\[[0-9;]*m//g' "$W/stdout"; printf -- '--- stderr\n'; cat "$W/stderr"; } >"$file"
  done
fi
remask
echo "transcripts: $N files in $OUT"
