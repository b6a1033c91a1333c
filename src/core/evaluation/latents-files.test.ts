import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../datasets/npy';
import { writeLatents } from './latents-files';

const dir = mkdtempSync(join(tmpdir(), 'latents-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the test codes written out', () => {
  it('hold a clustering model’s clusters beside its codes: clusters.npy (int32) and a cluster column', () => {
    const { files } = writeLatents(
      dir,
      { runId: 3, epoch: 2 },
      {
        codes: Float32Array.of(0.5, -1, 2, 0.25),
        dim: 2,
        count: 2,
        labels: Uint8Array.of(7, 1),
        factors: null,
        factorNames: [],
        clusters: Int32Array.of(4, 300),
      },
    );
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'clusters.npy',
      'codes.npy',
      'labels.npy',
      'latents.csv',
      'latents.json',
    ]);
    const clusters = parseNpy(readFileSync(join(dir, 'clusters.npy')), 'clusters.npy');
    expect([clusters.dtype, clusters.shape, clusters.get(0), clusters.get(1)]).toEqual(['i4', [2], 4, 300]);
    expect(readFileSync(join(dir, 'latents.csv'), 'utf8').trim().split('\n')).toEqual([
      'index,label,cluster,z1,z2',
      '0,7,4,0.5,-1',
      '1,1,300,2,0.25',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'latents.json'), 'utf8'))).toMatchObject({
      runId: 3,
      epoch: 2,
      clusters: expect.any(String),
    });
  });
});
