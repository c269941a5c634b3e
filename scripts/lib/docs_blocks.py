"""The docs runner of scripts/test-docs.sh: finds the shell blocks of the docs and runs them (see that script)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHELL = {"sh", "bash", "shell"}
FENCE = re.compile(r"^(\s*)(```+)\s*([^\s`]*)\s*$")
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s+([\w.-]+)\s*:\s*(.*?)\s*-->")
CD = re.compile(r"<!--\s*docs-test:\s*cd\s+(\S+)\s*-->")
SETUP = re.compile(r"<!--\s*docs-test:\s*setup\s+(.*?)\s*-->")


def doc_files(args):
    if args:
        return args
    files = ["README.md"] + sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    return files + ["guests/README.md"]


def blocks(path):
    """(line, info, body lines, skip, cd, setup) for every fenced block of a Markdown file."""
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks, info = m.group(1), m.group(2), m.group(3)
        start = i
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*" + ticks + r"\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1
        above = []
        j = start - 1
        while j >= 0 and lines[j].strip().startswith("<!--"):
            above.append(lines[j])
            j -= 1
        skip = next((SKIP.search(a) for a in above if SKIP.search(a)), None)
        cd = next((CD.search(a) for a in above if CD.search(a)), None)
        setup = next((SETUP.search(a) for a in above if SETUP.search(a)), None)
        yield start + 1, info, body, (skip.group(1), skip.group(2)) if skip else None, cd.group(1) if cd else None, setup.group(1) if setup else None


def environment(tmp, bin_dir):
    env = dict(os.environ)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
    env["XDG_DATA_HOME"] = os.path.join(tmp, "data")
    env["DOCS_TMP"] = tmp
    env["TEEWASM_ROOT"] = ROOT
    return env


def run_console(body, cwd, env):
    """Runs each `$ ` line; the lines printed under it must appear in its output. Returns a failure or None."""
    steps = []
    for line in body:
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            return "a console block starts with output, not with a `$ ` line"
    for command, expected in steps:
        p = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        output = p.stdout + p.stderr
        for line in expected:
            if not line.strip() or line.strip() in ("…", "..."):
                continue
            # "…" in an expected line stands for any text.
            pattern = ".*?".join(re.escape(part) for part in line.rstrip().split("…"))
            if not re.search(pattern, output):
                return f"`{command}` (exit {p.returncode}) did not print:\n    {line}\n  it printed:\n" + "\n".join("    " + l for l in output.splitlines()[:30])
    return None


def main(args):
    tee_wasm = os.path.join(ROOT, "src/TeeWasm.Cli/bin/Release/net10.0/tee-wasm.dll")
    if not os.path.exists(tee_wasm):
        print(f"docs: {tee_wasm} is missing: build it first (dotnet build src/TeeWasm.Cli -c Release)", file=sys.stderr)
        return 2
    bin_dir = tempfile.mkdtemp(prefix="teewasm-docs-bin-")
    with open(os.path.join(bin_dir, "tee-wasm"), "w") as f:
        f.write(f'#!/bin/sh\nexec dotnet "{tee_wasm}" "$@"\n')
    os.chmod(os.path.join(bin_dir, "tee-wasm"), 0o755)
    ran, skipped, failed, unlabeled = 0, [], [], []
    try:
        for path in doc_files(args):
            for line, info, body, skip, cd, setup in blocks(path):
                name = f"{path}:{line}"
                if info == "":
                    unlabeled.append(name)
                    continue
                if info not in SHELL and info != "console":
                    continue
                if skip:
                    skipped.append(f"{skip[0]} ({name}: {skip[1]})")
                    print(f"SKIP {skip[0]} ({name}): {skip[1]}")
                    continue
                tmp = tempfile.mkdtemp(prefix="teewasm-docs-")
                cwd = tmp if cd == "tmp" else os.path.join(ROOT, cd) if cd else ROOT
                env = environment(tmp, bin_dir)
                try:
                    if setup:
                        p = subprocess.run(["bash", "-euo", "pipefail", "-c", setup], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
                        if p.returncode != 0:
                            raise RuntimeError(f"setup failed (exit {p.returncode}): {p.stdout + p.stderr}")
                    if info == "console":
                        problem = run_console(body, cwd, env)
                    else:
                        script = "set -euo pipefail\nshopt -s expand_aliases\n" + "\n".join(body) + "\n"
                        p = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
                        problem = None if p.returncode == 0 else f"exit {p.returncode}:\n" + "\n".join("    " + l for l in (p.stdout + p.stderr).splitlines()[-30:])
                except subprocess.TimeoutExpired:
                    problem = "timed out"
                except RuntimeError as e:
                    problem = str(e)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
                ran += 1
                if problem:
                    failed.append(name)
                    print(f"FAIL {name}: {problem}")
                else:
                    print(f"ok   {name}")
    finally:
        shutil.rmtree(bin_dir, ignore_errors=True)
    for name in unlabeled:
        print(f"FAIL {name}: a fence without an info string: say what it is (sh, console, text)")
    failed += unlabeled
    print(f"docs blocks: {ran} run, {len(skipped)} skipped ({'; '.join(skipped) if skipped else 'none'}), {len(failed)} failed")
    print(f"docs checks: {ran - len(failed) + len(unlabeled)} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
