import { linspace, pick, type ImageGenerator } from './generator';

const shapeNames = ['square', 'ellipse', 'heart'];
const scales = linspace(0.5, 1, 6);
const orientations = Array.from({ length: 40 }, (_, i) => Math.fround((2 * Math.PI * i) / 40));
const positions = linspace(0, 1, 32);

const size = 64;
/** Half-size of a shape at scale 1, in pixels, and the range of its centre (kept inside the frame at any rotation). */
const halfSize = 11;
const centreMin = 16;
const centreSpan = 32;

function inside(shape: number, u: number, v: number): boolean {
  if (shape === 0) return Math.abs(u) <= 1 && Math.abs(v) <= 1;
  if (shape === 1) return (u / 1.15) ** 2 + (v / 0.6) ** 2 <= 1;
  // Heart: (x² + y² − 1)³ − x²y³ ≤ 0, lobes up (image y grows downwards), centred on its bounding box.
  const x = u * 1.05;
  const y = -v * 1.05 + 0.12;
  const r = x * x + y * y - 1;
  return r * r * r - x * x * y * y * y <= 0;
}

/**
 * dSprites-like shapes (Matthey et al. 2017): 64x64 binary images of a square, an ellipse or a heart, each
 * factor drawn independently and uniformly from a grid of dSprites' sizes (3 shapes, 6 scales, 40 orientations,
 * 32 x and 32 y positions). The square repeats every 90°, the ellipse every 180°, as in dSprites. Two values differ
 * from dSprites' own: shapes are coded 0–2 (dSprites: 1–3), and the orientations are 2πi/40, i = 0…39 (dSprites:
 * linspace(0, 2π, 40), which holds 2π, the same pose as 0), so that 90° and 180° fall on the grid and the symmetries
 * are exact.
 */
export const shapesGenerator: ImageGenerator = {
  kind: 'shapes',
  title: 'Shapes',
  description:
    'Binary 64x64 squares, ellipses and hearts with known factors (shape, scale, orientation, x, y), in the spirit of dSprites.',
  height: size,
  width: size,
  channels: 1,
  factors: [
    { name: 'shape', values: [0, 1, 2], min: 0, max: 2 },
    { name: 'scale', values: scales, min: 0.5, max: 1 },
    { name: 'orientation', values: orientations, min: 0, max: orientations.at(-1) as number },
    { name: 'x', values: positions, min: 0, max: 1 },
    { name: 'y', values: positions, min: 0, max: 1 },
  ],
  labelNames: shapeNames,
  identities: [''],
  draw: (rng) => [pick([0, 1, 2], rng), pick(scales, rng), pick(orientations, rng), pick(positions, rng), pick(positions, rng)],
  label: (f) => f[0] as number,
  render(f, _identity, out) {
    const [shape = 0, scale = 1, theta = 0, px = 0, py = 0] = f;
    const s = halfSize * scale;
    const cx = centreMin + px * centreSpan;
    const cy = centreMin + py * centreSpan;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    for (let y = 0; y < size; y++) {
      const dy = y + 0.5 - cy;
      for (let x = 0; x < size; x++) {
        const dx = x + 0.5 - cx;
        const u = (cos * dx + sin * dy) / s;
        const v = (-sin * dx + cos * dy) / s;
        out[y * size + x] = inside(shape, u, v) ? 255 : 0;
      }
    }
  },
};
