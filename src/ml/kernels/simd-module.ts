import { tfRequire } from '../tf';

// The WebAssembly JS API, as far as this module uses it (Node's types leave it to lib.dom).
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
type WasmModule = object;
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => WasmModule;
      Instance: new (module: WasmModule, imports: object) => { exports: object };
    };
  }
).WebAssembly;

/**
 * A few kernels that tfjs's wasm backend runs slowly or as many separate passes, written in WebAssembly
 * text with 128-bit SIMD and compiled at start-up by wabt. The module imports the backend's own (shared)
 * memory, so it reads and writes tensors where the backend keeps them: no copies in or out.
 * It runs on the calling thread only; the backend's thread pool is idle between kernels.
 *
 * - transpose32: dst = srcᵀ for a rows × cols matrix of 32-bit elements, in 4 × 4 tiles (four loads,
 *   eight shuffles, four stores) walked in 32 × 32 blocks to stay in cache; the edges element by element.
 *   wasm's own Transpose copies one element at a time in output order.
 * - sumRows: the sum over the leading axis (every bias gradient: Σ over the batch), streaming row by
 *   row. wasm's Sum first transposes the matrix so that the reduced axis is innermost.
 * - patches: im2col and col2im of a convolution (one row of kh·kw·cin per output position), copying or
 *   summing runs of cin channels 16 bytes at a time; the convolution gradients multiply them by XNNPACK.
 * - clipGradient, reluGradient: the gradients of clipByValue (which BCE applies to every output pixel)
 *   and of relu in one pass each; tfjs composes them of four and three kernels.
 * - adam: one pass of Adam over a variable (Kingma & Ba), in exactly tfjs's order of f32 operations:
 *   m' = m·β₁ + g·(1−β₁); v' = v·β₂ + g²·(1−β₂); w' = ((m'/c₁) / (√(v'/c₂) + ε))·(−lr) + w, where
 *   c₁ = 1−β₁ᵗ, c₂ = 1−β₂ᵗ. tfjs runs this as twelve kernels, each a pass over memory.
 */
/** The address base + $o: the byte offset the lane loops below walk. */
const at = (base: string) => `(i32.add (local.get ${base}) (local.get $o))`;

/**
 * One element (f32) or four (f32x4) of Adam at byte offset $o, from one text so that the SIMD loop and
 * its scalar tail do the same operations in the same order. The scalar constants are the function's
 * parameters; the vector ones their splats.
 */
function adamStep(t: 'f32' | 'f32x4'): string {
  const [load, store] = t === 'f32' ? ['f32.load', 'f32.store'] : ['v128.load', 'v128.store'];
  const k =
    t === 'f32'
      ? {
          b1: '$beta1',
          ob1: '$oneMinusBeta1',
          b2: '$beta2',
          ob2: '$oneMinusBeta2',
          c1: '$c1',
          c2: '$c2',
          eps: '$eps',
          lr: '$negLr',
        }
      : { b1: '$B1', ob1: '$OB1', b2: '$B2', ob2: '$OB2', c1: '$C1', c2: '$C2', eps: '$E', lr: '$L' };
  const [g, m, v] = [`$g_${t}`, `$m_${t}`, `$v_${t}`];
  return `
      (local.set ${g} (${load} ${at('$g')}))
      (local.set ${m} (${t}.add (${t}.mul (${load} ${at('$m')}) (local.get ${k.b1})) (${t}.mul (local.get ${g}) (local.get ${k.ob1}))))
      (local.set ${v} (${t}.add
        (${t}.mul (${load} ${at('$v')}) (local.get ${k.b2}))
        (${t}.mul (${t}.mul (local.get ${g}) (local.get ${g})) (local.get ${k.ob2}))))
      (${store} ${at('$wOut')}
        (${t}.add
          (${t}.mul
            (${t}.div
              (${t}.div (local.get ${m}) (local.get ${k.c1}))
              (${t}.add (${t}.sqrt (${t}.div (local.get ${v}) (local.get ${k.c2}))) (local.get ${k.eps})))
            (local.get ${k.lr}))
          (${load} ${at('$w')})))
      (${store} ${at('$mOut')} (local.get ${m}))
      (${store} ${at('$vOut')} (local.get ${v}))`;
}

