/**
 * The test images behind a projection's points, fetched one at a time with `datasets.samples` (a few at once) and
 * kept, so hovering back over a point or re-selecting it shows its image at once.
 */
import type { CommandOutput } from '../../../shared/api';

export type ImageSources = CommandOutput<'runs.latents'>['images'];

export interface TestImage {
  /** The test index in the run's split. */
  index: number;
  /** A data URL of the PNG. */
  src: string;
  dataset: string;
  offset: number;
}

/** Where test image `index` of the run lies: the stored set and its offset in that set's test split. */
export function imageSource(images: ImageSources, index: number): { dataset: string; offset: number } {
  return { dataset: images.datasets[images.set?.[index] ?? 0] ?? images.datasets[0]!, offset: images.index?.[index] ?? index };
}

export class TestImageCache {
  private readonly cache = new Map<number, Promise<TestImage>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly images: ImageSources,
    private readonly fetchPng: (dataset: string, offset: number) => Promise<string>,
    private readonly concurrency = 6,
  ) {}

  get(index: number): Promise<TestImage> {
    let known = this.cache.get(index);
    if (!known) {
      known = this.fetch(index);
      this.cache.set(index, known);
      known.catch(() => this.cache.delete(index));
    }
    return known;
  }

  private async fetch(index: number): Promise<TestImage> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      const { dataset, offset } = imageSource(this.images, index);
      const png = await this.fetchPng(dataset, offset);
      return { index, src: `data:image/png;base64,${png}`, dataset, offset };
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
