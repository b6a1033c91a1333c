import type { FamilyInfo, RunsTable } from './api';

/**
 * The set a per-dimension metric key belongs to (test.kl_dim_0 to the KL per latent dimension), and its dimension as
 * the explorer's sliders name it (z1: the keys count from 0, the sliders from 1).
 */
export function perDimensionOf<M extends Pick<FamilyInfo, 'metrics'>['metrics'][number]>(
  key: string,
  families: readonly { metrics: readonly M[] }[],
): { set: M; slider: string } | undefined {
  const name = key.slice(key.indexOf('.') + 1);
  for (const set of families.flatMap((f) => f.metrics)) {
    const rest = set.perDimension && name.startsWith(set.perDimension) ? name.slice(set.perDimension.length) : '';
    if (/^\d+$/.test(rest)) return { set, slider: `z${Number(rest) + 1}` };
  }
  return undefined;
}

/**
 * Metrics that are one of a per-dimension set (`test.kl_dim_3`): the table's metric picker keeps them apart from the
 * rest, and the CLI's text table leaves them to its CSV and JSON.
 */
export function isPerDimensionMetric(key: string, families: readonly Pick<FamilyInfo, 'metrics'>[]): boolean {
  return perDimensionOf(key, families) !== undefined;
}

/**
 * One CSV field, quoted where it must be (RFC 4180). Text a spreadsheet would read as a formula (a run's name, tag or
 * notes starting with =, +, -, @, a tab or a return) is kept as text with a leading apostrophe, as OWASP's CSV
 * injection advice has it; numbers are written as they are.
 */
export function csvField(value: string | number | boolean | null | undefined | readonly number[]): string {
  const raw = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The final test metrics, the table's default metric columns. */
export function testMetricColumns(table: RunsTable): string[] {
  return table.metrics.filter((m) => m.startsWith('test.'));
}

/**
 * The runs table as CSV: id, name, status, family, the labels (starred, tags separated by spaces, notes), one column per differing config field (`fields`) and per
 * metric (`split.name`); the same in the UI's export and `latent-studio runs --csv`.
 */
export function runsTableCsv(
  table: RunsTable,
  columns: { fields?: readonly string[]; metrics?: readonly string[]; rows?: RunsTable['rows'] } = {},
): string {
  const fields = columns.fields ?? table.fields;
  const metrics = columns.metrics ?? testMetricColumns(table);
  const header = ['id', 'name', 'status', 'family', 'starred', 'tags', 'notes', ...fields, ...metrics];
  const lines = (columns.rows ?? table.rows).map((r) => [
    r.id,
    r.name,
    r.status,
    r.family,
    r.starred,
    r.tags.join(' '),
    r.notes,
    ...fields.map((f) => r.config[f]),
    ...metrics.map((m) => r.metrics[m]),
  ]);
  return `${[header, ...lines].map((line) => line.map(csvField).join(',')).join('\n')}\n`;
}
