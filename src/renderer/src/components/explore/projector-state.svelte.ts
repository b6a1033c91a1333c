import { untrack } from 'svelte';
import { studio } from '../../lib/studio.svelte';
import { boundsOf, fitView, toData, type View } from '../../lib/projection-draw';
import type { TestImage } from '../../lib/projection-images';
import { paintProjector, PointsLayer, themePaint, type Scene } from '../../lib/projector-paint';
import { csvOf, flatPng, paintedSvg, type ChartExporter } from '../../lib/chart-export';
import {
  brushInData,
  canvasHeight,
  extendPath,
  insidePlot,
  lassoInData,
  panTo,
  plotArea,
  pointSize,
  startDrag,
  wheelZoom,
  type Drag,
} from '../../lib/projector-view';
import { ProjectorColoring } from './projector-coloring.svelte';
import { ProjectorData } from './projector-data.svelte';
import { selectedCodes, type SelectedCodes } from '../../lib/explore-codes';

/** A selection as a set, made anew with each selection and never changed (so a plain Set, not a SvelteSet). */
const setOf = (indices: number[]): ReadonlySet<number> => new Set(indices);

export interface ProjectorProps {
  runId: () => number;
  /** A point chosen (by its test-split index), to send to the sliders. */
  onPick: (index: number) => void;
  /** Points selected with the brush, the lasso or a label (null when the selection is cleared). */
  onSelect: (selection: SelectedCodes | null) => void;
}

/**
 * The projector's state: the codes and their projection (ProjectorData), how the points are coloured
 * (ProjectorColoring), the view (fit, then pan and zoom), the picture drawn once a frame, and what the pointer does on
 * it (hover, click, pan, zoom, brush, lasso). Made while the projector's component starts: its effects live as long as
 * the component.
 */
export class ProjectorState {
  readonly data = new ProjectorData();

  // --- colours -----------------------------------------------------------------------------------------------------
  readonly coloring = new ProjectorColoring(this.data, () => this.selected);

  // --- the view: fit, then pan and zoom as a transform --------------------------------------------------------------
  width = $state(800);
  readonly height = $derived(canvasHeight(this.width));
  readonly plot = $derived(plotArea(this.width, this.height));
  view = $state.raw<View>({ sx: 1, sy: -1, ox: 0, oy: 0 });
  /** The view that shows every point: zoom is measured against it. */
  readonly fitted = $derived(this.data.projection ? fitView(boundsOf(this.data.projection.xy), this.plot) : null);
  readonly resetView = (): void => {
    if (this.fitted) this.view = this.fitted;
  };

  // --- drawing -------------------------------------------------------------------------------------------------------
  drawn = $state(0);
  private canvas: HTMLCanvasElement | undefined;
  private frame = 0;
  private readonly layer = new PointsLayer();
  /** The theme's colours, read once: a new theme makes the view (and this state) again. */
  private readonly paint = themePaint();
  /** How long each of the last draws took (ms): the probe exposes them. */
  private readonly drawTimes: number[] = [];

  // --- pointer: hover, click, pan, zoom, brush, lasso --------------------------------------------------------------
  hover = $state.raw<{ k: number; index: number; x: number; y: number } | null>(null);
  hoverImage = $state.raw<TestImage | null>(null);
  picked = $state<number | null>(null);
  readonly pickedK = $derived(
    this.picked === null || !this.data.projection ? -1 : this.data.projection.indices.indexOf(this.picked),
  );
  drag = $state.raw<Drag | null>(null);
  selectMode = $state<'rectangle' | 'lasso'>('rectangle');
  selection = $state.raw<number[]>([]);
  selectionHow = $state('');
  /** The label the selection is of (null for a brush or lasso, or none): drawn anew, it is taken again. */
  /** The label or cluster whose points are selected (a legend entry picked), kept across pictures. */
  private selectedLabel: { by: 'label' | 'cluster'; value: number } | null = null;
  /** The outline of the last brush or lasso, in data coordinates (null for a selection by label). */
  shape = $state.raw<[number, number][] | null>(null);
  readonly selected = $derived(setOf(this.selection));
  readonly hoverCardImage = $derived(this.hover && this.hoverImage?.index === this.hover.index ? this.hoverImage.src : undefined);
  readonly hoverFactors = $derived.by(() => {
    const latents = this.data.latents;
    if (!this.hover || !latents?.factors) return [];
    const n = latents.factorNames.length;
    const f = latents.factors;
    const i = this.hover.index;
    return latents.factorNames.map((name, j) => ({ name, value: f[i * n + j]! }));
  });

  /**
   * Whether the run has stopped (its test codes are read from a stopped run's checkpoint): while it trains, the
   * projector waits, and reads them once it stops. A boolean, so that the run's other changes read nothing again.
   */
  private readonly runStopped = $derived.by(() => studio.hasStopped(this.props.runId()));

