#!/usr/bin/env bash
# For a machine with a GPU: which adapter WebGPU finds, the studio's training throughput on webgpu against wasm
# (the MLP VAE and the conv VAE at batch 128 and 512, from `npm run bench -- --epochs 0 --only throughput`), and
# PyTorch on CUDA beside them when a CUDA-enabled torch is installed (bench/pytorch_vae.py). Run from the repository
# root after `npm install`. Nothing here is asserted: it prints figures for a note.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== the adapter"
node --import tsx --input-type=module -e "
const { selectBackend } = await import('./src/ml/backend.ts');
const info = await selectBackend('webgpu', []);
console.log(info.name === 'webgpu' ? JSON.stringify(info.adapter) : 'webgpu unavailable: ' + info.reason);
process.exit(0);
"

echo "== the studio: samples/s per backend"
npx tsx bench/run.ts --epochs 0 --only throughput --batches 128,512

if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "== PyTorch on CUDA, the same models"
  python3 bench/pytorch_vae.py --device cuda --batches 128,512
else
  echo "== PyTorch on CUDA: no CUDA-enabled torch here"
fi
