/** The environment variable that marks a test cluster's job steps (its value: the cluster's folder). */
export const MARKER = 'LATENT_STUDIO_SLURM_HARNESS';
