import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultRunConfig } from '../../../families/run-config';
import { familySpecs } from '../../../families/specs';
import { flattenConfig } from '../../../shared/sweep';
import { fieldInContext, unsetMeaning, unsetPaths, valueOrMeaning } from '../../../shared/config-unset';
import { formFields, jsonFormFields, type FieldSchema } from './schema-form';
import { LearningRateSchedule, TrainingConfig } from '../../../shared/config';

describe('what a config leaves unset means', () => {
  const vq = familySpecs['vq-vae'];
  const modelSchema = z.toJSONSchema(vq.modelSchema, { io: 'input', unrepresentable: 'any' }) as FieldSchema;
  const base = defaultRunConfig('vq-vae') as unknown as Record<string, unknown>;
  const flat = (config: unknown) => flattenConfig(config);

  it('reads a model field’s meaning from its family’s schema, and says nothing of one set', () => {
    const model = { ...(base['model'] as Record<string, unknown>) };
    delete model['codebookInit'];
    delete model['codebookUpdate'];
    const config = flat({ ...base, model });
    expect(unsetMeaning('model.codebookInit', config, modelSchema)).toBe('uniform');
    expect(unsetMeaning('model.codebookUpdate', config, modelSchema)).toBe('loss');
    expect(unsetMeaning('model.codebookInit', flat({ ...base, model: { ...model, codebookInit: 'kmeans' } }), modelSchema)).toBe(
      undefined,
    );
    // A field the family does not have, and a layer in a list, have no meaning to give.
    expect(unsetMeaning('model.beta', config, modelSchema)).toBe(undefined);
    expect(unsetMeaning('model.encoder[0].dropout', config, modelSchema)).toBe(undefined);
  });

  it('reads the training and data set settings from the contract, an unset object for each of its fields', () => {
    const training = { ...(base['training'] as Record<string, unknown>) };
    delete training['schedule'];
    delete training['clipNorm'];
    delete training['earlyStopping'];
    const config = flat({ ...base, training, backend: undefined });
    expect(unsetMeaning('training.clipNorm', config, modelSchema)).toBe('off');
    expect(unsetMeaning('backend', config, modelSchema)).toBe('auto');
    expect(unsetMeaning('dataset.trainSubset', flat({ ...base, dataset: { name: 'mnist' } }), modelSchema)).toBe('all');
    // No schedule: its kind and every setting read as none.
    expect(unsetMeaning('training.schedule.kind', config, modelSchema)).toBe('none (constant rate)');
    expect(unsetMeaning('training.schedule.gamma', config, modelSchema)).toBe('none (constant rate)');
    expect(unsetMeaning('training.earlyStopping.patience', config, modelSchema)).toBe('off');
    // A step schedule without its own settings: a step's defaults.
    const stepped = flat({ ...base, training: { ...training, schedule: { kind: 'step' } } });
    expect(unsetMeaning('training.schedule.stepEpochs', stepped, modelSchema)).toBe('10');
    expect(unsetMeaning('training.schedule.kind', stepped, modelSchema)).toBe(undefined);
  });

  it('says nothing of a setting that is not read, and gives the default that applies beside its siblings', () => {
    const training = base['training'] as Record<string, unknown>;
    const withSchedule = (schedule: Record<string, unknown>) => flat({ ...base, training: { ...training, schedule } });
    // A gamma is 0.1 for a step schedule, 0.95 for an exponential one; a cosine reads neither it nor stepEpochs.
    expect(unsetMeaning('training.schedule.gamma', withSchedule({ kind: 'step' }), modelSchema)).toBe('0.1');
    expect(unsetMeaning('training.schedule.gamma', withSchedule({ kind: 'exponential' }), modelSchema)).toBe('0.95');
    expect(unsetMeaning('training.schedule.gamma', withSchedule({ kind: 'cosine' }), modelSchema)).toBe(undefined);
    expect(unsetMeaning('training.schedule.stepEpochs', withSchedule({ kind: 'cosine' }), modelSchema)).toBe(undefined);
    // No checkpoint policy is the default one: each of its settings speaks for itself.
    const noPolicy = flat({ ...base, training: { ...training, checkpoints: undefined } });
    expect(unsetMeaning('training.checkpoints.everyEpochs', noPolicy, modelSchema)).toBe('1');
    expect(unsetMeaning('training.checkpoints.keepBest.metric', noPolicy, modelSchema)).toBe('off');
    // Every N epochs unset beside every M minutes: no checkpoints by epoch.
    const timed = flat({ ...base, training: { ...training, checkpoints: { everyMinutes: 5 } } });
    expect(unsetMeaning('training.checkpoints.everyEpochs', timed, modelSchema)).toBe('off');
    // An EMA decay is read only with EMA updates.
    const model = base['model'] as Record<string, unknown>;
    const vq = (codebookUpdate: string) => flat({ ...base, model: { ...model, codebookUpdate, emaDecay: undefined } });
    expect(unsetMeaning('model.emaDecay', vq('ema'), modelSchema)).toBe('0.99');
    expect(unsetMeaning('model.emaDecay', vq('loss'), modelSchema)).toBe(undefined);
  });

  it('shows an empty field in the form as what it means beside its siblings', () => {
    const gamma = formFields(LearningRateSchedule).find((f) => f.key === 'gamma')!.schema;
    expect(fieldInContext(gamma, { kind: 'step' }).unset).toBe('0.1');
    expect(fieldInContext(gamma, { kind: 'exponential' }).unset).toBe('0.95');
    expect(fieldInContext(gamma, undefined).unset).toBe('0.1 (step), 0.95 (exponential)');
    const every = formFields(TrainingConfig).find((f) => f.key === 'checkpoints')!.schema.properties!['everyEpochs']!;
    expect(fieldInContext(every, {}).unset).toBe('1');
    expect(fieldInContext(every, { everyMinutes: 5 }).unset).toBe('off');
    const emaDecay = jsonFormFields(modelSchema).find((f) => f.key === 'emaDecay')!.schema;
    expect(fieldInContext(emaDecay, { codebookUpdate: 'ema' }).unset).toBe('0.99');
    expect(fieldInContext(emaDecay, {}).unset).toBe(undefined);
  });

  it('places an unset field on an axis as what it means, a number where that is one', () => {
    const training = base['training'] as Record<string, unknown>;
    const config = flat({ ...base, training: { ...training, clipNorm: undefined, weightDecay: undefined } });
    expect(valueOrMeaning('training.clipNorm', config, modelSchema)).toBe('off');
    expect(valueOrMeaning('training.weightDecay', config, modelSchema)).toBe(0);
    expect(valueOrMeaning('training.batchSize', config, modelSchema)).toBe(training['batchSize']);
    // Another family's field: no value.
    expect(valueOrMeaning('model.beta', config, modelSchema)).toBe(undefined);
  });

  it('lists the settings no run sets whose absence means something, for "show all fields"', () => {
    const training = base['training'] as Record<string, unknown>;
    const plain = flat({ ...base, training: { ...training, schedule: undefined, clipNorm: undefined, checkpoints: undefined } });
    const clipped = flat({ ...base, training: { ...training, schedule: undefined, clipNorm: 1, checkpoints: undefined } });
    const paths = unsetPaths([
      { config: plain, modelSchema },
      { config: clipped, modelSchema },
    ]);
    // No run has a schedule: the object as a whole; every checkpoint setting on its own; not the clip norm one sets.
    expect(paths).toContain('training.schedule');
    expect(paths).not.toContain('training.schedule.kind');
    expect(paths).toEqual(expect.arrayContaining(['training.checkpoints.everyEpochs', 'training.checkpoints.keepBest']));
    expect(paths).not.toContain('training.clipNorm');
    // Not a field a run's config holds (the data set's name), nor one read only beside another (no EMA, no decay).
    expect(paths).not.toContain('dataset.name');
    expect(paths.includes('model.emaDecay')).toBe(plain['model.codebookUpdate'] === 'ema');
  });
});
