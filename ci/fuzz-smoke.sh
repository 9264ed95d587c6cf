#!/usr/bin/env bash
# Time-boxed libFuzzer run of every fuzz target in fuzz/ (ci/check.sh runs it with FUZZ_SECONDS=30).
#
# Needs a nightly toolchain and cargo-fuzz. Without them it prints SKIPPED and exits 0;
# MCPSPEC_FUZZ_INSTALL=1 installs cargo-fuzz first (`cargo install cargo-fuzz --locked`).
# Each target runs FUZZ_SECONDS (default 60) seconds, without a sanitizer (`-s none`: the fuzzed
# crates forbid unsafe code) unless FUZZ_SANITIZER names one (e.g. address). FUZZ_TARGETS
# (space-separated) narrows the list. The committed corpus is copied to a temporary directory,
# so new inputs and crash files never land in the source tree. A crash fails the script and
# prints the crash file's path; the temporary directory is then kept.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
read -r -a targets <<<"${FUZZ_TARGETS:-jsonrpc_classify stdio_framing sse_parse schema_validate case_load}"

skip() {
  echo "SKIPPED: nightly toolchain / cargo-fuzz not available${1:+ ($1)}"
  exit 0
}

cargo +nightly --version >/dev/null 2>&1 || skip "no nightly toolchain"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  if [[ "${MCPSPEC_FUZZ_INSTALL:-0}" == 1 ]]; then
    cargo install cargo-fuzz --locked || skip "installing cargo-fuzz failed"
  else
    skip "cargo-fuzz missing; MCPSPEC_FUZZ_INSTALL=1 installs it"
  fi
fi

sanitizer=(-s "${FUZZ_SANITIZER:-none}")
work="$(mktemp -d "${TMPDIR:-/tmp}/mcpspec-fuzz.XXXXXX")"

echo "== building fuzz targets (${sanitizer[*]})"
cargo +nightly fuzz build --fuzz-dir fuzz "${sanitizer[@]}"

failed=()
for target in "${targets[@]}"; do
  if [[ ! -d "fuzz/corpus/$target" ]]; then
    echo "error: no corpus directory fuzz/corpus/$target" >&2
    exit 2
  fi
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
  cp fuzz/corpus/"$target"/* "$work/corpus/$target/"
  dict=fuzz/dict/mcp.dict
  [[ "$target" == sse_parse ]] && dict=fuzz/dict/sse.dict
  log="$work/$target.log"
  echo "== $target (${FUZZ_SECONDS}s)"
  if cargo +nightly fuzz run --fuzz-dir fuzz "${sanitizer[@]}" "$target" "$work/corpus/$target" -- \
      -max_total_time="$FUZZ_SECONDS" -timeout=10 -dict="$dict" \
      -artifact_prefix="$work/artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
    echo "ok: $target: ${execs:-?} runs, ${rate:-?} exec/s"
  else
    crash="$(find "$work/artifacts/$target" -type f | head -n 1)"
    tail -n 40 "$log"
    echo "FAIL: $target: crash file: ${crash:-none written (see $log)}"
    failed+=("$target")
  fi
done

if ((${#failed[@]})); then
  echo "fuzzing found crashes in: ${failed[*]} (inputs kept in $work)"
  echo "reproduce: cargo +nightly fuzz run ${sanitizer[*]} <target> <crash file>"
  exit 1
fi
rm -rf "$work"
echo "fuzz smoke: all ${#targets[@]} targets ran ${FUZZ_SECONDS}s without a crash"
