#!/usr/bin/env bash
# The whole CI: formatting, lints, the dependency-direction rule, the test suite (the README's
# test command), then the interop run against third-party servers.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== fmt"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

echo "== leaves stay leaves (codec, schema, report: no tokio, clap or harness)"
for leaf in mcpspec-codec mcpspec-schema mcpspec-report; do
  if cargo tree --locked -p "$leaf" -e normal --prefix none | grep -E '^(tokio|clap|mcpspec-harness|mcpspec-codec|mcpspec-report|mcpspec-schema) ' | grep -v "^$leaf "; then
    echo "error: $leaf depends on something a leaf must not" >&2
    exit 1
  fi
done

echo "== tests"
cargo test --locked --workspace

echo "== interop"
bash ci/interop.sh
