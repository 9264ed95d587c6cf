#!/usr/bin/env bash
# Browser check of the HTML report: runs mcpspec against the fixture server with a bug switched
# on (so the report has a failure), writes the page with `run --html` and `render --format html`
# (they must agree byte for byte), renders the hostile-text fixture too, and opens both in Debian's
# headless Chromium through ci/html-check.mjs (playwright-core, which never downloads a browser).
# Then the same browser check on the report of server-everything over HTTP (from ci/interop.sh).
# Screenshots land in target/html-report/. Installs chromium with apt-get when it is missing
# (CI runs as root on Debian). Exits non-zero on any failed check.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$root/target/html-report"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
# playwright-core must use the system browser; make sure nothing tries to fetch one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -x "$CHROMIUM" ]; then
  echo "== html report: installing chromium (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "== html report: installing playwright-core (ci/package.json)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== html report: a fixture-server run with --bug ping-result-not-empty"
cd "$root"
cargo build --locked -q -p mcpspec -p mcpspec-fixture-server
rm -rf "$out"
mkdir -p "$out"
rc=0
target/debug/mcpspec run --quiet --out "$out/run" --json "$out/report.json" --html "$out/report.html" \
  -- target/debug/mcpspec-fixture-server --bug ping-result-not-empty || rc=$?
if [ "$rc" -ne 1 ]; then
  echo "error: mcpspec run exited $rc, expected 1 (conformance failures)" >&2
  exit 1
fi
target/debug/mcpspec render "$out/report.json" --format html -o "$out/rendered.html"
if ! cmp -s "$out/report.html" "$out/rendered.html"; then
  echo "error: run --html and render --format html disagree" >&2
  exit 1
fi
target/debug/mcpspec render reports/tests/fixtures/renderer-edges.json --format html -o "$out/edges.html"
echo "html report: $(wc -c <"$out/report.html") bytes for $(grep -c '<details class="case"' "$out/report.html") cases"

echo "== html report: headless chromium ($("$CHROMIUM" --version 2>/dev/null))"
node "$here/html-check.mjs" --report "$out/report.json" --html "$out/report.html" \
  --fail ping.behavior.empty-result --edges "$out/edges.html" --shots "$out"

# The same check on a real server's report: server-everything (installed by ci/interop.sh) over
# Streamable HTTP, where it has MUST failures to show.
everything="$here/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
if [ -f "$everything" ]; then
  echo "== html report: server-everything over Streamable HTTP"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  PORT="$port" node "$everything" streamableHttp >"$out/everything-server.log" 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.2
  done
  rc=0
  target/debug/mcpspec run --quiet --out "$out/everything" --json "$out/everything.json" \
    --html "$out/everything.html" --url "http://127.0.0.1:$port/mcp" || rc=$?
  kill "$server" 2>/dev/null || true
  if [ "$rc" -ne 1 ]; then
    echo "error: mcpspec run against server-everything exited $rc, expected 1" >&2
    exit 1
  fi
  fail_id="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(next(c["id"] for c in r["cases"] if c["outcome"]=="fail" and c.get("transcript")))' "$out/everything.json")"
  node "$here/html-check.mjs" --report "$out/everything.json" --html "$out/everything.html" \
    --fail "$fail_id" --shots "$out/everything-shots"
else
  echo "== html report: server-everything not installed (run ci/interop.sh first); skipped"
fi
