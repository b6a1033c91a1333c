/**
 * The projector's geometry on screen, free of the DOM: the canvas's height and plot area for a width, the size of a
 * drawn point, wheel zoom within its limits, and the gestures (pan, brush, lasso) as plain data. The map from data to
 * screen (fit, pan, zoom as a transform) is in projection-draw.ts.
 */
import { toData, zoomView, type View } from './projection-draw';

/** A rectangle in the canvas's CSS pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Room around the plot for the tick labels and the axis titles. */
export const plotMargin = { left: 48, right: 12, top: 10, bottom: 34 };

/** The canvas's height for its width: four fifths of it, within 380 … 560 pixels. */
export function canvasHeight(width: number): number {
  return Math.round(Math.min(560, Math.max(380, width * 0.8)));
}

/** Where the points are drawn inside a canvas of this size. */
export function plotArea(width: number, height: number): PlotArea {
  return {
    left: plotMargin.left,
    top: plotMargin.top,
    width: Math.max(50, width - plotMargin.left - plotMargin.right),
    height: height - plotMargin.top - plotMargin.bottom,
  };
}

export function insidePlot(plot: PlotArea, x: number, y: number): boolean {
  return !(x < plot.left || x > plot.left + plot.width || y < plot.top || y > plot.top + plot.height);
}

/** A point's side in CSS pixels: smaller the more points there are, a little larger as the view zooms in. */
export function pointSize(count: number, view: View, fitted: View | null): number {
  const base = count > 20000 ? 2 : count > 3000 ? 3 : 4;
  const zoom = Math.abs(view.sx / (fitted?.sx ?? view.sx));
  return Math.max(2, Math.min(9, Math.round(base * Math.min(2.5, Math.max(1, zoom) ** 0.35))));
}

/** The view after a wheel turn of `deltaY` at (x, y): from a quarter of the fitted scale to a thousand times it. */
export function wheelZoom(view: View, fitted: View | null, deltaY: number, x: number, y: number): View {
  const base = Math.abs(fitted?.sx ?? view.sx);
  const target = Math.min(base * 1000, Math.max(base / 4, Math.abs(view.sx) * Math.exp(-deltaY * 0.0015)));
  return zoomView(view, target / Math.abs(view.sx), x, y);
}

/** A gesture on the picture, in the canvas's CSS pixels: from (x0, y0) to (x, y) so far. */
export type Drag =
  | { mode: 'pan'; x0: number; y0: number; x: number; y: number; start: View; moved: boolean }
  | { mode: 'brush'; x0: number; y0: number; x: number; y: number }
  | { mode: 'lasso'; x0: number; y0: number; x: number; y: number; path: [number, number][] };

/** The gesture a press starts: shift draws the select mode's shape, alt always a lasso, a plain press pans. */
export function startDrag(
  x: number,
  y: number,
  keys: { shiftKey: boolean; altKey: boolean },
  selectMode: 'rectangle' | 'lasso',
  view: View,
): Drag {
  if (keys.shiftKey || keys.altKey) {
    const lasso = selectMode === 'lasso' || keys.altKey;
    return lasso ? { mode: 'lasso', x0: x, y0: y, x, y, path: [[x, y]] } : { mode: 'brush', x0: x, y0: y, x, y };
  }
  return { mode: 'pan', x0: x, y0: y, x, y, start: view, moved: false };
}

/** A pan moved to (x, y): the view follows, and past 3 pixels it is no longer a click. */
export function panTo(d: Extract<Drag, { mode: 'pan' }>, x: number, y: number): { drag: Drag; view: View } {
  const moved = d.moved || Math.hypot(x - d.x0, y - d.y0) > 3;
  return {
    view: { ...d.start, ox: d.start.ox + (x - d.x0), oy: d.start.oy + (y - d.y0) },
    drag: { ...d, x, y, moved },
  };
}

/** The lasso's path with these pointer positions added, each more than 3 pixels from the last one kept. */
export function extendPath(path: readonly [number, number][], points: readonly [number, number][]): [number, number][] {
  const out = [...path];
  for (const [mx, my] of points) {
    const last = out.at(-1)!;
    if (Math.hypot(mx - last[0], my - last[1]) > 3) out.push([mx, my]);
  }
  return out;
}

/** A brush from (x0, y0) to (x, y) on screen, as its two corners and its outline in data coordinates. */
export function brushInData(
  view: View,
  x0: number,
  y0: number,
  x: number,
  y: number,
): { a: [number, number]; b: [number, number]; shape: [number, number][] } {
  const [ax, ay] = toData(view, x0, y0);
  const [bx, by] = toData(view, x, y);
  return {
    a: [ax, ay],
    b: [bx, by],
    shape: [
      [ax, ay],
      [bx, ay],
      [bx, by],
      [ax, by],
    ],
  };
}

/** A lasso closed at (x, y), in data coordinates. */
export function lassoInData(view: View, path: readonly [number, number][], x: number, y: number): [number, number][] {
  return [...path, [x, y] as [number, number]].map(([px, py]) => toData(view, px, py));
}
