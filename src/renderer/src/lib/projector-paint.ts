/**
 * The projector's painter: one picture of the scene on a 2D canvas (the plot's background, grid and ticks over what is
 * in view, the points through one buffer, the frame and axis titles, then what the pointer marks). Nothing here is
 * reactive: the projector hands it the scene once a frame.
 */
import type { Projection } from './projection-params';
import { niceTicks, rasterize, tickLabel, toData, type View } from './projection-draw';
import type { Drag, PlotArea } from './projector-view';

/** Everything one picture depends on, in the canvas's CSS pixels. */
/** The picture's own colours, the theme's (read from app.css where the projector is made). */
export interface PaintColors {
  plot: string;
  grid: string;
  tick: string;
  frame: string;
  title: string;
}
export const darkPaint: PaintColors = { plot: '#111316', grid: '#262b31', tick: '#9aa3ad', frame: '#30353c', title: '#c4cad1' };

/** The theme's paint colours from app.css's variables (the dark ones where a variable is missing). */
export function themePaint(): PaintColors {
  if (typeof document === 'undefined') return darkPaint;
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const light = document.documentElement.dataset['theme'] === 'light';
  return {
    plot: light ? '#ffffff' : darkPaint.plot,
    grid: v('--grid', darkPaint.grid),
    tick: v('--muted', darkPaint.tick),
    frame: v('--border', darkPaint.frame),
    title: v('--text', darkPaint.title),
  };
}

export interface Scene {
  width: number;
  height: number;
  plot: PlotArea;
  view: View;
  projection: Projection | null;
  /** Each drawn point's packed colour, and which ones go on top (the selection), if any. */
  colors: Uint32Array;
  front: Uint8Array | null;
  /** A point's side in CSS pixels. */
  pointSize: number;
  /** The outline of the last brush or lasso, in data coordinates. */
  shape: [number, number][] | null;
  drag: Drag | null;
  /** The picked point's test index, and its position among the drawn points (-1: not drawn). */
  picked: number | null;
  pickedK: number;
  /** The hovered point's position among the drawn points, or null. */
  hoverK: number | null;
  /** The picture's colours (the dark theme's when not given). */
  paint?: PaintColors;
}

/** The grid lines' data values along each axis, for what the view shows of the plot. */
export function axisTicks(view: View, plot: PlotArea): { xt: number[]; yt: number[] } {
  const [x0, y1] = toData(view, plot.left, plot.top);
  const [x1, y0] = toData(view, plot.left + plot.width, plot.top + plot.height);
  const xt = niceTicks(Math.min(x0, x1), Math.max(x0, x1), Math.max(2, Math.round(plot.width / 110)));
  const yt = niceTicks(Math.min(y0, y1), Math.max(y0, y1), Math.max(2, Math.round(plot.height / 70)));
  return { xt, yt };
}

/** The buffer the points are written into, the size of the plot in device pixels, kept from one picture to the next. */
export class PointsLayer {
  readonly canvas: HTMLCanvasElement | null = typeof document === 'undefined' ? null : document.createElement('canvas');
  pixels: ImageData | null = null;
}

/**
 * Paints the scene on `canvas` at the device pixel ratio `dpr`. Returns how many points were drawn, or null when
 * there was nothing to draw them on or no projection (the count then stands).
 */
