import { fillBatch, type ImageSplit } from '../../ml/dataset';
import { meanReconstructionLoss } from '../../ml/losses';
import { applyHead, sigmoidOutput } from '../../ml/sigmoid-output';
import { stopGradient } from '../../ml/ops';
import { deriveSeed } from '../../shared/random';
import { readFloats } from '../../ml/read';
import { tf, tfl, type LayersModel, type Scalar, type Tensor } from '../../ml/tf';
import type { BuiltModel, FamilyModel, LossResult } from '../family-model';
import { stackedAeSpec, type StackedAeModel } from './spec';

/** The first `perClass` images of every class: the few labels a semi-supervised experiment gets. */
function labelledSubset(split: ImageSplit, classes: number, perClass: number): number[] {
  const taken = new Array<number>(classes).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < split.count && picked.length < classes * perClass; i++) {
    const label = split.labels?.[i] ?? 0;
    if ((taken[label] ?? 0) < perClass) {
      taken[label] = (taken[label] ?? 0) + 1;
      picked.push(i);
    }
  }
  return picked;
}

function images(split: ImageSplit, pixels: number, indices: number[]): Tensor {
  const out = new Float32Array(indices.length * pixels);
  fillBatch(split, pixels, indices, out);
  return tf.tensor2d(out, [indices.length, pixels]);
}

/**
 * Greedy layer-wise training as a wrapper of per-layer autoencoders: during pretraining phase l only AE_l
 * (encoder l, decoder l) sees a loss, on the frozen codes of the layers below; then the whole stack is fine-tuned.
 */
