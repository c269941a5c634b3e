# Shared by the key-broker demos (sourced, not run): the tee-wasm command, a work directory removed on exit, and
# starting/stopping `tee-wasm kbs serve` on a free loopback port. Needs ROOT and DEMO_NAME set by the caller.

if [ -n "${TEE_WASM:-}" ]; then
  read -r -a TW <<<"$TEE_WASM"
else
  echo "==> building the host (Release)"
  dotnet build "$ROOT/src/TeeWasm.Cli" -c Release -nologo -v quiet -clp:ErrorsOnly
  TW=(dotnet "$ROOT/src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll")
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
banner() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { echo "$DEMO_NAME: FAILED: $*" >&2; exit 1; }

# start_broker POLICY [EXTRA ARGS...]: serves $WORK/secrets; sets SERVER_PID and URL (waits at most 60 s).
start_broker() {
  local policy="$1"
  shift
  # A fresh output file before the server starts: its redirection may run after the first look below, which would
  # then read the previous broker's (stopped) address.
  rm -f "$WORK/kbs.out" "$WORK/kbs.err"
  "${TW[@]}" kbs serve --listen 127.0.0.1:0 --secrets "$WORK/secrets" --policy "$policy" "$@" >"$WORK/kbs.out" 2>"$WORK/kbs.err" &
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