  constructor(private readonly props: ProjectorProps) {
    const data = this.data;
    $effect(() => {
      const id = props.runId();
      const stopped = this.runStopped;
      this.selection = [];
      this.picked = null;
      if (!stopped) return data.waitForStop(id);
      return data.load(id);
    });
    $effect(() => data.projectOnChange());
    // A selection drawn on one method's picture means nothing on another's: a new method starts without one.
    $effect(() => {
      void data.params.method;
      untrack(() => {
        if (this.selection.length > 0 || this.shape) this.clearSelection();
      });
    });
    // Nor does an outline drawn on the picture before a new seed or neighbourhood moved every point: a brush or lasso
    // goes with its picture (a label's selection stays), and so does the hover ring.
    $effect(() => {
      void data.projection;
      untrack(() => {
        this.hover = null;
        if (this.shape) this.clearSelection();
        // A label's points among those now drawn (a new t-SNE sample draws others).
        else if (this.selectedLabel !== null) this.retakeLabel(this.selectedLabel);
      });
    });
    $effect(() => () => data.stop());
    $effect(() => {
      // A new set of codes is coloured by its labels, else by its first factor.
      if (data.latents) untrack(() => this.coloring.resetChoice());
    });
    $effect(() => {
      void data.projection;
      void this.plot.width;
      untrack(this.resetView);
    });
    $effect(() => () => cancelAnimationFrame(this.frame));
    $effect(() => {
      const index = this.hover?.index;
      const cache = data.images;
      if (index === undefined || !cache) return;
      let current = true;
      cache.get(index).then(
        (img) => {
          if (current) this.hoverImage = img;
        },
        () => undefined,
      );
      return () => {
        current = false;
      };
    });
    // What a test (or a curious user) may read: the drawn coordinates and the transform to the canvas.
    $effect(() => {
      const w = window as unknown as { __projector?: unknown };
      const projection = data.projection;
      if (!projection) {
        delete w.__projector;
        return;
      }
      w.__projector = {
        runId: props.runId(),
        method: projection.method,
        indices: projection.indices,
        xy: projection.xy,
        /** Canvas CSS pixel of data (x, y): x·sx + ox, y·sy + oy. */
        view: { ...this.view },
        plot: { ...this.plot },
        drawTimes: this.drawTimes,
        /** The outline of the last brush or lasso, in data coordinates. */
        shape: this.shape,
      };
    });
  }

  /** The canvas's attachment: holds it, and zooms on the wheel (not passive: the wheel zooms the picture, not the page). */
  readonly attachCanvas = (canvas: HTMLCanvasElement): (() => void) => {
    this.canvas = canvas;
    canvas.addEventListener('wheel', this.onwheel, { passive: false });
    return () => {
      canvas.removeEventListener('wheel', this.onwheel);
      if (this.canvas === canvas) this.canvas = undefined;
    };
  };

  /** The canvas's other attachment: reads everything the picture depends on, and draws it at the next frame. */
  readonly paintOnChange = (): void => {
    void this.scene();
    if (!this.frame) this.frame = requestAnimationFrame(this.draw);
  };

  private pointSize(): number {
    return pointSize(this.data.projection?.indices.length ?? 0, this.view, this.fitted);
  }

  /** Everything the picture depends on: the points, their colours, the view, and what the pointer marks. */
  private scene(): Scene {
    return {
      width: this.width,
      height: this.height,
      plot: this.plot,
      view: this.view,
      projection: this.data.projection,
      colors: this.coloring.colors,
      front: this.coloring.front,
      pointSize: this.pointSize(),
      shape: this.shape,
      drag: this.drag,
      picked: this.picked,
      pickedK: this.pickedK,
      hoverK: this.hover ? this.hover.k : null,
      paint: this.paint,
    };
  }

  /** The picture as PNG (as drawn) or SVG (axes as vectors, points as an image), and the points as CSV. */
  readonly exporter: ChartExporter = {
    png: () => {
      if (!this.canvas) throw new Error('the projector is not drawn yet');
      return flatPng(this.canvas, this.canvas.width, this.canvas.height);
    },
    svg: () => paintedSvg(this.width, this.height, (canvas) => paintProjector(canvas, new PointsLayer(), this.scene(), 1)),
    csv: () => {
      const projection = this.data.projection;
      if (!projection) throw new Error('nothing is projected yet');
      const [xName, yName] = projection.axes;
      return csvOf(
        ['test index', xName, yName, 'label'],
        Array.from(projection.indices, (index, k) => [
          index,
          projection.xy[2 * k],
          projection.xy[2 * k + 1],
          this.data.labelOf(index),
        ]),
      );
    },
  };

  private readonly draw = (): void => {
    this.frame = 0;
    const t0 = performance.now();
    const drawn = paintProjector(this.canvas, this.layer, this.scene(), window.devicePixelRatio || 1);
    if (drawn !== null) this.drawn = drawn;
    this.drawTimes.push(performance.now() - t0);
    if (this.drawTimes.length > 1000) this.drawTimes.splice(0, this.drawTimes.length - 1000);
  };

