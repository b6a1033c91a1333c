import { describe, expect, it } from 'vitest';
import { classCount, fillOneHot, memorySplit } from './dataset';

const split = (labels: number[]) => memorySplit(new Uint8Array(labels.length * 4), 4, Uint8Array.from(labels));

describe('labels as a conditional model takes them', () => {
  it('counts the classes of both splits: a training subset may lack the largest label a test image has', () => {
    expect(classCount({ train: split([0, 0, 1]), test: split([2, 0]) })).toBe(3);
    expect(classCount({ train: split([0, 3]) })).toBe(4);
    expect(classCount({ train: memorySplit(new Uint8Array(8), 4, null), test: split([1]) })).toBe(0);
  });

  it('writes one-hot rows, and refuses a label past the class count instead of marking the next image’s row', () => {
    const out = new Float32Array(6);
    fillOneHot(split([2, 0]), 3, [0, 1], out);
    expect([...out]).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => fillOneHot(split([0, 3]), 3, [0, 1], out)).toThrow('image 1 has label 3, but the model knows 3 classes');
  });
});
