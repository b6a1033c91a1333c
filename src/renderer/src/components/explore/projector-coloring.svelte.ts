import {
  colorChoices,
  factorIndexOf,
  factorRange,
  frontMask,
  legendEntries,
  pointColors,
  type LegendEntry,
} from '../../lib/projector-colors';
import type { ProjectorData } from './projector-data.svelte';

/**
 * How the projector colours its points: by label, by a factor (viridis over its range) or not at all; the legend
 * that goes with it; and each drawn point's colour, dimmed outside the selection, with the selection drawn on top.
 */
export class ProjectorColoring {
  colorBy = $state('label');
  readonly choices = $derived.by(() =>
    colorChoices(!!this.data.latents?.labels, this.data.latents?.factorNames ?? [], !!this.data.latents?.clusters),
  );
  readonly legendEntries = $derived.by((): LegendEntry[] => {
    const { latents, projection } = this.data;
    if (!latents || !projection) return [];
    if (this.colorBy === 'cluster' && latents.clusters)
      return legendEntries(projection.indices, latents.clusters, (v) => `cluster ${v}`);
    if (this.colorBy !== 'label' || !latents.labels) return [];
    return legendEntries(projection.indices, latents.labels, this.data.labelName);
  });
  readonly factorIndex = $derived(factorIndexOf(this.colorBy));
  readonly factorRange = $derived.by(() => {
    const latents = this.data.latents;
    if (this.factorIndex < 0 || !latents?.factors) return null;
    return factorRange(latents.factors, latents.count, latents.factorNames, this.factorIndex);
  });
  /** Each drawn point's colour, dimmed outside the selection when there is one. */
  readonly colors = $derived.by(() => {
    const { projection, latents } = this.data;
    if (!projection || !latents) return new Uint32Array(0);
    return pointColors({
      indices: projection.indices,
      labels: latents.labels,
      clusters: latents.clusters ?? null,
      factors: latents.factors,
      factorCount: latents.factorNames.length,
      colorBy: this.colorBy,
      factorIndex: this.factorIndex,
      range: this.factorRange,
      selected: this.selected(),
    });
  });
  /** Which drawn points go on top (the selected ones), or null. */
  readonly front = $derived.by(() => (this.data.projection ? frontMask(this.data.projection.indices, this.selected()) : null));

  /** `selected`: the test indices selected now (read reactively). */
  constructor(
    private readonly data: ProjectorData,
    private readonly selected: () => ReadonlySet<number>,
  ) {}

  /** A new set of codes is coloured by its labels, else by its first factor. */
  resetChoice(): void {
    this.colorBy = this.choices[0]?.value ?? 'none';
  }
}
