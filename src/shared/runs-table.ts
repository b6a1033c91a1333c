import type { RunsTable } from './api';

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
