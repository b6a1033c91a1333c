import { z } from 'zod';

/**
 * The states of a job besides training (an evaluation, a learned prior). A job left running by a studio that stopped
 * waits again as `queued`; `cancelled` is the user's.
 */
export const JobState = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;
export const JobId = z.number().int().positive();

export const RunId = z.number().int().positive();
