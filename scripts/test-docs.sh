#!/usr/bin/env bash
# Runs the shell blocks of README.md, docs/*.md and guests/README.md, so documented commands cannot drift from what
# the code does (issue 15.7). A fenced block with info string sh/bash/shell runs as a bash script (set -euo pipefail)
# from the repository root; a `console` block runs each `$ ` line and checks that each output line printed under it
# (except empty lines; "…" in an expected line stands for any text) appears in what the command printed. Other blocks
# (text, json, rust, …) are not shell. A fence with no info string is an error: say what it is (sh, console, text).
# Markers on the line(s) just above a fence:
#   <!-- docs-test: skip NAME: why -->   do not run it (reported by NAME)
#   <!-- docs-test: cd DIR -->           run it in DIR (relative to the repository root; `tmp`: the block's $DOCS_TMP)
#   <!-- docs-test: setup COMMANDS -->   run COMMANDS first, in the same directory ($TEEWASM_ROOT is the repository)
# `tee-wasm` is on PATH (the Release build: dotnet src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll; build it first,
# scripts/test.sh does), the example guests in artifacts/guests (scripts/build-guests.sh). Each block gets its own
# XDG_CACHE_HOME/XDG_DATA_HOME and $DOCS_TMP, removed after it.
# Ends with "docs blocks: N run, N skipped (NAMES), N failed" and exits non-zero when a block failed.
# Usage: scripts/test-docs.sh [FILE.md...]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec python3 "$ROOT/scripts/lib/docs_blocks.py" "$@"
