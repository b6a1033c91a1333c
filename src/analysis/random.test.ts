import { describe, expect, it } from 'vitest';

import { mulberry32, randomInt, shuffleInPlace, standardNormal } from './random';

describe('mulberry32', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
  });

  it('is the published mulberry32 (Tommy Ettinger): its first draws for seed 42', () => {
    const rng = mulberry32(42);
    expect([rng(), rng(), rng()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('is uniform on [0, 1) and its normals are standard', () => {
    const rng = mulberry32(1);
    const u = Array.from({ length: 20000 }, () => rng());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((s, v) => s + v, 0) / u.length).toBeCloseTo(0.5, 2);
    const z = Array.from({ length: 20000 }, () => standardNormal(rng));
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length).toBeCloseTo(1, 1);
  });

  it('shuffles into a permutation and draws integers in range', () => {
    const rng = mulberry32(5);
    const items = Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(rng, items);
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (let i = 0; i < 1000; i++) expect(randomInt(rng, 7)).toBeLessThan(7);
  });
});
