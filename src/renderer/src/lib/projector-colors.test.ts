import { describe, expect, it } from 'vitest';
import { categoryColor, packRgba, parseColor, viridis } from './projection-draw';
import { colorChoices, factorIndexOf, factorRange, frontMask, legendEntries, pointColors } from './projector-colors';

const rgba = (rgb: [number, number, number], a?: number) => packRgba(rgb[0], rgb[1], rgb[2], a);

describe('the projector’s colours', () => {
  it('offers the label where there are labels, each factor, and none', () => {
    expect(colorChoices(true, ['size', 'angle'])).toEqual([
      { value: 'label', label: 'label' },
      { value: 'factor:0', label: 'factor: size' },
      { value: 'factor:1', label: 'factor: angle' },
      { value: 'none', label: 'none' },
    ]);
    expect(colorChoices(false, [])).toEqual([{ value: 'none', label: 'none' }]);
    expect(factorIndexOf('factor:1')).toBe(1);
    expect(factorIndexOf('label')).toBe(-1);
    expect(factorIndexOf('none')).toBe(-1);
  });

  it('lists each label among the drawn points once, ascending, with its count', () => {
    const labels = [2, 0, 2, 5, 2, 0];
    // Test image 3 (label 5) is not drawn.
    const entries = legendEntries(Uint32Array.from([0, 1, 2, 4, 5]), labels, (v) => `digit ${v}`);
    expect(entries).toEqual([
      { value: 0, name: 'digit 0', color: categoryColor(0), count: 2 },
      { value: 2, name: 'digit 2', color: categoryColor(2), count: 3 },
    ]);
  });

  it('finds a factor’s range over every code', () => {
    // Three codes with two factors each, row-major.
    const factors = Float32Array.from([1, -2, 3, 4, 2, 0.5]);
    expect(factorRange(factors, 3, ['a', 'b'], 0)).toEqual({ name: 'a', min: 1, max: 3 });
    expect(factorRange(factors, 3, ['a', 'b'], 1)).toEqual({ name: 'b', min: -2, max: 4 });
  });

  it('colours by label or factor, grey otherwise, and dims what is outside a selection', () => {
    const indices = Uint32Array.from([0, 1, 2]);
    const base = {
      indices,
      labels: [0, 1, 0],
      factors: Float32Array.from([0, 5, 10]),
      factorCount: 1,
      factorIndex: 0,
      range: { name: 'f', min: 0, max: 10 },
      selected: new Set<number>(),
    };
    const byLabel = pointColors({ ...base, colorBy: 'label', range: null });
    expect(Array.from(byLabel)).toEqual([0, 1, 0].map((v) => rgba(parseColor(categoryColor(v)))));
    const byFactor = pointColors({ ...base, colorBy: 'factor:0' });
    expect(Array.from(byFactor)).toEqual([0, 0.5, 1].map((t) => rgba(viridis(t))));
    const none = pointColors({ ...base, colorBy: 'none', range: null });
    expect(Array.from(none)).toEqual([0, 1, 2].map(() => rgba([160, 178, 196])));
    const selected = pointColors({ ...base, colorBy: 'none', range: null, selected: new Set([1]) });
    expect(Array.from(selected)).toEqual([rgba([160, 178, 196], 45), rgba([160, 178, 196]), rgba([160, 178, 196], 45)]);
  });

  it('colours a clustering model’s points by their cluster, of which there may be more than 256', () => {
    expect(colorChoices(true, [], true).map((c) => c.value)).toEqual(['label', 'cluster', 'none']);
    const clusters = [0, 300, 300, 7];
    const colors = pointColors({
      indices: Uint32Array.of(0, 1, 2, 3),
      labels: [1, 1, 1, 1],
      clusters,
      factors: null,
      factorCount: 0,
      colorBy: 'cluster',
      factorIndex: -1,
      range: null,
      selected: new Set(),
    });
    expect(Array.from(colors)).toEqual(clusters.map((c) => rgba(parseColor(categoryColor(c)))));
    expect(legendEntries([0, 1, 2, 3], clusters, (v) => `cluster ${v}`).map((e) => [e.name, e.count])).toEqual([
      ['cluster 0', 1],
      ['cluster 7', 1],
      ['cluster 300', 2],
    ]);
  });

  it('puts the selected points in front, and nothing when none is selected', () => {
    expect(frontMask(Uint32Array.from([3, 7, 9]), new Set())).toBeNull();
    expect(Array.from(frontMask(Uint32Array.from([3, 7, 9]), new Set([9, 3]))!)).toEqual([1, 0, 1]);
  });
});
