/**
 * The CLI's entry: the usage text and the table of commands (one file each under ./commands, run by ./runner).
 */
import { defaultDbPath } from '../core/paths';
import { studioVersion } from '../core/version';
import { tokenEnvVar } from '../shared/remote-target';
import { datasets } from './commands/datasets';
import { evaluate } from './commands/evaluate';
import { exportCommand } from './commands/export';
import { generate } from './commands/generate';
import { importCommand } from './commands/import';
import { jobs } from './commands/jobs';
import { presets } from './commands/presets';
import { priorCommand } from './commands/prior';
import { resume } from './commands/resume';
import { runs } from './commands/runs';
import { sampleCommand } from './commands/sample';
import { serve } from './commands/serve';
import { show } from './commands/show';
import { slurmTask } from './commands/slurm-task';
import { study } from './commands/study';
import { sweep } from './commands/sweep';
import { train } from './commands/train';
import { didYouMean } from '../shared/suggest';
import { fail, runCommand, type Command } from './runner';

export { loadConfig } from './commands/train';

const usage = `latent-studio: train and compare autoencoders from the command line

  latent-studio train <config.json | preset> [--set PATH=VALUE ...] [--db PATH] [--json] [--epochs N] [--subset N] [--seed N]
                     [--max-concurrent N]
  latent-studio resume <runId> [--set training.epochs=N] [--db PATH] [--json] [--max-concurrent N]
  latent-studio export <runId> --out DIR [--overwrite] [--latents [--epoch N]] [--db PATH] [--json]
  latent-studio evaluate <runId> [--what clustering,probe,disentanglement,nll] [--epoch N] [--seed N] [--nll-samples K]
                         [--score-points N] [--points N|test] [--db PATH] [--json]
  latent-studio prior <runId> [--epochs N] [--seed N] [--db PATH] [--json]
  latent-studio sample <runId> --n N --out DIR [--overwrite] [--seed N] [--temperature T] [--class C] [--db PATH] [--json]
  latent-studio sweep <spec.json> [--db PATH] [--max-concurrent N] [--json]
                      [--slurm [--partition P] [--time HH:MM:SS] [--cpus-per-task N] [--gpus-per-task N]
                               [--account A] [--extra "--qos=normal ..."] [--max-parallel N]]
  latent-studio study disentanglement [--dataset shapes] [--seeds N] [--epochs E] [--subset N] [--score-points N] [--points N|test]
                      [--models vae,dip-vae] [--name NAME]
                      [--db PATH] [--max-concurrent N] [--json]
  latent-studio runs [--experiment NAME] [--sweep ID] [--search "tag:x model.beta=4"]
                     [--pareto test.reconstruction:min,test.kl:min] [--csv] [--db PATH] [--json]
  latent-studio show <runId> [--db PATH] [--json]
  latent-studio jobs [--db PATH] [--json]
  latent-studio datasets [--db PATH] [--json]
  latent-studio import <folder | file.idx[.gz] | file.npy> [--name N] [--labels FILE] [--size PX]
                       [--channels auto|1|3] [--test-fraction F] [--seed N] [--db PATH] [--json]
  latent-studio generate <shapes | faces> [--seed N] [--count N] [--name N] [--db PATH] [--json]
  latent-studio presets [NAME] [--json]
  latent-studio serve [--db PATH] [--host 127.0.0.1] [--port 0] [--allowed-host NAME[:PORT] ...] [--max-concurrent N] [--open]

--db defaults to ${defaultDbPath()}
train, resume, runs, show, jobs, sweep, study, evaluate, prior, sample, export and datasets take --remote URL [--token-file FILE] instead of --db:
they drive the studio that latent-studio serve started at URL, with its token from ${tokenEnvVar} or the file
(never on the command line); export then writes on the host's machine and prints where.`;

/** A command's lines of the usage: its synopsis and the lines that continue it, then the notes on --db and --remote. */
export function usageOf(name: string): string {
  const lines = usage.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  latent-studio ${name} `) || l === `  latent-studio ${name}`);
  if (start < 0) return usage;
  let end = start + 1;
  while (end < lines.length && /^ {6,}\S/.test(lines[end] ?? '')) end++;
  const notes = lines.slice(lines.findIndex((l) => l.startsWith('--db defaults')));
  return [...lines.slice(start, end), '', ...notes].join('\n');
}

/** The commands by name (`slurm-task` is the one the usage leaves out: Slurm's batch scripts run it). */
const commandsByName = new Map<string, Command>(
  [
    slurmTask,
    train,
    resume,
    exportCommand,
    evaluate,
    priorCommand,
    sampleCommand,
    runs,
    show,
    jobs,
    sweep,
    study,
    datasets,
    importCommand,
    generate,
    presets,
    serve,
  ].map((c) => [c.name, c]),
);

/** Runs the command `argv` names (the arguments after `latent-studio`); no command, or help, prints the usage. */
export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`latent-studio show 3 | head`) ends the command quietly, with the status a tool killed
  // by SIGPIPE has (128 + 13): the shell's pipefail still sees that the command did not finish (a `train` stops).
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(141);
  });
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`latent-studio ${studioVersion}\n`);
    return;
  }
  const command = commandsByName.get(name);
  const listed = [...commandsByName.keys()].filter((c) => c !== 'slurm-task');
  if (!command) fail(`unknown command "${name}"${didYouMean(name, listed)}\n\n${usage}`);
  // `latent-studio train --help`: the command's own lines of the usage.
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${usageOf(name)}\n`);
    return;
  }
  await runCommand(command, rest);
}
