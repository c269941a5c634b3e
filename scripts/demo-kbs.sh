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

if [ -n "${TEE_WASM:-}" ]; then
  read -r -a TW <<<"$TEE_WASM"
else
  echo "==> building the host (Release)"
  dotnet build src/TeeWasm.Cli -c Release -nologo -v quiet -clp:ErrorsOnly
  TW=(dotnet "$ROOT/src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll")
fi
GUEST="$ROOT/guests/wat/get_secret.wat"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
banner() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { echo "demo-kbs: FAILED: $*" >&2; exit 1; }

mkdir -p "$WORK/secrets/default/secret"
head -c 32 /dev/urandom >"$WORK/secrets/default/secret/demo"   # the secret "demo" (an AES-256 key)
cat >"$WORK/allow-simulated.json" <<'JSON'
{ "default": { "allow_simulated": true, "allow_debug": false } }
JSON
cat >"$WORK/forbid-simulated.json" <<'JSON'
{ "default": { "allow_simulated": false, "allow_debug": false } }
JSON

start_broker() { # $1 = policy file; sets SERVER_PID and URL
  "${TW[@]}" kbs serve --listen 127.0.0.1:0 --secrets "$WORK/secrets" --policy "$1" \
    --audit-log "$WORK/kbs-audit.jsonl" >"$WORK/kbs.out" 2>"$WORK/kbs.err" &
  SERVER_PID=$!
  URL=""
  for _ in $(seq 1 120); do
    URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/kbs.out" 2>/dev/null || true)"
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/kbs.err" >&2; fail "kbs serve did not start"; }
    sleep 0.5
  done
  [ -n "$URL" ] || fail "kbs serve did not report its address"
  cat "$WORK/kbs.out"
}
stop_broker() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

banner "tee-wasm kbs serve --policy allow-simulated.json"
start_broker "$WORK/allow-simulated.json"

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
start_broker "$WORK/forbid-simulated.json"

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
