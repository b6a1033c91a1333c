import { describe, expect, it } from 'vitest';
import { nameMaxLength } from './config';
import { defaultStudyName, ranks, spearman, spearmanInterval, studySummary } from './study';
import { memberRunName } from './sweep';

describe('the disentanglement study summary', () => {
  it('ranks ties at their average and matches scipy.stats.spearmanr', () => {
    expect(ranks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
    // scipy.stats.spearmanr's definition, Pearson's r of average ranks: 8/√95 by hand, and numpy.corrcoef of the ranks.
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
    expect(spearman([0.1, 0.4, 0.2, 0.9, 0.3, 0.3], [1, 3, 2, 2, 0, 5])).toBeCloseTo(0.35294117647058826, 12);
    expect(spearman([1, 2], [2, 1])).toBeNull();
  });

  it('spreads each metric per model and correlates the metrics over every run', () => {
    const run = (model: string, mig: number, sap: number) => ({
      params: { 'study.model': model },
      metrics: { 'eval.mig': mig, 'eval.sap': sap },
    });
    const s = studySummary(
      [run('A', 0.1, 0.2), run('A', 0.3, 0.1), run('B', 0.2, 0.3), run('B', 0.5, 0.4)],
      ['eval.mig', 'eval.sap'],
    );
    expect(s.models.map((m) => [m.model, m.runs, m.metrics['eval.mig']?.median, m.metrics['eval.sap']?.max])).toEqual([
      ['A', 2, 0.2, 0.2],
      ['B', 2, 0.35, 0.4],
    ]);
    expect(s.rankCorrelation.matrix[0]?.[0]).toBeCloseTo(1);
    expect(s.rankCorrelation.matrix[0]?.[1]).toBeCloseTo(spearman([0.1, 0.3, 0.2, 0.5], [0.2, 0.1, 0.3, 0.4]) as number);
    expect(s.rankCorrelation.n).toEqual([
      [4, 4],
      [4, 4],
    ]);
  });

  it('names the run, strength and seed of each value, and gives each ρ its runs and a 95 % interval', () => {
    const runs = [1, 2, 3, 4, 5].map((i) => ({
      id: 10 + i,
      params: { 'study.model': 'vae', 'study.strength': `β=${i}`, 'training.seed': i % 2 },
      metrics: { 'eval.mig': i / 10, ...(i > 1 ? { 'eval.sap': (6 - i) / 10 } : {}) },
    }));
    const s = studySummary(runs, ['eval.mig', 'eval.sap']);
    expect(s.models[0]?.metrics['eval.sap']?.runs).toEqual([
      { id: 12, strength: 'β=2', seed: 0, value: 0.4 },
      { id: 13, strength: 'β=3', seed: 1, value: 0.3 },
      { id: 14, strength: 'β=4', seed: 0, value: 0.2 },
      { id: 15, strength: 'β=5', seed: 1, value: 0.1 },
    ]);
    expect(s.rankCorrelation.n).toEqual([
      [5, 4],
      [4, 4],
    ]);
    // ρ = −1 exactly over the four runs with both: no interval (atanh is infinite); 4 runs is the least that has one.
    expect(s.rankCorrelation.matrix[0]?.[1]).toBeCloseTo(-1);
    expect(s.rankCorrelation.interval95[0]?.[1]).toBeNull();
    // ρ = 0.5 over 12 runs, by hand: tanh(atanh 0.5 ± 1.96 √(1.06 / 9)) = −0.1227 … 0.8402.
    const [lo, hi] = spearmanInterval(0.5, 12) ?? [NaN, NaN];
    expect(lo).toBeCloseTo(-0.12272000159525036, 12);
    expect(hi).toBeCloseTo(0.8402296175867521, 12);
    expect(spearmanInterval(0.5, 3)).toBeNull();
  });

  it('is named by its data set, seeds and epochs, and by its models (in the registry order) when only some take part', () => {
    const taking = [
      { id: 'vae', label: 'β-VAE' },
      { id: 'beta-tc-vae', label: 'β-TC-VAE' },
      { id: 'dip-vae', label: 'DIP-VAE-I' },
    ];
    expect(defaultStudyName({ dataset: 'shapes', seeds: 3, epochs: 10 }, taking)).toBe(
      'disentanglement study (shapes, 3 seeds, 10 epochs)',
    );
    // All of them chosen, in any order: the study of them all.
    expect(defaultStudyName({ dataset: 'shapes', seeds: 3, epochs: 10, models: ['dip-vae', 'vae', 'beta-tc-vae'] }, taking)).toBe(
      'disentanglement study (shapes, 3 seeds, 10 epochs)',
    );
    expect(defaultStudyName({ dataset: 'faces', seeds: 1, epochs: 1, models: ['dip-vae', 'vae'] }, taking)).toBe(
      'disentanglement study of β-VAE, DIP-VAE-I (faces, 1 seed, 1 epoch)',
    );
    // Never longer than a sweep's name may be: the models counted, then the whole cut.
    const long = 'a-set-with-a-very-long-name-'.repeat(2);
    const counted = defaultStudyName({ dataset: long, seeds: 10, epochs: 1000, models: ['vae', 'dip-vae'] }, taking);
    expect(counted).toBe(`disentanglement study of 2 models (${long}, 10 seeds, 1000 epochs)`);
    const cut = defaultStudyName({ dataset: 'x'.repeat(120), seeds: 1, epochs: 1 }, taking);
    expect(cut).toHaveLength(nameMaxLength);
    expect(cut.endsWith('…')).toBe(true);
  });

  it("names a member run `<sweep> · <its own part>`, cutting the sweep's name where the whole would not fit", () => {
    expect(memberRunName('β sweep', 'beta=4 seed=1')).toBe('β sweep · beta=4 seed=1');
    const long = memberRunName('s'.repeat(119), 'DIP-VAE-I λ_od=50 seed=10');
    expect(long).toHaveLength(nameMaxLength);
    expect(long).toMatch(/^s+… · DIP-VAE-I λ_od=50 seed=10$/);
  });
});