export function paintProjector(canvas: HTMLCanvasElement | undefined, layer: PointsLayer, s: Scene, dpr: number): number | null {
  const ctx = canvas?.getContext('2d');
  const pointsLayer = layer.canvas;
  if (!ctx || !canvas || !pointsLayer) return null;
  const { width, height, plot, view, projection } = s;
  const paint = s.paint ?? darkPaint;
  const W = Math.round(width * dpr);
  const H = Math.round(height * dpr);
  if (canvas.width !== W || canvas.height !== H) {
    canvas.width = W;
    canvas.height = H;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = paint.plot;
  ctx.fillRect(plot.left, plot.top, plot.width, plot.height);
  if (!projection) return null;

  // Grid and ticks over what is in view.
  const { xt, yt } = axisTicks(view, plot);
  ctx.strokeStyle = paint.grid;
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = paint.tick;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.beginPath();
  for (const t of xt) {
    const X = Math.round(t * view.sx + view.ox) + 0.5;
    ctx.moveTo(X, plot.top);
    ctx.lineTo(X, plot.top + plot.height);
    ctx.fillText(tickLabel(t, xt), X, plot.top + plot.height + 4);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yt) {
    const Y = Math.round(t * view.sy + view.oy) + 0.5;
    ctx.moveTo(plot.left, Y);
    ctx.lineTo(plot.left + plot.width, Y);
    ctx.fillText(tickLabel(t, yt), plot.left - 5, Y);
  }
  ctx.stroke();

  // The points, written into a buffer the size of the plot and laid on it in one drawImage.
  const pw = Math.round(plot.width * dpr);
  const ph = Math.round(plot.height * dpr);
  if (!layer.pixels || layer.pixels.width !== pw || layer.pixels.height !== ph) {
    layer.pixels = new ImageData(pw, ph);
    pointsLayer.width = pw;
    pointsLayer.height = ph;
  }
  const pixels = layer.pixels;
  const device: View = {
    sx: view.sx * dpr,
    sy: view.sy * dpr,
    ox: (view.ox - plot.left) * dpr,
    oy: (view.oy - plot.top) * dpr,
  };
  const buffer = new Uint32Array(pixels.data.buffer);
  const drawn = rasterize(buffer, pw, ph, projection.xy, s.colors, device, Math.round(s.pointSize * dpr), s.front);
  pointsLayer.getContext('2d')?.putImageData(pixels, 0, 0);
  ctx.drawImage(pointsLayer, plot.left, plot.top, plot.width, plot.height);

  // Frame, axis titles.
  ctx.strokeStyle = paint.frame;
  ctx.strokeRect(plot.left + 0.5, plot.top + 0.5, plot.width - 1, plot.height - 1);
  ctx.fillStyle = paint.title;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(projection.axes[0], plot.left + plot.width / 2, height - 1);
  ctx.save();
  ctx.translate(11, plot.top + plot.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(projection.axes[1], 0, 0);
  ctx.restore();

  paintMarks(ctx, s, projection);
  return drawn;
}

/** What the pointer marks: the hovered and picked points, the brush or the lasso (clipped to the plot). */
function paintMarks(ctx: CanvasRenderingContext2D, s: Scene, projection: Projection): void {
  const { plot, view, shape, drag } = s;
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top, plot.width, plot.height);
  ctx.clip();
  const ring = (k: number, color: string, r: number) => {
    const X = projection.xy[2 * k]! * view.sx + view.ox;
    const Y = projection.xy[2 * k + 1]! * view.sy + view.oy;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(X, Y, r, 0, 2 * Math.PI);
    ctx.stroke();
  };
  if (shape && !drag) {
    // The last brush or lasso, kept in data coordinates so it pans and zooms with the points.
    ctx.strokeStyle = 'rgba(78, 154, 241, 0.8)';
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    shape.forEach(([x, y], i) => {
      const X = x * view.sx + view.ox;
      const Y = y * view.sy + view.oy;
      if (i === 0) ctx.moveTo(X, Y);
      else ctx.lineTo(X, Y);
    });
    ctx.closePath();
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (s.picked !== null && s.pickedK >= 0) ring(s.pickedK, '#ffd67a', 8);
  if (s.hoverK !== null) ring(s.hoverK, '#ffffff', 6);
  if (drag?.mode === 'brush') {
    ctx.fillStyle = 'rgba(78, 154, 241, 0.15)';
    ctx.strokeStyle = '#4e9af1';
    ctx.lineWidth = 1;
    const rx = Math.min(drag.x0, drag.x);
    const ry = Math.min(drag.y0, drag.y);
    ctx.fillRect(rx, ry, Math.abs(drag.x - drag.x0), Math.abs(drag.y - drag.y0));
    ctx.strokeRect(rx + 0.5, ry + 0.5, Math.abs(drag.x - drag.x0), Math.abs(drag.y - drag.y0));
  } else if (drag?.mode === 'lasso' && drag.path.length > 1) {
    ctx.fillStyle = 'rgba(78, 154, 241, 0.15)';
    ctx.strokeStyle = '#4e9af1';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    drag.path.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
}
