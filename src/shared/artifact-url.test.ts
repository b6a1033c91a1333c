import { describe, expect, it } from 'vitest';
import { artifactIdOf, artifactUrl } from './artifact-url';

describe('artifact URLs', () => {
  it('name an artifact by id on each transport, and only a well-formed app URL is read back', () => {
    expect(artifactUrl(42, 'headless')).toBe('/artifacts/42');
    expect(artifactIdOf(artifactUrl(42, 'electron'))).toBe(42);
    for (const url of [
      'latent-artifact://artifacts/42/..',
      'latent-artifact://elsewhere/42',
      'latent-artifact://artifacts/42?x=1',
      'latent-artifact://artifacts/-1',
      'latent-artifact://artifacts/4e2',
      'https://artifacts/42',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(artifactIdOf(url), url).toBeNull();
    }
  });
});
