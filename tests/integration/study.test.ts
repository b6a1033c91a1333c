import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studyMetrics } from '../../src/shared/study';
import { cliWithin, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

interface Summary {
  sweepId: number;
  name: string;
  models: { model: string; runs: number; metrics: Record<string, { values: number[]; median: number | null }> }[];
  rankCorrelation: { metrics: string[]; matrix: (number | null)[][] };
}

describe('the disentanglement study from the CLI', () => {
  // FactorVAE and DIP-VAE-I: the Playwright study (study.long.spec.ts) runs the other two, β-VAE and β-TC-VAE.
  it('one seed, one epoch, a subset of Shapes: two models chosen, at three strengths, each run evaluated, MIG for each', () => {
    const args = [
      'study',
      'disentanglement',
      '--seeds',
      '1',
      '--epochs',
      '1',
      '--subset',
      '600',
      '--score-points',
      '30',
      '--points',
      '300',
    ];
    args.push('--models', 'factor-vae,dip-vae');
    const r = cliWithin(600_000)(...args, '--db', join(tmp.dir, 'study.db'), '--max-concurrent', '2');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as Summary;
    console.log(
      `study, MIG by model: ${summary.models.map((m) => `${m.model} ${m.metrics['eval.mig']?.values.map((v) => v.toFixed(3)).join('/')}`).join('; ')}`,
    );
    expect(summary.name).toBe('disentanglement study of FactorVAE, DIP-VAE-I (shapes, 1 seed, 1 epoch)');
    expect(summary.models.map((m) => m.model).sort()).toEqual(['DIP-VAE-I', 'FactorVAE']);
    for (const m of summary.models) {
      expect(m.runs, m.model).toBe(3);
      for (const metric of studyMetrics) expect(m.metrics[metric]?.values, `${m.model} ${metric}`).toHaveLength(3);
      expect(m.metrics['eval.mig']?.median).toBeGreaterThanOrEqual(0);
    }
    expect(summary.rankCorrelation.metrics).toEqual(studyMetrics);
    // A metric ranks the runs as it ranks them: ρ = 1 on the diagonal.
    summary.rankCorrelation.matrix.forEach((row, i) => expect(row[i]).toBeCloseTo(1));
  }, 700_000);
});
