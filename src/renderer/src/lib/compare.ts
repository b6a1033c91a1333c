/**
 * The pure parts of comparing many runs, by concern: values and labels (./compare/values), grouping, aligning and
 * aggregating curves with smoothing, colour scales, axes and label placement.
 */
export * from './compare/values';
export * from './compare/grouping';
export * from './compare/curves';
export * from './compare/colors';
export * from './compare/axes';
export * from './compare/selection';
