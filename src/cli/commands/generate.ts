/**
 * `latent-studio generate <shapes | faces>`: draws a synthetic data set with known factors into the studio on this
 * machine.
 */
import { GenerateRequest } from '../../shared/api';
import { describeIssues, fieldIssues } from '../../shared/config';
import { catalogFor, command, dbAndJson, intFlag, UsageError } from '../runner';
import { datasetTask, progressLine } from './datasets';

export const generate = command({
  name: 'generate',
  flags: {
    ...dbAndJson,
    name: { type: 'string' },
    seed: { type: 'string', default: '0' },
    count: { type: 'string' },
  },
  positionals: true,
  localOnly: 'run latent-studio generate on the host (a run that names shapes or faces also draws them there on first use)',
  async run({ values, positionals }) {
    const request = GenerateRequest.safeParse({
      generator: positionals[0],
      seed: intFlag('seed', values.seed),
      count: intFlag('count', values.count) ?? (positionals[0] === 'faces' ? 4000 : 20000),
      name: values.name,
    });
    if (!request.success) throw new UsageError(`generate refused: ${describeIssues(fieldIssues(request.error))}`);
    const infos = await datasetTask(() =>
      catalogFor(values.db).generate(request.data, progressLine(`generating ${positionals[0]}`)),
    );
    if (values.json) process.stdout.write(`${JSON.stringify(infos)}\n`);
    else
      for (const i of infos)
        process.stdout.write(`generated ${i.name}: ${i.trainCount} train + ${i.testCount} test images (${i.source})\n`);
    return 0;
  },
});
