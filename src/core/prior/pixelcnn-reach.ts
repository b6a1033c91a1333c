/**
 * How far a gated PixelCNN sees (`buildPixelCnn` in pixelcnn.ts): which earlier positions of the code grid each
 * position's logits can depend on, traced through the stacks' connections.
 */
import type { PixelCnnShape } from './pixelcnn';

type Reach = Pick<PixelCnnShape, 'height' | 'width' | 'firstRows' | 'firstColumns' | 'blocks'>;

/**
 * Which positions each position's logits can depend on, from the stacks' reach: the same connections as
 * `buildPixelCnn`, traced on sets of positions. Entry p is a mask over the grid's positions in raster order.
 */
export function contextOf(shape: Reach): Uint8Array[] {
  const { height: h, width: w, firstRows, firstColumns, blocks } = shape;
  const n = h * w;
  const set = () => Array.from({ length: n }, () => new Uint8Array(n));
  const union = (into: Uint8Array, from: Uint8Array) => from.forEach((x, i) => (into[i] ||= x));
  let v = set();
  let hs = set();
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      const p = r * w + c;
      for (let rr = Math.max(0, r - firstRows); rr < r; rr++)
        for (let cc = Math.max(0, c - firstColumns); cc <= Math.min(w - 1, c + firstColumns); cc++) v[p]![rr * w + cc] = 1;
      for (let cc = Math.max(0, c - firstColumns); cc < c; cc++) hs[p]![r * w + cc] = 1;
      union(hs[p]!, v[p]!);
    }
  for (let b = 0; b < blocks; b++) {
    const nv = set();
    const nh = set();
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        const p = r * w + c;
        for (let rr = Math.max(0, r - 1); rr <= r; rr++)
          for (let cc = Math.max(0, c - 1); cc <= Math.min(w - 1, c + 1); cc++) union(nv[p]!, v[rr * w + cc]!);
        union(nh[p]!, hs[p]!);
        if (c > 0) union(nh[p]!, hs[p - 1]!);
        union(nh[p]!, nv[p]!);
      }
    v = nv;
    hs = nh;
  }
  return hs;
}

/**
 * The share of earlier positions each position's logits can depend on (`contextOf`): the `mean` over positions
 * and the `worst` one. 1 and 1 when the prior sees its whole past everywhere.
 */
export function visibleContext(shape: Reach): { mean: number; worst: number } {
  const context = contextOf(shape);
  let sum = 0;
  let worst = 1;
  for (let p = 1; p < context.length; p++) {
    let seen = 0;
    for (let q = 0; q < p; q++) seen += context[p]![q]!;
    sum += seen / p;
    worst = Math.min(worst, seen / p);
  }
  return { mean: context.length > 1 ? sum / (context.length - 1) : 1, worst };
}
