/**
 * `latent-studio show <runId>`: one run as its page shows it, in a terminal: its status, labels and where it trained,
 * its final metrics, checkpoints, history (every start of its training) and config; here or at `--remote`.
 */
import { adapterLabel, continuationText, stoppedEarlyText, type Evaluation, type RunDetail } from '../../shared/api';
import { attemptEpochs, attemptKind, attemptTiming, attemptWhere, historySeconds, trainedSeconds } from '../../shared/attempts';
import { duration } from '../../shared/duration';
import { flattenConfig } from '../../shared/sweep';
import { epochsInWords } from '../../families/run-config';
import { command, dbAndJson, printTable, remoteFlags, runIdArg, tableLines, withStudio } from '../runner';

const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
const splitOrder: readonly string[] = ['test', 'val', 'train', 'prior'];

function heading(text: string): void {
  process.stdout.write(`\n${text}\n`);
}

/** Its title and the lines under it: what it is, its labels, where and how long it trained, how it ended. */
function summary(run: RunDetail): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`run ${run.id}: ${run.starred ? '★ ' : ''}${run.name} (${run.status})`);
  out(
    `  ${run.family} · experiment ${run.experiment}${run.sweepId !== null ? ` · sweep ${run.sweepId}` : ''} · seed ${run.seed}` +
      ` · ${epochsInWords(run.config, run.epochs)} · config ${run.configHash.slice(0, 12)}`,
  );
  if (run.tags.length > 0) out(`  tags: ${run.tags.join(', ')}`);
  if (run.notes) out(`  notes: ${run.notes.replace(/\n/g, '\n         ')}`);
  const adapter = run.environment?.backend.adapter;
  // The reason names the backend first ("wasm: embedded WebAssembly …; webgpu unavailable: …").
  if (run.backend) out(`  backend: ${run.backendReason ?? run.backend}` + (adapter ? `; adapter ${adapterLabel(adapter)}` : ''));
  const trained = trainedSeconds(run, historySeconds(run.attempts));
  out(
    `  created ${when(run.createdAt)} · started ${when(run.startedAt)} · ended ${when(run.endedAt)}` +
      (trained !== null && run.startedAt ? ` · ${duration(trained)} of training` : ''),
  );
  if (run.interruptions.length > 0) out(`  ${continuationText(run.interruptions)}`);
  if (run.stoppedEarly)
    out(`  ${stoppedEarlyText(run.stoppedEarly, run.defaultCheckpoint, (run.pretrainingEpochs ?? 0) + run.epochs)}`);
  // A run Hyperband stopped keeps the sweep's reason ("stopped by Hyperband at …") where a failed one keeps its error.
  if (run.error) out(run.status === 'stopped' ? `  ${run.error}` : `  error: ${run.error}`);
  for (const w of run.warnings) out(`  warning: ${w}`);
}

/** The latest value of each metric, test first; a metric per latent dimension (`kl_dim_3`) on a line of its own. */
function metrics(run: RunDetail): void {
  heading('final metrics');
  if (run.latest.length === 0) return void process.stdout.write('  none yet\n');
  const sorted = [...run.latest].sort(
    (a, b) => splitOrder.indexOf(a.split) - splitOrder.indexOf(b.split) || a.name.localeCompare(b.name),
  );
  const rows: string[][] = [];
  const perDimension = new Map<string, { dim: number; value: number }[]>();
  for (const m of sorted) {
    const dim = /^(.+)_dim_(\d+)$/.exec(m.name);
    if (!dim) rows.push([`  ${m.split}`, m.name, String(Number(m.value.toPrecision(6))), String(m.step)]);
    else {
      const key = `  ${m.split} ${dim[1] ?? ''} per dimension`;
      perDimension.set(key, [...(perDimension.get(key) ?? []), { dim: Number(dim[2]), value: m.value }]);
    }
  }
  printTable(['  split', 'metric', 'value', 'step'], rows);
  for (const [key, dims] of perDimension) {
    const values = dims.sort((a, b) => a.dim - b.dim).map((d) => d.value.toPrecision(3));
    process.stdout.write(`${key}: ${values.join(' ')}\n`);
  }
}

/** Its checkpoints, then every start of its training, each with the error it ended with. */
function checkpointsAndHistory(run: RunDetail): void {
  heading('checkpoints');
  const last = run.checkpoints.at(-1);
  process.stdout.write(last ? `  ${run.checkpoints.length} kept; the last of epoch ${last.epoch}: ${last.path}\n` : '  none\n');
  heading('history');
  if (run.attempts.length === 0)
    return void process.stdout.write('  no record of its starts: it trained before the studio kept them\n');
  const rows = run.attempts.map((a, i) => [
    `  ${i + 1}`,
    attemptKind(run.attempts, i),
    a.status,
    attemptEpochs(a),
    attemptWhere(a),
    attemptTiming(a),
  ]);
  const [header, ...lines] = tableLines(['  #', 'start', 'status', 'epochs', 'where', 'time'], rows);
  // Each start's line, and under it how it ended when that was an error.
  const out = [
    header,
    ...lines.flatMap((line, i) => [line, ...(run.attempts[i]?.error ? [`     ${run.attempts[i]?.error}`] : [])]),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Its evaluations, oldest first: what each measured on which checkpoint, how it ended, and its headline figures. */
function evaluations(list: readonly Evaluation[]): void {
  heading('evaluations');
  if (list.length === 0) return void process.stdout.write('  none (latent-studio evaluate <runId>)\n');
  list.forEach((e, i) => {
    const figures = Object.entries(e.figures)
      .map(([name, value]) => `${name} ${Number(value.toPrecision(4))}`)
      .join(' · ');
    process.stdout.write(
      // Numbered among the run's own, as its page numbers them; the studio's job id after.
      `  ${i + 1}. ${e.what.join(', ')} · epoch ${e.epoch} · seed ${e.seed} · ${e.status} (job ${e.id})${figures ? `: ${figures}` : ''}\n`,
    );
    if (e.error) process.stdout.write(`     ${e.error}\n`);
  });
}

export const show = command({
  name: 'show',
  flags: { ...dbAndJson, ...remoteFlags },
  positionals: true,
  async run({ values, positionals }) {
    const runId = runIdArg('show', positionals[0]);
    const [run, evaluated] = await withStudio(values, 'show: ', (studio) =>
      Promise.all([studio.api['runs.get']({ runId }), studio.api['evaluations.list']({ runId })]),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...run, evaluations: evaluated })}\n`);
      return 0;
    }
    summary(run);
    metrics(run);
    checkpointsAndHistory(run);
    evaluations(evaluated);
    heading('config');
    printTable(
      ['  path', 'value'],
      Object.entries(flattenConfig(run.config)).map(([k, v]) => [`  ${k}`, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    return 0;
  },
});
