#!/usr/bin/env python3
"""Runs one command and prints what it cost, as one JSON line: wall time, the peak resident
memory of the process itself (VmHWM, polled from /proc every 10 ms; the value is monotonic, so
the last read is the peak up to the last 10 ms), its own CPU time, and the CPU time of the
children it reaped (for mcpspec over stdio: the servers it started).

Usage: measure.py [--server-pid PID] -- CMD [ARGS...]
With --server-pid, the CPU time that process used during the run is reported too (for a server
started outside the command, such as an HTTP server).

Not a benchmark framework: it measures one run; run.sh repeats runs and takes medians.
"""
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    """(own, reaped children) CPU seconds of a live or zombie process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    # Fields after the command: state is index 0, utime 11, stime 12, cutime 13, cstime 14.
    own = (int(fields[11]) + int(fields[12])) / TICK
    children = (int(fields[13]) + int(fields[14])) / TICK
    return own, children


def peak_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main(argv):
    server = None
    if argv[:1] == ["--server-pid"]:
        server = int(argv[1])
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit("usage: measure.py [--server-pid PID] -- CMD [ARGS...]")
    server_before = cpu_of(server) if server else None
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    peak, cpu = 0, (0.0, 0.0)
    while True:
        got = peak_kib(proc.pid)
        if got is not None:
            peak = max(peak, got)
        now = cpu_of(proc.pid)
        if now is not None:
            cpu = now
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.01)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = usage.ru_utime + usage.ru_stime
    out = {
        "wall_s": round(wall, 3),
        "exit": proc.returncode,
        "peak_rss_kib": peak,
        # ru_maxrss of wait4 covers the process and the children it reaped: an upper bound.
        "peak_rss_with_children_kib": usage.ru_maxrss,
        "cpu_self_s": round(cpu[0], 3),
        # The share of the wall time the harness itself was busy on a CPU.
        "cpu_self_share": round(cpu[0] / wall, 4) if wall else None,
        "cpu_total_s": round(total, 3),
        "cpu_children_s": round(max(total - cpu[0], 0.0), 3),
    }
    if server:
        after = cpu_of(server)
        if server_before and after:
            out["cpu_server_s"] = round(after[0] - server_before[0], 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
