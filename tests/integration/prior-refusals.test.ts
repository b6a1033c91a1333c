import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import type { Studio } from '../../src/core/studio';
import { finishRun, insertRun } from '../../src/core/store/runs';
import { defaultRunConfig } from '../../src/families/run-config';
import { withTestStudio } from './helpers';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

describe('a learned prior asked for', () => {
  it('is refused, naming the run, where its grid is too wide for the memory (it broke wasm’s heap in its worker)', async () => {
    const count = () => (studio.db.prepare(`SELECT count(*) AS n FROM jobs WHERE kind = 'prior'`).get() as { n: number }).n;
    const config = defaultRunConfig('vq-vae');
    config.model = { ...config.model, positions: 2048, codeSize: 1, codebookSize: 2 } as typeof config.model;
    const runId = insertRun(studio.db, config, 'hash');
    finishRun(studio.db, runId, 'completed', null);
    const answer = await dispatch(studio.api, 'prior.start', { runId });
    expect(answer.ok ? null : answer.error.issues).toEqual([
      {
        path: 'runId',
        message: expect.stringMatching(
          new RegExp(
            `^run ${runId}: a learned prior over grids of 32×64 codes from 2 would need about \\d+\\.\\d GiB for one batch`,
          ),
        ),
      },
    ]);
    expect(count()).toBe(0);
  });
});
