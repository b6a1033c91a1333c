import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { npyBytes } from '../datasets/npy';
import type { TestLatents } from '../training/protocol';

/**
 * Writes a run's test codes where any tool can recompute a figure from them: codes.npy [n, dim] float32,
 * labels.npy [n] uint8 and factors.npy [n, factors] float32 where the data set has them, and latents.csv with one
 * row per image (index, label, cluster where the model has clusters, z1…, then each factor by name; z1 is codes[:, 0], as the studio numbers dimensions), plus latents.json saying what is where. `outDir`
 * exists: callers write through `writeWhole`, so that a failed export leaves nothing.
 */
export function writeLatents(
  outDir: string,
  meta: { runId: number; epoch: number },
  latents: TestLatents,
): { outDir: string; files: string[]; count: number; dim: number } {
  const { codes, dim, count, labels, factors, factorNames } = latents;
  const files: string[] = [];
  const write = (name: string, data: Uint8Array | string) => {
    const file = join(outDir, name);
    writeFileSync(file, data);
    files.push(file);
  };
  write('codes.npy', npyBytes(codes, [count, dim]));
  if (labels) write('labels.npy', npyBytes(labels, [count]));
  if (factors) write('factors.npy', npyBytes(factors, [count, factorNames.length]));
  const clusters = latents.clusters ?? null;
  if (clusters) write('clusters.npy', npyBytes(clusters, [count]));
  const header = [
    'index',
    ...(labels ? ['label'] : []),
    ...(clusters ? ['cluster'] : []),
    // Numbered from 1, as the explorer, the heat maps and the metrics name them (z1 is codes[:, 0]).
    ...Array.from({ length: dim }, (_, j) => `z${j + 1}`),
    ...(factors ? factorNames : []),
  ];
  const lines = [header.join(',')];
  for (let i = 0; i < count; i++) {
    const row: (number | string)[] = [i];
    if (labels) row.push(labels[i]!);
    if (clusters) row.push(clusters[i]!);
    for (let j = 0; j < dim; j++) row.push(codes[i * dim + j]!);
    if (factors) for (let f = 0; f < factorNames.length; f++) row.push(factors[i * factorNames.length + f]!);
    lines.push(row.join(','));
  }
  write('latents.csv', `${lines.join('\n')}\n`);
  write(
    'latents.json',
    `${JSON.stringify(
      {
        runId: meta.runId,
        epoch: meta.epoch,
        split: 'test',
        count,
        dim,
        codes: 'codes.npy: float32 [count, dim], the posterior means for VAEs; column j is z(j+1) in the studio and latents.csv',
        numbering: 'latents.csv names the dimensions z1…zN, as the studio does (exports before 2026-12-07: z0…z(N-1))',
        labels: labels ? 'labels.npy: uint8 [count]' : null,
        clusters: clusters ? "clusters.npy: int32 [count], each image's cluster (argmax of its soft assignment)" : null,
        factors: factors ? { file: 'factors.npy: float32 [count, factors]', names: factorNames } : null,
      },
      null,
      2,
    )}\n`,
  );
  return { outDir, files, count, dim };
}
