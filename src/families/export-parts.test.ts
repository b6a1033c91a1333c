import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { tf, tfl, type LayersModel, type Tensor } from '../ml/tf';
import { buildDefaultModel } from './default-model.testing';
import { familyModels } from './models';
import { defaultRunConfig } from './run-config';

/** A layers model through what an export writes (topology and weights) and what tf.loadLayersModel reads back. */
async function roundTrip(model: LayersModel): Promise<LayersModel> {
  let saved: Parameters<typeof tf.io.fromMemory>[0] | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('nothing saved');
  return tfl.loadLayersModel(tf.io.fromMemory(saved));
}

const near = (a: Tensor, b: Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number;

describe('every family leaves the studio as layers models', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each(Object.keys(familyModels))(
    '%s: its parts load with tf.loadLayersModel and decode as the model does',
    async (family) => {
      const model = buildDefaultModel(family, 2, 100);
      const parts = model.layersModels?.();
      // A decoder per identity for the deepfake, named by it; one decoder for the rest.
      const decoders = family === 'deepfake' ? ['decoder_a', 'decoder_b'] : ['decoder'];
      expect(Object.keys(parts ?? {})).toEqual(expect.arrayContaining(['encoder', ...decoders]));
      // Every array an export writes says what it is.
      const notes = model.exportNotes?.() ?? {};
      for (const name of Object.keys(model.exportArrays?.() ?? {})) expect(notes[name], `${family}: ${name}`).toMatch(/\w+ .*\w/);
      const loaded: Record<string, LayersModel> = {};
      for (const [name, part] of Object.entries(parts ?? {})) loaded[name] = await roundTrip(part);
      const x = tf.randomUniform([3, 784], 0, 1, 'float32', 5);
      if (model.encode && model.decode && !model.conditional) {
        // The code a decoder takes (quantised, for the families with a codebook) decodes through the loaded decoder.
        const z = model.encode(x);
        expect(near(loaded['decoder']!.predict(z) as Tensor, model.decode(z))).toBeLessThan(1e-5);
      }
      const arrays = model.exportArrays?.() ?? {};
      if (family === 'vq-vae') {
        // The recipe a researcher follows with the export: encoder, nearest codebook row, decoder.
        const codebook = arrays['codebook'] as Tensor;
        const d = codebook.shape[1] as number;
        const rows = tf.reshape(loaded['encoder']!.predict(x) as Tensor, [-1, d]);
        const distances = tf.sum(tf.square(tf.sub(tf.expandDims(rows, 1), tf.expandDims(codebook, 0))), 2);
        const quantised = tf.reshape(tf.gather(codebook, tf.argMin(distances, 1)), [3, -1]);
        expect(near(loaded['decoder']!.predict(quantised) as Tensor, model.reconstruct(x))).toBeLessThan(1e-5);
      }
      if (family === 'deep-clustering') {
        // Its centres once k-means has placed them (a checkpoint from after the pretraining), none before.
        expect(Object.keys(arrays)).toEqual([]);
        model.restore?.({ clustering: true });
        const centres = model.exportArrays?.()['cluster_centres'];
        expect(centres?.shape).toEqual([10, (defaultRunConfig('deep-clustering').model as { latentSize: number }).latentSize]);
        expect(model.exportNotes?.()['cluster_centres']).toMatch(/soft assignment/);
      }
      for (const t of Object.values(arrays)) expect(t.isDisposed).toBe(false);
      model.dispose();
    },
  );

  it.each(Object.keys(familyModels))('%s: its layers models go with it, leaving no tensor behind', (family) => {
    const before = tf.memory().numTensors;
    const model = buildDefaultModel(family, 2, 100);
    model.layersModels?.();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
