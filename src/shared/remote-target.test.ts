import { describe, expect, it } from 'vitest';
import { resolveRemoteTarget, RemoteTargetError } from './remote-target';

describe('resolveRemoteTarget', () => {
  it('takes the URL serve printed, with or without its token, and prefers a file, then the environment', () => {
    const printed = 'http://127.0.0.1:8765/?token=from-url';
    expect(resolveRemoteTarget(printed, {})).toMatchObject({ base: 'http://127.0.0.1:8765', token: 'from-url', source: 'url' });
    expect(resolveRemoteTarget(printed, {}).warning).toMatch(/shell history/);
    expect(resolveRemoteTarget(printed, { fromEnv: 'from-env' })).toEqual({
      base: 'http://127.0.0.1:8765',
      token: 'from-env',
      source: 'env',
    });
    expect(resolveRemoteTarget('http://127.0.0.1:8765', { fromFile: 'from-file\n', fromEnv: 'from-env' })).toEqual({
      base: 'http://127.0.0.1:8765',
      token: 'from-file',
      source: 'file',
    });
    expect(resolveRemoteTarget('https://gpu.lab/studio/', { fromEnv: 't' }).base).toBe('https://gpu.lab/studio');
  });

  it('refuses what is not a token, naming where it came from', () => {
    const base = 'http://127.0.0.1:8765/';
    expect(() => resolveRemoteTarget(base, { fromFile: 'a'.repeat(5000) })).toThrow(
      /^--token-file: 5000 characters, not a token/,
    );
    expect(() => resolveRemoteTarget(base, { fromEnv: 'two words' })).toThrow(/^LATENT_STUDIO_TOKEN: not a token/);
    expect(() => resolveRemoteTarget(`${base}?token=${'b'.repeat(2000)}`, {})).toThrow(/^--remote: 2000 characters/);
  });

  it('refuses a missing token, an empty token file and what is not an http URL', () => {
    expect(() => resolveRemoteTarget('http://127.0.0.1:8765/', {})).toThrow(
      /no token for the studio at http:\/\/127\.0\.0\.1:8765/,
    );
    expect(() => resolveRemoteTarget('http://127.0.0.1:8765/', { fromFile: ' \n', fromEnv: 't' })).toThrow(/file is empty/);
    expect(() => resolveRemoteTarget('127.0.0.1:8765', { fromEnv: 't' })).toThrow(RemoteTargetError);
    expect(() => resolveRemoteTarget('ftp://gpu.lab/', { fromEnv: 't' })).toThrow(/http/);
    expect(() => resolveRemoteTarget('http://me:pw@gpu.lab/', { fromEnv: 't' })).toThrow(/user name or password/);
  });

  it('never repeats a token in its refusals (they land in terminals and logs)', () => {
    const secret = 'Xy3secretTokenValue';
    for (const url of [`127.0.0.1:8765/?token=${secret}`, `ftp://gpu.lab/?a=1&token=${secret}`]) {
      let message = '';
      try {
        resolveRemoteTarget(url, {});
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^--remote .*token=…/);
      expect(message).not.toContain(secret);
    }
  });
});
