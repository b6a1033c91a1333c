import { describe, expect, it } from 'vitest';
import type { DatasetInfo, FamilyInfo } from '../../../shared/api';
import {
  defaultGeneration,
  factorText,
  labelOf,
  labelsText,
  pairableSets,
  pairingFamilies,
  sampleRangeText,
  sampleTitle,
  statusOf,
} from './datasets-view';

function set(name: string, more: Partial<DatasetInfo> = {}): DatasetInfo {
  return {
    name,
    title: name,
    kind: 'generated',
    description: '',
    source: '',
    height: 32,
    width: 32,
    channels: 3,
    trainCount: 90,
    testCount: 10,
    classes: 0,
    labelNames: null,
    factors: [],
    twin: null,
    split: 'random',
    available: true,
    stored: true,
    hint: null,
    sizeBytes: 2_500_000,
    hash: null,
    createdAt: null,
    ...more,
  };
}

describe('the list and the facts', () => {
  it('says whether a set is installed, still to generate, or its size on disk', () => {
    expect(statusOf(set('a', { available: false }))).toBe('not installed');
    expect(statusOf(set('a', { stored: false }))).toBe('generated on first use');
    expect(statusOf(set('a'))).toBe('2.5 MB');
  });
  it('names the labels, the first twelve of them', () => {
    expect(labelsText(set('a'))).toBe('none');
    expect(labelsText(set('a', { classes: 3, labelNames: ['bar', 'disc', 'ring'] }))).toBe('3: bar, disc, ring');
    const many = Array.from({ length: 14 }, (_, i) => `c${i}`);
    expect(labelsText(set('a', { classes: 14, labelNames: many }))).toBe(`14: ${many.slice(0, 12).join(', ')}, …`);
    expect(labelsText(set('a', { classes: 2 }))).toBe('2: ');
  });
});

describe('the image grid', () => {
  const faces = set('faces-a', {
    classes: 2,
    labelNames: ['smile', 'frown'],
    factors: [
      { name: 'pose', min: -1, max: 1, values: null },
      { name: 'light', min: 0, max: 1, values: [0, 0.5, 1] },
    ],
  });
  it('labels an image by its label name, its number without names, and nothing without a label', () => {
    expect(labelOf(faces, 1)).toBe('frown');
    expect(labelOf(faces, 5)).toBe('5');
    expect(labelOf(set('a'), 0)).toBe('0');
    expect(labelOf(faces, null)).toBe('');
  });
  it('reads the factors to three decimals, and an image in its title', () => {
    expect(factorText(faces, [0.123456, 1])).toBe('pose 0.123, light 1');
    expect(factorText(faces, null)).toBe('');
    expect(sampleTitle(faces, { index: 7, label: 0, factors: [0.5, 0], png: '' })).toBe('#7 smile pose 0.5, light 0');
    expect(sampleTitle(set('a'), { index: 3, label: null, factors: null, png: '' })).toBe('#3');
  });
  it('says which images the page shows, once the total is known', () => {
    expect(sampleRangeText(0, 48, 108)).toBe('1–48 of 108');
    expect(sampleRangeText(96, 48, 108)).toBe('97–108 of 108');
    expect(sampleRangeText(48, 48, 18000)).toBe('49–96 of 18,000');
    expect(sampleRangeText(0, 48, 0)).toBe('');
  });
});

describe('generating and pairing', () => {
  it('generates a set under its default name with seed 0 at its listed size', () => {
    expect(defaultGeneration(set('faces-a', { trainCount: 3240, testCount: 360 }))).toEqual({
      generator: 'faces',
      seed: 0,
      count: 3600,
      name: 'faces',
    });
    expect(defaultGeneration(set('shapes'))).toEqual({ generator: 'shapes', seed: 0, count: 100, name: 'shapes' });
  });
  it('offers the families that declare a pairing', () => {
    const pairing = { name: 'deepfake', help: 'A and B' };
    const families = [
      { id: 'vae', datasetPairing: null },
      { id: 'deepfake', datasetPairing: pairing },
    ] as FamilyInfo[];
    expect(pairingFamilies(families)).toEqual([{ id: 'deepfake', pairing }]);
    expect(pairingFamilies([])).toEqual([]);
  });
  it('pairs a set with the other available sets of its image size', () => {
    const a = set('faces-a');
    const sets = [
      a,
      set('faces-b'),
      set('gray', { channels: 1 }),
      set('wide', { width: 64 }),
      set('tall', { height: 64 }),
      set('missing', { available: false }),
      set('later', { stored: false }),
    ];
    expect(pairableSets(sets, a).map((d) => d.name)).toEqual(['faces-b', 'later']);
    expect(pairableSets(sets, undefined)).toEqual([]);
  });
});
