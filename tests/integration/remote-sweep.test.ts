import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRemote } from '../../src/cli/remote';
import { startHost } from '../../src/host/server';
import { SweepSpec } from '../../src/shared/sweep';
import { aeSweep } from '../slurm/ae-sweep';
import { openTestStudio, tempDir } from './helpers';

const token = 'remote-sweep-token-0123456789abcdef';

describe('following a sweep on a remote studio', () => {
  it('rides out a host that stops answering for a while: it warns once, asks again, and ends with the sweep', async () => {
    const tmp = tempDir();
    const studio = openTestStudio(join(tmp.dir, 'host.db'));
    const rendererDir = join(tmp.dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Latent Studio</title>');
    let host = await startHost({ studio, rendererDir, token });
    const { port } = new URL(host.url);
    const warnings: string[] = [];
    const remote = await openRemote(
      { base: `http://127.0.0.1:${port}`, token, source: 'env' },
      { pollMs: 100, warn: (m) => warnings.push(m) },
    );
    try {
      // Two runs of 1,000 images for an epoch: the sweep trains while the host is away.
      const spec = SweepSpec.parse(aeSweep('followed', 1, { 'model.latentSize': { values: [2, 4] } }));
      const { sweepId } = await studio.api['sweeps.create']({ spec });
      // The host goes away while the sweep trains (the studio behind it goes on), and comes back on the same port.
      await host.close();
      let ended = false;
      const followed = remote.whenSweepEnded(sweepId as number).then(() => (ended = true));
      await new Promise((r) => setTimeout(r, 600));
      expect(ended).toBe(false);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/asking again every \d+ s for the end of sweep \d+/);
      host = await startHost({ studio, rendererDir, token, port: Number(port) });
      await followed;
      const detail = await studio.api['sweeps.get']({ sweepId: sweepId as number });
      expect(detail.runs.map((r) => r.status)).toEqual(['completed', 'completed']);
    } finally {
      await remote.close();
      await host.close();
      await studio.close();
      tmp.cleanup();
    }
  });
});
