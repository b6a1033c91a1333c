/**
 * `latent-studio study disentanglement`: the disentanglement study of Locatello et al. (2019) as one sweep (every
 * model that declares a part in it, three strengths each, N seeds), each run evaluated for disentanglement; then one
 * JSON object: per model and per metric, the spread over seeds and strengths, and the metrics' rank correlation.
 */
import { describeIssues, fieldIssues } from '../../shared/config';
import { registeredFamilySpecs } from '../../families/specs';
import { defaultStudyName, StudySpec, studySummary, studySweepSpec } from '../../shared/study';
import { SweepSpec } from '../../shared/sweep';
import { command, dbAndJson, intFlag, refusedRequest, remoteFlags, UsageError } from '../runner';
import { runSweep } from './sweep';

export const study = command({
  name: 'study',
  flags: {
    ...dbAndJson,
    ...remoteFlags,
    'max-concurrent': { type: 'string' },
    dataset: { type: 'string' },
    seeds: { type: 'string' },
    epochs: { type: 'string' },
    subset: { type: 'string' },
    'score-points': { type: 'string' },
    points: { type: 'string' },
    models: { type: 'string' },
    name: { type: 'string' },
  },
  positionals: true,
  async run({ values, positionals }) {
    const kind = positionals[0];
    if (kind !== 'disentanglement')
      throw new UsageError(`study: ${kind ?? 'nothing'} is not a study; the one there is: disentanglement`);
    const parsed = StudySpec.safeParse({
      kind,
      ...(values.dataset !== undefined ? { dataset: values.dataset } : {}),
      ...(values.seeds !== undefined ? { seeds: intFlag('seeds', values.seeds) } : {}),
      ...(values.epochs !== undefined ? { epochs: intFlag('epochs', values.epochs) } : {}),
      ...(values.subset !== undefined ? { subset: intFlag('subset', values.subset) } : {}),
      ...(values['score-points'] !== undefined ? { scorePoints: intFlag('score-points', values['score-points']) } : {}),
      ...(values.points !== undefined
        ? { disentanglementPoints: values.points === 'test' ? null : intFlag('points', values.points) }
        : {}),
      ...(values.models !== undefined ? { models: values.models.split(',').map((m) => m.trim()) } : {}),
    });
    if (!parsed.success) throw refusedRequest('study', parsed.error);
    const s = parsed.data;
    const taking = registeredFamilySpecs().flatMap((f) => (f.study ? [{ id: f.id, label: f.study.label }] : []));
    const name = values.name ?? defaultStudyName(s, taking);
    const spec = SweepSpec.safeParse(studySweepSpec(name, s));
    if (!spec.success) throw new UsageError(`study refused: ${describeIssues(fieldIssues(spec.error))}`);
    return runSweep(spec.data, undefined, values, 'study', (result, detail) => {
      const runs = result.runs.map((r) => ({
        id: r.id,
        params: detail.runs.find((d) => d.runId === r.id)?.params ?? {},
        metrics: Object.fromEntries(Object.entries(r.eval).map(([k, v]) => [`eval.${k}`, v])),
      }));
      const summary = studySummary(runs);
      process.stdout.write(`${JSON.stringify({ sweepId: result.sweepId, name, study: s, ...summary })}\n`);
    });
  },
});
