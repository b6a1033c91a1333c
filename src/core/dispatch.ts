import { commands, isCommandName, type Api, type CommandName, type Envelope } from '../shared/api';
import { describeIssues, fieldIssues } from '../shared/config';
import { ApiError } from './errors';

/**
 * The one generic handler every transport calls: finds the command, parses its input against the
 * contract (so the error names the field), calls the core, and wraps the result or the error.
 */
export async function dispatch(api: Api, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  if (!isCommandName(name)) return { ok: false, error: { code: 'not_found', message: `unknown command: ${name}` } };
  try {
    const handler = api[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(checkedInput(name, rawInput)) };
  } catch (e) {
    if (e instanceof ApiError) {
      return { ok: false, error: { code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) } };
    }
    console.error(`command ${name} failed:`, e);
    return { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
  }
}

/** A command's input parsed against the contract, or an ApiError that names each field it refuses. */
function checkedInput(name: CommandName, rawInput: unknown): unknown {
  const parsed = commands[name].input.safeParse(rawInput ?? {});
  if (parsed.success) return parsed.data;
  const issues = fieldIssues(parsed.error).map((i) => ({ ...i, path: i.path.replace(/^(config|spec)\./, '') }));
  throw new ApiError('bad_request', `invalid ${name} request: ${describeIssues(issues)}`, issues);
}

/**
 * The api with each input checked as a transport's is: for a caller in this process (the CLI on a local database),
 * which would otherwise hand the core what the contract refuses (a fractional epoch count reaching SQLite).
 */
export function checkedApi(api: Api): Api {
  const entries = (Object.keys(commands) as CommandName[]).map((name) => {
    const handler = api[name] as (input: unknown) => Promise<unknown>;
    return [name, (input: unknown) => Promise.resolve().then(() => handler(checkedInput(name, input)))] as const;
  });
  return Object.fromEntries(entries) as unknown as Api;
}
