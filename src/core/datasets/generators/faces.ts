import type { ImageGenerator } from './generator';

type Rgb = readonly [number, number, number];

interface Identity {
  skin: Rgb;
  hair: Rgb;
  iris: Rgb;
  lips: Rgb;
  /** Face outline: an ellipse (A) or a long rounded box with a square jaw (B). */
  outline: (u: number, v: number) => number;
  /** Hair in front of the face (fringe, cap) and behind it (long hair), as signed distances. */
  hairFront: (u: number, v: number) => number;
  hairBack: ((u: number, v: number) => number) | null;
  browThickness: number;
}

const size = 64;
const background: Rgb = [205, 216, 228];

/** Signed distance to an axis-aligned ellipse (approximate, exact on the axes), in pixels. */
function ellipse(u: number, v: number, cx: number, cy: number, rx: number, ry: number): number {
  const k = len((u - cx) / rx, (v - cy) / ry);
  return (k - 1) * Math.min(rx, ry);
}

function roundedBox(u: number, v: number, cx: number, cy: number, hx: number, hy: number, r: number): number {
  const qx = Math.abs(u - cx) - hx + r;
  const qy = Math.abs(v - cy) - hy + r;
  return len(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Distance to the segment a-b, minus half its thickness. */
function segment(u: number, v: number, ax: number, ay: number, bx: number, by: number, thickness: number): number {
  const px = u - ax;
  const py = v - ay;
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return len(px - t * dx, py - t * dy) - thickness;
}

const len = (x: number, y: number) => Math.sqrt(x * x + y * y);
const intersect = (a: number, b: number) => Math.max(a, b);

const identities: Identity[] = [
  {
    // A: round face, fair skin, a dark-brown cap of short hair, blue eyes, thin brows.
    skin: [241, 203, 172],
    hair: [74, 48, 33],
    iris: [52, 104, 196],
    lips: [196, 72, 84],
    outline: (u, v) => ellipse(u, v, 0, 1, 15, 17),
    hairFront: (u, v) => intersect(ellipse(u, v, 0, -7, 16.5, 12.5), v + 7.5 - 0.18 * Math.abs(u)),
    hairBack: null,
    browThickness: 0.55,
  },
  {
    // B: long face with a square jaw, darker skin, long blond hair, green eyes, heavy brows.
    skin: [150, 98, 68],
    hair: [232, 188, 84],
    iris: [58, 148, 74],
    lips: [120, 52, 48],
    outline: (u, v) => roundedBox(u, v, 0, 2, 12.5, 19, 5.5),
    hairFront: (u, v) => intersect(ellipse(u, v, 0, -13, 15, 9), v + 10 + 0.12 * u),
    hairBack: (u, v) => roundedBox(u, v, 0, 0, 17, 21, 8),
    browThickness: 1.3,
  },
];

const pixel = new Float64Array(3);
function paint(c: Rgb, a: number): void {
  if (a <= 0) return;
  pixel[0] = (pixel[0] as number) + (c[0] - (pixel[0] as number)) * a;
  pixel[1] = (pixel[1] as number) + (c[1] - (pixel[1] as number)) * a;
  pixel[2] = (pixel[2] as number) + (c[2] - (pixel[2] as number)) * a;
}

const coverage = (d: number) => (d <= -0.5 ? 1 : d >= 0.5 ? 0 : 0.5 - d);

/**
 * Two generated identities (A, B) that share pose and expression: head shift (x, y), tilt, mouth curve
 * (frown to smile) and eye openness. Image i of A and image i of B are twins with the same factors,
 * so a decoder swap can be scored against the true twin. 64x64 RGB, anti-aliased from signed distances.
 */
export const facesGenerator: ImageGenerator = {
  kind: 'faces',
  title: 'Faces',
  description:
    'Two generated identities in colour sharing head shift, tilt, mouth curve and eye openness; image i of A and of B are twins.',
  height: size,
  width: size,
  channels: 3,
  factors: [
    { name: 'shift_x', values: null, min: -6, max: 6 },
    { name: 'shift_y', values: null, min: -4, max: 4 },
    { name: 'tilt', values: null, min: -0.35, max: 0.35 },
    { name: 'mouth', values: null, min: -1, max: 1 },
    { name: 'eyes', values: null, min: 0.15, max: 1 },
  ],
  labelNames: null,
  identities: ['a', 'b'],
  draw(rng) {
    return this.factors.map((f) => Math.fround(f.min + (f.max - f.min) * rng()));
  },
  label: () => null,
  render(f, identity, out) {
    const [shiftX = 0, shiftY = 0, tilt = 0, mouth = 0, eyes = 1] = f;
    const id = identities[identity] as Identity;
    const cx = 32 + shiftX;
    const cy = 33 + shiftY;
    const cos = Math.cos(tilt);
    const sin = Math.sin(tilt);
    const eyeRy = 2.6 * eyes;
    const nose: Rgb = [id.skin[0] * 0.82, id.skin[1] * 0.78, id.skin[2] * 0.76];
    const brows: Rgb = id.hair[0] > 150 ? [110, 78, 40] : id.hair;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const u = cos * dx + sin * dy;
        const v = -sin * dx + cos * dy;
        pixel[0] = background[0];
        pixel[1] = background[1];
        pixel[2] = background[2];
        if (Math.abs(u) < 24 && Math.abs(v) < 26) {
          if (id.hairBack) paint(id.hair, coverage(id.hairBack(u, v)));
          const face = coverage(id.outline(u, v));
          paint(id.skin, face);
          if (face > 0) {
            paint(nose, coverage(ellipse(u, v, 0, 3, 1.3, 2.8)));
            for (let side = -1; side <= 1 && v > -10 && v < 1.5 && u > -11 && u < 11; side += 2) {
              const ex = side * 6;
              const white = coverage(ellipse(u, v, ex, -2, 3.4, Math.max(eyeRy, 0.3)));
              paint([250, 250, 250], white);
              paint(id.iris, white * coverage(len(u - ex, v + 2) - 1.7));
              paint([20, 20, 24], white * coverage(len(u - ex, v + 2) - 0.7));
              paint(brows, coverage(segment(u, v, side * 3.2, -6.6, side * 9, -7.4, id.browThickness)));
            }
            // Mouth: a curve through the corners (±5, 9) that bends down (smile) or up (frown).
            const w = 5.2;
            if (v > 4 && v < 14) {
              const t = Math.max(-w, Math.min(w, u));
              const curveY = 9 + mouth * 2.6 * (1 - (t * t) / (w * w));
              const dm = len(u - t, v - curveY) - 0.9;
              paint(id.lips, coverage(dm));
            }
          }
          paint(id.hair, coverage(id.hairFront(u, v)));
        }
        const o = (y * size + x) * 3;
        out[o] = Math.round(pixel[0]);
        out[o + 1] = Math.round(pixel[1]);
        out[o + 2] = Math.round(pixel[2]);
      }
    }
  },
};
