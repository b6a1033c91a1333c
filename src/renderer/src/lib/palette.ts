/**
 * The categorical colours of every chart: Tableau 10 for classes, runs and groups, then its ten lighter companions
 * (Tableau 20) where a projection colours more labels.
 */
export const tableau20: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#a0cbe8',
  '#ffbe7d',
  '#ff9d9a',
  '#86bcb6',
  '#8cd17d',
  '#f1ce63',
  '#d4a6c8',
  '#fabfd2',
  '#d7b5a6',
  '#79706e',
];

/** Ten distinguishable colours, one per class label (Tableau 10). */
export const palette10: readonly string[] = tableau20.slice(0, 10);
