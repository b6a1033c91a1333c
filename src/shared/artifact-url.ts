/**
 * Where an artifact's bytes are: artifacts travel beside the contract, which hands out their ids and sizes only. The
 * headless host serves `/artifacts/<id>` (its token cookie checked, like every request); the Electron app serves
 * `latent-artifact://artifacts/<id>` through `protocol.handle`.
 */
export const artifactScheme = 'latent-artifact';

export function artifactUrl(artifactId: number, transport: 'electron' | 'headless'): string {
  return transport === 'electron' ? `${artifactScheme}://artifacts/${artifactId}` : `/artifacts/${artifactId}`;
}

/** The artifact id a `latent-artifact:` URL names, or null for any other URL. */
export function artifactIdOf(url: string): number | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const m = /^\/(\d{1,15})$/.exec(u.pathname);
  if (u.protocol !== `${artifactScheme}:` || u.host !== 'artifacts' || !m?.[1] || u.search || u.hash) return null;
  return Number(m[1]);
}
