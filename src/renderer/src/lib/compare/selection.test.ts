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
  it('tells runs deleted since it was read from runs it never had', () => {
    expect(missingRuns([3, 7, 9], [{ id: 3 }, { id: 9 }], new Set())).toEqual({ absent: [7], deleted: [] });
    expect(missingRuns([3, 7, 9], [{ id: 3 }, { id: 7 }, { id: 9 }], new Set([9]))).toEqual({ absent: [], deleted: [9] });
    expect(missingRuns([3, 7], [{ id: 3 }, { id: 7 }], new Set([12]))).toEqual({ absent: [], deleted: [] });
    expect(goneText({ absent: [], deleted: [7] })).toBe('Run 7 was deleted since: what is shown of it is from before.');
    expect(goneText({ absent: [4, 5], deleted: [] })).toBe('Runs 4, 5: no such run (deleted, or never made).');
    expect(goneText({ absent: [], deleted: [] })).toBeNull();
  });
});
