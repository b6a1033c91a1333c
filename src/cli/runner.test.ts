import { afterEach, describe, expect, it, vi } from 'vitest';
import { command, fmt, runCommand } from './runner';

class Exited extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

const failing = command({
  name: 'export',
  flags: {},
  run: () => Promise.reject(new Error('data set pets: not found (it was deleted)')),
});

describe('a command whose work fails', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env['LATENT_STUDIO_DEBUG'];
  });

  it('prints one line naming the command and exits 1, without a stack trace', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Exited(code as number);
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(runCommand(failing, [])).rejects.toThrow(Exited);
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([
      'latent-studio: export: data set pets: not found (it was deleted)\n',
    ]);
  });

  it('keeps the error, stack and all, with LATENT_STUDIO_DEBUG=1', async () => {
    process.env['LATENT_STUDIO_DEBUG'] = '1';
    const exit = vi.spyOn(process, 'exit');
    await expect(runCommand(failing, [])).rejects.toThrow('data set pets: not found');
    expect(exit).not.toHaveBeenCalled();
  });
});

describe("a table's figures", () => {
  it('tell close small values apart and show tiny ones, where fixed digits read them alike or as 0', () => {
    expect([0.004123, 0.004081, 3e-5, 0.5, 105.78, 0, 2.5e7, undefined].map((v) => fmt(v))).toEqual([
      '0.004123',
      '0.004081',
      '3.000e-5',
      '0.5000',
      '105.7800',
      '0.0000',
      '2.500e+7',
      '-',
    ]);
  });
});

describe('flag values that start with a dash', () => {
  const seen: Record<string, unknown>[] = [];
  const sweepLike = command({
    name: 'sweep',
    flags: { extra: { type: 'string' }, partition: { type: 'string' }, epochs: { type: 'string' } },
    verbatim: ['extra'],
    run: ({ values }) => (seen.push({ ...values }), 0),
  });

  it('takes a verbatim flag’s value as given (sbatch options), and a negative number as any flag’s value', async () => {
    seen.length = 0;
    await sweepLike.run(['--extra', '--qos=normal --constraint=a100', '--partition', 'gpu', '--epochs', '-1']);
    expect(seen).toEqual([{ extra: '--qos=normal --constraint=a100', partition: 'gpu', epochs: '-1' }]);
  });

  it('still reads a dashed word after another flag as a flag of its own', () => {
    expect(() => sweepLike.run(['--partition', '--qos=normal'])).toThrow(/'--partition' argument is ambiguous/);
  });
});