/** Four positions (or lanes) at a time: the WebAssembly text below unrolls over them. */
const Q = [0, 1, 2, 3];

/** A counted loop: while $v < end, the body, then $v += step. Its labels are named after $v. */
function loop(v: string, end: string, step: number | string, body: string): string {
  const by = typeof step === 'number' ? `(i32.const ${step})` : step;
  return `
    (block ${v}.done (loop ${v}.next
      (br_if ${v}.done (i32.ge_u (local.get ${v}) ${end}))
      ${body}
      (local.set ${v} (i32.add (local.get ${v}) ${by}))
      (br ${v}.next)))`;
}

/** Over the byte offset $o (from where it stands): 16 bytes at a time below end16, then 4 below end. */
function lanes(end16: string, end: string, simd: string, scalar: string): string {
  return loop('$o', end16, 16, simd) + loop('$o', end, 4, scalar);
}

/** The 4 × 4 transpose of four vectors (locals, the rows) through $t0…$t3: the four columns, as expressions. */
function transposeTile([a, b, c, d]: string[]): { shuffle: string; columns: string[] } {
  const lo = '0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23'; // a0 b0 a1 b1
  const hi = '8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31'; // a2 b2 a3 b3
  const first = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
  const second = '8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31';
  return {
    shuffle: `
      (local.set $t0 (i8x16.shuffle ${lo} (local.get ${a}) (local.get ${b})))
      (local.set $t1 (i8x16.shuffle ${hi} (local.get ${a}) (local.get ${b})))
      (local.set $t2 (i8x16.shuffle ${lo} (local.get ${c}) (local.get ${d})))
      (local.set $t3 (i8x16.shuffle ${hi} (local.get ${c}) (local.get ${d})))`,
    columns: [
      `(i8x16.shuffle ${first} (local.get $t0) (local.get $t2))`,
      `(i8x16.shuffle ${second} (local.get $t0) (local.get $t2))`,
      `(i8x16.shuffle ${first} (local.get $t1) (local.get $t3))`,
      `(i8x16.shuffle ${second} (local.get $t1) (local.get $t3))`,
    ],
  };
}

/** $end4 and $end: n float32 elements in bytes, rounded down to whole vectors and not. */
const elementEnds = `
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))`;

