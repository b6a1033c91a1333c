/** The data sets' commands: list, browse, import, generate, delete; their errors become API errors. */
import { resolve } from 'node:path';
import type { Api } from '../../shared/api';
import { DatasetError } from '../datasets/catalog';
import { DatasetFileError } from '../datasets/idx';
import { DatasetExistsError } from '../datasets/store';
import { ApiError } from '../errors';
import { PathEscapeError } from '../paths';
import { openJobs, type JobKind } from '../store/jobs';
import { getRun } from '../store/runs';
import { imagePng } from '../training/images';
import { datasetProgress, type StudioContext } from './context';

const jobWords: Record<JobKind, string> = { train: 'the training', evaluate: 'an evaluation', prior: 'the learned prior' };

export function datasetsApi(
  ctx: StudioContext,
): Pick<
  Api,
  'datasets.list' | 'datasets.get' | 'datasets.samples' | 'datasets.import' | 'datasets.generate' | 'datasets.delete'
> {
  const { db, events, orchestrator, datasets } = ctx;
  const progress = datasetProgress(events);
  /**
   * Data set errors become API errors: a bad file or name is the caller's (400, the field being the one that named
   * the file: `labelsPath` for the labels, else `path`), a missing set 404, a taken name 409.
   */
  const datasetCall = async <T>(task: () => T | Promise<T>, labelsPath?: string): Promise<T> => {
    try {
      return await task();
    } catch (e) {
      if (e instanceof DatasetFileError) {
        const field = labelsPath !== undefined && resolve(e.file) === resolve(labelsPath) ? 'labelsPath' : 'path';
        throw new ApiError('bad_request', e.message, [{ path: field, message: e.message }]);
      }
      if (e instanceof PathEscapeError)
        throw new ApiError('bad_request', `name: ${e.message}`, [{ path: 'name', message: e.message }]);
      // A refusal whose message names its field ("name: …", "dataset.second: …") carries it as an issue.
      if (e instanceof DatasetExistsError) throw new ApiError('conflict', e.message, [{ path: 'name', message: e.message }]);
      if (e instanceof DatasetError) {
        const field = /^(name|dataset\.second): (.*)$/s.exec(e.message);
        throw new ApiError(e.code, e.message, field ? [{ path: field[1] as string, message: field[2] as string }] : undefined);
      }
      throw e;
    }
  };

  return {
    'datasets.list': async () => datasets.list(),
    'datasets.get': async ({ name }) => datasetCall(() => datasets.detail(name)),
    'datasets.samples': async ({ name, split, offset, count }) =>
      datasetCall(async () => {
        const { total, info, items } = datasets.samples(name, split, offset, count);
        const samples = await Promise.all(
          items.map(async (item) => ({
            index: item.index,
            label: item.label,
            factors: item.factors,
            png: Buffer.from(await imagePng(item.bytes, info.height, info.width, info.channels)).toString('base64'),
          })),
        );
        return { total, samples };
      }),
    'datasets.import': async (req) =>
      datasetCall(async () => {
        const info = await datasets.import(req, progress('import', req.name ?? req.path));
        events.emit('dataset.changed', { name: info.name });
        return info;
      }, req.labelsPath),
    'datasets.generate': async (req) =>
      datasetCall(async () => {
        const infos = await datasets.generate(req, progress('generate', req.name ?? req.generator));
        for (const info of infos) events.emit('dataset.changed', { name: info.name });
        return infos;
      }),
    'datasets.delete': async ({ name }) =>
      datasetCall(async () => {
        const uses = (runId: number) => {
          const d = getRun(db, runId)?.config.dataset;
          return d?.name === name || d?.second === name;
        };
        const user = orchestrator.activeRunIds.find(uses);
        if (user !== undefined) throw new ApiError('conflict', `run ${user} is training on ${name}: cancel it first`);
        // Work not begun needs the set as much: a queued run, an evaluation or a learned prior of a run trained on it.
        const waiting = openJobs(db).find((j) => uses(j.runId));
        if (waiting)
          throw new ApiError(
            'conflict',
            `${jobWords[waiting.kind]} of run ${waiting.runId} is ${waiting.state} on ${name}: cancel it first, or let it end`,
          );
        const deleted = datasets.delete(name);
        if (deleted) events.emit('dataset.changed', { name });
        return { deleted };
      }),
  };
}
