#!/usr/bin/env bash
# Secure training demo (loopback only): the random-forest guest trains on an encrypted data set whose key only the
# key broker hands out, and only to a TEE its policy accepts.
#   1. encrypts data/diabetes_{train,test}.csv with a fresh random AES-256 key (`tee-wasm kbs encrypt`: 12-byte
#      nonce || AES-256-GCM ciphertext || 16-byte tag) and puts the key in the broker's secrets as `data-key`;
#   2. starts `tee-wasm kbs serve` on 127.0.0.1 (a free port) with a policy that allows simulated platforms, and runs
#      the Rust RF guest under --tee simulate with --data-key data-key: the host attests to the broker, the broker
#      releases the key, the guest decrypts (tag checked) and trains, and prints its MSE;
#   3. restarts the broker with a policy that forbids simulated platforms: the same run is refused before any
#      training, exits non-zero and prints the broker's reason;
#   4. the run of step 2 signed a receipt (--receipt) and wrote the model (--model-out out/model.txt) and an offline
#      bundle of its launch attestation (--bundle): `tee-wasm verify receipt.json` checks the receipt, its link to the
#      attestation (the VM and the GPU, bound to the workload) and the digests of the model and the encrypted inputs;
#      then an edited model file and an edited receipt are each detected.
# Exits non-zero if any step does not behave as described. Set TEE_WASM to use an already built tee-wasm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEMO_NAME=demo-secure-training
# shellcheck source=lib/kbs-demo.sh
source "$ROOT/scripts/lib/kbs-demo.sh"

GUEST="$ROOT/artifacts/guests/wasm-ml-benchmark.wasm"
"$ROOT/scripts/build-guests.sh" >/dev/null   # up to date: a no-op

banner "tee-wasm kbs encrypt: the data set under a fresh AES-256 key"
mkdir -p "$WORK/secrets/default/secret" "$WORK/enc"
head -c 32 /dev/urandom >"$WORK/secrets/default/secret/data-key"   # the secret "data-key"; never printed
for f in diabetes_train.csv diabetes_test.csv; do
  "${TW[@]}" kbs encrypt --key-file "$WORK/secrets/default/secret/data-key" --in "data/$f" --out "$WORK/enc/$f.enc"
done
cat >"$WORK/allow-simulated.json" <<'JSON'
{ "default": { "allow_simulated": false }, "secrets": { "default/secret/data-key": { "allow_simulated": true, "allow_debug": false } } }
JSON
cat >"$WORK/forbid-simulated.json" <<'JSON'
{ "default": { "allow_simulated": false, "allow_debug": false } }
JSON

run_guest() { # [RUN OPTIONS...] -- [GUEST ARGS...]: sets OUT and CODE; bounded by timeout
  local opts=() args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  args=("$@")
  set +e
  OUT="$(timeout 300 "${TW[@]}" run --tee simulate --kbs "$URL" --dir "$WORK/enc::data::ro" "${opts[@]}" "$GUEST" -- --data-key data-key "${args[@]}" 2>&1)"
  CODE=$?
  set -e
}

banner "tee-wasm kbs serve --policy allow-simulated.json"
start_broker "$WORK/allow-simulated.json"

mkdir -p "$WORK/out"
banner "tee-wasm run --tee simulate --kbs $URL --dir <encrypted>::data::ro --dir <out>::out --receipt receipt.json --bundle launch.bundle.json wasm-ml-benchmark.wasm -- --data-key data-key --model-out out/model.txt"
run_guest --dir "$WORK/out::out" --receipt "$WORK/receipt.json" --bundle "$WORK/launch.bundle.json" -- --model-out out/model.txt
grep -v '^Trained ' <<<"$OUT" | sed -n '/=== TEE ATTESTATION ===/,/\[INFER\] MSE/p'
[ "$CODE" -eq 0 ] || { echo "$OUT" | tail -5; fail "guest exited $CODE; the broker should have released the key"; }
grep -q "tag verified (353 samples)" <<<"$OUT" || fail "the training set was not decrypted"
grep -qE '^\[INFER\] MSE: [0-9.]+$' <<<"$OUT" || fail "no MSE"
grep -F '[tee-wasm] receipt written to' <<<"$OUT" || fail "no receipt"
[ -s "$WORK/out/model.txt" ] || fail "the guest wrote no model"
stop_broker

banner "tee-wasm kbs serve --policy forbid-simulated.json"
start_broker "$WORK/forbid-simulated.json"

banner "the same run   (must be refused, before any training)"
run_guest
grep -v '^Trained ' <<<"$OUT" | sed -n '/=== ENCRYPTED DATA ===/,$p'
[ "$CODE" -ne 0 ] || fail "the broker released the data key to a simulated platform against its policy"
grep -q "did not release the data key 'data-key': .*simulated platform refused" <<<"$OUT" || fail "the refusal does not say why"
! grep -q "=== TRAINING ===" <<<"$OUT" || fail "the guest trained without the key"
echo "(guest exited with code $CODE, as it should)"
stop_broker

banner "tee-wasm verify receipt.json --trust-simulator --bundle launch.bundle.json --dir <out>::out --dir <encrypted>::data"
VERIFY=("${TW[@]}" verify "$WORK/receipt.json" --trust-simulator --bundle "$WORK/launch.bundle.json" --dir "$WORK/out::out" --dir "$WORK/enc::data")
set +e
VOUT="$("${VERIFY[@]}" 2>&1)"; VCODE=$?
set -e
echo "$VOUT"
[ "$VCODE" -eq 0 ] || fail "the receipt does not verify (exit $VCODE)"
grep -q '^  written  out/model.txt  sha256 ' <<<"$VOUT" || fail "the receipt does not name the model file"
grep -q '^  read     data/diabetes_train.csv.enc  sha256 ' <<<"$VOUT" || fail "the receipt does not name the encrypted training set"

banner "the model file edited after the run   (must be detected)"
cp "$WORK/out/model.txt" "$WORK/model.orig"
echo "0 0 -1 42.0 0 0" >>"$WORK/out/model.txt"
set +e
VOUT="$("${VERIFY[@]}" 2>&1)"; VCODE=$?
set -e
grep -E '^(REJECTED|  FAIL)' <<<"$VOUT"
[ "$VCODE" -ne 0 ] && grep -q "written out/model.txt: its SHA-256 is not the receipt's" <<<"$VOUT" || fail "an edited model file was not detected"
cp "$WORK/model.orig" "$WORK/out/model.txt"

banner "the receipt edited (exit code 0 -> 3)   (must be detected)"
sed -i 's/"exit_code": 0/"exit_code": 3/' "$WORK/receipt.json"
set +e
VOUT="$("${VERIFY[@]}" 2>&1)"; VCODE=$?
set -e
grep -E '^(REJECTED|  FAIL)' <<<"$VOUT"
[ "$VCODE" -ne 0 ] && grep -q "the receipt was changed after it was signed" <<<"$VOUT" || fail "an edited receipt was not detected"

printf '\n\033[1mdemo-secure-training: OK\033[0m\n'
