/**
 * The disentanglement study's runs (Locatello et al. 2019): every family that declares a part in it (its spec's
 * `study`), at each of its strengths, for each seed, on one shared architecture (an MLP 512-256 and a latent of the
 * study's size, disentanglement_lib's 10 by default) and one data set with known factors. No family is named here.
 */
import { RunConfig as RunConfigSchema, type FieldIssue } from '../../shared/config';
import { studyParams, type StudySpec } from '../../shared/study';
import { memberRunName, type SweepPoint } from '../../shared/sweep';
import { registeredFamilySpecs } from '../../families/specs';
import { defaultRunConfig } from '../../families/run-config';

const dense = (units: number) => ({ type: 'dense' as const, units, activation: 'relu' as const });

/** The study's runs: model by model (registry order), strength by strength, seed by seed. */
export function studyPoints(name: string, study: StudySpec): { points: SweepPoint[]; issues: FieldIssue[] } {
  const points: SweepPoint[] = [];
  const issues: FieldIssue[] = [];
  const taking = registeredFamilySpecs().filter((spec) => spec.study);
  for (const id of study.models ?? []) {
    if (!taking.some((spec) => spec.id === id)) {
      issues.push({
        path: 'study.models',
        message: `${id} is not a family of the study (${taking.map((spec) => spec.id).join(', ')})`,
      });
    }
  }
  if (issues.length > 0) return { points, issues };
  for (const spec of taking) {
    const part = spec.study;
    if (!part || (study.models && !study.models.includes(spec.id))) continue;
    for (const strength of part.strengths) {
      for (let seed = 1; seed <= study.seeds; seed++) {
        const base = defaultRunConfig(spec.id);
        const runName = memberRunName(name, `${part.label} ${strength.label} seed=${seed}`);
        const draft = {
          ...base,
          name: runName,
          experiment: name,
          model: {
            ...(base.model as object),
            encoder: [dense(512), dense(256)],
            decoder: [dense(256), dense(512)],
            latentSize: study.latentSize,
            outputActivation: 'sigmoid',
            ...strength.model,
          },
          dataset: {
            name: study.dataset,
            ...(study.subset ? { trainSubset: study.subset, testSubset: Math.max(100, Math.round(study.subset / 5)) } : {}),
          },
          training: { ...base.training, loss: 'bce', batchSize: 64, learningRate: 1e-3, epochs: study.epochs, seed },
        };
        const parsed = RunConfigSchema.safeParse(draft);
        if (!parsed.success) {
          issues.push({
            path: 'study',
            message: `${part.label} ${strength.label}: ${parsed.error.issues[0]?.message ?? 'refused'}`,
          });
          continue;
        }
        points.push({
          config: parsed.data,
          name: runName,
          params: { [studyParams.model]: part.label, [studyParams.strength]: strength.label, [studyParams.seed]: seed },
        });
      }
    }
  }
  return { points, issues };
}
