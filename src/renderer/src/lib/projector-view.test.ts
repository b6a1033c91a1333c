import { describe, expect, it } from 'vitest';
import { toData, type View } from './projection-draw';
import {
  brushInData,
  canvasHeight,
  extendPath,
  insidePlot,
  lassoInData,
  panTo,
  plotArea,
  pointSize,
  startDrag,
  wheelZoom,
} from './projector-view';

const view: View = { sx: 10, sy: -10, ox: 200, oy: 150 };

describe('the projector’s geometry', () => {
  it('sizes the canvas and its plot from the width', () => {
    expect(canvasHeight(100)).toBe(380);
    expect(canvasHeight(600)).toBe(480);
    expect(canvasHeight(1000)).toBe(560);
    expect(plotArea(800, 560)).toEqual({ left: 48, top: 10, width: 740, height: 516 });
    expect(plotArea(20, 380).width).toBe(50);
    const plot = plotArea(800, 560);
    expect(insidePlot(plot, 48, 10)).toBe(true);
    expect(insidePlot(plot, 788, 526)).toBe(true);
    expect(insidePlot(plot, 47, 100)).toBe(false);
    expect(insidePlot(plot, 100, 527)).toBe(false);
  });

  it('draws smaller points the more there are, larger ones zoomed in, within 2 … 9 pixels', () => {
    expect(pointSize(100, view, view)).toBe(4);
    expect(pointSize(5000, view, view)).toBe(3);
    expect(pointSize(30000, view, view)).toBe(2);
    expect(pointSize(100, { ...view, sx: 100 }, view)).toBeGreaterThan(4);
    expect(pointSize(100, { ...view, sx: 1e6 }, view)).toBe(9);
    // Zoomed out: never below the base size.
    expect(pointSize(100, { ...view, sx: 2.5 }, view)).toBe(4);
  });

  it('zooms about the cursor, between a quarter of the fitted scale and a thousand times it', () => {
    const zoomed = wheelZoom(view, view, -100, 300, 100);
    expect(zoomed.sx).toBeCloseTo(10 * Math.exp(0.15));
    // The data point under the cursor stays under it.
    expect(toData(zoomed, 300, 100)[0]).toBeCloseTo(toData(view, 300, 100)[0]);
    expect(toData(zoomed, 300, 100)[1]).toBeCloseTo(toData(view, 300, 100)[1]);
    expect(wheelZoom(view, view, 1e6, 0, 0).sx).toBeCloseTo(2.5);
    expect(wheelZoom(view, view, -1e6, 0, 0).sx).toBeCloseTo(10_000);
    expect(wheelZoom(view, null, 1e6, 0, 0).sx).toBeCloseTo(2.5);
  });

  it('starts a pan on a plain press, a brush or lasso with shift, always a lasso with alt', () => {
    const plain = { shiftKey: false, altKey: false };
    const shift = { shiftKey: true, altKey: false };
    const alt = { shiftKey: false, altKey: true };
    expect(startDrag(1, 2, plain, 'lasso', view)).toEqual({ mode: 'pan', x0: 1, y0: 2, x: 1, y: 2, start: view, moved: false });
    expect(startDrag(1, 2, shift, 'rectangle', view)).toEqual({ mode: 'brush', x0: 1, y0: 2, x: 1, y: 2 });
    expect(startDrag(1, 2, shift, 'lasso', view)).toMatchObject({ mode: 'lasso', path: [[1, 2]] });
    expect(startDrag(1, 2, alt, 'rectangle', view)).toMatchObject({ mode: 'lasso', path: [[1, 2]] });
  });

  it('pans the view with the pointer; past 3 pixels it is no longer a click', () => {
    const d = { mode: 'pan' as const, x0: 10, y0: 10, x: 10, y: 10, start: view, moved: false };
    const small = panTo(d, 12, 11);
    expect(small.view).toEqual({ ...view, ox: 202, oy: 151 });
    expect(small.drag).toMatchObject({ x: 12, y: 11, moved: false });
    const far = panTo(d, 14, 10);
    expect(far.drag).toMatchObject({ moved: true });
    // Once moved, always moved, even back where it started.
    expect(panTo({ ...d, moved: true }, 10, 10).drag).toMatchObject({ moved: true });
  });

  it('keeps a lasso’s points more than 3 pixels apart', () => {
    expect(
      extendPath(
        [[0, 0]],
        [
          [1, 1],
          [4, 0],
          [5, 1],
          [9, 0],
        ],
      ),
    ).toEqual([
      [0, 0],
      [4, 0],
      [9, 0],
    ]);
  });

  it('turns a brush and a lasso into data coordinates', () => {
    const brush = brushInData(view, 200, 150, 220, 130);
    expect(brush.a).toEqual([0, -0]);
    expect(brush.b).toEqual([2, 2]);
    expect(brush.shape).toEqual([
      [0, -0],
      [2, -0],
      [2, 2],
      [0, 2],
    ]);
    expect(
      lassoInData(
        view,
        [
          [200, 150],
          [210, 150],
        ],
        210,
        140,
      ),
    ).toEqual([
      [0, -0],
      [1, -0],
      [1, 1],
    ]);
  });
});
