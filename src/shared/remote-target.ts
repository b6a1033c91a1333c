/**
 * Where a remote studio is and which token opens it: shared by the CLI's `--remote` and the Electron app's.
 * Pure (no file system): the caller reads `--token-file` and the environment and passes what it found.
 */

/** The environment variable that carries the token of a remote studio. */
export const tokenEnvVar = 'LATENT_STUDIO_TOKEN';

export interface RemoteTarget {
  /** The host's address without the token and without a trailing slash, e.g. `http://127.0.0.1:8765`. */
  base: string;
  token: string;
  /** Where the token came from. */
  source: 'file' | 'env' | 'url';
  /** Something the user should hear about (a token taken from the URL). */
  warning?: string;
}

export class RemoteTargetError extends Error {}

/** The longest token accepted: the studio's own are 32 characters (24 random bytes, base64url). */
export const maxTokenLength = 1024;

/** A token as an HTTP header can carry it: one line of visible ASCII, at most `maxTokenLength` characters. */
function checkedToken(token: string, source: string): string {
  if (token.length > maxTokenLength)
    throw new RemoteTargetError(
      `${source}: ${token.length} characters, not a token (a studio's token is one line of at most ${maxTokenLength})`,
    );
  if (!/^[\x21-\x7e]+$/.test(token))
    throw new RemoteTargetError(`${source}: not a token (a studio's token is one line of visible ASCII characters, no spaces)`);
  return token;
}

/** A URL as an error may repeat it: the value of any `token=` replaced by "…" (errors land in logs and terminals). */
function withoutToken(url: string): string {
  return url.replace(/([?&#;]token=)[^&#\s]*/gi, '$1…');
}

/**
 * Reads the URL `latent-studio serve` printed (`http://127.0.0.1:PORT/?token=…`), with or without its token.
 * The token comes from the file, else the environment, else the URL (with a warning: URLs land in shell history).
 */
export function resolveRemoteTarget(
  url: string,
  given: { fromFile?: string | undefined; fromEnv?: string | undefined },
): RemoteTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RemoteTargetError(
      `--remote ${withoutToken(url)}: not a URL (expected what serve printed, e.g. http://127.0.0.1:8765/)`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RemoteTargetError(`--remote ${withoutToken(url)}: expected an http:// or https:// URL`);
  }
  const fromUrl = parsed.searchParams.get('token') ?? undefined;
  if (parsed.username || parsed.password) {
    throw new RemoteTargetError(`--remote: the URL carries a user name or password; the studio takes only its token`);
  }
  const base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  const fromFile = given.fromFile?.trim();
  const fromEnv = given.fromEnv?.trim();
  if (given.fromFile !== undefined && !fromFile) throw new RemoteTargetError('--token-file: the file is empty');
  if (fromFile) return { base, token: checkedToken(fromFile, '--token-file'), source: 'file' };
  if (fromEnv) return { base, token: checkedToken(fromEnv, tokenEnvVar), source: 'env' };
  if (fromUrl) {
    return {
      base,
      token: checkedToken(fromUrl, '--remote'),
      source: 'url',
      warning: `the token was taken from the URL; URLs land in shell history and in ps: set ${tokenEnvVar} or use --token-file instead`,
    };
  }
  throw new RemoteTargetError(
    `no token for the studio at ${base}: set ${tokenEnvVar} or pass --token-file FILE ` +
      `(the token is the part after ?token= of the URL serve printed)`,
  );
}
