/** The contract's data sets: what a run can name, browse, import or generate. */
import { z } from 'zod';
import { DatasetName, datasetNamePattern } from './config';

export const DatasetFactor = z.object({
  name: z.string(),
  /** The grid of values the generator draws from, or null for a continuous factor in [min, max]. */
  values: z.array(z.number()).nullable(),
  min: z.number(),
  max: z.number(),
});
export type DatasetFactor = z.infer<typeof DatasetFactor>;

export const DatasetKind = z.enum(['builtin', 'generated', 'imported']);

/** A data set a run can name: built in, generated from known factors, or imported by the user. */
export const DatasetInfo = z.object({
  name: z.string(),
  title: z.string(),
  kind: DatasetKind,
  description: z.string(),
  /** Where the images came from: a package, a folder, a file, or the generator and its seed. */
  source: z.string(),
  height: z.number().int(),
  width: z.number().int(),
  channels: z.number().int(),
  trainCount: z.number().int(),
  testCount: z.number().int(),
  /** Number of label values (0 = unlabelled) and their names. */
  classes: z.number().int(),
  labelNames: z.array(z.string()).nullable(),
  factors: z.array(DatasetFactor),
  /** The other identity of a generated pair: image i here and image i there share every factor. */
  twin: z.string().nullable(),
  /** How the train/test split was made. */
  split: z.string(),
  /** False when its files are missing (e.g. Fashion-MNIST without Debian's package); `hint` says what to do. */
  available: z.boolean(),
  /** False for a generated set not written yet: it is generated on first use. */
  stored: z.boolean(),
  hint: z.string().nullable(),
  sizeBytes: z.number().int(),
  hash: z.string().nullable(),
  createdAt: z.string().nullable(),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

export const DatasetDetail = DatasetInfo.extend({
  trainLabelCounts: z.array(z.number().int()),
  testLabelCounts: z.array(z.number().int()),
});
export type DatasetDetail = z.infer<typeof DatasetDetail>;

export const DatasetSample = z.object({
  index: z.number().int(),
  label: z.number().int().nullable(),
  factors: z.array(z.number()).nullable(),
  png: z.string(),
});
export type DatasetSample = z.infer<typeof DatasetSample>;

export { DatasetName, datasetNamePattern };

export const ImportRequest = z.strictObject({
  path: z
    .string()
    .min(1)
    .meta({ label: 'Path', help: 'A folder of images (sub-folders = labels), an IDX file or folder, or an NPY file.' }),
  name: DatasetName.optional(),
  labelsPath: z.string().min(1).optional(),
  size: z.number().int().min(4).max(512).optional(),
  channels: z.union([z.literal('auto'), z.literal(1), z.literal(3)]).optional(),
  testFraction: z.number().min(0).max(0.9).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
});
export type ImportRequest = z.infer<typeof ImportRequest>;

export const GenerateRequest = z.strictObject({
  generator: z.enum(['shapes', 'faces']),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  count: z.number().int().min(10).max(1_000_000),
  name: DatasetName.optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;

/**
 * The names of the labels in a run's view of its data (`DatasetCatalog.open`): the two sets' names for a pair (an
 * image's label is the set it comes from), the chosen classes' names in the order chosen (they are renumbered 0, 1, …;
 * their original numbers where the set names none), else the set's own names.
 */
export function selectionLabelNames(
  ref: { name: string; second?: string | undefined; classes?: readonly number[] | undefined },
  labelNames: readonly string[] | null,
): string[] | null {
  if (ref.second) return [ref.name, ref.second];
  if (ref.classes) return ref.classes.map((c) => labelNames?.[c] ?? String(c));
  return labelNames ? [...labelNames] : null;
}
