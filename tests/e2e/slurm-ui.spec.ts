import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startHost, type RunningHost, callHost, fill } from './host';

// The Slurm back end as the UI shows it. No cluster here: the host finds stand-ins for sbatch, squeue and scancel
// first on its PATH, and this test plays the cluster (what squeue answers, what each task writes into its folder
// of the shared folder). The studio's own side is real: the form, the dry run, the submission, the batch script
// it writes, the following of the tasks and the ingestion of their logs. A real cluster: tests/slurm/sweep.test.ts.
const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
let dir: string;
let cluster: string;
let shared: string;
let host: RunningHost | undefined;

const jobId = '4242';
const tools: Record<string, string> = {
  // Records the script, refuses a partition the cluster does not have, and answers a job id as --parsable does.
  sbatch: `#!/bin/bash
script="\${!#}"
echo "$script" >> "$FAKE_SLURM/submitted"
if grep -q '^#SBATCH --partition=nowhere$' "$script"; then
  echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2
  exit 1
fi
echo "${jobId}"
`,
  // squeue -h -r -t all -j <job> -o %i|%T|%r: what the test last wrote.
  squeue: `#!/bin/bash
cat "$FAKE_SLURM/squeue" 2>/dev/null
exit 0
`,
  scancel: `#!/bin/bash
echo "$@" >> "$FAKE_SLURM/scancelled"
`,
};

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-slurm-'));
  cluster = join(dir, 'cluster');
  shared = join(dir, 'shared');
  mkdirSync(join(cluster, 'bin'), { recursive: true });
  for (const [name, text] of Object.entries(tools)) {
    writeFileSync(join(cluster, 'bin', name), text);
    chmodSync(join(cluster, 'bin', name), 0o755);
  }
  host = await startHost(join(dir, 'studio.db'), [], {
    ...process.env,
    PATH: `${join(cluster, 'bin')}:${process.env['PATH'] ?? ''}`,
    FAKE_SLURM: cluster,
    LATENT_STUDIO_SLURM_DIR: shared,
  });
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = callHost;

/** What squeue answers from now on: `<job>_<task>|<state>[|<reason>]` per task. */
function squeue(states: string[]): void {
  writeFileSync(join(cluster, 'squeue'), states.map((s, task) => `${jobId}_${task}|${s}\n`).join(''));
}

