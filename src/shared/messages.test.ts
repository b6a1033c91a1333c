import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RunConfig, fieldIssues } from './config';
import { SweepSpec } from './sweep';
import { defaultRunConfig } from '../families/run-config';

const form = z.object({
  epochs: z.number().int().min(1).max(10),
  rate: z.number().gt(0).lt(10),
  loss: z.enum(['mse', 'bce']),
  widths: z.array(z.number()).min(1).max(2),
  name: z.string().min(1).max(3),
  code: z.string().min(2),
  on: z.boolean(),
});
const messages = (input: unknown) => {
  const r = form.safeParse(input);
  return r.success ? {} : Object.fromEntries(fieldIssues(r.error).map((i) => [i.path, i.message]));
};

describe("a refused value is told in a researcher's words", () => {
  it('says what is required, and what a value must be instead of what it is', () => {
    expect(messages({})).toEqual({
      epochs: 'required: a number',
      rate: 'required: a number',
      loss: 'must be one of mse, bce',
      widths: 'required: a list',
      name: 'required: a text',
      code: 'required: a text',
      on: 'required: true or false',
    });
    expect(messages({ epochs: Infinity, rate: -Infinity, loss: 'mse', widths: [1], name: 'a', code: 'ab', on: true })).toEqual({
      epochs: 'must be a finite number (not Infinity)',
      rate: 'must be a finite number (not -Infinity)',
    });
    expect(messages({ epochs: 2.5, rate: Number.NaN, loss: 'l1', widths: 'x', name: 7, code: 'abc', on: 'yes' })).toEqual({
      epochs: 'must be a whole number (not 2.5)',
      rate: 'must be a number',
      loss: 'must be one of mse, bce',
      widths: 'must be a list, not a text',
      name: 'must be a text, not a number',
      on: 'must be true or false, not a text',
    });
  });

  it('says a value of another kind as it is: null, NaN, Infinity where a text or a group of fields belongs', () => {
    expect(messages({ epochs: null, rate: 1, loss: 'mse', widths: Infinity, name: Number.NaN, code: 'ab', on: true })).toEqual({
      epochs: 'must be a number, not null',
      widths: 'must be a list, not Infinity',
      name: 'must be a text, not NaN',
    });
  });

  it('names the choices of a family or a layer type named wrong, and the closest', () => {
    const config = defaultRunConfig('vae') as unknown as Record<string, unknown> & { model: { encoder: object[] } };
    const issues = (input: unknown) => {
      const r = RunConfig.safeParse(input);
      return r.success ? [] : fieldIssues(r.error);
    };
    expect(issues({ ...config, family: 'vaee' })).toEqual([
      {
        path: 'family',
        message: expect.stringMatching(/^"vaee" is none of autoencoder, sparse-ae, .*, rq-vae \(did you mean vae\?\)$/),
      },
    ]);
    expect(issues({ ...config, family: undefined })).toEqual([
      { path: 'family', message: expect.stringMatching(/^required: one of autoencoder, sparse-ae, /) },
    ]);
    const layer = { ...config, model: { ...config.model, encoder: [{ type: 'Dense', units: 3 }] } };
    expect(issues(layer)).toEqual([
      {
        path: 'model.encoder[0].type',
        message:
          '"Dense" is none of dense, conv, convTranspose, upsample, maxPool, batchNorm, dropout, activation, reshape (did you mean dense?)',
      },
    ]);
  });

  it('says what a union takes: a sweep’s base is a preset’s name or a whole config', () => {
    const r = SweepSpec.safeParse({ name: 's', method: 'grid', base: 42, parameters: { 'model.beta': { values: [1] } } });
    expect(r.success ? [] : fieldIssues(r.error)).toEqual([
      { path: 'base', message: 'must be a text or a group of fields, not a number' },
    ]);
  });

  it('gives the bounds: at least, greater than, at most, less than, items and characters', () => {
    expect(messages({ epochs: 0, rate: 0, loss: 'mse', widths: [], name: '', code: 'a', on: true })).toEqual({
      epochs: 'must be at least 1',
      rate: 'must be greater than 0',
      widths: 'needs at least 1 item',
      name: 'must not be empty',
      code: 'needs at least 2 characters',
    });
    expect(messages({ epochs: 11, rate: 10, loss: 'mse', widths: [1, 2, 3], name: 'abcd', code: 'ab', on: true })).toEqual({
      epochs: 'must be at most 10',
      rate: 'must be less than 10',
      widths: 'takes at most 2 items',
      name: 'takes at most 3 characters',
    });
  });

  it("holds for the contract's own schemas: a run config with a fractional epoch count and no learning rate", () => {
    const config = defaultRunConfig('vae') as unknown as { training: Record<string, unknown> };
    config.training = { ...config.training, epochs: 2.5, learningRate: undefined };
    const r = RunConfig.safeParse(config);
    expect(r.success).toBe(false);
    const issues = r.success ? [] : fieldIssues(r.error);
    expect(issues).toContainEqual({ path: 'training.epochs', message: 'must be a whole number (not 2.5)' });
    expect(issues).toContainEqual({ path: 'training.learningRate', message: 'required: a number' });
  });
});
