/**
 * The processes of a test cluster's jobs, found through /proc: those carrying its marker in their environment, and
 * every process in the session of one of its slurmstepds. Linux only, synchronous.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { MARKER } from './marker';

/** Processes whose environment carries this cluster's marker: the daemons' job steps (slurmstepd) and the jobs themselves. */
export function markedProcesses(dir: string): number[] {
  const needle = `${MARKER}=${dir}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if ((readFileSync(`/proc/${pid}/environ`, 'latin1') + '\0').includes(needle)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

export function sessionOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[3]); // state ppid pgrp session
  } catch {
    return undefined;
  }
}

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Kills, with SIGKILL, every live process of this cluster's job steps: those carrying the marker, and every
 * process in the session of one of its slurmstepds (a job's processes live in the stepd's session even when
 * submitted with --export=NONE). Never this process's own session (the daemons share it). Synchronous.
 */
export function killJobSteps(dir: string): number[] {
  const ownSession = sessionOf(process.pid);
  const marked = markedProcesses(dir).filter(isAlive);
  const sessions = new Set(
    marked
      .filter((p) => commOf(p) === 'slurmstepd')
      .map(sessionOf)
      .filter((s): s is number => s !== undefined && s > 1 && s !== ownSession),
  );
  const victims = new Set(marked);
  if (sessions.size > 0)
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (Number.isInteger(pid) && pid !== process.pid && sessions.has(sessionOf(pid) ?? -1)) victims.add(pid);
    }
  for (const pid of victims)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  return [...victims];
}

/** A process is gone when /proc has no entry for it or it is a zombie (this machine's PID 1 may not reap orphans). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function exec(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Two free ports next to each other, at random in 20000–30000 so parallel clusters (or a system Slurm on 6817/6818) don't clash. */
export async function freePorts(): Promise<[number, number]> {
  for (let i = 0; i < 50; i++) {
    const p = 20000 + 2 * Math.floor(Math.random() * 5000);
    if ((await portFree(p)) && (await portFree(p + 1))) return [p, p + 1];
  }
  throw new Error('no free port pair in 20000-30000');
}

/** `slurmd -C`'s hardware description of this machine: CPUs, Boards, SocketsPerBoard, CoresPerSocket, ThreadsPerCore, RealMemory. */
export async function hardware(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const out = await exec('slurmd', ['-C'], env);
  const first = out.split('\n').find((l) => l.startsWith('NodeName=')) ?? '';
  const fields = Object.fromEntries([...first.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
  const keep = ['CPUs', 'Boards', 'SocketsPerBoard', 'CoresPerSocket', 'ThreadsPerCore', 'RealMemory'];
  if (!fields['CPUs']) throw new Error(`slurmd -C printed no CPUs: ${out}`);
  return Object.fromEntries(keep.filter((k) => fields[k]).map((k) => [k, fields[k]!]));
}

export function parseKeyValues(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/(?:^|\s)(\w+(?:\/\w+)?)=(\S*)/g)].map((m) => [m[1]!, m[2]!]));
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function endChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  if (await Promise.race([done.then(() => true), sleep(graceMs).then(() => false)])) return;
  child.kill('SIGKILL');
  await Promise.race([done, sleep(2000)]);
}
