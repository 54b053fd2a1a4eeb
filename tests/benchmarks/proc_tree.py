"""Where a run's memory and CPU go, process by process (Linux ``/proc``).

    python -m tests.benchmarks.proc_tree [--interval S] -- COMMAND ...

Runs COMMAND and polls its process tree (the controller, Beam's SDK workers, the
extraction processes): prints the wall time, the peak of the summed RSS and which
processes made it up then, and each process's own peak RSS and CPU seconds
(utime + stime, as last seen). The bench measures the sum; this says whose it is.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                kids.setdefault(int(fields[1]), []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return kids


def tree(root: int) -> list[int]:
    kids, out, stack = _children(), [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack += kids.get(pid, [])
    return out


def sample(pid: int) -> tuple[int, float, str] | None:
    """(RSS in MiB, CPU seconds, command line) of one process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as fh:
            rss_pages = int(fh.read().split()[1])
        with open(f"/proc/{pid}/cmdline") as fh:
            cmd = fh.read().replace("\0", " ").strip()
    except (OSError, IndexError, ValueError):
        return None
    cpu = (int(fields[11]) + int(fields[12])) / _TICK
    return rss_pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024), cpu, cmd


def watch(cmd: list[str], interval: float = 0.2) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak, at_peak, peak_t = 0, {}, 0.0
    own: dict[int, tuple[int, float, str]] = {}
    while proc.poll() is None:
        now = {}
        for pid in tree(proc.pid):
            got = sample(pid)
            if got is None:
                continue
            rss, cpu, line = got
            now[pid] = rss
            old = own.get(pid)
            own[pid] = (max(rss, old[0] if old else 0), cpu, line or (old[2] if old else "?"))
        total = sum(now.values())
        if total > peak:
            peak, at_peak, peak_t = total, now, time.perf_counter() - start
        time.sleep(interval)
    return {"rc": proc.returncode, "wall_s": time.perf_counter() - start, "peak_mib": peak, "peak_at_s": peak_t,
            "at_peak": {pid: (rss, own[pid][2]) for pid, rss in at_peak.items()}, "own": own}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ...")
    args = ap.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("give the command to watch after --")
    r = watch(cmd, args.interval)
    print(f"rc {r['rc']}, wall {r['wall_s']:.1f} s, peak of the summed RSS {r['peak_mib']} MiB "
          f"at {r['peak_at_s']:.1f} s")
    for pid, (rss, line) in sorted(r["at_peak"].items(), key=lambda kv: -kv[1][0])[:8]:
        print(f"  at the peak {rss:6d} MiB  {line[:100]}")
    print("each process: own peak RSS, CPU seconds")
    for pid, (rss, cpu, line) in sorted(r["own"].items(), key=lambda kv: -kv[1][1])[:10]:
        print(f"  {rss:6d} MiB {cpu:8.1f} cpu-s  {line[:100]}")
    return 0 if r["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
