/**
 * Exporting a chart: as PNG (what is on screen, on the theme's background), as SVG (vector, for a paper) and its
 * data as CSV. Chart.js charts are drawn a second time into svgcanvas's SVG context (a 2D context that writes SVG,
 * https://github.com/zenozeng/svgcanvas); the SVG charts are serialised with their computed styles inlined, so the
 * file looks as the view does without the studio's stylesheet.
 */
import { BasicPlatform, Chart, type ChartConfiguration } from 'chart.js';
import { Context } from 'svgcanvas';
import { csvField } from '../../../shared/runs-table';

export interface ChartExporter {
  png(): Promise<Blob>;
  svg(): string;
  csv(): string;
}

/** The file name of an export: the chart's title in lower case, words joined by dashes. */
export function exportName(title: string, extension: 'png' | 'svg' | 'csv'): string {
  const stem = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return `${stem || 'chart'}.${extension}`;
}

export function download(name: string, data: Blob | string, mime = 'text/plain'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type: mime }) : data;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The theme's colours for chart text and grid lines, read where a chart is made. */
export function themeColors(): { text: string; grid: string } {
  const styles = getComputedStyle(document.documentElement);
  return {
    text: styles.getPropertyValue('--muted').trim() || '#9aa0a6',
    grid: styles.getPropertyValue('--grid').trim() || '#333',
  };
}

function background(): string {
  return getComputedStyle(document.documentElement).getPropertyValue('--panel').trim() || '#ffffff';
}

function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the chart could not be drawn as PNG'))), 'image/png'),
  );
}

/** A canvas's pixels on the theme's background (a chart's own canvas is transparent), as PNG. */
export function flatPng(source: CanvasImageSource, width: number, height: number): Promise<Blob> {
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  if (!ctx) return Promise.reject(new Error('no 2D canvas to draw the PNG on'));
  ctx.fillStyle = background();
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(source, 0, 0, width, height);
  return canvasPng(out);
}

/** CSV of a header and rows (RFC 4180 quoting, as the runs table's CSV). */
export function csvOf(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null | undefined | readonly number[])[])[],
): string {
  return `${[header, ...rows].map((line) => line.map((v) => csvField(v)).join(',')).join('\n')}\n`;
}

type Point = { x: number; y: number } | number | null;

/**
 * A Chart.js chart's data: one column per series beside the labels (bars), or one row per point (series, x, y)
 * for charts of {x, y} points, whose series need not share their x values.
 */
export function chartDataCsv(
  data: { labels?: readonly unknown[]; datasets: readonly { label?: string; data: readonly Point[] }[] },
  xName = 'x',
): string {
  const labels = data.labels ?? [];
  if (labels.length > 0) {
    return csvOf(
      ['label', ...data.datasets.map((d, i) => d.label ?? `series ${i + 1}`)],
      labels.map((l, i) => [String(l), ...data.datasets.map((d) => pointY(d.data[i]))]),
    );
  }
  const rows: (string | number | null)[][] = [];
  data.datasets.forEach((d, i) => {
    for (const p of ownPoints(d)) if (p !== null && typeof p === 'object') rows.push([d.label ?? `series ${i + 1}`, p.x, p.y]);
  });
  return csvOf(['series', xName, 'y'], rows);
}

/**
 * A series' own points. Where Chart.js' decimation thins a long series for drawing, `data` reads its thinned copy
 * (some 400 points) and the whole series is kept in `_data` (chart.js, the decimation plugin's beforeElementsUpdate):
 * the CSV holds the whole series.
 */
function ownPoints(d: { data: readonly Point[] }): readonly Point[] {
  return (d as { _data?: readonly Point[] })._data ?? d.data;
}

function pointY(p: Point | undefined): number | null {
  if (p === undefined || p === null) return null;
  return typeof p === 'number' ? p : p.y;
}

/** A Chart.js chart drawn again into an SVG context of its size: the same config, no animation, no events. */
export function chartSvg(chart: Chart): string {
  const width = chart.width;
  const height = chart.height;
  const ctx = new Context({ width, height });
  const canvas = { width, height, style: {}, getContext: () => ctx };
  const config = chart.config as unknown as ChartConfiguration;
  const copy = new Chart(canvas as unknown as HTMLCanvasElement, {
    type: config.type,
    data: config.data,
    // `segment` (on every dataset, from the root of the options): Chart.js then strokes each line as it goes instead
    // of through a cached Path2D, which svgcanvas cannot draw (the lines would be missing from the SVG).
    options: {
      ...config.options,
      segment: {},
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      events: [],
    } as ChartConfiguration['options'],
    plugins: config.plugins ?? [],
    platform: BasicPlatform,
  });
  try {
    return withBackground(ctx.getSerializedSvg(true), width, height);
  } finally {
    copy.destroy();
  }
}

/**
 * A picture painted by a 2D-canvas painter, into an SVG context instead (svgcanvas): lines and text as vectors,
 * what the painter lays down as pixels (the projector's points) as an embedded image.
 */
export function paintedSvg(width: number, height: number, paint: (canvas: HTMLCanvasElement) => void): string {
  const ctx = new Context({ width, height });
  const canvas = { width, height, style: {}, getContext: () => ctx };
  paint(canvas as unknown as HTMLCanvasElement);
  return withBackground(ctx.getSerializedSvg(true), width, height);
}

/** An SVG document with a rectangle of the theme's background behind everything. */
function withBackground(svg: string, width: number, height: number): string {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  const rect = doc.createElementNS('http://www.w3.org/2000/svg', 'rect');
  rect.setAttribute('width', String(width));
  rect.setAttribute('height', String(height));
  rect.setAttribute('fill', background());
  root.insertBefore(rect, root.firstChild);
  return new XMLSerializer().serializeToString(doc);
}

/** The chart `get` gives, or the refusal an export of a chart not yet drawn gets. */
function drawn<T>(get: () => T | undefined): () => T {
  return () => {
    const c = get();
    if (c === undefined) throw new Error('the chart is not drawn yet');
    return c;
  };
}

export function chartExporter(chart: () => Chart | undefined, xName = 'x'): ChartExporter {
  const need = drawn(chart);
  return {
    png: () => {
      const c = need();
      return flatPng(c.canvas, c.canvas.width, c.canvas.height);
    },
    svg: () => chartSvg(need()),
    csv: () => chartDataCsv(need().data as Parameters<typeof chartDataCsv>[0], xName),
  };
}

const inlined = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-size',
  'font-family',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'color',
];

/** An <svg> element as a standalone file: its computed styles inlined (CSS variables resolved) and a background. */
export function svgElementText(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const target = to[i];
    if (!(target instanceof SVGElement)) return;
    const style = getComputedStyle(el);
    target.setAttribute('style', inlined.map((p) => `${p}:${style.getPropertyValue(p)}`).join(';'));
    target.removeAttribute('class');
  });
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.round(width)));
  copy.setAttribute('height', String(Math.round(height)));
  return withBackground(new XMLSerializer().serializeToString(copy), Math.round(width), Math.round(height));
}

/** An SVG file drawn onto a canvas at twice its size, as PNG. */
export async function svgPng(text: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return await flatPng(image, Math.round(width * scale), Math.round(height * scale));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The exporter of an SVG chart; `csv` gives its data. */
export function svgExporter(svg: () => SVGSVGElement | undefined, csv: () => string): ChartExporter {
  const need = drawn(svg);
  return {
    png: () => {
      const s = need();
      const { width, height } = s.getBoundingClientRect();
      return svgPng(svgElementText(s), width, height);
    },
    svg: () => svgElementText(need()),
    csv,
  };
}