  private local(e: PointerEvent | WheelEvent | MouseEvent): [number, number] {
    const r = this.canvas!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private nearestAt(x: number, y: number): number {
    const { grid, projection } = this.data;
    if (!grid || !projection) return -1;
    if (!insidePlot(this.plot, x, y)) return -1;
    const [dx, dy] = toData(this.view, x, y);
    return grid.nearest(dx, dy, Math.max(5, this.pointSize()), this.view.sx, this.view.sy);
  }

  private hoverAt(x: number, y: number): void {
    const k = this.nearestAt(x, y);
    const projection = this.data.projection;
    if (k < 0 || !projection) {
      if (this.hover) this.hover = null;
      return;
    }
    const index = projection.indices[k]!;
    this.hover = { k, index, x, y };
  }

  readonly onpointerdown = (e: PointerEvent): void => {
    if (!this.data.projection || e.button !== 0) return;
    const [x, y] = this.local(e);
    this.canvas?.setPointerCapture(e.pointerId);
    this.drag = startDrag(x, y, e, this.selectMode, this.view);
    this.hover = null;
  };

  readonly onpointermove = (e: PointerEvent): void => {
    const [x, y] = this.local(e);
    const d = this.drag;
    if (!d) {
      this.hoverAt(x, y);
      return;
    }
    if (d.mode === 'pan') {
      const next = panTo(d, x, y);
      this.view = next.view;
      this.drag = next.drag;
    } else if (d.mode === 'brush') {
      this.drag = { ...d, x, y };
    } else {
      // Chromium delivers pointer moves once a frame: the ones in between come as coalesced events.
      const r = this.canvas!.getBoundingClientRect();
      const moves = e.getCoalescedEvents?.() ?? [];
      const points = (moves.length > 0 ? moves : [e]).map((m): [number, number] => [m.clientX - r.left, m.clientY - r.top]);
      this.drag = { ...d, x, y, path: extendPath(d.path, points) };
    }
  };

  readonly onpointerup = (e: PointerEvent): void => {
    const d = this.drag;
    this.drag = null;
    const { grid, projection } = this.data;
    if (!d || !grid || !projection) return;
    const [x, y] = this.local(e);
    if (d.mode === 'pan') {
      if (!d.moved) {
        const k = this.nearestAt(x, y);
        if (k >= 0) this.pick(projection.indices[k]!);
      }
      this.hoverAt(x, y);
      return;
    }
    let ks: number[];
    if (d.mode === 'brush') {
      const { a, b, shape } = brushInData(this.view, d.x0, d.y0, x, y);
      ks = grid.inRect(a[0], a[1], b[0], b[1]);
      this.selectionHow = 'rectangle';
      this.selectedLabel = null;
      this.shape = shape;
    } else {
      const polygon = lassoInData(this.view, d.path, x, y);
      ks = grid.inPolygon(polygon);
      this.selectionHow = 'lasso';
      this.selectedLabel = null;
      this.shape = polygon;
    }
    this.setSelection(ks.map((k) => projection.indices[k]!));
  };

  readonly onpointerleave = (): void => {
    if (!this.drag) this.hover = null;
  };

  private readonly onwheel = (e: WheelEvent): void => {
    if (!this.data.projection) return;
    e.preventDefault();
    const [x, y] = this.local(e);
    this.view = wheelZoom(this.view, this.fitted, e.deltaY, x, y);
    this.hover = null;
  };

  /** Picks a test image: it is ringed on the picture and sent to the sliders. */
  readonly pick = (index: number): void => {
    this.picked = index;
    this.props.onPick(index);
  };

  private setSelection(indices: number[]): void {
    this.selection = indices;
    const latents = this.data.latents;
    if (indices.length > 0 && latents)
      this.props.onSelect(selectedCodes(latents.codes, latents.dim, latents.labels, indices, latents.epoch));
  }

  /** The points of one legend entry: a label, or a cluster where the points are coloured by cluster. */
  readonly selectLabel = (value: number): void => {
    const { projection, latents } = this.data;
    const by = this.coloring.colorBy === 'cluster' ? 'cluster' : 'label';
    if (!projection || !(by === 'cluster' ? latents?.clusters : latents?.labels)) return;
    this.selectionHow = by === 'cluster' ? `cluster ${value}` : `label ${this.data.labelName(value)}`;
    this.selectedLabel = { by, value };
    this.shape = null;
    this.setSelection(this.labelIndices(this.selectedLabel));
  };

  private labelIndices(picked: { by: 'label' | 'cluster'; value: number }): number[] {
    const values = picked.by === 'cluster' ? this.data.latents?.clusters : this.data.latents?.labels;
    const drawn = this.data.projection?.indices ?? [];
    return values ? Array.from(drawn).filter((i) => values[i] === picked.value) : [];
  }

  /**
   * A label's selection on a new picture: its points among those now drawn (a new t-SNE sample draws others). The
   * highlight follows; the sliders are left where the user has them since (they were sent the selection once).
   */
  private retakeLabel(picked: { by: 'label' | 'cluster'; value: number }): void {
    this.selection = this.labelIndices(picked);
  }

  readonly clearSelection = (): void => {
    this.selection = [];
    this.selectionHow = '';
    this.selectedLabel = null;
    this.shape = null;
    this.props.onSelect(null);
  };
}
