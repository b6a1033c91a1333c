import { describe, expect, it } from 'vitest';
import { strengthCount, studyAxis, studyStrengths } from './study-view';

describe("the study's panels", () => {
  it('read round ticks from 0 to the first round step at or above the top value', () => {
    // MIG values of a short study: ticks 0, 0.01, 0.02, 0.03 (they read "0.00, 0.01, 0.03" as thirds of 0.029).
    expect(studyAxis([0.012, 0.029, 0.018])).toMatchObject({ lo: 0, hi: 0.03 });
    expect(studyAxis([0.012, 0.029, 0.018]).ticks.map((t) => t.label)).toEqual(['0', '0.01', '0.02', '0.03']);
    expect(studyAxis([0.93, 0.25]).ticks.map((t) => t.at)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    // A value below 0 (SAP can be): the axis starts at a step below it.
    expect(studyAxis([-0.004, 0.02]).lo).toBe(-0.004);
    expect(studyAxis([-0.004, 0.02]).ticks.map((t) => t.at)).toEqual([0, 0.01, 0.02]);
    // Nothing yet, or all 0: an axis still.
    expect(studyAxis([]).hi).toBeGreaterThan(0);
    expect(studyAxis([0, 0]).hi).toBeGreaterThan(0);
  });

  it("list each model's strengths in run order, and count them", () => {
    const run = (model: string, strength: string) => ({ params: { 'study.model': model, 'study.strength': strength } });
    const strengths = studyStrengths([run('β-VAE', 'β=1'), run('β-VAE', 'β=4'), run('β-VAE', 'β=1'), run('DIP', 'λ=1')]);
    expect(Object.fromEntries(strengths)).toEqual({ 'β-VAE': ['β=1', 'β=4'], DIP: ['λ=1'] });
    expect(strengthCount(strengths)).toBe('1–2');
    expect(strengthCount(new Map([['a', ['1', '2', '3']]]))).toBe('3');
  });
});
