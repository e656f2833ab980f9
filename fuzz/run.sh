#!/usr/bin/env bash
# Builds every fuzz target with nightly's libFuzzer instrumentation (what `cargo fuzz build -s none`
# does, without needing cargo-fuzz installed) and runs each for SECONDS (default 20) from a seed
# corpus of valid files that the fixture writes. Prints the executions of each target; exits 1 when
# any target found a crash or a failed assertion (the input is kept in artifacts/<target>/).
#   bash fuzz/run.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dataset_native safetensors_header npz png_folder map_txt csv run_json resumes_jsonl gate_json worldbench_toml sweep_toml plan_card ticket_toml their_csv)
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo +nightly build --release --bins --target "$triple"
bin=target/$triple/release
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
WORLDBENCH_FUZZ_SEEDS=$seeds "$bin/csv" -runs=1 >/dev/null 2>&1
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  cp -n "$seeds/$t"/* "corpus/$t/"
  log=$(mktemp)
  if "$bin/$t" "corpus/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="FOUND A CRASH (artifacts/$t/)"
    failed=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$t: ${runs:-?} executions in ${secs}s: $result"
  [ "$result" = ok ] || tail -n 40 "$log"
  rm -f "$log"
done
exit $failed
