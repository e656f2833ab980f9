#!/usr/bin/env bash
# Issue 18's checks on a GPU machine. Builds nothing: it runs a CUDA binary and test binary made
# beforehand by `packaging/build-cuda.sh --tests` (with `--debug` or not), and writes every figure
# into files under the output folder.
#
#   packaging/gpu-check.sh [OUTDIR]      (default: $OUT, else ./gpu-check-out)
#
# Environment: WORLDBENCH_BIN (default: target-cuda/release/worldbench, else target-cuda/debug/...),
# CUDA_TEST_BIN (default: the first line of target-cuda/cuda-tests.txt), PYTHON (a Python whose torch
# sees the GPU; default python3), REF_STEP (default ../shared/bench/ref_step.py), STEP_TIMEOUT
# (seconds per step, default 240).
#
# What it runs, each step on its own (a failing step is recorded in rc.txt, the rest still run):
#   1. nvidia-smi, the binary's NEEDED libraries
#   2. tests/tests/cuda.rs: CPU vs CUDA losses over 20 steps; a CUDA checkpoint planned on the CPU
#   3. a 20-step CUDA smoke run; its run.json (device name, driver and CUDA versions)
#   4. worldbench bench train --device cuda vs ref_step.py --device cuda, at B=64 and B=1024
# and writes summary.txt (steps/s of each benchmark and the ratio).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-$root/gpu-check-out}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tdir=${CARGO_TARGET_DIR:-$root/target-cuda}
bin=${WORLDBENCH_BIN:-}
if [ -z "$bin" ]; then
  for p in release debug; do [ -x "$tdir/$p/worldbench" ] && { bin="$tdir/$p/worldbench"; break; }; done
fi
test_bin=${CUDA_TEST_BIN:-$(head -n1 "$tdir/cuda-tests.txt" 2>/dev/null || true)}
python=${PYTHON:-python3}
ref=${REF_STEP:-$root/../shared/bench/ref_step.py}
limit=${STEP_TIMEOUT:-240}
: > "$out/rc.txt"

# step NAME CMD...: runs CMD with a timeout, stdout+stderr to NAME.txt, its exit status to rc.txt.
step() {
  local name=$1; shift
  echo "== $name: $*" | tee -a "$out/log.txt"
  local t0=$SECONDS
  timeout "$limit" "$@" > "$out/$name.txt" 2>&1
  local rc=$?
  echo "$name rc=$rc wall_s=$((SECONDS - t0))" | tee -a "$out/rc.txt"
  return $rc
}

[ -n "$bin" ] && [ -x "$bin" ] || { echo "gpu-check.sh: no worldbench binary (set WORLDBENCH_BIN)" | tee -a "$out/rc.txt"; exit 1; }
echo "binary: $bin" > "$out/setup.txt"
echo "test binary: ${test_bin:-none}" >> "$out/setup.txt"
step nvidia-smi nvidia-smi
step needed sh -c "readelf -d '$bin' | grep NEEDED; ldd '$bin'"

# 2. Correctness (tests/tests/cuda.rs): prints the losses of both devices and the planning rows.
if [ -n "$test_bin" ] && [ -x "$test_bin" ]; then
  step cuda-test "$test_bin" --nocapture --test-threads 1
else
  echo "cuda-test rc=missing (build with packaging/build-cuda.sh --tests)" | tee -a "$out/rc.txt"
fi

# 3. A CUDA run of the app, for its manifest.
ws=$(mktemp -d)
step data-gen "$bin" --workspace "$ws" data gen --episodes 4 --steps 40 --seed 1 --out "$ws/datasets/small"
step train-cuda "$bin" --workspace "$ws" train --data "$ws/datasets/small" --preset tiny --steps 20 \
  --checkpoints 20 --smoke --device cuda --title gpu-check
run_json=$(find "$ws" -name run.json 2>/dev/null | head -n1)
[ -n "$run_json" ] && cp "$run_json" "$out/run.json"
step train-csv sh -c "cat \$(dirname '$run_json')/metrics/train.csv"

# 4. Speed: ours and PyTorch eager on the same GPU, default batch and B=1024.
step bench-ours-b64 "$bin" bench train --device cuda --json
step bench-ours-b1024 "$bin" bench train --device cuda --batch 1024 --json
step bench-torch-b64 "$python" "$ref" --device cuda
# ref_step.py has B as a module constant: the same script with B set before main().
step bench-torch-b1024 "$python" -c "
import sys; sys.path.insert(0, sys.argv[1]); import ref_step
ref_step.B = 1024; sys.argv = ['ref_step.py', '--device', 'cuda']; ref_step.main()" "$(dirname "$ref")"

# The figures side by side.
{
  echo "batch  worldbench_steps_per_s  pytorch_steps_per_s  ratio"
  for b in 64 1024; do
    ours=$(sed -n 's/.*"steps_per_s": *\([0-9.]*\).*/\1/p' "$out/bench-ours-b$b.txt" | head -n1)
    torch=$(sed -n 's/^steps_per_s=//p' "$out/bench-torch-b$b.txt" | tail -n1)
    ratio=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$ours" "$torch" 2>/dev/null)
    echo "$b  ${ours:-?}  ${torch:-?}  ${ratio:-?}"
  done
  echo
  grep -h -E "^step|planning on|SKIPPED|test result" "$out/cuda-test.txt" 2>/dev/null
} > "$out/summary.txt"
cat "$out/summary.txt" "$out/rc.txt"
rm -rf "$ws"
