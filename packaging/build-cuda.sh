#!/usr/bin/env bash
# Builds Worldbench with `--features cuda` on a machine with or without a GPU or NVIDIA driver.
#
#   packaging/build-cuda.sh            release app binary: <target>/release/worldbench
#   packaging/build-cuda.sh --debug    the same in the dev profile: <target>/debug/worldbench
#   packaging/build-cuda.sh --tests    also the CUDA test binary of tests/tests/cuda.rs,
#                                      without running them; their paths are written to <target>/cuda-tests.txt
#
# Environment: CARGO_TARGET_DIR (default ./target-cuda, kept apart so the CPU build cache stays valid),
# CUDA_COMPUTE_CAP (default 80: the kernels are PTX, which the driver compiles for newer GPUs such as H100/H200 at
# load time; 90 targets Hopper only), WORLDBENCH_CUDA_VENV (default ./.venv-cuda, made here with the pinned wheels).
#
# The CUDA compiler comes from PyPI wheels (no toolkit install). The binary needs no CUDA library to start:
# candle-core 0.11.1 asks cudarc for `dynamic-linking` (libcuda, libcublas, libnvrtc, libcurand as DT_NEEDED),
# and candle-kernels links the shared cudart. Both are changed here, in copies of the two crates' registry sources
# patched in for this build only: cudarc's `dynamic-loading` (it dlopens the driver and libraries at first use) and the
# static cudart. The repository's Cargo.toml and Cargo.lock are left as they were.
set -euo pipefail

profile=release
tests=0
for arg in "$@"; do
  case "$arg" in
    --debug) profile=debug ;;
    --tests) tests=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build-cuda.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=${WORLDBENCH_CUDA_VENV:-$root/.venv-cuda}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target-cuda}
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-80}

# 1. The CUDA compiler from PyPI. Why these pins: the cu12 nvcc wheel has no nvcc binary; cudarc 0.19.10 refuses
#    CUDA 13.5; nvvm/crt must match nvcc's version (else ptxas rejects the PTX); candle-kernels needs CCCL's nv/target.
if [ ! -x "$venv/bin/nvcc-ready" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "nvidia-cuda-nvcc==13.4.92" "nvidia-cuda-runtime==13.4.92" \
    "nvidia-nvvm==13.4.92" "nvidia-cuda-crt==13.4.92" "nvidia-cuda-cccl==13.3.5.0.6"
  printf '#!/bin/sh\n' > "$venv/bin/nvcc-ready" && chmod +x "$venv/bin/nvcc-ready"
fi
cu13=$(echo "$venv"/lib/python3*/site-packages/nvidia/cu13)
[ -x "$cu13/bin/nvcc" ] || { echo "build-cuda.sh: no nvcc under $cu13/bin" >&2; exit 1; }
[ -f "$cu13/lib/libcudart_static.a" ] || { echo "build-cuda.sh: no libcudart_static.a under $cu13/lib" >&2; exit 1; }
export PATH="$cu13/bin:$PATH" CUDA_ROOT="$cu13" CUDA_PATH="$cu13"

# 2. Patched copies of candle-core and candle-kernels (the versions Cargo.lock pins), made from cargo's registry sources.
manifest_of() {
  cargo metadata --format-version 1 --features worldbench-model/cuda 2>/dev/null | python3 -c '
import json, sys
name, version = sys.argv[1], sys.argv[2]
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == name and p["version"] == version and p["source"]:
        print(p["manifest_path"]); break' "$1" "$2"
}
patched="$CARGO_TARGET_DIR/patched"
mkdir -p "$patched"
patch_crate() { # name version file from to
  local src dst
  src=$(manifest_of "$1" "$2")
  [ -n "$src" ] || { echo "build-cuda.sh: $1 $2 is not in the registry sources (run cargo fetch)" >&2; exit 1; }
  dst="$patched/$1"
  if [ ! -f "$dst/.patched" ]; then
    rm -rf "$dst" && cp -r "$(dirname "$src")" "$dst"
    python3 - "$dst/$3" "$4" "$5" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"build-cuda.sh: expected one '{old}' in {path}, found {text.count(old)}")
open(path, "w").write(text.replace(old, new))
EOF
    touch "$dst/.patched"
  fi
}
patch_crate candle-core 0.11.1 Cargo.toml '"dynamic-linking",' '"dynamic-loading",'
patch_crate candle-kernels 0.11.1 build.rs 'println!("cargo:rustc-link-lib=dylib=cudart");' \
  'println!("cargo:rustc-link-search=native={}/lib", env::var("CUDA_ROOT").unwrap()); println!("cargo:rustc-link-lib=static=cudart_static");'

# 3. Build with the patches; Cargo.lock is restored afterwards (the patch rewrites it while cargo runs).
cp Cargo.lock "$CARGO_TARGET_DIR/Cargo.lock.orig"
trap 'cp "$CARGO_TARGET_DIR/Cargo.lock.orig" "$root/Cargo.lock"' EXIT
cfg=(--config "patch.crates-io.candle-core.path=\"$patched/candle-core\""
     --config "patch.crates-io.candle-kernels.path=\"$patched/candle-kernels\"")
flag=(); [ "$profile" = release ] && flag=(--release)
start=$(date +%s)
cargo "${cfg[@]}" build "${flag[@]}" -p worldbench --features cuda
bin="$CARGO_TARGET_DIR/$profile/worldbench"
if [ "$tests" = 1 ]; then
  cargo "${cfg[@]}" test "${flag[@]}" --no-run -p worldbench-tests --features cuda --test cuda \
    --message-format json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["executable"])' > "$CARGO_TARGET_DIR/cuda-tests.txt"
  echo "test binaries: $(tr '\n' ' ' < "$CARGO_TARGET_DIR/cuda-tests.txt")"
fi
echo "built $bin in $(( $(date +%s) - start )) s"

# 4. The binary must start without any CUDA library: none of them may be a DT_NEEDED entry.
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "needed libraries: $(echo "$needed" | tr '\n' ' ')"
if echo "$needed" | grep -E -q 'libcuda|libcudart|libcublas|libnvrtc|libcurand'; then
  echo "build-cuda.sh: $bin links a CUDA library at load time" >&2
  exit 1
fi
