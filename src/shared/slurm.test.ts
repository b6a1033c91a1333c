import { describe, expect, it } from 'vitest';
import { SlurmOptions } from './slurm';

const issues = (extra: string) => {
  const r = SlurmOptions.safeParse({ extra });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe("a Slurm sweep's extra sbatch options", () => {
  it('takes options the studio does not set itself', () => {
    expect(issues('--qos=normal --constraint=a100 --mem=16G --exclusive')).toEqual([]);
    // Names that are an object's own keys in JavaScript are options like any other.
    expect(issues('--constructor')).toEqual([]);
  });

  it('refuses the options the studio writes or a field sets, naming each and saying why', () => {
    expect(issues('--qos=normal --requeue --clusters=gpu2 --time=1:00:00')).toEqual([
      'extra: --requeue is not an extra option here: a requeued task would write a second attempt into the same log; the studio resumes from a checkpoint instead',
      'extra: --clusters is not an extra option here: the studio follows the job on the default cluster only (squeue and scancel without -M)',
      'extra: --time is not an extra option here: set it in the "Time limit" field',
    ]);
    for (const option of ['--array=0-3', '--output=/tmp/x', '--job-name=x', '--partition=gpu', '--parsable'])
      expect(issues(option)).toHaveLength(1);
    // sbatch takes the beginning of a name for the whole (getopt_long): those would override the studio's own.
    expect(issues('--requ')).toEqual([
      'extra: --requ is not an extra option here: sbatch reads it as --requeue (a requeued task would write a second attempt into the same log; the studio resumes from a checkpoint instead)',
    ]);
    for (const option of ['--arr=0-999', '--outp=/tmp/x', '--job=x', '--gpus-per-t=4'])
      expect(issues(option), option).toHaveLength(1);
    // A whole option of its own, though it begins --gpus-per-task.
    expect(issues('--gpus=2 --gpus-per-node=2')).toEqual([]);
  });
});
