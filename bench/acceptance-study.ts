/**
 * The acceptance part `study`: the disentanglement study (Locatello et al. 2019) as a researcher runs it, through the
 * CLI (`latent-studio study disentanglement`) on its own database, and its JSON summary as figures: per model, each
 * metric's median and range over strengths and seeds, and Spearman's ρ between the metrics over every run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registeredFamilySpecs } from '../src/families/specs';
import type { StudySummary } from '../src/shared/study';
import type { Figure, Section } from './acceptance-models';

const scale = { seeds: 2, epochs: 4, subset: 8000 };
const names: Record<string, string> = {
  'eval.mig': 'MIG',
  'eval.sap': 'SAP',
  'eval.dci_disentanglement': 'DCI disentanglement',
  'eval.factor_vae_score': 'FactorVAE score',
  'eval.beta_vae_score': 'β-VAE score',
};
const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));

export async function study(): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-study-'));
  try {
    const cli = join(import.meta.dirname, '..', 'bin', 'latent-studio.mjs');
    const args = [
      'study',
      'disentanglement',
      '--seeds',
      `${scale.seeds}`,
      '--epochs',
      `${scale.epochs}`,
      '--subset',
      `${scale.subset}`,
    ];
    const r = spawnSync(process.execPath, [cli, ...args, '--db', join(dir, 'study.db'), '--max-concurrent', '2'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 2 ** 20,
    });
    if (r.status !== 0) throw new Error(`latent-studio ${args.join(' ')} exited with ${r.status}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as StudySummary;
    const figures: Figure[] = [];
    for (const m of summary.models)
      for (const [metric, spread] of Object.entries(m.metrics))
        figures.push({
          name: `${m.model}: ${names[metric] ?? metric}`,
          value: `median ${f3(spread.median)}`,
          against: `range ${f3(spread.min)} to ${f3(spread.max)} over ${spread.values.length} runs`,
        });
    const { metrics, matrix } = summary.rankCorrelation;
    matrix.forEach((row, i) =>
      row.forEach((rho, j) => {
        if (j > i)
          figures.push({
            name: `Spearman ρ, ${names[metrics[i] ?? ''] ?? ''} against ${names[metrics[j] ?? ''] ?? ''}`,
            value: f3(rho),
          });
      }),
    );
    const models = registeredFamilySpecs()
      .flatMap((f) => (f.study ? [`${f.study.label} (${f.study.strengths.map((x) => x.label).join(', ')})`] : []))
      .join(', ');
    return {
      title: 'The disentanglement study (Locatello et al. 2019)',
      setup: `\`latent-studio ${args.join(' ')}\`: ${models}, one MLP 512-256 to a 10-D latent, ${scale.epochs} epochs on ${scale.subset.toLocaleString('en')} Shapes images, ${scale.seeds} seeds (the paper: 50 seeds, 300,000 steps on dSprites); each run scored on images drawn from the generator (MIG on 10,000, SAP and DCI trained on them and tested on 5,000 more).`,
      figures,
      notes: [
        'Locatello et al. find that the spread over seeds and strengths is as large as the differences between models, and that MIG, DCI and the FactorVAE score correlate, SAP less so. Read these figures with that in mind: two seeds is a small sample.',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
