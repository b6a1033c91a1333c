import type { JobState } from '../../shared/api';
import type { JobKind, JobRecord } from '../store/jobs';
import type { FromWorker, ToWorker } from '../training/protocol';

/**
 * What the scheduler needs of one kind of job (an evaluation, a learned prior) to run it in a worker of its own:
 * the message that starts it from its stored request (the same after a restart), the answer that ends it, and how
 * its outcome is kept and told. The scheduler owns its state: queued, running, and how it ended.
 */
export interface JobKindHandler<A extends FromWorker['type'] = FromWorker['type']> {
  kind: JobKind;
  /** The worker message for this job; a throw fails the job with the message (its checkpoint went missing, say). */
  message(job: JobRecord): ToWorker;
  /** The worker's answer that completes the job. */
  answer: A;
  /** The worker's messages before its answer (a prior's epochs). */
  progress?(job: JobRecord, m: FromWorker): void;
  /** Keeps the answer: ends the job as completed (finishJob) with whatever goes beside it, and tells of it. */
  complete(job: JobRecord, m: Extract<FromWorker, { type: A }>): void;
  /** Tells listeners that the job is now in `state` (the scheduler has stored it). */
  announce(job: JobRecord, state: JobState, error: string | null): void;
}
