/**
 * `latent-studio evaluate <runId>`: the latent-space evaluations of a stopped run (clustering, probe,
 * disentanglement, NLL), computed in a worker here or at `--remote`.
 */
import { EvaluationRequest } from '../../shared/api';
import { command, dbAndJson, intFlag, refusedRequest, remoteFlags, runIdArg, withStudio } from '../runner';

/**
 * Evaluates a stopped run's latent space at a checkpoint in a worker and prints one JSON line with the figures:
 * `{"evaluationId":1,"runId":3,"epoch":2,"status":"completed","figures":{"kmeans_acc":…},"seconds":…}`.
 * Exits 0 when it completes, 1 when it fails, 2 when the request is refused (naming the field).
 */
export const evaluate = command({
  name: 'evaluate',
  flags: {
    ...dbAndJson,
    ...remoteFlags,
    what: { type: 'string', default: 'clustering,probe' },
    epoch: { type: 'string' },
    seed: { type: 'string' },
    'nll-samples': { type: 'string' },
    'score-points': { type: 'string' },
    points: { type: 'string' },
  },
  positionals: true,
  async run({ values, positionals }) {
    const request = EvaluationRequest.safeParse({
      runId: runIdArg('evaluate', positionals[0]),
      what: values.what.split(',').map((w) => w.trim()),
      epoch: intFlag('epoch', values.epoch),
      seed: intFlag('seed', values.seed),
      nllSamples: intFlag('nll-samples', values['nll-samples']),
      scorePoints: intFlag('score-points', values['score-points']),
      // `--points test`: MIG, SAP and DCI on the test split's images instead of images drawn from the generator.
      disentanglementPoints: values.points === 'test' ? null : intFlag('points', values.points),
    });
    if (!request.success) throw refusedRequest('evaluate', request.error);
    const started = performance.now();
    return withStudio(values, 'evaluate refused: ', async (studio) => {
      // Only this evaluation's changes (a host may run others); those before its id is known wait for it.
      let evaluationId = 0; // until evaluations.start answers (ids start at 1)
      const early: { evaluationId: number; line: string }[] = [];
      studio.events.on((e) => {
        if (values.json || e.name !== 'evaluation.status') return;
        const line = `evaluation ${e.payload.evaluationId}: ${e.payload.status}${e.payload.error ? ` (${e.payload.error})` : ''}\n`;
        if (e.payload.evaluationId === evaluationId) process.stderr.write(line);
        else if (evaluationId === 0) early.push({ evaluationId: e.payload.evaluationId, line });
      });
      const id = (await studio.api['evaluations.start'](request.data)).evaluationId;
      evaluationId = id;
      for (const e of early.splice(0)) if (e.evaluationId === id) process.stderr.write(e.line);
      // Ctrl-C: the evaluation is cancelled and its worker killed (a host's goes on).
      const onSignal = () => {
        studio.stopEvaluation(id);
        if (studio.remote) process.stderr.write(`evaluation ${id} goes on at ${studio.remote}\n`);
        process.exit(1);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      await studio.whenEvaluationEnded(id, request.data.runId);
      const evaluation = (await studio.api['evaluations.list']({ runId: request.data.runId })).find((x) => x.id === id);
      if (!evaluation) throw new Error(`evaluation ${id} was deleted with its run`);
      const result = {
        evaluationId: id,
        runId: evaluation.runId,
        epoch: evaluation.epoch,
        what: evaluation.what,
        seed: evaluation.seed,
        status: evaluation.status,
        figures: evaluation.figures,
        seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
        ...(evaluation.error ? { error: evaluation.error } : {}),
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return evaluation.status === 'completed' ? 0 : 1;
    });
  },
});
