import type { MetricPoint, ScheduleCycle } from '../../../shared/api';
import type { TrainingConfig } from '../../../shared/config';
import { scheduledRate } from '../../../shared/schedule';

export interface Series {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
  /** Finer than dashed: the validation split's curve beside the test split's. */
  dotted?: boolean;
  thin?: boolean;
  /**
   * How its points join: a line (the default), steps (each value held from the point before: a rate set at an
   * epoch's start and logged at its end), or none (markers alone, where another series draws the curve between).
   */
  join?: 'line' | 'steps' | 'none';
}

export const palette = ['#4e9af1', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#edc948'];

export function pointsOf(metrics: readonly MetricPoint[], split: string, name: string): { x: number; y: number }[] {
  return metrics.filter((m) => m.split === split && m.name === name).map((m) => ({ x: m.epoch, y: m.value }));
}

/**
 * The loss curves of one run: per-batch train loss, per-epoch train and test loss, the validation loss where the run
 * holds images out, the mean-image baseline.
 */
export function lossSeries(metrics: readonly MetricPoint[], loss: string, color = palette[0] as string, prefix = ''): Series[] {
  const batch = pointsOf(metrics, 'train', 'batch_loss');
  const train = pointsOf(metrics, 'train', 'loss');
  const test = pointsOf(metrics, 'test', 'loss');
  const series: Series[] = [
    { label: `${prefix}train ${loss} (batch)`, color: `${color}99`, points: batch, thin: true },
    { label: `${prefix}train ${loss} (epoch)`, color, points: train },
    { label: `${prefix}test ${loss}`, color, points: test, dashed: true },
    {
      label: `${prefix}validation ${loss}`,
      color: palette[2] as string,
      points: pointsOf(metrics, 'val', 'loss'),
      dotted: true,
    },
  ];
  const baseline = pointsOf(metrics, 'test', 'baseline_mse')[0];
  const lastX = [...batch, ...test].reduce((x, p) => Math.max(x, p.x), 1);
  if (baseline && loss.toLowerCase() === 'mse') {
    series.push({
      label: `${prefix}mean-image baseline (test MSE)`,
      color: '#9aa0a6',
      points: [
        { x: 0, y: baseline.y },
        { x: lastX, y: baseline.y },
      ],
      dashed: true,
      thin: true,
    });
  }
  return series.filter((s) => s.points.length > 0);
}

/**
 * The learning rate: the rate logged at each epoch's end and, for the schedules fixed in advance (all but plateau),
 * the rate of every step as the schedule set it (its warm-up and decay between the epochs' ends). The steps per
 * epoch are read from the logged points (each at its epoch's last step). `cycles` (`scheduleCycles`): the epochs the
 * run had in each part of it, the first from epoch 0, each later one from where the run was extended (a cosine starts
 * a new cycle there, over the epochs it then had); a phased family's pretraining counts. The schedule is drawn up to
 * `until` (a run that ended early: its last epoch), else to the last cycle's end.
 */
export function rateSeries(
  metrics: readonly MetricPoint[],
  training: TrainingConfig,
  cycles: readonly ScheduleCycle[] = [{ from: 0, epochs: training.epochs }],
  until?: number,
): Series[] {
  const logged = metrics.filter((m) => m.split === 'train' && m.name === 'lr');
  const first = logged[0];
  if (!training.schedule || !first) return [];
  const stepsPerEpoch = Math.round(first.step / first.epoch);
  const perStep = training.schedule.kind !== 'plateau' && stepsPerEpoch > 0;
  // A straight line between two epochs' rates would draw a StepLR's drop as a slope across a whole epoch: the
  // per-step curve draws the schedule, these mark what was logged; the plateau's rate, cut between epochs, is steps.
  const series: Series[] = [
    {
      label: 'rate at epoch end',
      color: palette[1] as string,
      points: pointsOf(metrics, 'train', 'lr'),
      join: perStep ? 'none' : 'steps',
    },
  ];
  if (perStep) {
    const last = (cycles.at(-1)?.epochs ?? training.epochs) * stepsPerEpoch;
    const end = Math.min(last, stepsPerEpoch * (until ?? Infinity));
    const every = Math.max(1, Math.floor(last / 400));
    const points: { x: number; y: number }[] = [];
    for (let step = 0; step < end; step += every) {
      const cycle = cycles.findLast((c) => c.from * stepsPerEpoch <= step) ?? { from: 0, epochs: training.epochs };
      const y = scheduledRate(training.learningRate, training.schedule, {
        step,
        stepsPerEpoch,
        totalSteps: cycle.epochs * stepsPerEpoch,
        cycleStart: cycle.from * stepsPerEpoch,
      });
      points.push({ x: (step + 1) / stepsPerEpoch, y });
    }
    series.push({ label: 'schedule, per step', color: palette[1] as string, points, thin: true });
  }
  return series;
}

/** Per-epoch curves of named test metrics (e.g. reconstruction and KL of a VAE). */
export function partSeries(
  metrics: readonly MetricPoint[],
  names: readonly string[],
  /** How the family declares each (its label, and 'percent' for a share of 1, drawn in %): the run page's words. */
  declared: (name: string) => { label: string; format?: string | undefined } | undefined = () => undefined,
): Series[] {
  return names
    .map((name, i) => {
      const d = declared(name);
      const scale = d?.format === 'percent' ? 100 : 1;
      return {
        label: `test ${d ? d.label.replace(/^test /, '') : name}`,
        color: palette[(i + 2) % palette.length] as string,
        points: pointsOf(metrics, 'test', name).map((p) => ({ x: p.x, y: p.y * scale })),
      };
    })
    .filter((s) => s.points.length > 0);
}

/** The two linear axes every studio chart has: titled, and in the theme's colours (`text`, `grid`). */
export function linearAxes(xLabel: string, yLabel: string, text: string, grid: string) {
  const axis = (label: string) => ({
    type: 'linear' as const,
    title: { display: true, text: label, color: text },
    ticks: { color: text },
    grid: { color: grid },
  });
  // Epochs and steps count from 0: a run of one epoch plots its point at 1 of 0–1, not alone in 0.94–1.06. Ticks
  // keep one decimal at most (a batch's point falls within an epoch), so 1, 1.5, 2 rather than 1.00, 1.10, 1.20.
  const counted = xLabel === 'epoch' || xLabel === 'step';
  const x = axis(xLabel);
  return {
    x: counted ? { ...x, beginAtZero: true, ticks: { ...x.ticks, precision: xLabel === 'step' ? 0 : 1 } } : x,
    y: axis(yLabel),
  };
}
