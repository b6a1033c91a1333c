import { z } from 'zod';
import type { ModelCheck } from './family-spec';
import { inferArchitecture, ShapeError, type Architecture } from './layers';

export const outputActivation = z.enum(['sigmoid', 'tanh', 'linear']).meta({
  label: 'Output activation',
  help: 'sigmoid keeps pixels in (0,1), as BCE needs; the lecture MLP uses tanh.',
});

/**
 * The fields of an adversarial family's critic of codes (src/ml/critic.ts): its hidden layers and its own learning
 * rate; `paper` says what the paper used, for the help text.
 */
export function discriminatorFields(paper: { layers: string; learningRate: string }) {
  return {
    discriminator: z
      .array(z.number().int().min(1).max(4096))
      .min(1)
      .max(8)
      .meta({ label: 'Discriminator layers', help: `Hidden units of its layers (leaky ReLU); the paper uses ${paper.layers}.` }),
    discriminatorLearningRate: z
      .number()
      .positive()
      .max(1)
      .meta({
        label: 'Discriminator learning rate',
        help: `Its own Adam (β₁ 0.5), at a constant rate: the run's schedule, clipping and weight decay apply to the encoder and decoder only. The paper uses ${paper.learningRate}.`,
        step: 0.0001,
      }),
  };
}

/** Shape inference through the architecture, and BCE's need for outputs in (0,1), as config checks. */
export function checkArchitecture<M extends Architecture & { outputActivation: string }>(
  opts: (m: M) => { codeUnits?: number; decoderInput?: number } = () => ({}),
): ModelCheck<M> {
  return (model, { training, image }, issue) => {
    if (training.loss === 'bce' && model.outputActivation !== 'sigmoid') {
      issue(['model', 'outputActivation'], 'BCE needs outputs in (0,1): choose the sigmoid output activation or another loss');
    }
    try {
      inferArchitecture(image, model, opts(model));
    } catch (e) {
      if (e instanceof ShapeError) issue(e.path, e.message);
      else throw e;
    }
  };
}