export const stackedAeFamily: FamilyModel<StackedAeModel> = {
  build({ model: m, training, inputShape, seed, classes }): BuiltModel {
    const pixels = inputShape[0] * inputShape[1] * inputShape[2];
    const dims = [pixels, ...m.widths];
    const depth = m.widths.length;
    const init = (stream: number) => tfl.initializers.glorotUniform({ seed: deriveSeed(seed, stream) });
    const enc = m.widths.map((w, i) =>
      tfl.layers.dense({ units: w, activation: m.activation, kernelInitializer: init(i), name: `stack_enc_${i}` }),
    );
    // A sigmoid output is a layer of its own after the first decoder, which keeps the logits for BCE.
    const sigmoidHead = m.outputActivation === 'sigmoid' ? sigmoidOutput('stack_output_sigmoid') : undefined;
    const dec = m.widths.map((_, i) =>
      tfl.layers.dense({
        units: dims[i] as number,
        activation: i > 0 ? m.activation : sigmoidHead ? 'linear' : m.outputActivation,
        kernelInitializer: init(100 + i),
        name: `stack_dec_${i}`,
      }),
    );
    tf.tidy(() => {
      enc.forEach((l, i) => l.apply(tf.zeros([1, dims[i] as number])));
      dec.forEach((l, i) => l.apply(tf.zeros([1, dims[i + 1] as number])));
    });
    const recon = meanReconstructionLoss(training);
    const encodeTo = (x: Tensor, layers: number) => enc.slice(0, layers).reduce((h, l) => l.apply(h) as Tensor, x);
    /** Decoder layer i, the output head after the first. */
    const decodeLayer = (i: number, h: Tensor) => {
      const layer = dec[i] as (typeof dec)[number];
      if (i > 0 || !sigmoidHead) return layer.apply(h) as Tensor;
      return applyHead(sigmoidHead, () => layer.apply(h) as Tensor);
    };
    /** From the code down through every decoder. */
    const decodeAll = (z: Tensor) => dec.reduceRight((h, _, i) => decodeLayer(i, h), z);
    const reconstruct = (x: Tensor) => decodeAll(encodeTo(x, depth));
    let epoch = 0;
    const all = [...enc, ...dec];
    /** The layers models an export made over the layers. */
    const made: LayersModel[] = [];
    return {
      totalEpochs: (fineTuneEpochs) => stackedAeSpec.pretrainingEpochs(m) + fineTuneEpochs,
      onStep(e) {
        epoch = e;
        // Frozen as Keras freezes a layer: not trainable, so the step gives it no gradient (not a zero one, which
        // Adam's momentum and weight decay would still move it by). Phase l trains AE_l alone; fine-tuning, all.
        const phase = Math.floor(epoch / m.pretrainEpochs);
        enc.forEach((l, i) => (l.trainable = phase >= depth || i === phase));
        dec.forEach((l, i) => (l.trainable = phase >= depth || i === phase));
      },
      computeLoss(x, training): LossResult {
        const phase = Math.floor(epoch / m.pretrainEpochs);
        if (phase < depth) {
          // AE_phase on the codes of the frozen layers below it (the image itself for the first): the loss of the
          // phase on the test split too, so that the loss chart's two curves are one quantity. The whole stack's
          // reconstruction of the image is the test split's `reconstruction` (and its MSE, `mse`).
          const input = phase === 0 ? x : stopGradient(encodeTo(x, phase));
          const out = decodeLayer(phase, (enc[phase] as (typeof enc)[number]).apply(input) as Tensor);
          const loss = phase === 0 ? recon(x, out) : tf.mean<Scalar>(tf.squaredDifference(input, out));
          return { total: loss, parts: training ? {} : { reconstruction: recon(x, reconstruct(x)) } };
        }
        const reconstruction = recon(x, reconstruct(x));
        return { total: reconstruction, parts: { reconstruction } };
      },
      reconstruct,
      // The code is the last width's activations; decoding runs the decoders back down the stack.
      encode: (x) => encodeTo(x, depth),
      decode: decodeAll,
      // Every weight that trains in some phase (a frozen layer's trainableWeights is empty for the moment).
      trainableWeights: () => all.flatMap((l) => l.weights),
      weights: () => all.flatMap((l) => l.weights),
      summary: () =>
        all.map((l) => ({ name: l.name, outputShape: [(l.getConfig()['units'] as number) ?? 0], params: l.countParams() })),
      // The stack as two models over the same layers (made when asked: an export): image → code, code → image.
      layersModels() {
        type Symbolic = ReturnType<typeof tfl.input>;
        const x = tfl.input({ shape: [pixels] });
        const code = enc.reduce<Symbolic>((h, l) => l.apply(h) as Symbolic, x);
        const z = tfl.input({ shape: [m.widths.at(-1) as number] });
        const down = dec.reduceRight<Symbolic>((h, l) => l.apply(h) as Symbolic, z);
        const image = sigmoidHead ? (sigmoidHead.apply(down) as Symbolic) : down;
        const parts = {
          encoder: tfl.model({ inputs: x, outputs: code, name: 'encoder' }),
          decoder: tfl.model({ inputs: z, outputs: image, name: 'decoder' }),
        };
        made.push(parts.encoder, parts.decoder);
        return parts;
      },
      dispose() {
        // Each model made over the layers holds a reference to them: released first, so the layers' weights go.
        for (const model of made.splice(0)) model.dispose();
        for (const l of all) l.dispose();
      },
      async afterTraining({ train, test }) {
        const labelled = labelledSubset(train, classes, m.labelsPerClass);
        const x = images(train, pixels, labelled);
        const y = tf.tidy(() =>
          tf.oneHot(
            tf.tensor1d(
              labelled.map((i) => train.labels?.[i] ?? 0),
              'int32',
            ),
            classes,
          ),
        );
        const testIdx = Array.from({ length: test.count }, (_, i) => i);
        const xTest = images(test, pixels, testIdx);
        const accuracy = async (pretrained: boolean) => {
          const classifier = tfl.sequential();
          m.widths.forEach((w, i) =>
            classifier.add(
              tfl.layers.dense({
                units: w,
                activation: m.activation,
                kernelInitializer: init(500 + i),
                ...(i === 0 ? { inputShape: [pixels] } : {}),
              }),
            ),
          );
          classifier.add(tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(600) }));
          if (pretrained) enc.forEach((l, i) => classifier.layers[i]?.setWeights(l.getWeights()));
          // tfjs-layers disposes only an optimizer it made from a name: this one is disposed below.
          const optimizer = tf.train.adam(1e-3);
          classifier.compile({ optimizer, loss: 'categoricalCrossentropy' });
          // No shuffling: tfjs shuffles with Math.random, and the comparison must repeat exactly.
          await classifier.fit(x, y, { epochs: m.classifierEpochs, batchSize: 32, shuffle: false, verbose: 0 });
          const predicted = await readFloats(() => tf.argMax(classifier.predict(xTest) as Tensor, 1));
          classifier.dispose();
          optimizer.dispose();
          let correct = 0;
          predicted.forEach((p, i) => (correct += p === test.labels?.[i] ? 1 : 0));
          return correct / test.count;
        };
        try {
          return {
            accuracy_pretrained: await accuracy(true),
            accuracy_scratch: await accuracy(false),
            labelled_images: labelled.length,
          };
        } finally {
          tf.dispose([x, y, xTest]);
        }
      },
    };
  },
};
