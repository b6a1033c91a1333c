import { untrack } from 'svelte';
import type { CommandOutput } from '../../../../shared/api';
import { studio } from '../../lib/studio.svelte';
import {
  decodeFloat32,
  defaultProjectionParams,
  type Projection,
  type ProjectionParams,
  type ProjectionProgress,
  paramIssues,
} from '../../lib/projection-params';
import { startProjection, type ProjectionJob } from '../../lib/projection-client';
import { PointGrid } from '../../lib/projection-index';
import { TestImageCache } from '../../lib/projection-images';

export type Latents = Omit<CommandOutput<'runs.latents'>, 'codes' | 'factors'> & {
  codes: Float32Array;
  factors: Float32Array | null;
};

/**
 * What the projector draws: a run's test codes (with their labels, factors and images), and their projection to two
 * dimensions, computed in a worker whenever the method or a parameter changes. The projector (projector-state)
 * starts both from its effects.
 */
export class ProjectorData {
  // --- the codes -------------------------------------------------------------------------------------------------
  latents = $state.raw<Latents | null>(null);
  loadError = $state<string | null>(null);
  /** Why nothing is read yet: the run is still training (its codes are read once it stops). */
  waiting = $state<string | null>(null);
  images = $state.raw<TestImageCache | null>(null);

  // --- the projection (in a worker) ------------------------------------------------------------------------------
  params = $state<ProjectionParams>({ ...defaultProjectionParams });
  projection = $state.raw<Projection | null>(null);
  seconds = $state(0);
  where = $state<'worker' | 'page'>('worker');
  progress = $state.raw<ProjectionProgress | null>(null);
  running = $state(false);
  projectError = $state<string | null>(null);
  private job: ProjectionJob | null = null;

  /** The drawn picture is the one the form asks for, and nothing is computing. */
  readonly ready = $derived(
    !this.running &&
      this.projection !== null &&
      JSON.stringify(this.projection.params) === JSON.stringify($state.snapshot(this.params)),
  );
  readonly grid = $derived(this.projection ? new PointGrid(this.projection.xy) : null);

  /** Reads run `id`'s test codes, dropping what was read before; the function returned ignores a late answer. */
  load(id: number): () => void {
    let current = true;
    this.latents = null;
    this.loadError = null;
    this.waiting = null;
    this.projection = null;
    studio.client.call('runs.latents', { runId: id }).then(
      (answer) => {
        if (!current) return;
        this.latents = {
          ...answer,
          codes: decodeFloat32(answer.codes),
          factors: answer.factors === null ? null : decodeFloat32(answer.factors),
        };
        this.images = new TestImageCache(answer.images, async (name, offset) => {
          const { samples } = await studio.client.call('datasets.samples', { name, split: 'test', offset, count: 1 });
          const png = samples[0]?.png;
          if (!png) throw new Error(`no test image ${offset} in ${name}`);
          return png;
        });
      },
      (e: unknown) => {
        // Without the request's field (runId: …), which means nothing on this page.
        if (current) this.loadError = (e instanceof Error ? e.message : String(e)).replace(/^runId: /, '');
      },
    );
    return () => {
      current = false;
    };
  }

  /** Run `id` is training: nothing is read until it stops (the projector's effect then loads). */
  waitForStop(id: number): () => void {
    this.latents = null;
    this.loadError = null;
    this.projection = null;
    this.waiting = `Run ${id} is training: its test codes are drawn here once it stops.`;
    return () => {
      this.waiting = null;
    };
  }

  run(p: ProjectionParams): void {
    const data = this.latents;
    if (!data) return;
    this.job?.cancel();
    this.running = true;
    this.progress = null;
    this.projectError = null;
    const mine = startProjection(data.codes, data.count, data.dim, $state.snapshot(p), (pr) => {
      if (this.job === mine) this.progress = pr;
    });
    this.job = mine;
    mine.result.then(
      (r) => {
        if (this.job !== mine) return;
        this.job = null;
        this.running = false;
        this.progress = null;
        this.projection = r.projection;
        this.seconds = r.seconds;
        this.where = r.where;
      },
      (e: unknown) => {
        if (this.job !== mine) return;
        this.job = null;
        this.running = false;
        this.progress = null;
        this.projectError = e instanceof Error ? e.message : String(e);
      },
    );
  }

  readonly cancel = (): void => {
    this.job?.cancel();
    this.job = null;
    this.running = false;
    this.progress = null;
  };

  /**
   * Any change of method or parameter projects again (after a short pause, so typing a number runs once). Called
   * from an effect: it reads the parameters and the codes, and returns the effect's cleanup.
   */
  projectOnChange(): (() => void) | undefined {
    const p = JSON.stringify(this.params);
    // A parameter out of its range is said beside the form (paramIssues), and nothing runs until it is right.
    if (!this.latents || paramIssues(JSON.parse(p) as ProjectionParams).length > 0) return;
    const pause = untrack(() => (this.projection ? 300 : 0));
    const timer = setTimeout(() => untrack(() => this.run(JSON.parse(p) as ProjectionParams)), pause);
    return () => clearTimeout(timer);
  }

  /** Stops the projection computing now, if any (when the projector goes). */
  stop(): void {
    this.job?.cancel();
  }

  labelName = (value: number): string => this.latents?.labelNames?.[value] ?? String(value);
  labelOf = (index: number): string | null => {
    const v = this.latents?.labels?.[index];
    return v === undefined ? null : this.labelName(v);
  };
}
