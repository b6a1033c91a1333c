import { describe, expect, it } from 'vitest';
import { priorStaleness } from './prior-view';

const at = (...epochs: number[]) => epochs.map((epoch) => ({ epoch, step: epoch * 10, path: `e${epoch}`, sizeBytes: 1 }));

describe('a learned prior and the run it was trained on', () => {
  it('says when the run trained on after the prior, naming both epochs', () => {
    expect(priorStaleness({ checkpoints: at(3, 8), stoppedEarly: null }, { checkpointEpoch: 3 })).toContain(
      "newest checkpoint is of epoch 8, the prior's codes of epoch 3",
    );
  });
  it('is quiet for a prior of the newest checkpoint, and for a run early stopping ended (its best is used)', () => {
    expect(priorStaleness({ checkpoints: at(3, 8), stoppedEarly: null }, { checkpointEpoch: 8 })).toBeNull();
    const stopped = { epoch: 8, bestEpoch: 3 } as unknown as NonNullable<Parameters<typeof priorStaleness>[0]['stoppedEarly']>;
    expect(priorStaleness({ checkpoints: at(3, 8), stoppedEarly: stopped }, { checkpointEpoch: 3 })).toBeNull();
    expect(priorStaleness({ checkpoints: [], stoppedEarly: null }, { checkpointEpoch: 3 })).toBeNull();
  });
});
