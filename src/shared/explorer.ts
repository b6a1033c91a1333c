import { z } from 'zod';

/** The explorer's live sessions: a run's model held by a worker, decoding codes as the sliders move. */

/** Rows one `explorer.decode` may ask for (an interpolation or traversal strip). */
export const explorerMaxRows = 64;
/** Test images one `explorer.encode` may ask for. */
export const explorerMaxIndices = 256;

export const ExplorerSessionId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not an explorer session id');

export const ExplorerOpenRequest = z.strictObject({
  runId: z.number().int().positive(),
  /** The checkpoint of this epoch (default: the newest that verifies). */
  epoch: z.number().int().min(0).optional(),
});

export const ExplorerInfo = z.object({
  sessionId: ExplorerSessionId,
  runId: z.number().int(),
  /** The checkpoint's epoch. */
  epoch: z.number().int(),
  family: z.string(),
  latentSize: z.number().int(),
  /** A class is chosen with every code (the CVAE): `labels` in `explorer.decode`. */
  conditional: z.boolean(),
  classes: z.number().int(),
  labelNames: z.array(z.string()).nullable(),
  /** The decoders a code can go through: ['a', 'b'] for the deepfake's identities, else ['default']. */
  decoders: z.array(z.string()),
  height: z.number().int(),
  width: z.number().int(),
  channels: z.number().int(),
  testCount: z.number().int(),
  /**
   * Draws of the model's own prior where it is not N(0, I) (the VampPrior, the AAE's ring), made when the session
   * opened: what "sample the prior" decodes, draw (seed − 1) mod their number. Null for N(0, I).
   */
  priorDraws: z.array(z.array(z.number())).nullable(),
  /**
   * The values the code can take where its encoder's last activation bounds them (a ReLU code: min 0), named by
   * that activation; null where any real value is a code.
   */
  codeRange: z.object({ min: z.number().nullable(), max: z.number().nullable(), activation: z.string() }).nullable(),
  /** Per latent dimension over the first (up to 1,000) test codes. */
  spread: z.object({
    mean: z.array(z.number()),
    std: z.array(z.number()),
    min: z.array(z.number()),
    max: z.array(z.number()),
  }),
});
export type ExplorerInfo = z.infer<typeof ExplorerInfo>;

export const ExplorerDecodeRequest = z.strictObject({
  sessionId: ExplorerSessionId,
  /** Rows of codes, each of the session's latentSize. */
  z: z.array(z.array(z.number())).min(1).max(explorerMaxRows),
  /** The class of each row (or one for all rows), for a conditional model. */
  labels: z.array(z.number().int().min(0)).min(1).max(explorerMaxRows).optional(),
  /** The decoder (one name for all rows, or one per row), where the model has more than one. */
  decoder: z.union([z.string().min(1).max(32), z.array(z.string().min(1).max(32)).min(1).max(explorerMaxRows)]).optional(),
  /** false: raw pixels only (no PNG encoding), for a renderer that draws them itself. */
  png: z.boolean().optional(),
});
export type ExplorerDecodeRequest = z.infer<typeof ExplorerDecodeRequest>;

export const ExplorerDecoded = z.object({
  width: z.number().int(),
  height: z.number().int(),
  channels: z.number().int(),
  /** One PNG (base64) per row of z; empty when `png` was false. */
  images: z.array(z.string()),
  /** One per row of z: its 8-bit pixels, HWC (base64), exactly what the PNG holds. */
  pixels: z.array(z.string()),
});
export type ExplorerDecoded = z.infer<typeof ExplorerDecoded>;

export const ExplorerEncodeRequest = z.strictObject({
  sessionId: ExplorerSessionId,
  /** Indices of images in the run's test split. */
  indices: z.array(z.number().int().min(0)).min(1).max(explorerMaxIndices),
});

export const ExplorerEncoded = z.object({
  dim: z.number().int(),
  /** One code per index (the posterior mean for a VAE). */
  codes: z.array(z.array(z.number())),
  labels: z.array(z.number().int()).nullable(),
  /** The test images themselves, PNG (base64), for thumbnails. */
  images: z.array(z.string()),
});
export type ExplorerEncoded = z.infer<typeof ExplorerEncoded>;

export const explorerCommands = {
  /** Opens a session on a run's checkpoint: a worker holds its model until `explorer.close` or a few idle minutes. */
  'explorer.open': { input: ExplorerOpenRequest, output: ExplorerInfo },
  /** Decodes rows of codes to images (8-bit, as the run's image views round them). */
  'explorer.decode': { input: ExplorerDecodeRequest, output: ExplorerDecoded },
  /** The codes of test images by index, with their labels and thumbnails. */
  'explorer.encode': { input: ExplorerEncodeRequest, output: ExplorerEncoded },
  'explorer.close': { input: z.strictObject({ sessionId: ExplorerSessionId }), output: z.object({ closed: z.boolean() }) },
} as const;
