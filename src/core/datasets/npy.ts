import { DatasetFileError, refuseEmptyDimensions } from './idx';

export interface NpyArray {
  shape: number[];
  /** Element type, e.g. 'u1', 'f4', 'i8'. */
  dtype: string;
  /** The elements as numbers, in C order. */
  get(i: number): number;
  size: number;
  /** The raw bytes, when the type is unsigned bytes (no copy). */
  bytes: Uint8Array | null;
}

const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const readers: Record<string, { size: number; read: (v: DataView, o: number, le: boolean) => number }> = {
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  u8: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  i8: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
};

/**
 * Parses NumPy's .npy format (versions 1-3): the magic string, a header dict literal giving dtype,
 * fortran_order and shape, then the data. Numeric types only; every defect is named with the file.
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length === 0) throw new DatasetFileError(file, 'is empty (0 bytes)');
  if (bytes.length < magic.length || magic.some((m, i) => bytes[i] !== m)) {
    throw new DatasetFileError(file, 'wrong magic number: not a NumPy .npy file');
  }
  if (bytes.length < 10) throw new DatasetFileError(file, 'truncated .npy header');
  const major = bytes[6] as number;
  if (major < 1 || major > 3) throw new DatasetFileError(file, `.npy format version ${major} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + headerLenSize) throw new DatasetFileError(file, 'truncated .npy header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + headerLenSize + headerLen;
  if (bytes.length < dataStart) throw new DatasetFileError(file, 'truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + headerLenSize, dataStart));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) throw new DatasetFileError(file, `unreadable .npy header: ${header.trim()}`);
  const [, order, kind, width] = descr;
  const dtype = `${kind}${width}`;
  const reader = readers[dtype];
  if (!reader) throw new DatasetFileError(file, `element type ${order}${dtype} is not supported (use uint8 or float32 images)`);
  if (fortran[1] === 'True') {
    throw new DatasetFileError(file, 'is in Fortran order: save it with np.save(path, np.ascontiguousarray(a))');
  }
  const shape = (shapeText[1] as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DatasetFileError(file, `bad shape (${shapeText[1]})`);
  refuseEmptyDimensions(shape, file);
  const size = shape.reduce((a, b) => a * b, 1);
  const expected = size * reader.size;
  const available = bytes.length - dataStart;
  if (available < expected) {
    throw new DatasetFileError(
      file,
      `truncated: shape (${shape.join(', ')}) of ${order}${dtype} needs ${expected} bytes of data, file holds ${available}`,
    );
  }
  if (available > expected) throw new DatasetFileError(file, `${available - expected} unexpected bytes after the data`);
  const littleEndian = order !== '>';
  const data = new DataView(bytes.buffer, bytes.byteOffset + dataStart, expected);
  return {
    shape,
    dtype,
    size,
    get: (i) => reader.read(data, i * reader.size, littleEndian),
    bytes: reader.size === 1 && kind === 'u' ? bytes.subarray(dataStart, dataStart + expected) : null,
  };
}

/**
 * A NumPy .npy file (format 1.0, C order, little-endian) of float32 or uint8 values with the given shape: the
 * header dict, padded with spaces and a newline so that the data starts on a 64-byte boundary, as np.save writes it.
 */
export function npyBytes(values: Float32Array | Int32Array | Uint8Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) throw new RangeError(`shape [${shape.join(', ')}] holds ${count} values, not ${values.length}`);
  const descr = values instanceof Float32Array ? '<f4' : values instanceof Int32Array ? '<i4' : '|u1';
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = magic.length + 2 + 2 + header.length + 1;
  header += `${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(magic.length + 4 + header.length + values.byteLength);
  out.set(magic, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  // float32 and int32 arrays are little-endian on every platform Node runs on here (x86-64, arm64).
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 10 + header.length);
  return out;
}
