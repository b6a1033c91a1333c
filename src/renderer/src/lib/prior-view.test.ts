import { describe, expect, it } from 'vitest';
import { priorContextNote, priorStaleness } from './prior-view';

const at = (...epochs: number[]) => epochs.map((epoch) => ({ epoch, step: epoch * 10, path: `e${epoch}`, sizeBytes: 1 }));
const stopped = { epoch: 8, bestEpoch: 3 } as unknown as NonNullable<Parameters<typeof priorStaleness>[0]['stoppedEarly']>;

describe('a learned prior and the run it was trained on', () => {
  it('says when the run trained on after the prior, naming both epochs', () => {
    const run = { checkpoints: at(3, 8), stoppedEarly: null, defaultCheckpoint: { epoch: 8, bestBy: null } };
    expect(priorStaleness(run, { checkpointEpoch: 3 })).toContain(
      "newest checkpoint is of epoch 8, the prior's codes of epoch 3",
    );
  });
  it('follows the default a run early stopping ended keeps: its best, which extending the run may move', () => {
    const best = (epoch: number) => ({
      checkpoints: at(3, 8, 12),
      stoppedEarly: stopped,
      defaultCheckpoint: { epoch, bestBy: 'loss' },
    });
    expect(priorStaleness(best(3), { checkpointEpoch: 3 })).toBeNull();
    expect(priorStaleness(best(12), { checkpointEpoch: 3 })).toContain(
      "best checkpoint by test loss is of epoch 12, the prior's codes of epoch 3",
    );
    // Stopped early without keeping its best: the newest is the default, and a prior of an older one is stale.
    const newest = { checkpoints: at(3, 8), stoppedEarly: stopped, defaultCheckpoint: { epoch: 8, bestBy: null } };
    expect(priorStaleness(newest, { checkpointEpoch: 3 })).toContain('newest checkpoint is of epoch 8');
  });
  it('says so when the default moved back to an older checkpoint (the newer file gone)', () => {
    const run = { checkpoints: at(8, 12), stoppedEarly: null, defaultCheckpoint: { epoch: 8, bestBy: null } };
    expect(priorStaleness(run, { checkpointEpoch: 12 })).toContain(
      "is now of epoch 8 (the prior's, of epoch 12, is no longer usable)",
    );
  });
  it('is quiet for a prior of the default checkpoint, and for a run with none', () => {
    expect(
      priorStaleness(
        { checkpoints: at(3, 8), stoppedEarly: null, defaultCheckpoint: { epoch: 8, bestBy: null } },
        { checkpointEpoch: 8 },
      ),
    ).toBeNull();
    expect(priorStaleness({ checkpoints: [], stoppedEarly: null, defaultCheckpoint: null }, { checkpointEpoch: 3 })).toBeNull();
    // A reading from an older host, without the default: the newest, and a stopped-early run left alone.
    expect(priorStaleness({ checkpoints: at(3, 8), stoppedEarly: null }, { checkpointEpoch: 3 })).toContain('epoch 8');
    expect(priorStaleness({ checkpoints: at(3, 8), stoppedEarly: stopped }, { checkpointEpoch: 3 })).toBeNull();
  });
});

describe("a prior's reach", () => {
  it('is said where its positions see part of their past, and not where they see all of it', () => {
    expect(priorContextNote({ architecture: { visibleContext: 0.579, worstContext: 0.333 } })).toBe(
      "This grid is wider than the network's reach: a position's logits see 58 % of the positions before it on average " +
        '(the least-seeing one 33 %), so its NLL is that of a prior that sees part of the past.',
    );
    expect(priorContextNote({ architecture: { visibleContext: 1, worstContext: 1 } })).toBeNull();
    expect(priorContextNote({})).toBeNull();
  });
});
