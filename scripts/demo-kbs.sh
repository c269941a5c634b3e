#!/usr/bin/env bash
# Key broker demo (loopback only):
#   1. starts `tee-wasm kbs serve` on 127.0.0.1 (a free port) with a secret directory and a policy that allows
#      simulated platforms, then runs guests/wat/get_secret.wat under --tee simulate: the host attests to the broker
#      (KBS protocol: auth -> challenge -> attest -> resource, the secret encrypted to the TEE key) and the guest
#      prints only the secret's length;
#   2. restarts the broker with a policy that forbids simulated platforms: the same run is refused, and says why.
# Also shows `tee-wasm kbs encrypt` (the data-set format: 12-byte nonce || AES-256-GCM ciphertext || 16-byte tag).
# Exits non-zero if any step does not behave as described. Set TEE_WASM to use an already built tee-wasm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEMO_NAME=demo-kbs
# shellcheck source=lib/kbs-demo.sh
source "$ROOT/scripts/lib/kbs-demo.sh"

GUEST="$ROOT/guests/wat/get_secret.wat"

mkdir -p "$WORK/secrets/default/secret"
head -c 32 /dev/urandom >"$WORK/secrets/default/secret/demo"   # the secret "demo" (an AES-256 key)
cat >"$WORK/allow-simulated.json" <<'JSON'
{ "default": { "allow_simulated": true, "allow_debug": false } }
JSON
cat >"$WORK/forbid-simulated.json" <<'JSON'
{ "default": { "allow_simulated": false, "allow_debug": false } }
JSON


banner "tee-wasm kbs serve --policy allow-simulated.json"
start_broker "$WORK/allow-simulated.json" --audit-log "$WORK/kbs-audit.jsonl"

banner "tee-wasm run --tee simulate --kbs $URL get_secret.wat"
set +e
OUT="$("${TW[@]}" run --tee simulate --kbs "$URL" --audit-log "$WORK/run-audit.jsonl" "$GUEST")"
CODE=$?
set -e
echo "$OUT"
[ "$CODE" -eq 0 ] || fail "guest exited $CODE; the broker should have released the secret"
[ "$OUT" = "secret length: 32" ] || fail "unexpected guest output"
stop_broker

banner "tee-wasm kbs serve --policy forbid-simulated.json"
start_broker "$WORK/forbid-simulated.json" --audit-log "$WORK/kbs-audit.jsonl"

banner "tee-wasm run --tee simulate --kbs $URL get_secret.wat   (must be refused)"
set +e
OUT="$("${TW[@]}" run --tee simulate --kbs "$URL" --audit-log "$WORK/run-audit.jsonl" "$GUEST")"
CODE=$?
set -e
echo "$OUT"
[ "$CODE" -ne 0 ] || fail "the broker released a secret to a simulated platform against its policy"
grep -q "simulated platform refused" <<<"$OUT" || fail "the refusal does not say why"
echo "(guest exited with code $CODE, as it should)"
stop_broker

banner "audit logs (no secret, no token: names, verdicts, reasons, token fingerprints)"
cat "$WORK/run-audit.jsonl" "$WORK/kbs-audit.jsonl"
SECRET_B64="$(base64 -w0 "$WORK/secrets/default/secret/demo")"
if grep -qF "$SECRET_B64" "$WORK/run-audit.jsonl" "$WORK/kbs-audit.jsonl"; then fail "a secret reached an audit log"; fi

banner "tee-wasm kbs encrypt (data-set format for --data-key guests)"
printf 'age,bmi,target\n50,31.2,151\n' >"$WORK/data.csv"
"${TW[@]}" kbs encrypt --key-file "$WORK/secrets/default/secret/demo" --in "$WORK/data.csv" --out "$WORK/data.csv.enc"
[ "$(stat -c %s "$WORK/data.csv.enc")" -eq $(( $(stat -c %s "$WORK/data.csv") + 28 )) ] || fail "encrypted size is not nonce + data + tag"

printf '\n\033[1mdemo-kbs: OK\033[0m\n'
