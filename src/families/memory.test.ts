import { describe, expect, it } from 'vitest';
import { type DatasetLookup, type RunConfig } from '../shared/config';
import { checkRunConfig, defaultRunConfig } from './run-config';
import { inferArchitecture } from './layers';
import { memoryBudget, modelMemory, trainingMemory } from './memory';
import { familySpecs } from './specs';

const mnist: DatasetLookup = (name) =>
  name === 'mnist'
    ? { name, height: 28, width: 28, channels: 1, trainCount: 60000, testCount: 10000, classes: 10, available: true, hint: null }
    : undefined;
const machine = { totalMemoryBytes: 24 * 1024 ** 3 };
const wide = { type: 'dense' as const, units: 8192, activation: 'relu' as const };

function wideAutoencoder(): RunConfig {
  const c = defaultRunConfig('autoencoder');
  // Every field within its own limit; together about 1.56e9 weights.
  c.model = { encoder: Array.from({ length: 24 }, () => wide), latentSize: 32, decoder: [wide], outputActivation: 'sigmoid' };
  return c;
}

describe('the memory a model takes to train', () => {
  it('counts weights, gradients, Adam’s two moments and an update’s new copies, plus activations at the batch size', () => {
    const shapes = inferArchitecture([28, 28, 1], {
      encoder: [{ type: 'dense', units: 100, activation: 'relu' }],
      latentSize: 10,
      decoder: [],
    });
    const params = 784 * 100 + 100 + 100 * 10 + 10 + 10 * 784 + 784;
    expect(shapes.totalParams).toBe(params);
    const adam = trainingMemory(shapes, [28, 28, 1], { batchSize: 64, optimizer: 'adam' });
    // Weights, gradients, two moments; the update's new weights and moments; the allocator's one.
    expect(adam.parameterBytes).toBe(params * 4 * 8);
    // Three copies of each output, with the allocator's slack (no convolution: no patch matrix).
    expect(adam.activationBytes).toBe(64 * (784 + 100 + 10 + 784) * 4 * 3 * 1.25);
    expect(trainingMemory(shapes, [28, 28, 1], { batchSize: 64, optimizer: 'sgd' }).parameterBytes).toBe(params * 4 * 4);
  });

  it('counts the largest patch matrix a convolution’s gradient builds, twice (as its heap was measured)', () => {
    const shapes = inferArchitecture([28, 28, 1], {
      encoder: [{ type: 'conv', filters: 8, kernel: 3, stride: 2, activation: 'relu' }],
      latentSize: 4,
      decoder: [
        { type: 'dense', units: 14 * 14 * 8, activation: 'relu' },
        { type: 'reshape', shape: [14, 14, 8] },
        { type: 'convTranspose', filters: 16, kernel: 3, stride: 2, activation: 'relu' },
      ],
    });
    // Its output positions × 3 × 3 taps × input channels: the encoder's 14 × 14 × 9 × 1; the transposed convolution's
    // 14 × 14 input positions × 9 × its 16 output channels; the output head's 28 × 28 × 9 × 16, the largest.
    expect(shapes.layers.map((l) => l.scratch ?? 0)).toEqual([
      2 * 14 * 14 * 9,
      0,
      0,
      0,
      2 * 14 * 14 * 9 * 16,
      2 * 28 * 28 * 9 * 16,
    ]);
    const outputs = 784 + 14 * 14 * 8 + 4 + 14 * 14 * 8 + 14 * 14 * 8 + 28 * 28 * 16 + 784;
    const at = trainingMemory(shapes, [28, 28, 1], { batchSize: 2, optimizer: 'sgd' });
    expect(at.activationBytes).toBe(2 * (outputs * 3 + 2 * 28 * 28 * 9 * 16) * 4 * 1.25);
  });

  it('uses each family’s own body: the VAE’s two heads, the deepfake’s two decoders, the stacked AE’s widths', () => {
    const training = { batchSize: 1, optimizer: 'sgd' };
    const ctx = { image: [28, 28, 1] as [number, number, number], classes: 10, training };
    const body = { encoder: [], latentSize: 2, decoder: [], outputActivation: 'sigmoid' };
    expect(modelMemory(familySpecs.autoencoder, body, ctx)?.params).toBe(784 * 2 + 2 + 2 * 784 + 784);
    expect(modelMemory(familySpecs.vae, { ...familySpecs.vae.defaultModel, ...body }, ctx)?.params).toBe(
      784 * 4 + 4 + 2 * 784 + 784,
    );
    expect(modelMemory(familySpecs.deepfake, { ...familySpecs.deepfake.defaultModel, ...body }, ctx)?.params).toBe(
      784 * 2 + 2 + 2 * (2 * 784 + 784),
    );
    const stacked = { ...familySpecs['stacked-ae'].defaultModel, widths: [100, 5] };
    expect(modelMemory(familySpecs['stacked-ae'], stacked, ctx)?.params).toBe(
      784 * 100 + 100 + 100 * 5 + 5 + 5 * 100 + 100 + 100 * 784 + 784,
    );
  });

  it('refuses a model over the machine’s budget, naming the model and the figure, and accepts every preset', () => {
    const issues = checkRunConfig(wideAutoencoder(), mnist, { ...machine, autoBackend: 'webgpu' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('model');
    expect(issues[0]?.message).toMatch(
      /autoencoder model would need about 4\d\.\d GiB .*1\.5\de\+9 parameters.*budget of 12\.0 GiB/,
    );
    // Its weights bind: narrower layers. A small model at a batch whose activations bind: a smaller batch first.
    expect(issues[0]?.message).toMatch(/: make the layers narrower$/);
    const batchBound = {
      ...defaultRunConfig('autoencoder'),
      dataset: { name: 'mnist' },
      training: { ...defaultRunConfig('autoencoder').training, batchSize: 4096 },
    };
    const conv = defaultRunConfig('autoencoder');
    const convModel = familySpecs.autoencoder.presets.find((p) => p.name === 'conv-ae-transpose')?.model;
    const tight = { totalMemoryBytes: 2 * 1024 ** 3, autoBackend: 'webgpu' };
    const big = checkRunConfig({ ...batchBound, model: convModel ?? conv.model } as RunConfig, mnist, { ...machine, ...tight });
    expect(big[0]?.message).toMatch(/: train with a smaller batch \(most of it is activations\) or narrower layers$/);
    // Without machine limits (a config file checked offline), only the structure is checked.
    expect(checkRunConfig(wideAutoencoder(), mnist)).toEqual([]);
    // A run that continues has trained in this memory already: the estimate refuses no continuation.
    expect(checkRunConfig(wideAutoencoder(), mnist, { ...machine, autoBackend: 'webgpu' }, true)).toEqual([]);
    for (const [id, spec] of Object.entries(familySpecs)) {
      for (const preset of spec.presets) {
        const c = { ...defaultRunConfig(id as keyof typeof familySpecs), model: preset.model } as RunConfig;
        const need = modelMemory(spec, c.model, { image: [28, 28, 1], classes: 10, training: c.training });
        expect(need?.bytes ?? 0, preset.name).toBeLessThan(memoryBudget(machine.totalMemoryBytes, 'wasm') / 8);
      }
    }
  });

  it('counts a quantiser’s distances to every code at the test pass’s batch: many positions × a large codebook refused', () => {
    // 128 positions × 8192 codes: 4 GiB of distances and one-hot codes in a test batch of 256 (it failed in wasm's heap).
    const vq = defaultRunConfig('vq-vae');
    vq.model = { ...vq.model, positions: 128, codeSize: 1, codebookSize: 8192 } as typeof vq.model;
    vq.training = { ...vq.training, batchSize: 8 };
    const issues = checkRunConfig(vq, mnist, { ...machine, autoBackend: 'wasm' });
    expect(issues.map((i) => i.path)).toEqual(['model']);
    expect(issues[0]?.message).toMatch(
      /^this vq-vae model would need about 4\.\d GiB .*, 4\.0 GiB for the quantiser's distances\), .*: use fewer code positions or a smaller codebook/,
    );
    vq.model = { ...vq.model, codebookSize: 1024 } as typeof vq.model;
    expect(checkRunConfig(vq, mnist, { ...machine, autoBackend: 'wasm' })).toEqual([]);
  });

  it('caps wasm at its 4 GiB heap, and auto where it picks wasm or has not said what it picks', () => {
    expect(memoryBudget(64 * 1024 ** 3, 'wasm')).toBe(4 * 1024 ** 3);
    expect(memoryBudget(64 * 1024 ** 3, 'auto', 'webgpu')).toBe(32 * 1024 ** 3);
    expect(memoryBudget(64 * 1024 ** 3, 'auto', 'wasm')).toBe(4 * 1024 ** 3);
    expect(memoryBudget(64 * 1024 ** 3, 'auto')).toBe(4 * 1024 ** 3);
    expect(memoryBudget(64 * 1024 ** 3, 'cpu', 'wasm')).toBe(32 * 1024 ** 3);
  });

  it('refuses on auto a model that fits the machine but not wasm, where auto trains on wasm, and says why', () => {
    const c = defaultRunConfig('autoencoder');
    // About 4e8 weights: some 6 GiB with Adam's moments, within half of 24 GiB, beyond wasm's 4.
    c.model = { encoder: Array.from({ length: 6 }, () => wide), latentSize: 32, decoder: [wide], outputActivation: 'sigmoid' };
    expect(c.backend ?? 'auto').toBe('auto');
    const [issue] = checkRunConfig(c, mnist, { ...machine, autoBackend: 'wasm' });
    expect(issue?.message).toMatch(/budget of 4\.0 GiB \(auto trains on wasm here, which holds at most 4 GiB\)/);
    expect(checkRunConfig(c, mnist, machine)[0]?.message).toMatch(
      /\(auto may train on wasm, which holds at most 4 GiB; name the backend/,
    );
    expect(checkRunConfig(c, mnist, { ...machine, autoBackend: 'webgpu' })).toEqual([]);
    expect(checkRunConfig({ ...c, backend: 'wasm' }, mnist, { ...machine, autoBackend: 'webgpu' })[0]?.message).toMatch(
      /\(wasm holds at most 4 GiB\)/,
    );
  });
});

describe('a batch larger than the training set', () => {
  it('is refused naming training.batchSize', () => {
    const c = defaultRunConfig('autoencoder');
    c.dataset = { name: 'mnist', trainSubset: 100 };
    c.training.batchSize = 128;
    expect(checkRunConfig(c, mnist)).toEqual([
      { path: 'training.batchSize', message: '128 is larger than the 100 training images selected from mnist: use at most 100' },
    ]);
    c.training.batchSize = 100;
    expect(checkRunConfig(c, mnist)).toEqual([]);
  });

  it('counts the images left once a validation split is held out, and refuses a split of too few', () => {
    const c = defaultRunConfig('autoencoder');
    c.dataset = { name: 'mnist', trainSubset: 100, validationFraction: 0.25 };
    c.training.batchSize = 100;
    expect(checkRunConfig(c, mnist)).toEqual([
      { path: 'training.batchSize', message: '100 is larger than the 75 training images selected from mnist: use at most 75' },
    ]);
    c.training.batchSize = 75;
    expect(checkRunConfig(c, mnist)).toEqual([]);
    c.dataset = { name: 'mnist', trainSubset: 1, validationFraction: 0.25 };
    c.training.batchSize = 1;
    expect(checkRunConfig(c, mnist)).toEqual([
      { path: 'dataset.validationFraction', message: 'a validation split needs at least 2 training images, and there are 1' },
    ]);
  });
});
