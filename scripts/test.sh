#!/usr/bin/env bash
# Runs every TeeWasm test: installs what is missing, builds the example guests (the host tests run them),
# runs the guests' own native unit tests, then every .NET test project, then the package checks
# (scripts/test-packages.sh: the .NET tool installed from a local feed runs a guest, the samples build against the
# packages, the release archive runs a guest from an empty directory). Ends with one summary line
# "Tests: N passed, N failed, N skipped" (package checks counted in) and a non-zero exit when anything failed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build-guests.sh" --check

LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
set +e
dotnet test TeeWasm.sln -c Release -nologo 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
"$ROOT/scripts/test-packages.sh" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
set -e

# Sum the per-assembly lines ("Passed!  - Failed:     0, Passed:    57, Skipped:     0, Total: ...").
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     /^package checks: [0-9]+ passed, [0-9]+ failed$/ { p += $3; f += $5 }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$LOG"
exit "$status"
