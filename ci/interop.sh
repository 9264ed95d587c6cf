#!/usr/bin/env bash
# Interop run: installs pinned third-party MCP servers (npm, PyPI) and runs mcpspec against them
# over stdio and Streamable HTTP (server-everything, and ci/servers/python_http_server.py built on
# the pinned `mcp` Python SDK), checking each report against its committed golden snapshot
# (reports/golden/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

echo "== interop: installing pinned servers"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

export MCPSPEC_INTEROP_NODE_MODULES="$here/node_modules"
export MCPSPEC_INTEROP_VENV="$here/.venv"

echo "== interop: mcpspec against server-everything (stdio, HTTP), server-filesystem, server-memory, mcp-server-time (stdio) and the Python SDK server (HTTP)"
cd "$root"
cargo test --locked -p mcpspec-harness --test golden -- --test-threads=1 interop_
