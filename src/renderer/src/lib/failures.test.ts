import { describe, expect, it } from 'vitest';
import { failed, failureLine, succeeded, type Failures } from './failures';

describe('the error banner’s failures', () => {
  it('clears a failure once the same reading succeeds, and keeps the others', () => {
    let f: Failures = {};
    f = failed(f, 'runs', new Error('Failed to fetch'));
    f = failed(f, 'datasets', new Error('Failed to fetch'));
    f = failed(f, 'sweeps', 'the studio refused: internal');
    expect(failureLine(f)).toBe('Failed to fetch; the studio refused: internal');
    f = succeeded(f, 'runs');
    expect(failureLine(f)).toBe('Failed to fetch; the studio refused: internal');
    f = succeeded(succeeded(f, 'datasets'), 'sweeps');
    expect(failureLine(f)).toBeNull();
    expect(succeeded(f, 'runs')).toBe(f);
  });
});
