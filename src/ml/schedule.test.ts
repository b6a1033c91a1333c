import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LearningRateSchedule } from '../shared/config';
import { initialPlateau, plateauAfterEpoch, scheduledRate, type PlateauState } from '../shared/schedule';

interface Rates {
  schedule: LearningRateSchedule;
  rates: number[];
}
/** Written by src/ml/fixtures/make_torch_fixtures.py (PyTorch 1.13, Debian's python3-torch). */
const torch = JSON.parse(readFileSync(new URL('./fixtures/torch-schedules.json', import.meta.url), 'utf8')) as {
  stepsPerEpoch: number;
  epochs: number;
  base: number;
  warmupCosine: Rates;
  step: Rates;
  exponential: Rates;
  warmupStep: Rates;
  warmupExponential: Rates;
  plateau: { schedule: LearningRateSchedule; losses: number[]; ratesAfter: number[] };
  plateauMax: { schedule: LearningRateSchedule; losses: number[]; ratesAfter: number[] };
};

/** The rate of every step of the fixture's run under `schedule`. */
function ratesOf(schedule: LearningRateSchedule): number[] {
  const totalSteps = torch.stepsPerEpoch * torch.epochs;
  return Array.from({ length: totalSteps }, (_, step) =>
    scheduledRate(torch.base, schedule, { step, stepsPerEpoch: torch.stepsPerEpoch, totalSteps }),
  );
}

/** Largest absolute difference between two series of rates (PyTorch computes some of them recursively). */
const worst = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));

describe('learning-rate schedules against torch.optim.lr_scheduler', () => {
  it.each([
    ['warm-up then cosine (LambdaLR, then CosineAnnealingLR)', torch.warmupCosine],
    ['step decay (StepLR)', torch.step],
    ['exponential decay (ExponentialLR)', torch.exponential],
    ['warm-up then step decay (LambdaLR, then StepLR)', torch.warmupStep],
    ['warm-up then exponential decay (LambdaLR, then ExponentialLR)', torch.warmupExponential],
  ])('%s: the rate of every step', (_name, reference) => {
    const ours = ratesOf(reference.schedule);
    expect(ours).toHaveLength(reference.rates.length);
    expect(worst(ours, reference.rates)).toBeLessThan(1e-9);
  });

  it('a warm-up rises linearly from 0 and reaches the full rate when it ends', () => {
    const rates = ratesOf({ kind: 'constant', warmupEpochs: 0.5 });
    expect(rates.slice(0, 6)).toEqual([0, 0.02, 0.04, 0.06, 0.08, 0.1].map((r) => expect.closeTo(r, 12)));
    expect(rates.at(-1)).toBe(torch.base);
  });

  it('plateau (ReduceLROnPlateau): the rate after each epoch', () => {
    const schedule = torch.plateau.schedule;
    let state: PlateauState = initialPlateau();
    const after = torch.plateau.losses.map((loss) => {
      state = plateauAfterEpoch(torch.base, schedule, state, loss);
      return scheduledRate(torch.base, schedule, { step: 0, stepsPerEpoch: 1, totalSteps: 1 }, state);
    });
    expect(worst(after, torch.plateau.ratesAfter)).toBeLessThan(1e-12);
  });

  it('a restarted cycle (an extension) moves the cosine alone: step and exponential keep their warm-up offset', () => {
    for (const schedule of [
      { kind: 'step', warmupEpochs: 1, stepEpochs: 2, gamma: 0.5 },
      { kind: 'exponential', warmupEpochs: 1, gamma: 0.9 },
    ] as const)
      for (const step of [12, 17, 30])
        expect(scheduledRate(0.1, schedule, { step, stepsPerEpoch: 5, totalSteps: 40, cycleStart: 10 })).toBe(
          scheduledRate(0.1, schedule, { step, stepsPerEpoch: 5, totalSteps: 40 }),
        );
    const cosine = { kind: 'cosine', warmupEpochs: 1 } as const;
    expect(scheduledRate(0.1, cosine, { step: 10, stepsPerEpoch: 5, totalSteps: 40, cycleStart: 10 })).toBe(0.1);
  });

  it('plateau in mode max (a metric that should rise): the rate after each epoch', () => {
    const { schedule, losses: scores, ratesAfter } = torch.plateauMax;
    let state: PlateauState = initialPlateau();
    const after = scores.map((score) => {
      state = plateauAfterEpoch(torch.base, schedule, state, score);
      return scheduledRate(torch.base, schedule, { step: 0, stepsPerEpoch: 1, totalSteps: 1 }, state);
    });
    expect(after).toContain(0.05);
    expect(worst(after, ratesAfter)).toBeLessThan(1e-12);
  });

  it('plateau counts a NaN as an epoch without improvement, as torch does (best starts at inf)', () => {
    const schedule: LearningRateSchedule = { kind: 'plateau', patience: 1, factor: 0.5 };
    const states = [NaN, 1, 0.5, NaN, NaN].reduce<PlateauState[]>(
      (all, v) => [...all, plateauAfterEpoch(0.1, schedule, all.at(-1) ?? initialPlateau(), v)],
      [],
    );
    expect(states.map((st) => [st.best, st.badEpochs, st.scale])).toEqual([
      [null, 1, 1],
      [1, 0, 1],
      [0.5, 0, 1],
      [0.5, 1, 1],
      [0.5, 0, 0.5],
    ]);
  });

  it('plateau never cuts below its minimum rate', () => {
    const schedule: LearningRateSchedule = { kind: 'plateau', patience: 0, factor: 0.1, minLearningRate: 0.003 };
    let state = initialPlateau();
    for (let epoch = 0; epoch < 5; epoch++) state = plateauAfterEpoch(0.1, schedule, state, 1);
    expect(scheduledRate(0.1, schedule, { step: 0, stepsPerEpoch: 1, totalSteps: 1 }, state)).toBeCloseTo(0.003, 12);
  });

  it('plateau never raises the rate, as torch does not, where its floor is above it', () => {
    const schedule: LearningRateSchedule = { kind: 'plateau', patience: 0, factor: 0.1, minLearningRate: 10 };
    let state = initialPlateau();
    for (let epoch = 0; epoch < 3; epoch++) state = plateauAfterEpoch(0.001, schedule, state, 1);
    expect(scheduledRate(0.001, schedule, { step: 0, stepsPerEpoch: 1, totalSteps: 1 }, state)).toBe(0.001);
  });
});
