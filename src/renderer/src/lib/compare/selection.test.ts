import { describe, expect, it } from 'vitest';
import { existingOnly } from './selection';

describe("the comparison's selection", () => {
  it('drops the runs the list no longer has, in the order they were ticked', () => {
    expect(existingOnly([7, 3, 9], [{ id: 9 }, { id: 7 }])).toEqual([7, 9]);
  });

  it('is the same array where every run still exists', () => {
    const selection = [2, 1];
    expect(existingOnly(selection, [{ id: 1 }, { id: 2 }, { id: 3 }])).toBe(selection);
  });
});
