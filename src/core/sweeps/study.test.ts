import { describe, expect, it } from 'vitest';
import { StudySpec, studyParams } from '../../shared/study';
import { registeredFamilySpecs } from '../../families/specs';
import { studyPoints } from './study';

const taking = registeredFamilySpecs().filter((s) => s.study);

describe('the disentanglement study’s runs', () => {
  it('are every part’s strengths × seeds, or only those of the families chosen', () => {
    const all = studyPoints('s', StudySpec.parse({ kind: 'disentanglement', seeds: 2 }));
    expect(all.issues).toEqual([]);
    expect(all.points).toHaveLength(taking.reduce((n, s) => n + s.study!.strengths.length * 2, 0));
    const chosen = taking.slice(0, 2).map((s) => s.id);
    const some = studyPoints('s', StudySpec.parse({ kind: 'disentanglement', seeds: 1, models: chosen }));
    expect(some.issues).toEqual([]);
    expect(new Set(some.points.map((p) => p.config.family))).toEqual(new Set(chosen));
    expect(new Set(some.points.map((p) => p.params[studyParams.model]))).toEqual(
      new Set(taking.slice(0, 2).map((s) => s.study!.label)),
    );
    expect(some.points).toHaveLength(taking.slice(0, 2).reduce((n, s) => n + s.study!.strengths.length, 0));
  });

  it('refuses a family that takes no part, naming it and those that do, and plans nothing', () => {
    const r = studyPoints('s', StudySpec.parse({ kind: 'disentanglement', seeds: 1, models: [taking[0]!.id, 'autoencoder'] }));
    expect(r.points).toEqual([]);
    expect(r.issues).toEqual([
      { path: 'study.models', message: `autoencoder is not a family of the study (${taking.map((s) => s.id).join(', ')})` },
    ]);
  });

  it("plans a study whatever its name's length: its runs' names are cut to fit, each one still its own", () => {
    const name = `study ${'x'.repeat(114)}`;
    const r = studyPoints(name, StudySpec.parse({ kind: 'disentanglement', seeds: 10 }));
    expect(r.issues).toEqual([]);
    expect(new Set(r.points.map((p) => p.name)).size).toBe(r.points.length);
    for (const p of r.points) expect(p.config.name).toBe(p.name);
  });
});
