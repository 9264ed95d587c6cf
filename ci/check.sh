#!/usr/bin/env bash
# The whole CI: formatting, lints, the dependency-direction rule, the test suite (the README's
# test command), the interop run against third-party servers, the HTML report in headless Chromium,
# and a time-boxed fuzz smoke run.
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
# The schema/codec agreement part of the fuzz corpus replay needs the schema's `fuzzing` feature.
cargo test --locked -p mcpspec-schema --features fuzzing --test fuzz_corpus

echo "== interop"
bash ci/interop.sh

echo "== html report"
bash ci/html-report-check.sh

echo "== fuzz smoke"
MCPSPEC_FUZZ_INSTALL=1 FUZZ_SECONDS="${FUZZ_SECONDS:-30}" bash ci/fuzz-smoke.sh
