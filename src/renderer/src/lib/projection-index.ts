/**
 * A uniform grid over a projection's points, for hit testing without looking at every point: the nearest point to the
 * cursor, the points inside a brushed rectangle or a lasso. Built once per projection, in data coordinates, so panning
 * and zooming never rebuild it.
 */
export class PointGrid {
  readonly count: number;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cell: number;
  private readonly cols: number;
  private readonly rows: number;
  /** Points of cell c are items[starts[c]] … items[starts[c + 1] - 1]. */
  private readonly starts: Uint32Array;
  private readonly items: Uint32Array;

  /** `xy`: x, y of point k at 2k, 2k + 1. About `perCell` points share a cell on average. */
  constructor(
    private readonly xy: Float32Array,
    perCell = 4,
  ) {
    const n = (this.count = xy.length >>> 1);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let k = 0; k < n; k++) {
      const x = xy[2 * k]!;
      const y = xy[2 * k + 1]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (n === 0) minX = minY = maxX = maxY = 0;
    const w = Math.max(maxX - minX, 1e-9);
    const h = Math.max(maxY - minY, 1e-9);
    const cells = Math.max(1, Math.ceil(n / perCell));
    this.cell = Math.max(Math.sqrt((w * h) / cells), Math.max(w, h) / 1024);
    this.cols = Math.max(1, Math.min(1024, Math.ceil(w / this.cell) + 1));
    this.rows = Math.max(1, Math.min(1024, Math.ceil(h / this.cell) + 1));
    this.minX = minX;
    this.minY = minY;
    const cellOf = new Uint32Array(n);
    const counts = new Uint32Array(this.cols * this.rows + 1);
    for (let k = 0; k < n; k++) {
      const c = this.cellIndex(xy[2 * k]!, xy[2 * k + 1]!);
      cellOf[k] = c;
      counts[c + 1]!++;
    }
    for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
    this.starts = counts;
    this.items = new Uint32Array(n);
    const fill = counts.slice(0, -1);
    for (let k = 0; k < n; k++) this.items[fill[cellOf[k]!]!++] = k;
  }

  private col(x: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.minX) / this.cell)));
  }
  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.cell)));
  }
  private cellIndex(x: number, y: number): number {
    return this.row(y) * this.cols + this.col(x);
  }

  /** Calls `visit` with every point in the cells overlapping the rectangle (a superset of the points inside it). */
  private scan(x0: number, y0: number, x1: number, y1: number, visit: (k: number) => void): void {
    const c0 = this.col(Math.min(x0, x1));
    const c1 = this.col(Math.max(x0, x1));
    const r0 = this.row(Math.min(y0, y1));
    const r1 = this.row(Math.max(y0, y1));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let i = this.starts[cell]!; i < this.starts[cell + 1]!; i++) visit(this.items[i]!);
      }
    }
  }

  /**
   * The point nearest to (x, y) within `radius`, or -1. `sx`, `sy` scale the axes before measuring (the picture's
   * pixels per data unit, so "nearest" is nearest on screen whatever the zoom).
   */
  nearest(x: number, y: number, radius: number, sx = 1, sy = 1): number {
    let best = -1;
    let bestD = Infinity;
    const rx = radius / Math.abs(sx);
    const ry = radius / Math.abs(sy);
    this.scan(x - rx, y - ry, x + rx, y + ry, (k) => {
      const dx = (this.xy[2 * k]! - x) * sx;
      const dy = (this.xy[2 * k + 1]! - y) * sy;
      const d = dx * dx + dy * dy;
      if (d <= radius * radius && (d < bestD || (d === bestD && k < best))) {
        bestD = d;
        best = k;
      }
    });
    return best;
  }

  /** The points with x0 ≤ x ≤ x1 and y0 ≤ y ≤ y1 (corners in any order), ascending. */
  inRect(x0: number, y0: number, x1: number, y1: number): number[] {
    const [lx, hx] = x0 <= x1 ? [x0, x1] : [x1, x0];
    const [ly, hy] = y0 <= y1 ? [y0, y1] : [y1, y0];
    const out: number[] = [];
    this.scan(lx, ly, hx, hy, (k) => {
      const x = this.xy[2 * k]!;
      const y = this.xy[2 * k + 1]!;
      if (x >= lx && x <= hx && y >= ly && y <= hy) out.push(k);
    });
    return out.sort((a, b) => a - b);
  }

  /** The points inside a closed polygon (a lasso: x, y pairs), ascending. */
  inPolygon(polygon: readonly (readonly [number, number])[]): number[] {
    if (polygon.length < 3) return [];
    let lx = Infinity;
    let ly = Infinity;
    let hx = -Infinity;
    let hy = -Infinity;
    for (const [x, y] of polygon) {
      lx = Math.min(lx, x);
      hx = Math.max(hx, x);
      ly = Math.min(ly, y);
      hy = Math.max(hy, y);
    }
    const out: number[] = [];
    this.scan(lx, ly, hx, hy, (k) => {
      if (insidePolygon(this.xy[2 * k]!, this.xy[2 * k + 1]!, polygon)) out.push(k);
    });
    return out.sort((a, b) => a - b);
  }
}

/** Even-odd rule: whether (x, y) lies inside the polygon. */
export function insidePolygon(x: number, y: number, polygon: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
