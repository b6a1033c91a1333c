import { describe, expect, it } from 'vitest';
import { TrainingConfig, type TrainingConfig as Training } from '../../../shared/config';
import { scheduledRate } from '../../../shared/schedule';
import { rateSeries } from './curves';
import { scheduleCycles } from '../../../shared/runs';
import { fieldsForKind, formFields, keepForKind } from './schema-form';

const schedule = formFields(TrainingConfig).find((f) => f.key === 'schedule')?.schema;

describe('the training options in the new-run form', () => {
  it('a schedule turns on with its initial settings and shows only the fields its kind reads', () => {
    if (!schedule) throw new Error('no schedule field');
    expect(schedule.initial).toEqual({ kind: 'cosine', warmupEpochs: 1 });
    const keys = (kind: string) => fieldsForKind(schedule, { kind }).map((f) => f.key);
    expect(keys('cosine')).toEqual(['kind', 'warmupEpochs', 'minLearningRate']);
    expect(keys('step')).toEqual(['kind', 'warmupEpochs', 'stepEpochs', 'gamma']);
    expect(keys('plateau')).toEqual(['kind', 'warmupEpochs', 'minLearningRate', 'patience', 'factor', 'metric', 'mode']);
  });

  it('changing the kind drops the settings the new kind does not read', () => {
    if (!schedule) throw new Error('no schedule field');
    expect(keepForKind(schedule, { kind: 'cosine', warmupEpochs: 2, gamma: 0.5, stepEpochs: 3 })).toEqual({
      kind: 'cosine',
      warmupEpochs: 2,
    });
  });
});

describe('the learning-rate chart', () => {
  const training: Training = {
    loss: 'mse',
    batchSize: 64,
    epochs: 3,
    learningRate: 0.01,
    optimizer: 'adam',
    seed: 1,
    schedule: { kind: 'cosine', warmupEpochs: 1 },
  };
  const at = (step: number) => scheduledRate(0.01, training.schedule, { step, stepsPerEpoch: 19, totalSteps: 57 });
  // What the trainer logs: the rate of each epoch's last step, at that step.
  const logged = [1, 2, 3].map((epoch) => ({
    step: 19 * epoch,
    epoch,
    split: 'train' as const,
    name: 'lr',
    value: at(19 * epoch - 1),
  }));

  it('draws the logged rates and, between them, the schedule of every step from the warm-up on', () => {
    const [ends, perStep] = rateSeries(logged, training);
    expect(ends?.points).toEqual(logged.map((m) => ({ x: m.epoch, y: m.value })));
    // The logged rates are marks: the per-step curve draws the schedule between them, not a slope across an epoch.
    expect([ends?.join, perStep?.join]).toEqual(['none', undefined]);
    expect(perStep?.points).toHaveLength(57);
    expect(perStep?.points[0]).toEqual({ x: 1 / 19, y: 0 });
    // Each epoch's end lies on the per-step curve.
    for (const m of logged) expect(perStep?.points.find((p) => Math.abs(p.x - m.epoch) < 1e-9)?.y).toBe(m.value);
  });

  it('draws nothing for a run without a schedule, and no per-step curve for plateau (it follows the metrics)', () => {
    expect(rateSeries(logged, { ...training, schedule: undefined })).toEqual([]);
    // The plateau's rate, cut between epochs, is drawn as steps: each epoch at the rate it trained at.
    const plateau = rateSeries(logged, { ...training, schedule: { kind: 'plateau' } });
    expect(plateau.map((s) => s.join)).toEqual(['steps']);
  });

  it('draws the schedule up to the epoch a run stopped at', () => {
    expect(rateSeries(logged, training, undefined, 2)[1]?.points).toHaveLength(38);
  });

  it('draws a cosine extended after epoch 2 as the run trained it: its first cycle over 2 epochs, then a new one', () => {
    const cycles = scheduleCycles([{ at: 'a', status: 'completed', error: null, resumedFromEpoch: 2, extendedFrom: 2 }], 3);
    expect(cycles).toEqual([
      { from: 0, epochs: 2 },
      { from: 2, epochs: 3 },
    ]);
    const perStep = rateSeries(logged, training, cycles)[1]?.points ?? [];
    const first = (step: number) => scheduledRate(0.01, training.schedule, { step, stepsPerEpoch: 19, totalSteps: 38 });
    expect(perStep.filter((p) => p.x <= 2 + 1e-9)).toEqual(
      Array.from({ length: 38 }, (_, s) => ({ x: (s + 1) / 19, y: first(s) })),
    );
    expect(perStep[38]?.y).toBe(training.learningRate);
    expect(perStep.at(-1)?.y).toBe(
      scheduledRate(0.01, training.schedule, { step: 56, stepsPerEpoch: 19, totalSteps: 57, cycleStart: 38 }),
    );
  });

  it("counts the cycles' epochs from the records, a phased family's pretraining with them", () => {
    const records = [
      { at: 'a', status: 'completed' as const, error: null, resumedFromEpoch: 5, extendedFrom: 2 },
      { at: 'b', status: 'interrupted' as const, error: null, resumedFromEpoch: 6 },
      { at: 'c', status: 'completed' as const, error: null, resumedFromEpoch: 8, extendedFrom: 5 },
      // An older record: its run was trained on one stretched cycle.
      { at: 'd', status: 'completed' as const, error: null, resumedFromEpoch: 10 },
    ];
    expect(scheduleCycles(records, 9, 3)).toEqual([
      { from: 0, epochs: 5 },
      { from: 5, epochs: 8 },
      { from: 8, epochs: 12 },
    ]);
    // Pretraining 2 and 1 epoch of clustering: one cycle over all 3, as the trainer anneals.
    expect(rateSeries(logged, { ...training, epochs: 1 }, scheduleCycles([], 1, 2))[1]?.points).toHaveLength(57);
  });
});
