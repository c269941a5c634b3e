"""Shared by bench/rf-compare and bench/matmul-sweep: finding tee-wasm, describing the machine, and matplotlib."""
import os
import platform
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_tee_wasm(explicit):
    """The tee-wasm executable: EXPLICIT if it exists, else the Release/Debug build, else tee-wasm on PATH."""
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for cfg in ("Release", "Debug"):
        base = os.path.join(ROOT, "src", "TeeWasm.Cli", "bin", cfg, "net10.0")
        for name in ("tee-wasm", "TeeWasm.Cli"):
            p = os.path.join(base, name)
            if os.path.exists(p):
                return p
    return shutil.which("tee-wasm")


def load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(tee, load0, load1):
    """What a result was measured on (stored in the JSON, shown in the figure)."""
    return {"cores": os.cpu_count(), "cpu": cpu_model(), "load": [load0, load1],
            "tee_wasm": os.path.relpath(tee, ROOT) if tee else None, "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}


def machine_line(m):
    l0, l1 = (m.get("load") or [float("nan")] * 2)[:2]
    return f"{m.get('cores', '?')} cores, {m.get('cpu', '?')}, load average {l0:.1f} -> {l1:.1f}, {m.get('date', '')}"


def require_matplotlib(tool):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit(f"{tool}: --plot needs matplotlib: apt-get install python3-matplotlib (scripts/setup.sh does), "
                 "and run with /usr/bin/python3")


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def default_result_path(name, ext):
    """bench/results/NAME-<time>.EXT (the folder is created)."""
    d = os.path.join(ROOT, "bench", "results")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, time.strftime(f"{name}-%Y%m%d-%H%M%S.{ext}"))