export const kernelsWat = (shared: boolean): string => {
  const rowsTile = transposeTile(['$r0', '$r1', '$r2', '$r3']);
  const positionsTile = transposeTile(['$v0', '$v1', '$v2', '$v3']);
  return String.raw`
(module
  (import "env" "memory" (memory 1 ${shared ? '65536 shared' : ''}))

  ;; dst[j][i] = src[i][j] for i in [i0, i1), j in [j0, j1): the edges the 4 × 4 tiles leave.
  (func $copyScalar (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
                    (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $j i32)
    (local.set $i (local.get $i0))
    ${loop(
      '$i',
      '(local.get $i1)',
      1,
      `(local.set $j (local.get $j0))
      ${loop(
        '$j',
        '(local.get $j1)',
        1,
        `(i32.store
          (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2)))
          (i32.load
            (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))))`,
      )}`,
    )})

  (func (export "transpose32") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $rows4 i32) (local $cols4 i32) (local $srcStride i32) (local $dstStride i32)
    (local $ib i32) (local $jb i32) (local $iEnd i32) (local $jEnd i32) (local $i i32) (local $j i32)
    (local $p i32) (local $q i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $srcStride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $dstStride (i32.shl (local.get $rows) (i32.const 2)))
    ;; 32 × 32 blocks of 4 × 4 tiles
    ${loop(
      '$ib',
      '(local.get $rows4)',
      32,
      `(local.set $iEnd (i32.add (local.get $ib) (i32.const 32)))
      (if (i32.gt_u (local.get $iEnd) (local.get $rows4)) (then (local.set $iEnd (local.get $rows4))))
      (local.set $jb (i32.const 0))
      ${loop(
        '$jb',
        '(local.get $cols4)',
        32,
        `(local.set $jEnd (i32.add (local.get $jb) (i32.const 32)))
        (if (i32.gt_u (local.get $jEnd) (local.get $cols4)) (then (local.set $jEnd (local.get $cols4))))
        (local.set $i (local.get $ib))
        ${loop(
          '$i',
          '(local.get $iEnd)',
          4,
          `(local.set $j (local.get $jb))
          ${loop(
            '$j',
            '(local.get $jEnd)',
            4,
            `;; rows i..i+3, columns j..j+3 of src
            (local.set $p (i32.add (local.get $src)
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
            ${Q.map((k) => `(local.set $r${k} (v128.load (i32.add (local.get $p) (i32.mul (local.get $srcStride) (i32.const ${k})))))`).join('\n            ')}
            ${rowsTile.shuffle}
            ;; rows j..j+3, columns i..i+3 of dst
            (local.set $q (i32.add (local.get $dst)
              (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
            ${Q.map((k) => `(v128.store (i32.add (local.get $q) (i32.mul (local.get $dstStride) (i32.const ${k}))) ${rowsTile.columns[k]})`).join('\n            ')}`,
          )}`,
        )}`,
      )}`,
    )}
    ;; the last rows % 4 rows (every column), then the last cols % 4 columns of the other rows
    (call $copyScalar (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
      (local.get $rows4) (local.get $rows) (i32.const 0) (local.get $cols))
    (call $copyScalar (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
      (i32.const 0) (local.get $rows4) (local.get $cols4) (local.get $cols)))

  ;; dst[j] = Σ_i src[i][j] over the rows of a rows × cols float32 matrix, row by row (so each column
  ;; sums in row order, as a sequential reduction would), four columns at a time.
  (func (export "sumRows") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $o i32) (local $end4 i32) (local $end i32) (local $row i32)
    (local.set $end4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $dst) (i32.const 0) (local.get $end))
    ${loop(
      '$i',
      '(local.get $rows)',
      1,
      `(local.set $row (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $end))))
      (local.set $o (i32.const 0))
      ${lanes(
        '(local.get $end4)',
        '(local.get $end)',
        `(v128.store ${at('$dst')} (f32x4.add (v128.load ${at('$dst')}) (v128.load ${at('$row')})))`,
        `(f32.store ${at('$dst')} (f32.add (f32.load ${at('$dst')}) (f32.load ${at('$row')})))`,
      )}`,
    )})

  ;; Byte runs for the convolution layouts: copy, zero, and add in place; 16 bytes at a time, then 4.
  (func $copy (param $dst i32) (param $src i32) (param $bytes i32)
    (local $o i32)
    ${lanes(
      '(i32.and (local.get $bytes) (i32.const -16))',
      '(local.get $bytes)',
      `(v128.store ${at('$dst')} (v128.load ${at('$src')}))`,
      `(i32.store ${at('$dst')} (i32.load ${at('$src')}))`,
    )})

  (func $zero (param $dst i32) (param $bytes i32)
    (local $o i32)
    ${lanes(
      '(i32.and (local.get $bytes) (i32.const -16))',
      '(local.get $bytes)',
      `(v128.store ${at('$dst')} (v128.const i32x4 0 0 0 0))`,
      `(i32.store ${at('$dst')} (i32.const 0))`,
    )})

  (func $addTo (param $dst i32) (param $src i32) (param $bytes i32)
    (local $o i32)
    ${lanes(
      '(i32.and (local.get $bytes) (i32.const -16))',
      '(local.get $bytes)',
      `(v128.store ${at('$dst')} (f32x4.add (v128.load ${at('$dst')}) (v128.load ${at('$src')})))`,
      `(f32.store ${at('$dst')} (f32.add (f32.load ${at('$dst')}) (f32.load ${at('$src')})))`,
    )})

  ;; x[n][y][xx][0]'s address (b = n·inH), or -1 in the padding.
  (func $pixel (param $x i32) (param $b i32) (param $y i32) (param $xx i32) (param $inH i32) (param $inW i32) (param $bytes i32)
    (result i32)
    ;; unsigned comparisons also reject the negative coordinates of the padding
    (if (result i32) (i32.and (i32.lt_u (local.get $y) (local.get $inH)) (i32.lt_u (local.get $xx) (local.get $inW)))
      (then (i32.add (local.get $x)
        (i32.mul (i32.add (i32.mul (i32.add (local.get $b) (local.get $y)) (local.get $inW)) (local.get $xx)) (local.get $bytes))))
      (else (i32.const -1))))

  ;; Four channels (or one) at a pixel address plus a byte offset; zeros for the padding's -1.
  (func $load4 (param $p i32) (param $o i32) (result v128)
    (if (result v128) (i32.eq (local.get $p) (i32.const -1))
      (then (v128.const i32x4 0 0 0 0))
      (else (v128.load (i32.add (local.get $p) (local.get $o))))))
  (func $load1 (param $p i32) (param $o i32) (result f32)
    (if (result f32) (i32.eq (local.get $p) (i32.const -1))
      (then (f32.const 0))
      (else (f32.load (i32.add (local.get $p) (local.get $o))))))

  ;; im2col, transposed: cols[(i·kw + j)·cin + c][r] = x[n][oy·sh + i − top][ox·sw + j − left][c], 0 outside,
  ;; for output positions r = (n, oy, ox). Four positions at a time: four channels of each are loaded and
  ;; turned (4 × 4 shuffle) into four channel rows of four positions, stored whole.
  (func (export "patchesT") (param $x i32) (param $cols i32)
        (param $batch i32) (param $inH i32) (param $inW i32) (param $cin i32) (param $outH i32) (param $outW i32)
        (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $R i32) (local $rowBytes i32) (local $bytes i32) (local $cin4 i32) (local $r i32) (local $count i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $i i32) (local $j i32) (local $c i32) (local $dst i32) (local $d i32)
    ${Q.map((q) => `(local $b${q} i32) (local $y${q} i32) (local $x${q} i32) (local $p${q} i32) (local $v${q} v128)`).join(' ')}
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $R (i32.mul (i32.mul (local.get $batch) (local.get $outH)) (local.get $outW)))
    (local.set $rowBytes (i32.shl (local.get $R) (i32.const 2)))
    (local.set $bytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $cin4 (i32.and (local.get $cin) (i32.const -4)))
    ${loop(
      '$r',
      '(local.get $R)',
      4,
      `(local.set $count (i32.sub (local.get $R) (local.get $r)))
      ;; the next four positions (past the last one they are computed but never read)
      ${Q.map(
        (q) => `
      (local.set $b${q} (i32.mul (local.get $n) (local.get $inH)))
      (local.set $y${q} (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)))
      (local.set $x${q} (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
      (if (i32.eq (local.get $ox) (local.get $outW)) (then
        (local.set $ox (i32.const 0))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (if (i32.eq (local.get $oy) (local.get $outH)) (then
          (local.set $oy (i32.const 0))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))))))`,
      ).join('')}
      (local.set $i (i32.const 0))
      ${loop(
        '$i',
        '(local.get $kh)',
        1,
        `(local.set $j (i32.const 0))
        ${loop(
          '$j',
          '(local.get $kw)',
          1,
          `${Q.map(
            (q) => `
          (local.set $p${q} (call $pixel (local.get $x) (local.get $b${q}) (i32.add (local.get $y${q}) (local.get $i))
            (i32.add (local.get $x${q}) (local.get $j)) (local.get $inH) (local.get $inW) (local.get $bytes)))`,
          ).join('')}
          ;; row (i·kw + j)·cin, column r
          (local.set $dst (i32.add (local.get $cols) (i32.shl (i32.add
            (i32.mul (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $cin)) (local.get $R))
            (local.get $r)) (i32.const 2))))
          (local.set $c (i32.const 0))
          (if (i32.ge_u (local.get $count) (i32.const 4)) (then
            ${loop(
              '$c',
              '(local.get $cin4)',
              4,
              `${Q.map((q) => `(local.set $v${q} (call $load4 (local.get $p${q}) (i32.shl (local.get $c) (i32.const 2))))`).join(' ')}
              ${positionsTile.shuffle}
              ${Q.map(
                (k) =>
                  `(v128.store (i32.add (local.get $dst) (i32.mul (i32.add (local.get $c) (i32.const ${k})) (local.get $rowBytes))) ${positionsTile.columns[k]})`,
              ).join('\n              ')}`,
            )}))
          ;; the other channels (all of them when fewer than four positions are left), one at a time
          ${loop(
            '$c',
            '(local.get $cin)',
            1,
            `(local.set $d (i32.add (local.get $dst) (i32.mul (local.get $c) (local.get $rowBytes))))
            ${Q.map(
              (q) => `
            (if (i32.gt_u (local.get $count) (i32.const ${q})) (then
              (f32.store offset=${4 * q} (local.get $d) (call $load1 (local.get $p${q}) (i32.shl (local.get $c) (i32.const 2))))))`,
            ).join('')}`,
          )}`,
        )}`,
      )}`,
    )})

  ;; The patches of a 2-D convolution (NHWC, dilation 1), one row per output position r = (n, oy, ox):
  ;; $mode 0 (im2col): cols[r][(i·kw + j)·cin + c] = x[n][oy·sh + i − top][ox·sw + j − left][c], 0 outside;
  ;; $mode 1 (col2im): the inverse scatter, x[…][c] += cols[r][…] (x zeroed first), in the same order.
  (func (export "patches") (param $mode i32) (param $x i32) (param $cols i32)
        (param $batch i32) (param $inH i32) (param $inW i32) (param $cin i32) (param $outH i32) (param $outW i32)
        (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $i i32) (local $j i32) (local $y i32) (local $xx i32)
    (local $bytes i32) (local $at i32) (local $pixel i32)
    (local.set $bytes (i32.shl (local.get $cin) (i32.const 2)))
    (if (local.get $mode) (then
      (memory.fill (local.get $x) (i32.const 0)
        (i32.mul (i32.mul (i32.mul (local.get $batch) (local.get $inH)) (local.get $inW)) (local.get $bytes)))))
    (local.set $at (local.get $cols))
    ${loop(
      '$n',
      '(local.get $batch)',
      1,
      `(local.set $oy (i32.const 0))
      ${loop(
        '$oy',
        '(local.get $outH)',
        1,
        `(local.set $ox (i32.const 0))
        ${loop(
          '$ox',
          '(local.get $outW)',
          1,
          `(local.set $i (i32.const 0))
          ${loop(
            '$i',
            '(local.get $kh)',
            1,
            `(local.set $j (i32.const 0))
            ${loop(
              '$j',
              '(local.get $kw)',
              1,
              `(local.set $y (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (local.get $i)) (local.get $top)))
              (local.set $xx (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (local.get $j)) (local.get $left)))
              ;; inline rather than $pixel: with one channel this runs once per element
              (if (i32.and (i32.lt_u (local.get $y) (local.get $inH)) (i32.lt_u (local.get $xx) (local.get $inW)))
                (then
                  (local.set $pixel (i32.add (local.get $x) (i32.mul
                    (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $inH)) (local.get $y)) (local.get $inW)) (local.get $xx))
                    (local.get $bytes))))
                  (if (i32.eq (local.get $bytes) (i32.const 4))
                    (then ;; one channel: no call for a single element
                      (if (local.get $mode)
                        (then (f32.store (local.get $pixel) (f32.add (f32.load (local.get $pixel)) (f32.load (local.get $at)))))
                        (else (i32.store (local.get $at) (i32.load (local.get $pixel))))))
                    (else
                      (if (local.get $mode)
                        (then (call $addTo (local.get $pixel) (local.get $at) (local.get $bytes)))
                        (else (call $copy (local.get $at) (local.get $pixel) (local.get $bytes)))))))
                (else (if (i32.eqz (local.get $mode)) (then (call $zero (local.get $at) (local.get $bytes))))))
              (local.set $at (i32.add (local.get $at) (local.get $bytes)))`,
            )}`,
          )}`,
        )}`,
      )}`,
    )})

  ;; out = dy where lo ≤ x ≤ hi, else +0 (the gradient of clipByValue; NaN compares false, so gives 0).
  (func (export "clipGradient") (param $dy i32) (param $x i32) (param $out i32) (param $n i32) (param $lo f32) (param $hi f32)
    (local $o i32) (local $end4 i32) (local $end i32) (local $LO v128) (local $HI v128) (local $xv v128) (local $xs f32)
    (local.set $LO (f32x4.splat (local.get $lo)))
    (local.set $HI (f32x4.splat (local.get $hi)))
    ${elementEnds}
    ${lanes(
      '(local.get $end4)',
      '(local.get $end)',
      `(local.set $xv (v128.load ${at('$x')}))
      (v128.store ${at('$out')}
        (v128.and
          (v128.and (f32x4.ge (local.get $xv) (local.get $LO)) (f32x4.le (local.get $xv) (local.get $HI)))
          (v128.load ${at('$dy')})))`,
      `(local.set $xs (f32.load ${at('$x')}))
      (i32.store ${at('$out')}
        (select
          (i32.load ${at('$dy')})
          (i32.const 0)
          (i32.and (f32.ge (local.get $xs) (local.get $lo)) (f32.le (local.get $xs) (local.get $hi)))))`,
    )})

  ;; out = dy · step(x): dy where x > 0, ±0 where not, NaN where x is NaN (the gradient of relu, as tfjs's
  ;; mul(dy, cast(step(x))) computes it).
  (func (export "reluGradient") (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end4 i32) (local $end i32) (local $xv v128) (local $xs f32)
    ${elementEnds}
    ${lanes(
      '(local.get $end4)',
      '(local.get $end)',
      `(local.set $xv (v128.load ${at('$x')}))
      (v128.store ${at('$out')}
        (f32x4.mul
          (v128.load ${at('$dy')})
          (v128.bitselect
            (local.get $xv)
            (v128.and (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
            (f32x4.ne (local.get $xv) (local.get $xv)))))`,
      `(local.set $xs (f32.load ${at('$x')}))
      (f32.store ${at('$out')}
        (f32.mul
          (f32.load ${at('$dy')})
          (select (local.get $xs)
            (select (f32.const 1) (f32.const 0) (f32.gt (local.get $xs) (f32.const 0)))
            (f32.ne (local.get $xs) (local.get $xs)))))`,
    )})

  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $wOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (param $c1 f32) (param $c2 f32) (param $eps f32) (param $negLr f32)
    (local $o i32) (local $end4 i32) (local $end i32)
    (local $B1 v128) (local $OB1 v128) (local $B2 v128) (local $OB2 v128)
    (local $C1 v128) (local $C2 v128) (local $E v128) (local $L v128)
    (local $g_f32x4 v128) (local $m_f32x4 v128) (local $v_f32x4 v128)
    (local $g_f32 f32) (local $m_f32 f32) (local $v_f32 f32)
    (local.set $B1 (f32x4.splat (local.get $beta1)))
    (local.set $OB1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $B2 (f32x4.splat (local.get $beta2)))
    (local.set $OB2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $L (f32x4.splat (local.get $negLr)))
    ${elementEnds}
    ${lanes('(local.get $end4)', '(local.get $end)', adamStep('f32x4'), adamStep('f32'))})
)
`;
};

/** A convolution's geometry (NHWC, dilation 1) as the patch kernels take it; top and left are the padding. */
export type PatchGeometry = [
  batch: number,
  inH: number,
  inW: number,
  cin: number,
  outH: number,
  outW: number,
  kh: number,
  kw: number,
  strideH: number,
  strideW: number,
  top: number,
  left: number,
];

export interface SimdKernels {
  /** dst = srcᵀ, rows × cols 32-bit elements; byte offsets into the backend's memory. */
  transpose32(src: number, dst: number, rows: number, cols: number): void;
  /** dst[j] = Σᵢ src[i][j] for a rows × cols float32 matrix. */
  sumRows(src: number, dst: number, rows: number, cols: number): void;
  /**
   * The patches of a 2-D convolution, one row of kh·kw·cin per output position: mode 0 writes them from
   * x (im2col), mode 1 sums them back into x, which it zeroes first (col2im).
   */
  patches(mode: 0 | 1, x: number, cols: number, ...geometry: PatchGeometry): void;
  /** out = dy where lo ≤ x ≤ hi, else 0: n float32 elements. */
  clipGradient(dy: number, x: number, out: number, n: number, lo: number, hi: number): void;
  /**
   * im2col, transposed: a row of all output positions per filter tap and channel ((i·kw + j)·cin + c),
   * so that dW = cols · dy multiplies without a transposed operand.
   */
  patchesT(x: number, cols: number, ...geometry: PatchGeometry): void;
  /** out = dy · step(x) (the gradient of relu): n float32 elements. */
  reluGradient(dy: number, x: number, out: number, n: number): void;
  /** One Adam step over n float32 elements; outputs may not overlap inputs other than their own. */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    c1: number,
    c2: number,
    eps: number,
    negLr: number,
  ): void;
}

