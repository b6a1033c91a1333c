import { describe, expect, it } from 'vitest';
import { ClientError } from './client';
import { priorSample } from './explore';
import {
  afterSuccess,
  callErrorTexts,
  decodeRequest,
  editedSource,
  selectedCodes,
  interpolationCaption,
  maxStripSteps,
  meanCode,
  mostCommonLabel,
  reopenedNotice,
  sampleStart,
  withClass,
  sessionEnded,
  signed2,
  stripName,
  stripRequest,
  stripRows,
  stripSteps,
  traversalCaption,
} from './explore-codes';

describe('the explore view’s small decisions', () => {
  it('tells an ended session from other failures, and says it was opened again', () => {
    const ended = new ClientError({
      code: 'conflict',
      message: 'The explorer session has ended. Open the run in the explorer again.',
    });
    expect(sessionEnded(ended)).toBe(true);
    expect(sessionEnded(new ClientError({ code: 'conflict', message: 'busy' }))).toBe(false);
    expect(sessionEnded(new ClientError({ code: 'not_found', message: 'the session has ended' }))).toBe(false);
    expect(sessionEnded(new Error('has ended'))).toBe(false);
    expect(reopenedNotice(ended.message)).toBe('The explorer session has ended. It was opened again.');
  });

  it('starts from the mean code of a selection and its most common label', () => {
    expect(
      meanCode(
        [
          [1, 2],
          [3, 6],
        ],
        2,
      ),
    ).toEqual([2, 4]);
    expect(mostCommonLabel([3, 1, 3, 1, 2])).toBe(1);
    expect(mostCommonLabel([4, 4, 0])).toBe(4);
    expect(mostCommonLabel([])).toBe(0);
    expect(mostCommonLabel(null)).toBeNull();
    expect(mostCommonLabel(undefined)).toBeNull();
  });

  it('samples from the prior for a VAE, else from a Gaussian fitted to the test codes, with a whole seed', () => {
    const info = { latentSize: 3, spread: { mean: [10, 20, 30], std: [0.1, 0.1, 0.1], min: [], max: [] }, priorDraws: null };
    expect(sampleStart(info, true, 5.7)).toEqual({ code: priorSample(3, 5), what: 'prior sample z ~ N(0, I), seed 5' });
    expect(sampleStart(info, false, 2)).toEqual({
      code: priorSample(3, 2, [10, 20, 30], [0.1, 0.1, 0.1]),
      what: 'sample of a Gaussian fitted to the test codes, seed 2',
    });
    // A ReLU code's Gaussian draws go through its ReLU: the negative ones become 0, the rest are as drawn.
    const relu = { ...info, spread: { ...info.spread, mean: [0, 0, 0], std: [1, 1, 1] } };
    const drawn = priorSample(3, 2, [0, 0, 0], [1, 1, 1]);
    expect(drawn.some((v) => v < 0)).toBe(true);
    expect(sampleStart({ ...relu, codeRange: { min: 0, max: null, activation: 'ReLU' } }, false, 2)).toEqual({
      code: drawn.map((v) => Math.max(0, v)),
      what: 'sample of a Gaussian fitted to the test codes, values below 0 set to 0 (a ReLU code), seed 2',
    });
    // A model with its own prior (a mixture): the session's draws of it, by seed, around and around.
    const own = {
      ...info,
      priorDraws: [
        [4, 0, 0],
        [0, 4, 1],
        [-4, 0, 2],
      ],
    };
    expect(sampleStart(own, true, 2)).toEqual({ code: [0, 4, 1], what: "sample of the model's own prior, draw 2 of 3" });
    expect(sampleStart(own, true, 4).code).toEqual([4, 0, 0]);
    expect(sampleStart(own, true, 0).what).toBe("sample of the model's own prior, draw 3 of 3");
  });

  it('keeps a failed call said until a call of its own kind succeeds, and says what each was for', () => {
    const errors = { strip: 'explorer.decode: the session ended', encode: 'indices: image 900 is not in the test split' };
    // The sliders decoding again hides neither; the next strip that works clears the strip's alone.
    expect(afterSuccess(errors, 'decode')).toBe(errors);
    expect(afterSuccess(errors, 'strip')).toEqual({ encode: errors.encode });
    expect(afterSuccess({}, 'strip')).toEqual({});
    expect(callErrorTexts(errors)).toEqual([
      'Encoding the chosen test images failed: indices: image 900 is not in the test split',
      'Making the strip failed: explorer.decode: the session ended',
    ]);
    expect(callErrorTexts({ decode: 'x' })).toEqual(['Decoding the sliders’ code failed: x']);
  });

  it('decodes the sliders’ code through every decoder, with the class of a conditional model', () => {
    const want = { z: [1, 2], label: 3 };
    expect(decodeRequest(['default'], want, false, false)).toEqual({ z: [[1, 2]], png: false });
    expect(decodeRequest(['a', 'b'], want, true, true)).toEqual({
      z: [
        [1, 2],
        [1, 2],
      ],
      labels: [3],
      decoder: ['a', 'b'],
      png: true,
    });
  });

  it('decodes a strip as a row per decoder', () => {
    const codes = [[0], [1], [2]];
    expect(stripRequest(['default'], codes, 4, true)).toEqual({ z: codes, labels: [4], png: false });
    expect(stripRequest(['a', 'b'], codes, 4, false)).toEqual({
      z: [...codes, ...codes],
      decoder: ['a', 'a', 'a', 'b', 'b', 'b'],
      png: false,
    });
    expect(stripRows(['a0', 'a1', 'a2', 'b0', 'b1', 'b2'], 2, 3)).toEqual([
      ['a0', 'a1', 'a2'],
      ['b0', 'b1', 'b2'],
    ]);
  });

  it('sizes, names and captions a strip', () => {
    expect(maxStripSteps(1)).toBe(64);
    expect(maxStripSteps(2)).toBe(32);
    expect(stripSteps(8.7, 64)).toBe(8);
    expect(stripSteps(1, 64)).toBe(2);
    expect(stripSteps(100, 32)).toBe(32);
    expect(stripName(3, 'interpolation', 'spherical', 0)).toBe('run-3-spherical-interpolation');
    expect(stripName(3, 'traversal', 'straight', 3)).toBe('run-3-z4-traversal');
    expect(interpolationCaption('straight', 8, 'test image 1', 'test image 7')).toBe(
      'Straight path in 8 steps from A (test image 1) to B (test image 7)',
    );
    expect(traversalCaption(3, { min: -3, max: 3.5 }, 12)).toBe(
      'z4 from -3 to 3.5 in 12 steps, the other dimensions as the sliders held them',
    );
    // Named by where the sliders' code came from: still true once they move on (a sample, another image).
    expect(traversalCaption(3, { min: -3, max: 3.5 }, 12, 'test image 7')).toBe(
      'z4 from -3 to 3.5 in 12 steps, the other dimensions as the sliders held them (test image 7)',
    );
  });

  it('lists a latent value with two decimals, a space for a plus sign', () => {
    expect(signed2(1)).toBe(' 1.00');
    expect(signed2(-0.5)).toBe('-0.50');
    expect(signed2(0)).toBe(' 0.00');
  });

  it('names the class a conditional model decoded a strip with', () => {
    expect(withClass('Spherical path in 10 steps from A (test image 3) to B (test image 9)', 'seven')).toBe(
      'Spherical path in 10 steps from A (test image 3) to B (test image 9); every step decoded as class seven',
    );
    expect(withClass('z4 from -3 to 3 in 9 steps', null)).toBe('z4 from -3 to 3 in 9 steps');
  });
});

describe('where the sliders start', () => {
  it('the mean of a selection takes every selected code, and its most common label', () => {
    // Four 2-d codes, row-major; the selection is rows 0, 2 and 3.
    const codes = Float32Array.from([1, 10, 100, 100, 3, 20, 5, 30]);
    const s = selectedCodes(codes, 2, [4, 9, 7, 7], [0, 2, 3], 12);
    expect(s.mean).toEqual([3, 20]);
    expect(s.label).toBe(7);
    expect(s.epoch).toBe(12);
    expect(selectedCodes(codes, 2, null, [1], 12)).toMatchObject({ mean: [100, 100], label: null });
  });

  it('a start moved by a slider says it was edited, once', () => {
    expect(editedSource('test image 5')).toBe('test image 5, edited');
    expect(editedSource(editedSource('test image 5'))).toBe('test image 5, edited');
    expect(editedSource('')).toBe('');
  });
});
