import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boundsOf, fitView } from './projection-draw';
import type { Projection } from './projection-params';
import { axisTicks, paintProjector, type PointsLayer, type Scene } from './projector-paint';
import { plotArea } from './projector-view';

/** A 2D context that records the methods called on it (and takes any property set). */
function fakeContext(calls: { name: string; args: unknown[] }[]) {
  return new Proxy({} as Record<string, unknown>, {
    get: (target, key: string) => {
      if (key in target) return target[key];
      return (...args: unknown[]) => void calls.push({ name: key, args });
    },
  });
}

function fakeCanvas(calls: { name: string; args: unknown[] }[]): HTMLCanvasElement {
  const ctx = fakeContext(calls);
  return { width: 0, height: 0, getContext: () => ctx } as unknown as HTMLCanvasElement;
}

const projection: Projection = {
  method: 'pca',
  params: {} as Projection['params'],
  indices: Uint32Array.from([0, 1, 2]),
  xy: Float32Array.from([0, 0, 1, 1, -1, 2]),
  axes: ['PC1', 'PC2'],
  note: null,
};

function scene(over: Partial<Scene> = {}): Scene {
  const plot = plotArea(400, 380);
  return {
    width: 400,
    height: 380,
    plot,
    view: fitView(boundsOf(projection.xy), plot),
    projection,
    colors: Uint32Array.from([0xff0000ff, 0xff00ff00, 0xffff0000]),
    front: null,
    pointSize: 4,
    shape: null,
    drag: null,
    picked: null,
    pickedK: -1,
    hoverK: null,
    ...over,
  };
}

describe('the projector’s painter', () => {
  const original = (globalThis as { ImageData?: unknown }).ImageData;
  beforeEach(() => {
    (globalThis as { ImageData?: unknown }).ImageData = class {
      readonly data: Uint8ClampedArray;
      constructor(
        readonly width: number,
        readonly height: number,
      ) {
        this.data = new Uint8ClampedArray(width * height * 4);
      }
    };
  });
  afterEach(() => {
    (globalThis as { ImageData?: unknown }).ImageData = original;
  });

  it('ticks the range the view shows along each axis', () => {
    const s = scene();
    const { xt, yt } = axisTicks(s.view, s.plot);
    // The fitted view shows x in about [-1, 1] and y in [0, 2], with a margin.
    expect(xt.length).toBeGreaterThan(1);
    expect(Math.min(...xt)).toBeLessThanOrEqual(-1);
    expect(Math.max(...xt)).toBeGreaterThanOrEqual(1);
    expect(Math.min(...yt)).toBeLessThanOrEqual(0);
    expect(Math.max(...yt)).toBeGreaterThanOrEqual(2);
  });

  it('draws nothing without a canvas, and only the background without a projection', () => {
    const calls: { name: string; args: unknown[] }[] = [];
    const layer = { canvas: fakeCanvas([]), pixels: null } as PointsLayer;
    expect(paintProjector(undefined, layer, scene(), 1)).toBeNull();
    const canvas = fakeCanvas(calls);
    expect(paintProjector(canvas, layer, scene({ projection: null }), 2)).toBeNull();
    expect([canvas.width, canvas.height]).toEqual([800, 760]);
    expect(calls.map((c) => c.name)).toEqual(['setTransform', 'clearRect', 'fillRect']);
  });

  it('draws every point in view, the axis titles, and the rings of the picked and hovered points', () => {
    const calls: { name: string; args: unknown[] }[] = [];
    const layer = { canvas: fakeCanvas([]), pixels: null } as PointsLayer;
    const drawn = paintProjector(fakeCanvas(calls), layer, scene({ picked: 7, pickedK: 1, hoverK: 2 }), 1);
    expect(drawn).toBe(3);
    expect(layer.pixels).not.toBeNull();
    const texts = calls.filter((c) => c.name === 'fillText').map((c) => c.args[0]);
    expect(texts).toContain('PC1');
    expect(texts).toContain('PC2');
    expect(calls.filter((c) => c.name === 'arc')).toHaveLength(2);
    expect(calls.filter((c) => c.name === 'drawImage')).toHaveLength(1);
  });
});
