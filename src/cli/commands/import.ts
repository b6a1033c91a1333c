/**
 * `latent-studio import <folder | file.idx[.gz] | file.npy>`: images (with labels) into a data set of the studio on
 * this machine.
 */
import { ImportRequest } from '../../shared/api';
import { catalogFor, command, dbAndJson, intFlag, refusedRequest, UsageError } from '../runner';
import { datasetTask, progressLine } from './datasets';

export const importCommand = command({
  name: 'import',
  flags: {
    ...dbAndJson,
    name: { type: 'string' },
    labels: { type: 'string' },
    size: { type: 'string' },
    channels: { type: 'string' },
    'test-fraction': { type: 'string' },
    seed: { type: 'string' },
  },
  positionals: true,
  localOnly: 'import reads files on this machine into a studio here; copy them to the host and run latent-studio import there',
  async run({ values, positionals }) {
    const path = positionals[0];
    if (!path) throw new UsageError('import needs a folder, an IDX file or an NPY file');
    const channels = values.channels === undefined || values.channels === 'auto' ? 'auto' : Number(values.channels);
    const request = ImportRequest.safeParse({
      path,
      name: values.name,
      labelsPath: values.labels,
      size: intFlag('size', values.size),
      channels,
      testFraction: intFlag('test-fraction', values['test-fraction']),
      seed: intFlag('seed', values.seed),
    });
    if (!request.success) throw refusedRequest('import', request.error, { path: 'the path', labelsPath: '--labels' });
    const info = await datasetTask(() => catalogFor(values.db).import(request.data, progressLine(`importing ${path}`)));
    if (values.json) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      process.stdout.write(
        `imported ${info.name}: ${info.trainCount} train + ${info.testCount} test images of ${info.height}x${info.width}x${info.channels}` +
          `${info.classes > 0 ? `, ${info.classes} labels (${(info.labelNames ?? []).slice(0, 10).join(', ')})` : ', unlabelled'}\n`,
      );
    }
    return 0;
  },
});
