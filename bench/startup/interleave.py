#!/usr/bin/env python3
"""Times whole commands side by side: every round runs each command once, in turn, so drift in the machine's load
affects all of them alike. Prints a Markdown table of wall-clock times (median, p10, p90, min) and the median CPU
time of the process and its threads (user + system; wall minus CPU is time spent waiting: blocked, or runnable on a
busy machine), and checks goals.

Usage: interleave.py [--rounds N] [--warmup N] --cmd LABEL 'COMMAND LINE' [--cmd ...] [--env LABEL K=V]...
                     [--goal 'LABEL<=LABEL2' | --goal 'LABEL<=30ms']...
A command line is split as a shell would split words (no shell runs: its start-up would be measured too); its
output is discarded, and a non-zero exit stops the run with the command's stderr."""
import argparse, os, resource, shlex, statistics, subprocess, sys, time


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--cmd", nargs=2, action="append", metavar=("LABEL", "COMMAND"), required=True)
    p.add_argument("--env", nargs=2, action="append", metavar=("LABEL", "K=V"), default=[])
    p.add_argument("--goal", action="append", default=[])
    a = p.parse_args()

    labels = [label for label, _ in a.cmd]
    argv = {label: shlex.split(command) for label, command in a.cmd}
    envs = {label: dict(os.environ) for label in labels}
    for label, kv in a.env:
        if label not in envs:
            sys.exit(f"--env: no command labelled '{label}'")
        k, _, v = kv.partition("=")
        envs[label][k] = v

    def cpu_ms():
        u = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (u.ru_utime + u.ru_stime) * 1000

    cpu = {label: [] for label in labels}

    def once(label):
        c0 = cpu_ms()
        t0 = time.perf_counter_ns()
        r = subprocess.run(argv[label], env=envs[label], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        t = (time.perf_counter_ns() - t0) / 1e6
        if r.returncode != 0:
            sys.exit(f"'{label}' exited {r.returncode}: {r.stderr.decode(errors='replace').strip()}")
        cpu[label].append(cpu_ms() - c0)
        return t

    for _ in range(a.warmup):
        for label in labels:
            once(label)
    cpu = {label: [] for label in labels}
    times = {label: [] for label in labels}
    for i in range(a.rounds):
        # Rotate the order each round so that no command always runs right after the same neighbour.
        for label in labels[i % len(labels):] + labels[:i % len(labels)]:
            times[label].append(once(label))

    def q(xs, f):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(f * len(xs)))]

    median = {label: statistics.median(ts) for label, ts in times.items()}
    print(f"{a.rounds} interleaved rounds after {a.warmup} warm-up rounds; wall-clock ms per whole process\n")
    print("| command | median | p10 | p90 | min | CPU (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label in labels:
        ts = times[label]
        print(f"| {label} | {median[label]:.1f} | {q(ts, .1):.1f} | {q(ts, .9):.1f} | {min(ts):.1f} | {statistics.median(cpu[label]):.1f} |")

    failed = 0
    if a.goal:
        print()
    for goal in a.goal:
        left, _, right = goal.partition("<=")
        left, right = left.strip(), right.strip()
        if left not in median:
            sys.exit(f"--goal '{goal}': no command labelled '{left}'")
        if right.endswith("ms") and right[:-2].replace(".", "", 1).isdigit():
            bound, what = float(right[:-2]), right
        elif right in median:
            bound, what = median[right], f"{right} ({median[right]:.1f} ms)"
        else:
            sys.exit(f"--goal '{goal}': '{right}' is neither a label nor a time such as 30ms")
        ok = median[left] <= bound
        failed += not ok
        print(f"goal {'met' if ok else 'MISSED'}: {left} ({median[left]:.1f} ms) <= {what}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
