/**
 * A strip exported from the explore view: a PNG of the whole grid, or an animated GIF of its columns, handed to the
 * browser as a download.
 */
import { stripGif, stripRgba, type Strip } from './explore';

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Exports at 4× (nearest neighbour), so that a 28-pixel digit is not a speck. */
const exportScale = 4;

/** Downloads the strip as `<name>.png`. */
export function exportPng(s: Strip & { name: string }): void {
  const { data, width, height } = stripRgba(s, exportScale);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')?.putImageData(new ImageData(data, width, height), 0, 0);
  canvas.toBlob((blob) => blob && download(blob, `${s.name}.png`), 'image/png');
}

/** Downloads the strip as `<name>.gif`, a frame per column. */
export function exportGif(s: Strip & { name: string }): void {
  const bytes = stripGif(s, exportScale, 120);
  download(new Blob([bytes.slice().buffer], { type: 'image/gif' }), `${s.name}.gif`);
}

/** Draws the strip at its native size on `canvas` (the page scales it up, pixelated). */
export function paintStrip(canvas: HTMLCanvasElement, s: Strip): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { data, width, height } = stripRgba(s);
  canvas.width = width;
  canvas.height = height;
  ctx.putImageData(new ImageData(data, width, height), 0, 0);
}
