#!/usr/bin/env bash
# Runs every TeeWasm test: installs what is missing, builds the example guests and runs their checks (native unit
# tests, wasm module checks, template builds, mock-host runs: scripts/build-guests.sh --check), then every .NET test
# project, then the package checks (scripts/test-packages.sh: the .NET tool installed from a local feed runs a guest,
# the samples build against the packages, the release archive runs a guest from an empty directory), then the shell
# blocks of the docs (scripts/test-docs.sh: blocks run, skipped by name), then the design document's samples on the
# built host (scripts/check-samples.sh --no-cabi-realloc). Ends with one
# summary line "Tests: N passed, N failed, N skipped" over all of them (the guests' part also in brackets) and a
# non-zero exit when anything failed. A guest failure does not stop the .NET tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

GLOG="$(mktemp)"
LOG="$(mktemp)"
trap 'rm -f "$LOG" "$GLOG"' EXIT
set +e
"$ROOT/scripts/build-guests.sh" --check 2>&1 | tee "$GLOG"
guest_status=${PIPESTATUS[0]}
dotnet test TeeWasm.sln -c Release -nologo 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
"$ROOT/scripts/test-packages.sh" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
"$ROOT/scripts/test-docs.sh" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
# The design document's samples on the built host, the no-cabi_realloc C++ build included.
TEE_WASM="dotnet $ROOT/src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll" "$ROOT/scripts/check-samples.sh" --no-cabi-realloc 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
set -e

# The guests' line: "guest tests: N passed, N failed, N skipped (...)". No such line (the build itself failed)
# counts as one failure.
read -r gp gf gs < <(sed -nE 's/^guest tests: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/p' "$GLOG" | tail -1; echo)
if [ -z "${gp:-}" ]; then
  echo "test: scripts/build-guests.sh --check ended (exit $guest_status) without its 'guest tests:' line; counted as 1 failure" >&2
  gp=0 gf=1 gs=0
elif [ "$guest_status" != 0 ] && [ "$gf" = 0 ]; then
  gf=1
fi

# Sum the .NET per-assembly lines ("Passed!  - Failed:     0, Passed:    57, Skipped:     0, Total: ...") and add the guests'.
awk -v gp="$gp" -v gf="$gf" -v gs="$gs" '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     /^(package|sample) checks: [0-9]+ passed, [0-9]+ failed$/ { p += $3; f += $5 }
     /^docs checks: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ { p += $3; f += $5; s += $7 }
     END { printf "Tests: %d passed, %d failed, %d skipped (guests: %d passed, %d failed, %d skipped)\n", p + gp, f + gf, s + gs, gp, gf, gs }' "$LOG"
[ "$guest_status" = 0 ] || exit "$guest_status"
exit "$status"
