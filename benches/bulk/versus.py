#!/usr/bin/env python3
"""Time commands side by side: each case's commands run alternating (A B C A B C ...), so
that every command sees the same machine load, and the medians are compared within a case.

Usage: versus.py OUT.md CASE_FILE [--runs N] [--warmup N]

CASE_FILE holds one case per paragraph: a first line `# case title`, then lines
`NAME<TAB>OUTPUT<TAB>COMMAND` (OUTPUT is deleted, untimed, before every run of COMMAND; `-`
for none). Each command runs once untimed first (warm-up, page cache; --warmup 0 skips it),
then N times (default 3). Wall time, CPU time (user + system of the command and its children) and peak RSS come
from /usr/bin/time; the 1-minute load average is read after each run. Writes a Markdown
table per case to OUT.md, with each command's medians and its ratio to the case's first
command (old release first, so the ratio is new / old; > 1.05 means slower by more than 5%).
With BENCH_LOCK=<file> in the environment, each case holds an exclusive flock on that file
while it runs (so benchmarks sharing a machine take turns case by case).
"""
import fcntl
import os
import statistics
import subprocess
import sys
import tempfile


def run(cmd, output):
    if output != "-" and os.path.exists(output):
        os.remove(output)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name, "bash", "-c", cmd],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall, user, sys_, rss = open(tf.name).read().split()[-4:]
    if p.returncode not in (0, 1):
        sys.exit(f"failed ({p.returncode}): {cmd}\n{p.stderr[-2000:]}")
    load = float(open("/proc/loadavg").read().split()[0])
    return float(wall), float(user) + float(sys_), int(rss) / 1024, load


def cases(path):
    out, title, cmds = [], None, []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# "):
            if title:
                out.append((title, cmds))
            title, cmds = line[2:], []
        elif line.strip():
            name, output, cmd = line.split("\t", 2)
            cmds.append((name, output, cmd))
    if title:
        out.append((title, cmds))
    return out


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 3
    warmup = int(args[args.index("--warmup") + 1]) if "--warmup" in args else 1
    md = []
    lock_path = os.environ.get("BENCH_LOCK")
    for title, cmds in cases(args[1]):
        lock = open(lock_path, "a") if lock_path else None
        if lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
        print(f"== {title}", file=sys.stderr)
        for _ in range(warmup):
            for _, output, cmd in cmds:
                run(cmd, output)
        res = {name: [] for name, _, _ in cmds}
        for _ in range(runs):
            for name, output, cmd in cmds:
                res[name].append(run(cmd, output))
        if lock:
            lock.close()
        md.append(f"**{title}** ({runs} runs each, alternating, {warmup} warm-up)\n")
        md.append("| command | wall s | CPU s | peak RSS MiB | load (1 min) | wall / first | CPU / first |")
        md.append("|---|---:|---:|---:|---|---:|---:|")
        first = None
        for name, _, _ in cmds:
            r = res[name]
            wall = statistics.median(x[0] for x in r)
            cpu = statistics.median(x[1] for x in r)
            rss = statistics.median(x[2] for x in r)
            loads = [x[3] for x in r]
            if first is None:
                first = (wall, cpu)
            md.append(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {min(loads):.1f}-{max(loads):.1f} "
                      f"| {wall / first[0]:.2f} | {cpu / first[1]:.2f} |")
            print(f"{name}: wall {wall:.2f} cpu {cpu:.2f} rss {rss:.0f} load {min(loads):.1f}-{max(loads):.1f}",
                  file=sys.stderr)
        md.append("")
    with open(args[0], "w", encoding="utf-8") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
