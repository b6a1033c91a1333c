import { describe, expect, it } from 'vitest';
import { SlurmOptions } from '../../../shared/slurm';
import { checkSlurmOptions, sbatchPreview, slurmOptionsOf, slurmStateTone, slurmTaskId } from './slurm-form';

describe('the sweep form’s Slurm options', () => {
  it('leaves blank text and empty numbers out, and trims the rest', () => {
    expect(
      slurmOptionsOf({ partition: ' gpu ', time: '', account: '   ', cpusPerTask: 2, gpusPerTask: null, maxParallel: undefined }),
    ).toEqual({ partition: 'gpu', cpusPerTask: 2 });
  });

  it('names each refusal at slurm.<field>, as the API does', () => {
    const checked = checkSlurmOptions({ time: '25 hours', cpusPerTask: 0, extra: '--qos=normal; reboot' });
    expect(checked.ok).toBe(false);
    expect(checked.issues.map((i) => i.path).sort()).toEqual(['slurm.cpusPerTask', 'slurm.extra', 'slurm.time']);
    expect(checkSlurmOptions({ time: '1-12:00:00', partition: 'gpu' })).toMatchObject({ ok: true, issues: [] });
  });

  it('previews the #SBATCH option lines of the array, its extra options last', () => {
    const options = SlurmOptions.parse({
      partition: 'gpu',
      time: '2:00:00',
      gpusPerTask: 1,
      maxParallel: 2,
      extra: '--qos=normal',
    });
    expect(sbatchPreview(options, 4)).toEqual([
      '#SBATCH --array=0-3%2',
      '#SBATCH --ntasks=1',
      '#SBATCH --no-requeue',
      '#SBATCH --cpus-per-task=1',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=2:00:00',
      '#SBATCH --gpus-per-task=1',
      '#SBATCH --qos=normal',
    ]);
  });

  it('reads a task as its tools name it, and its state as waiting, running, done or stopped', () => {
    expect(slurmTaskId({ jobId: '1234', taskId: 2 })).toBe('1234_2');
    expect(['PENDING', 'RUNNING', 'COMPLETED', 'TIMEOUT', 'CANCELLED'].map(slurmStateTone)).toEqual([
      'waiting',
      'running',
      'done',
      'stopped',
      'stopped',
    ]);
  });
});
