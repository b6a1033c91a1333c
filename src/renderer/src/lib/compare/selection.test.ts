import { describe, expect, it } from 'vitest';
import { existingOnly, goneText, missingRuns } from './selection';

describe("the comparison's selection", () => {
  it('drops the runs the list no longer has, in the order they were ticked', () => {
    expect(existingOnly([7, 3, 9], [{ id: 9 }, { id: 7 }])).toEqual([7, 9]);
  });

  it('is the same array where every run still exists', () => {
    const selection = [2, 1];
    expect(existingOnly(selection, [{ id: 1 }, { id: 2 }, { id: 3 }])).toBe(selection);
  });
});

describe('a comparison whose runs were deleted', () => {
  it('names the runs the table lacks or that were deleted since it was read', () => {
    expect(missingRuns([3, 7, 9], [{ id: 3 }, { id: 9 }], new Set())).toEqual([7]);
    expect(missingRuns([3, 7, 9], [{ id: 3 }, { id: 7 }, { id: 9 }], new Set([9]))).toEqual([9]);
    expect(missingRuns([3, 7], [{ id: 3 }, { id: 7 }], new Set([12]))).toEqual([]);
    expect(goneText([7])).toBe('Run 7 no longer exists (deleted): what is shown of it is from before.');
    expect(goneText([7, 9])).toBe('Runs 7, 9 no longer exist (deleted): what is shown of them is from before.');
  });
});