interface Wabt {
  parseWat(
    name: string,
    text: string,
    features: object,
  ): {
    validate(features: object): void;
    toBinary(options: object): { buffer: Uint8Array };
    destroy(): void;
  };
}

const compiled = new Map<boolean, Promise<WasmModule>>();

/** The kernels' module for a shared (threaded build) or unshared memory, compiled once per process. */
function compileKernels(shared: boolean): Promise<WasmModule> {
  let module = compiled.get(shared);
  if (module) return module;
  module = (async () => {
    const wabt = await (tfRequire('wabt') as () => Promise<Wabt>)();
    const features = { simd: true, threads: shared, bulk_memory: true };
    const parsed = wabt.parseWat('latent-studio-kernels.wat', kernelsWat(shared), features);
    try {
      parsed.validate(features);
      return new WA.Module(parsed.toBinary({}).buffer);
    } finally {
      parsed.destroy();
    }
  })();
  compiled.set(shared, module);
  return module;
}

const instances = new WeakMap<WasmMemory, SimdKernels>();

/** The kernels bound to a wasm backend's memory (shared in the threaded build, plain otherwise). */
export async function simdKernelsFor(memory: WasmMemory): Promise<SimdKernels> {
  const known = instances.get(memory);
  if (known) return known;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const instance = new WA.Instance(await compileKernels(shared), { env: { memory } });
  const kernels = instance.exports as unknown as SimdKernels;
  instances.set(memory, kernels);
  return kernels;
}

/** What the kernels need of tfjs's wasm backend: its module's memory, allocation, and where a tensor lives. */
export interface WasmBackendHeap {
  wasm: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): { dataId: object; shape: number[]; dtype: 'float32' | 'int32' };
}

/** Byte offset of a tensor's data in the wasm backend's memory. */
export function heapOffset(backend: WasmBackendHeap, t: { dataId: object }): number {
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry) throw new Error('the tensor has no data on the wasm backend');
  return entry.memoryOffset;
}

let active: SimdKernels | null = null;

/** The kernels bound to this process's wasm backend, once `enableWasmSimd` has run; null before. */
export function wasmSimd(): SimdKernels | null {
  return active;
}

/** The kernels, for wasm kernels that have no other implementation. */
export function requireWasmSimd(): SimdKernels {
  if (!active) throw new Error('the wasm SIMD kernels are not enabled (the wasm backend is not ready)');
  return active;
}

/** Compiles the kernels and binds them to the wasm backend's memory (after the backend is ready). */
export async function enableWasmSimd(backend: WasmBackendHeap): Promise<SimdKernels | null> {
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  active = memory ? await simdKernelsFor(memory) : null;
  return active;
}
