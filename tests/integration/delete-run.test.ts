import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import { mnistConfig, openTestStudio, tempDir, withTestStudio } from './helpers';

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

  it('in one of two databases in a folder, leaves the other’s run of the same id whole (each keeps its own checkpoints)', async () => {
    const tmp = tempDir();
    const [one, other] = [openTestStudio(join(tmp.dir, 'studio.db')), openTestStudio(join(tmp.dir, 'beta.db'))];
    try {
      const config = mnistConfig({ trainSubset: 256, testSubset: 128, epochs: 1 });
      const runs = await Promise.all([one, other].map((s) => s.api['runs.start']({ config })));
      expect(runs[0]?.runId).toBe(runs[1]?.runId);
      const folders = await Promise.all(
        [one, other].map(async (s, i) => {
          await s.orchestrator.whenEnded(runs[i]!.runId);
          return dirname((await s.api['runs.get']({ runId: runs[i]!.runId })).checkpoints[0]!.path);
        }),
      );
      expect(folders.map((f) => relative(tmp.dir, f))).toEqual([
        join('checkpoints', 'run-1'),
        join('checkpoints-beta.db', 'run-1'),
      ]);
      await one.api['runs.delete']({ runId: runs[0]!.runId });
      expect(existsSync(folders[0]!)).toBe(false);
      // The other database's run still resumes from its own checkpoint.
      const extended = await other.api['runs.resume']({ runId: runs[1]!.runId, addEpochs: 1 });
      expect(extended.fromEpoch).toBe(1);
      await other.orchestrator.whenEnded(runs[1]!.runId);
      expect((await other.api['runs.get']({ runId: runs[1]!.runId })).status).toBe('completed');
    } finally {
      await Promise.all([one.close(), other.close()]);
      tmp.cleanup();
    }
  });
});