/** Appends what a task's worker would send to its event log in the shared folder (as `slurm-task` writes it). */
function taskWrites(sweepDir: string, task: number, entries: object[]): void {
  appendFileSync(join(sweepDir, `task-${task}`, 'events.jsonl'), entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

/** A β-VAE's epochs as its worker reports them: batch losses, then the epoch's train and test figures. */
function epochs(beta: number, from: number, to: number): object[] {
  const kl = (t: number) => (24 / (1 + Math.log2(1 + beta))) * (1 - 0.4 * Math.exp(-t));
  const rec = (t: number) => (80 + 10 * Math.log2(1 + beta)) * (1 + Math.exp(-t));
  const out: object[] = [];
  for (let e = from; e <= to; e++) {
    const points = [];
    for (let s = 1; s <= 20; s++) {
      const t = e - 1 + s / 20;
      const wobble = 1 + 0.03 * Math.sin(s * 2.1 + e);
      points.push({
        step: (e - 1) * 20 + s,
        epoch: t,
        split: 'train',
        name: 'batch_loss',
        value: (rec(t) + beta * kl(t)) * wobble,
      });
    }
    for (const split of ['train', 'test'] as const) {
      const r = rec(e) * (split === 'test' ? 1.02 : 1);
      points.push({ step: e * 20, epoch: e, split, name: 'loss', value: r + beta * kl(e) });
      points.push({ step: e * 20, epoch: e, split, name: 'kl', value: kl(e) });
      points.push({ step: e * 20, epoch: e, split, name: 'reconstruction', value: r });
    }
    points.push({ step: e * 20, epoch: e, split: 'test', name: 'neg_elbo', value: rec(e) * 1.02 + kl(e) });
    out.push({ type: 'metrics', points });
  }
  return out;
}

const started = {
  type: 'started',
  environment: {
    studioVersion: '0.1.0',
    node: 'v20.19.0',
    electron: null,
    tfjs: '4.22.0',
    backend: { name: 'wasm', version: '4.22.0', gpu: false, reason: 'on the compute node' },
    os: 'Linux 6.1 (node017)',
    cpu: 'AMD EPYC 7763',
    cpuCount: 2,
    seed: 1,
    configHash: 'e2e',
    datasetHash: 'e2e',
  },
};

test('a sweep sent to Slurm from the form: refusals beside their field, the job array, its tasks and script', async ({
  page,
}) => {
  test.setTimeout(90_000);
  if (!host) throw new Error('host not started');
  const h = host;
  await page.goto(h.url);

  // The sweep form: a β sweep of four runs, sent to the cluster.
  await page.getByTestId('new-sweep').click();
  await fill(page, 'sweep-name', 'β on the cluster');
  await page.getByTestId('sweep-base').selectOption('vae-784-400-20');
  await fill(page, 'field-base.training.epochs', '3');
  const row = page.getByTestId('sweep-param').first();
  await row.getByTestId('sweep-param-path').selectOption('model.beta');
  await row.getByTestId('sweep-param-values').fill('0.5, 1, 2, 4');
  await expect(page.getByTestId('sweep-preview-run')).toHaveCount(4);
  await page.getByTestId('sweep-target-slurm').check();
  await expect(page.getByTestId('slurm-fields')).toBeVisible();

  // A time limit Slurm would not take: refused beside its field, and nothing can be submitted.
  await fill(page, 'field-slurm.time', '25 hours');
  await expect(page.getByTestId('error-slurm.time')).toContainText('a Slurm time limit such as');
  await expect(page.getByTestId('sweep-start')).toBeDisabled();
  await expect(page.getByTestId('sweep-issues')).toContainText('slurm.time');
  await page.screenshot({ path: join(shots, '70-slurm-form-bad-time.png'), fullPage: true });

  // Good options: the dry run (with them) lists the runs, and the sbatch lines are previewed.
  await fill(page, 'field-slurm.time', '2:00:00');
  await fill(page, 'field-slurm.partition', 'gpu');
  await fill(page, 'field-slurm.cpusPerTask', '2');
  await fill(page, 'field-slurm.gpusPerTask', '1');
  await fill(page, 'field-slurm.maxParallel', '2');
  await fill(page, 'field-slurm.extra', '--qos=normal');
  await expect(page.getByTestId('error-slurm.time')).toHaveCount(0);
  await expect(page.getByTestId('sweep-preview-run')).toHaveCount(4);
  await expect(page.getByTestId('sweep-start')).toBeEnabled();
  await expect(page.getByTestId('sweep-start')).toHaveText('Submit to Slurm (4 runs)');
  const preview = page.getByTestId('slurm-sbatch-preview');
  for (const line of ['#SBATCH --array=0-3%2', '#SBATCH --time=2:00:00', '#SBATCH --gpus-per-task=1', '#SBATCH --qos=normal'])
    await expect(preview).toContainText(line);
  await page.screenshot({ path: join(shots, '71-slurm-form.png'), fullPage: true });

  // sbatch refuses a partition the cluster lacks: said beside the options, and no sweep is left behind.
  await fill(page, 'field-slurm.partition', 'nowhere');
  await expect(page.getByTestId('sweep-start')).toBeEnabled();
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('slurm-submit-error')).toContainText('Invalid partition name specified');
  expect(await call<unknown[]>(h, 'sweeps.list', {})).toEqual([]);
  await page.getByTestId('sweep-target').screenshot({ path: join(shots, '72-slurm-sbatch-refused.png') });

  // Submitted: the sweep view names the job array, its shared folder and its tasks.
  await fill(page, 'field-slurm.partition', 'gpu');
  await expect(page.getByTestId('slurm-submit-error')).toHaveCount(0);
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-slurm-job')).toHaveText(`job ${jobId} · 4 tasks`);
  const [sweep] = await call<{ id: number; slurm: { dir: string; script: string } }[]>(h, 'sweeps.list', {});
  if (!sweep) throw new Error('no sweep');
  expect(sweep.slurm.dir.startsWith(shared)).toBe(true);
  await expect(page.getByTestId('sweep-slurm-dir')).toHaveText(sweep.slurm.dir);
  expect(readFileSync(join(cluster, 'submitted'), 'utf8').trim().split('\n').at(-1)).toBe(sweep.slurm.script);
  const rows = page.getByTestId('runs-table-row');
  await expect(rows).toHaveCount(4);
  await expect(page.locator('[data-testid=slurm-task][data-state=PENDING]')).toHaveCount(4);
  await expect(page.getByTestId('sweep-item-tag')).toHaveText('slurm');

  // The cluster moves: tasks 0 and 1 start (two at once), their curves arrive as they train; task 0 ends.
  const byTask = (task: number) => page.locator(`[data-testid=runs-table-row]:has([data-task-id="${jobId}_${task}"])`);
  squeue(['RUNNING', 'RUNNING', 'PENDING', 'PENDING']);
  taskWrites(sweep.slurm.dir, 0, [started, ...epochs(0.5, 1, 2)]);
  taskWrites(sweep.slurm.dir, 1, [started, ...epochs(1, 1, 1)]);
  await expect(byTask(0)).toHaveAttribute('data-status', 'running');
  // Task 2 waits its turn; task 3 waits for ever: its time limit is above the partition's.
  squeue(['COMPLETED', 'RUNNING', 'PENDING|Priority', 'PENDING|PartitionTimeLimit']);
  taskWrites(sweep.slurm.dir, 0, [
    ...epochs(0.5, 3, 3),
    { type: 'done' },
    { type: 'task-exit', description: 'done', clean: true },
  ]);
  taskWrites(sweep.slurm.dir, 1, epochs(1, 2, 2));
  await expect(byTask(0)).toHaveAttribute('data-status', 'completed');
  await expect(byTask(0).getByTestId('slurm-task')).toHaveAttribute('data-state', 'COMPLETED');
  await expect(byTask(1)).toHaveAttribute('data-status', 'running');
  await expect(byTask(1).getByTestId('slurm-task')).toHaveAttribute('data-state', 'RUNNING');
  await expect(byTask(2).getByTestId('slurm-task')).toHaveAttribute('data-state', 'PENDING');
  await expect(byTask(2).getByTestId('slurm-task')).toHaveAttribute('data-reason', 'Priority');
  await expect(byTask(3).getByTestId('slurm-task')).toHaveAttribute('data-reason', 'PartitionTimeLimit');
  await expect(byTask(3).getByTestId('slurm-task')).toHaveAttribute('title', /the partition's MaxTime: cancel and send it again/);
  // Said once on its run, as a warning its view shows.
  const listed = await call<{ id: number; slurm: { taskId: number } | null }[]>(h, 'runs.list', {});
  const waiting = listed.find((r) => r.slurm?.taskId === 3);
  const { warnings } = await call<{ warnings: string[] }>(h, 'runs.get', { runId: waiting?.id });
  expect(warnings.filter((w) => w.includes('waits for ever (PartitionTimeLimit)'))).toHaveLength(1);
  await expect(page.getByTestId('sweep-slurm-states')).toHaveText(/1 RUNNING.*1 COMPLETED/);
  await page.screenshot({ path: join(shots, '73-slurm-sweep-view.png'), fullPage: true });

  // The batch script, as the studio saved and submitted it.
  await page.getByTestId('sweep-batch-script').locator('summary').click();
  const script = page.getByTestId('sweep-batch-script-text');
  await expect(script).toContainText('#SBATCH --array=0-3%2');
  await expect(script).toContainText(`slurm-task '${sweep.slurm.dir}'`);
  expect(await script.textContent()).toBe(readFileSync(sweep.slurm.script, 'utf8'));
  await page.getByTestId('sweep-header').screenshot({ path: join(shots, '74-slurm-batch-script.png') });

  // The running run's own view: its task beside its status, so it can be found with squeue or sacct.
  await byTask(1).getByRole('button').first().click();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect(page.getByTestId('run-view').getByTestId('slurm-task')).toHaveAttribute('data-task-id', `${jobId}_1`);
  await expect(page.getByTestId('run-view').getByTestId('slurm-task')).toHaveAttribute('data-state', 'RUNNING');
  await page.screenshot({ path: join(shots, '75-slurm-run-view.png') });
  // Its history: the one start, on its task.
  await expect(page.getByTestId('run-attempt')).toHaveCount(1);
  await expect(page.getByTestId('run-attempt')).toContainText(`on Slurm ${jobId}_1`);
  await page.getByTestId('run-history').screenshot({ path: join(shots, '75b-slurm-run-history.png') });

  // Cancelled from the studio: scancel of that task; the run ends cancelled once Slurm says so.
  await page.getByTestId('cancel-run').click();
  await expect
    .poll(() => (existsSync(join(cluster, 'scancelled')) ? readFileSync(join(cluster, 'scancelled'), 'utf8') : ''))
    .toBe(`${jobId}_1\n`);
  squeue(['COMPLETED', 'CANCELLED', 'PENDING', 'PENDING']);
  await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('cancelled');
});
