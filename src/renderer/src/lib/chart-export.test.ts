import { describe, expect, it } from 'vitest';
import { chartDataCsv } from './chart-export';

describe('a chart’s data as CSV', () => {
  it('holds every point of a series that Chart.js’ decimation thinned for drawing', () => {
    const whole = Array.from({ length: 3000 }, (_, i) => ({ x: i / 50, y: 1 / (i + 1) }));
    // What the decimation plugin does to a long series: `data` reads the thinned copy, `_data` keeps the whole.
    const dataset: { label: string; data: { x: number; y: number }[] } = { label: 'train (batch)', data: whole };
    const thinned = whole.filter((_, i) => i % 10 === 0);
    Object.assign(dataset, { _data: whole, _decimated: thinned });
    Object.defineProperty(dataset, 'data', { get: () => thinned });
    const rows = chartDataCsv({ datasets: [dataset, { label: 'test', data: [{ x: 1, y: 0.5 }] }] }, 'epoch').split('\n');
    expect(rows[0]).toBe('series,epoch,y');
    expect(rows.filter((r) => r.startsWith('train (batch),'))).toHaveLength(3000);
    expect(rows.filter((r) => r.startsWith('test,'))).toEqual(['test,1,0.5']);
  });
});
