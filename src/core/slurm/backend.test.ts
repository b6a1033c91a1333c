import { describe, expect, it } from 'vitest';
import { batchScript, localTaskCommand } from './backend';

const script = (command: ReturnType<typeof localTaskCommand>) =>
  batchScript({ sweepName: 's', sweepId: 1, sweepDir: '/shared/sweep-1', tasks: 2, options: { cpusPerTask: 1 }, command });

describe('the command a Slurm task runs', () => {
  it("is this process's Node under Node, run as it is", () => {
    const command = localTaskCommand('/studio/bin/latent-studio.mjs', { execPath: '/usr/bin/node', versions: {}, env: {} });
    expect(command).toEqual({ node: '/usr/bin/node', cli: '/studio/bin/latent-studio.mjs' });
    expect(script(command)).not.toContain('export ');
    expect(script(command).trimEnd().split('\n').at(-1)).toBe(
      "exec '/usr/bin/node' '/studio/bin/latent-studio.mjs' slurm-task '/shared/sweep-1'",
    );
  });

  it("is Electron's binary run as plain Node in the desktop app, which would otherwise start the app on the node", () => {
    const command = localTaskCommand('/studio/bin/latent-studio.mjs', {
      execPath: '/studio/node_modules/electron/dist/electron',
      versions: { electron: '39.2.0' },
      env: {},
    });
    const lines = script(command).trimEnd().split('\n');
    expect(lines.at(-2)).toBe("export ELECTRON_RUN_AS_NODE='1'");
    expect(lines.at(-1)).toMatch(/^exec '\/studio\/node_modules\/electron\/dist\/electron' /);
  });

  it('is LATENT_STUDIO_NODE where it is set, in the app too', () => {
    const command = localTaskCommand('/cli.mjs', {
      execPath: '/app/electron',
      versions: { electron: '39.2.0' },
      env: { LATENT_STUDIO_NODE: '/cluster/node-22/bin/node' },
    });
    expect(command).toEqual({ node: '/cluster/node-22/bin/node', cli: '/cli.mjs' });
  });
});
