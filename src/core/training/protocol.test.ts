import { describe, expect, it } from 'vitest';
import { threadsVariable, workerEnv } from './protocol';

describe('workerEnv', () => {
  it('hands a worker its share of the cores', () => {
    expect(workerEnv({ threads: 2 }, { HOME: '/h' })).toEqual({ HOME: '/h', [threadsVariable]: '2' });
  });

  it.each([
    ['0', 1],
    ['1', 1],
    ['3', 3],
    ['16', 4],
  ])('keeps within the cap the studio was started with (%s), as docs/backends.md says', (cap, threads) => {
    expect(workerEnv({ threads: 4 }, { [threadsVariable]: cap })[threadsVariable]).toBe(String(threads));
  });

  it('leaves the environment as it is where no share is given (the worker takes every core)', () => {
    const env = { [threadsVariable]: '1' };
    expect(workerEnv({}, env)).toBe(env);
    expect(workerEnv({ threads: 2 }, { [threadsVariable]: 'many' })[threadsVariable]).toBe('2');
  });
});
