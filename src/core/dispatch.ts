import { commands, isCommandName, type Api, type Envelope } from '../shared/api';
import { describeIssues, fieldIssues } from '../shared/config';
import { ApiError } from './errors';

/**
 * The one generic handler every transport calls: finds the command, parses its input against the
 * contract (so the error names the field), calls the core, and wraps the result or the error.
 */
export async function dispatch(api: Api, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  if (!isCommandName(name)) return { ok: false, error: { code: 'not_found', message: `unknown command: ${name}` } };
  const parsed = commands[name].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error).map((i) => ({ ...i, path: i.path.replace(/^(config|spec)\./, '') }));
    return { ok: false, error: { code: 'bad_request', message: `invalid ${name} request: ${describeIssues(issues)}`, issues } };
  }
  try {
    const handler = api[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    if (e instanceof ApiError) {
      return { ok: false, error: { code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) } };
    }
    console.error(`command ${name} failed:`, e);
    return { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
  }
}
