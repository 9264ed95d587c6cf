#!/usr/bin/env bash
# Benchmarks of mcpspec (not tests, and not part of .ci/run): wall time of the full suite against
# the fixture server over stdio and Streamable HTTP with --jobs 2 (median of RUNS runs), the
# harness's peak memory and CPU time in those runs, how much of the cases' time went to waiting
# for the server's answers, and message throughput on one core (`cargo bench`).
#
# Usage: bash ci/bench/run.sh            (RUNS=5 by default; MCPSPEC_BENCH_SECONDS=1 per
#                                          throughput figure; SKIP_BUILD=1 to reuse the binaries;
#                                          JOBS_SWEEP="1 4 8 16": the --jobs values of the scaling runs;
#                                          SKIP_THROUGHPUT=1 leaves out `cargo bench`)
# When ci/node_modules holds server-everything (after `npm ci` in ci/, as ci/interop.sh does),
# the suite also runs against it over stdio and over Streamable HTTP, RUNS_EVERYTHING times
# (default 1): the reference for the harness-overhead target.
# Everything runs on loopback; nothing is fetched. Figures and targets: ci/bench/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
runs="${RUNS:-5}"
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/release"

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "== building release binaries"
  cargo build --release --locked -p mcpspec -p mcpspec-fixture-server
fi
mcpspec="$bin/mcpspec"
fixture="$bin/mcpspec-fixture-server"

tmp="$(mktemp -d)"
fixture_pid=""
cleanup() {
  exec 9>&- 2>/dev/null || true
  if [ -n "$fixture_pid" ]; then
    kill "$fixture_pid" 2>/dev/null || true
    wait "$fixture_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# median FILE KEY: the median of KEY over the JSON lines of FILE.
median() {
  python3 - "$1" "$2" <<'PY'
import json, statistics, sys
values = [json.loads(l)[sys.argv[2]] for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(values))
PY
}

# bench NAME [--server-pid PID] -- MCPSPEC-ARGS...: RUNS runs, one JSON line each in $tmp/NAME.
bench() {
  local name="$1"
  shift
  local extra=()
  if [ "$1" = "--server-pid" ]; then
    extra=(--server-pid "$2")
    shift 2
  fi
  shift # --
  : > "$tmp/$name.jsonl"
  local runs="${BENCH_RUNS:-$runs}"
  for i in $(seq 1 "$runs"); do
    if [ ${#extra[@]} -gt 0 ] && ! kill -0 "${extra[1]}" 2>/dev/null; then
      echo "error: the server ($name) is gone before run $i; its output:" >&2
      cat "$tmp/fixture.out" >&2
      exit 1
    fi
    rm -rf "$tmp/out-$name"
    # mcpspec exits non-zero when a case fails; the fixture server passes, so any exit is odd
    # but still measured.
    python3 "$here/measure.py" "${extra[@]}" -- "$mcpspec" run --no-config --jobs "${JOBS:-2}" -q \
      --out "$tmp/out-$name" "$@" >> "$tmp/$name.jsonl" || true
  done
  python3 "$here/wire_wait.py" "$tmp/out-$name" "$root/cases" > "$tmp/$name.wait.json"
  local summary
  summary="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s=r["summary"]; print(" ".join(f"{k}={v}" for k,v in s.items() if not isinstance(v,(dict,list))))' "$tmp/out-$name/report.json" 2>/dev/null || echo "?")"
  echo "-- $name: $runs runs, --jobs ${JOBS:-2} (last report: $summary)"
  echo "   wall time, median:              $(median "$tmp/$name.jsonl" wall_s) s"
  echo "   harness peak RSS (VmHWM), median: $(( $(median "$tmp/$name.jsonl" peak_rss_kib | cut -d. -f1) / 1024 )) MiB"
  echo "   harness CPU time, median:       $(median "$tmp/$name.jsonl" cpu_self_s) s ($(median "$tmp/$name.jsonl" cpu_self_share) of wall time)"
  if [ ${#extra[@]} -gt 0 ]; then
    echo "   server CPU time, median:        $(median "$tmp/$name.jsonl" cpu_server_s) s"
  else
    echo "   servers' CPU time, median:      $(median "$tmp/$name.jsonl" cpu_children_s) s"
  fi
  echo "   case time waiting for answers:  $(cat "$tmp/$name.wait.json")"
  echo "   raw runs:"
  sed 's/^/     /' "$tmp/$name.jsonl"
}

echo "== full suite against the fixture server, stdio, --jobs 2"
bench stdio -- -- "$fixture"

echo "== full suite against the fixture server, Streamable HTTP, --jobs 2"
mkfifo "$tmp/fixture.in"
"$fixture" --http 127.0.0.1:0 < "$tmp/fixture.in" > "$tmp/fixture.out" 2>&1 &
fixture_pid=$!
exec 9> "$tmp/fixture.in" # the server exits when its stdin ends: keep it open
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://[^ ]*/mcp' "$tmp/fixture.out" | head -n1 || true)"
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "error: the fixture server did not print its URL" >&2
  cat "$tmp/fixture.out" >&2
  exit 1
fi
bench http --server-pid "$fixture_pid" -- --url "$url"
exec 9>&-
wait "$fixture_pid" 2>/dev/null || true
fixture_pid=""

everything="$root/ci/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
if [ -f "$everything" ] && command -v node > /dev/null; then
  echo "== full suite against server-everything, stdio, --jobs 2"
  BENCH_RUNS="${RUNS_EVERYTHING:-1}" bench everything -- -- node "$everything" stdio
  echo "== full suite against server-everything, Streamable HTTP, --jobs 2"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  PORT="$port" node "$everything" streamableHttp > "$tmp/everything.out" 2>&1 &
  fixture_pid=$!
  for _ in $(seq 1 100); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$port" 2>/dev/null && break
    sleep 0.1
  done
  BENCH_RUNS="${RUNS_EVERYTHING:-1}" bench everything-http --server-pid "$fixture_pid" -- --url "http://127.0.0.1:$port/mcp"
  kill "$fixture_pid" 2>/dev/null || true
  wait "$fixture_pid" 2>/dev/null || true
  fixture_pid=""
else
  echo "== server-everything not installed (npm ci in ci/): its runs are skipped"
fi

# The cases mostly wait (for answers, and through the quiet windows that show nothing arrives):
# more lanes than cores still shorten a run. One run per --jobs value against the fixture.
for jobs in ${JOBS_SWEEP:-1 4 8 16}; do
  echo "== full suite against the fixture server, stdio, --jobs $jobs"
  JOBS="$jobs" BENCH_RUNS=1 bench "stdio-jobs-$jobs" -- -- "$fixture"
done

if [ -z "${SKIP_THROUGHPUT:-}" ]; then
  echo "== message throughput on one core (cargo bench)"
  cargo bench --locked -p mcpspec-harness --bench message_throughput
fi
