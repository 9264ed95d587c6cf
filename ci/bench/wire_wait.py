#!/usr/bin/env python3
"""Splits the time mcpspec's cases took into time spent waiting for the server to answer a
request, and the rest, from one run's output directory (report.json and transcripts/*.jsonl).

For each case, every request the harness sent is paired with the response carrying its id; the
union of the [sent, answered] intervals is the case's wait for the server (requests in flight
together count once). The rest of a case's time is starting fresh sessions and their handshake,
the quiet windows the cases wait through on purpose (checking that nothing arrives), waits for
answers that never came, and the harness's own work.

Usage: wire_wait.py OUT_DIR [CASES_DIR]  (prints one JSON line)
With CASES_DIR (the case files the run used), the time of the cases that run on shared
sessions is summed too (`shared_cases_ms`): the lanes share it out.
Not exact: transcript times are whole milliseconds and a case's transcript leaves out its
session's handshake.
"""
import glob
import json
import os
import sys


def case_wait_ms(path, by_call):
    sent = {}
    intervals = []
    with open(path) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            msg = e.get("json")
            if not isinstance(msg, dict) or "id" not in msg:
                continue
            key = json.dumps(msg["id"], sort_keys=True)
            if e.get("dir") == "out" and "method" in msg:
                call = str(msg["method"])
                params = msg.get("params")
                if call == "tools/call" and isinstance(params, dict):
                    call += " " + str(params.get("name"))
                sent[key] = (e["t_ms"], call)
            elif e.get("dir") == "in" and "method" not in msg and key in sent:
                start, call = sent.pop(key)
                if e["t_ms"] >= start:
                    intervals.append((start, e["t_ms"]))
                    by_call[call] = by_call.get(call, 0) + e["t_ms"] - start
    total, end = 0, None
    for a, b in sorted(intervals):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total, len(intervals)


def session_kinds(cases_dir):
    kinds = {}
    for path in glob.glob(os.path.join(cases_dir, "**", "*.json"), recursive=True):
        try:
            with open(path) as f:
                case = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(case, dict) and "id" in case and "steps" in case:
            kinds[case["id"]] = case.get("session", "shared")
    return kinds


def main(out, cases_dir=None):
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    case_ms = wait_ms = answered = 0
    by_call = {}
    kinds = session_kinds(cases_dir) if cases_dir else {}
    shared_ms = 0
    for case in report["cases"]:
        case_ms += case.get("duration_ms", 0)
        if kinds.get(case["id"]) == "shared":
            shared_ms += case.get("duration_ms", 0)
        path = os.path.join(out, "transcripts", case["id"] + ".jsonl")
        if os.path.exists(path):
            w, n = case_wait_ms(path, by_call)
            wait_ms += w
            answered += n
    summary = {
        "wall_ms": report["duration_ms"],
        "case_ms_sum": case_ms,
        "server_wait_ms_sum": wait_ms,
        "server_wait_share": round(wait_ms / case_ms, 3) if case_ms else None,
        "responses": answered,
        # The requests whose answers took longest in total (a tool call is named with its tool).
        "longest_waits_ms": dict(sorted(by_call.items(), key=lambda kv: -kv[1])[:4]),
    }
    if cases_dir:
        summary["shared_cases_ms"] = shared_ms
    print(json.dumps(summary))


if __name__ == "__main__":
    main(*sys.argv[1:3])
