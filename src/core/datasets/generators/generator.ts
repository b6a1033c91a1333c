import type { DatasetFactor } from '../../../shared/api';

/** A synthetic data set drawn from known factors: the same seed gives the same bytes. */
export interface ImageGenerator {
  kind: GeneratorKind;
  title: string;
  description: string;
  height: number;
  width: number;
  channels: number;
  factors: DatasetFactor[];
  labelNames: string[] | null;
  /** Data sets one generation writes: one, or one per identity (twins share index and factors). */
  identities: readonly string[];
  /** Draws the factor values of one image (shared by every identity). */
  draw(rng: () => number): number[];
  /** The label of an image with these factors (null for unlabelled sets). */
  label(factors: readonly number[]): number | null;
  /** Renders one image of `identity` (an index into `identities`) with these factors into `out`. */
  render(factors: readonly number[], identity: number, out: Uint8Array): void;
}

export const generatorKinds = ['shapes', 'faces'] as const;
export type GeneratorKind = (typeof generatorKinds)[number];

/**
 * n values evenly spaced from `from` to `to`, both ends included, rounded to float32: factors are stored
 * as float32, so the generator draws exactly the values it stores and an image can be rendered again from them.
 */
export function linspace(from: number, to: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(n === 1 ? from : from + ((to - from) * i) / (n - 1)));
}

/** A uniform pick from a factor's grid of values. */
export function pick(values: readonly number[], rng: () => number): number {
  return values[Math.min(values.length - 1, Math.floor(rng() * values.length))] as number;
}
