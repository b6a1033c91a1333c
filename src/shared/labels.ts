/**
 * How a researcher organises runs and sweeps: a name, tags, notes and a star. They are the researcher's own words,
 * kept beside the record and never part of the config (a renamed run keeps its config and its hash).
 */
import { z } from 'zod';

/** A tag: one word of letters, digits and `-_.:/+`, as typed in a chip or a search (`tag:baseline`). */
export const Tag = z
  .string()
  .trim()
  .min(1, 'a tag cannot be empty')
  .max(40, 'a tag has at most 40 characters')
  .regex(/^[\p{L}\p{N}_.:/+-]+$/u, 'a tag is one word: letters, digits and - _ . : / +');

export const Labels = z.object({
  tags: z.array(z.string()),
  /** Plain text; line breaks are kept. */
  notes: z.string(),
  starred: z.boolean(),
});
export type Labels = z.infer<typeof Labels>;

/** A change of labels: only the fields given change. */
export const LabelsChange = {
  name: z.string().trim().min(1, 'a name cannot be empty').max(120, 'a name has at most 120 characters').optional(),
  tags: z
    .array(Tag)
    .max(32, 'at most 32 tags')
    // Tags match in any case (`tag:Baseline` finds baseline): two that differ only in case are one tag.
    .refine((tags) => new Set(tags.map((t) => t.toLowerCase())).size === tags.length, 'a tag is given twice (in any case)')
    .optional(),
  notes: z.string().max(20_000, 'notes have at most 20,000 characters').optional(),
  starred: z.boolean().optional(),
};

export const noLabels: Labels = { tags: [], notes: '', starred: false };
