import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/api';
import { againstMeanImage, unbeatenFigures, withLivePoints } from './metrics';

const point = (step: number, name = 'loss', split: MetricPoint['split'] = 'train'): MetricPoint => ({
  step,
  epoch: step / 10,
  split,
  name,
  value: 1 / step,
});

describe('a running run’s metrics read again', () => {
  it('keeps the points streamed in during the read that the read does not hold, each once', () => {
    const stored = [point(1), point(2), point(2, 'mse', 'test')];
    const live = [point(2), point(3), point(2, 'mse', 'test'), point(3, 'mse', 'test')];
    expect(withLivePoints(stored, live)).toEqual([...stored, point(3), point(3, 'mse', 'test')]);
    expect(withLivePoints(stored, [point(1)])).toBe(stored);
  });
});

describe('figures that should beat another', () => {
  // As the denoising AE declares them.
  const denoiser = [
    { name: 'denoised_mse', label: 'MSE, denoised vs clean', headline: true, shouldBeat: 'noisy_mse' },
    { name: 'noisy_mse', label: 'MSE, noisy vs clean' },
  ];
  it('names a denoiser whose output ends further from the clean images than its noisy input', () => {
    const worse = unbeatenFigures(denoiser, (n) => ({ denoised_mse: 0.0567, noisy_mse: 0.0465 })[n]);
    expect(worse).toEqual([
      { label: 'MSE, denoised vs clean', value: 0.0567, otherLabel: 'MSE, noisy vs clean', against: 0.0465 },
    ]);
    expect(unbeatenFigures(denoiser, (n) => ({ denoised_mse: 0.02, noisy_mse: 0.0465 })[n])).toEqual([]);
    // Before both are measured, nothing.
    expect(unbeatenFigures(denoiser, (n) => ({ denoised_mse: 0.0567 })[n])).toEqual([]);
  });
});

describe('a run against the mean image', () => {
  it('is no better at or above its MSE, barely better within 5 % of it (a collapsed VQ-VAE), else unremarked', () => {
    expect(againstMeanImage(0.0656, 0.0656)).toBe('no better');
    expect(againstMeanImage(0.07, 0.0656)).toBe('no better');
    expect(againstMeanImage(0.0639, 0.0656)).toBe('barely better');
    expect(againstMeanImage(0.0535, 0.0656)).toBeNull();
    expect(againstMeanImage(undefined, 0.0656)).toBeNull();
    expect(againstMeanImage(0.01, 0)).toBeNull();
  });
});
