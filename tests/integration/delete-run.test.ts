import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import { mnistConfig, withTestStudio } from './helpers';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

describe('deleting a run', () => {
  it('stops its evaluation first, and removes its checkpoints from disk: a later run of the same id starts clean', async () => {
    const { runId } = await studio.api['runs.start']({ config: mnistConfig({ trainSubset: 512, testSubset: 256, epochs: 2 }) });
    await studio.orchestrator.whenEnded(runId);
    const [checkpoint] = (await studio.api['runs.get']({ runId })).checkpoints;
    if (!checkpoint) throw new Error('the run kept no checkpoint');
    const folder = dirname(checkpoint.path);
    expect(readdirSync(folder).length).toBeGreaterThan(0);

    const { evaluationId } = await studio.api['evaluations.start']({ runId, what: ['clustering', 'probe'] });
    expect(studio.orchestrator.jobs.ids).toContain(evaluationId);
    expect(await studio.api['runs.delete']({ runId })).toEqual({ deleted: true });
    expect(studio.orchestrator.jobs.ids).toEqual([]);
    expect(existsSync(folder), folder).toBe(false);

    // SQLite gives the next run the id of the newest one deleted: its folder holds only its own checkpoint (of
    // epoch 1), none of the deleted run's (of epochs 1 and 2).
    const again = await studio.api['runs.start']({ config: mnistConfig({ trainSubset: 512, testSubset: 256, epochs: 1 }) });
    expect(again.runId).toBe(runId);
    await studio.orchestrator.whenEnded(again.runId);
    const kept = (await studio.api['runs.get']({ runId })).checkpoints.map((c) => c.path);
    expect(
      readdirSync(folder)
        .map((f) => `${folder}/${f}`)
        .sort(),
    ).toEqual(kept.sort());
  });
});
