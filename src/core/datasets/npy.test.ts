import { describe, expect, it } from 'vitest';
import { npyBytes, parseNpy } from './npy';

function npy(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return new Uint8Array(Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data)]));
}

describe('parseNpy', () => {
  it('reads shape, type and elements', () => {
    const a = parseNpy(npy('<u2', [2, 2], new Uint8Array(new Uint16Array([1, 2, 3, 400]).buffer)), 'x.npy');
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe('u2');
    expect(Array.from({ length: a.size }, (_, i) => a.get(i))).toEqual([1, 2, 3, 400]);
  });

  it.each([
    ['10 x 0 x 0', [10, 0, 0], /x\.npy: holds an array of 10 x 0 x 0; every dimension must be at least 1/],
    ['0 images of 28 x 28', [0, 28, 28], /x\.npy: holds an array of 0 x 28 x 28; every dimension must be at least 1/],
    ['10 x 28 x 0', [10, 28, 0], /x\.npy: holds an array of 10 x 28 x 0; every dimension must be at least 1/],
    ['an empty vector', [0], /x\.npy: holds an array of 0; every dimension must be at least 1/],
  ])('refuses an array of %s, naming the file', (_what, shape, message) => {
    expect(() => parseNpy(npy('|u1', shape, new Uint8Array(0)), '/data/x.npy')).toThrow(message);
    expect(() => parseNpy(npy('<f4', shape, new Uint8Array(0)), '/data/x.npy')).toThrow(message);
  });
});

describe('npyBytes', () => {
  it('writes what parseNpy (and np.load) reads back, with the data on a 64-byte boundary as np.save aligns it', () => {
    const codes = Float32Array.from({ length: 3 * 5 }, (_, i) => i / 7 - 1);
    const bytes = npyBytes(codes, [3, 5]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(10, 10 + headerLength))).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3, 5\), \} *\n$/,
    );
    const back = parseNpy(bytes, 'codes.npy');
    expect(back.shape).toEqual([3, 5]);
    expect(back.dtype).toBe('f4');
    expect(Array.from({ length: back.size }, (_, i) => back.get(i))).toEqual(Array.from(codes));
    const labels = parseNpy(npyBytes(Uint8Array.from([7, 0, 9]), [3]), 'labels.npy');
    expect([labels.shape, labels.dtype, labels.get(2)]).toEqual([[3], 'u1', 9]);
    expect(() => npyBytes(codes, [4, 4])).toThrow(/holds 16 values, not 15/);
  });
});
