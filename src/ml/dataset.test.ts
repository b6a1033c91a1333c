import { describe, expect, it } from 'vitest';
import { classCount, fillOneHot, holdOutValidation, memorySplit } from './dataset';

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

describe('a validation split held out of the training images', () => {
  it('parts them by a fixed draw: disjoint, in their order, the same for every run, labels kept', () => {
    const n = 50;
    const images = Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4));
    const train = memorySplit(
      images,
      4,
      Uint8Array.from({ length: n }, (_, i) => i % 10),
    );
    const { train: rest, validation } = holdOutValidation(train, 0.2);
    expect([rest.count, validation.count]).toEqual([40, 10]);
    const ids = (s: typeof train) => {
      const out = new Uint8Array(s.count * 4);
      s.readBytes(
        Array.from({ length: s.count }, (_, i) => i),
        out,
      );
      return Array.from({ length: s.count }, (_, i) => out[i * 4] as number);
    };
    const held = ids(validation);
    const kept = ids(rest);
    expect([...held, ...kept].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(held).toEqual([...held].sort((a, b) => a - b));
    // Drawn, not the first or the last ten.
    expect(held).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(held).not.toEqual(Array.from({ length: 10 }, (_, i) => 40 + i));
    expect(Array.from(validation.labels ?? [])).toEqual(held.map((i) => i % 10));
    expect(ids(holdOutValidation(train, 0.2).validation)).toEqual(held);
    expect(() => holdOutValidation(memorySplit(new Uint8Array(4), 4, null), 0.5)).toThrow(/^dataset\.validationFraction: /);
  });
});
