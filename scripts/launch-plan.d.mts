// Types of launch-plan.mjs (a plain script of npm start's), for the TypeScript that imports it: tests and benches.
export type LaunchOptions = {
  serveOnly: boolean;
  remote: boolean;
  electronFound: boolean;
  platform: string;
  env: Record<string, string | undefined>;
};
export type LaunchPlan =
  { kind: 'electron'; sqlite: boolean } | { kind: 'host'; note: string | null } | { kind: 'refuse'; message: string };
export function electronViteBin(from?: string): string;
export function launchPlan(o: LaunchOptions): LaunchPlan;
export function needsElectron(o: Pick<LaunchOptions, 'serveOnly' | 'platform' | 'env'>): boolean;
export function exitCodeOf(code: number | null, signal: string | null, signals: Record<string, number>): number;
export function buildIsCurrent(root: string): boolean;
