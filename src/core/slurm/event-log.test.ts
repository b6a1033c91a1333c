import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEntry, readNewEntries } from './event-log';

const dir = mkdtempSync(join(tmpdir(), 'latent-studio-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a Slurm task's event log", () => {
  it('reads on past a line that does not parse, as a warning, and waits for a line still being written', () => {
    const path = join(dir, 'events.jsonl');
    appendFileSync(path, encodeEntry({ type: 'warning', message: 'first' }));
    appendFileSync(path, '{"type":"metr\n');
    appendFileSync(path, encodeEntry({ type: 'warning', message: 'third' }));
    appendFileSync(path, '{"type":"warn');
    const read = readNewEntries(path, 0);
    expect(read.entries).toEqual([
      { type: 'warning', message: 'first' },
      { type: 'warning', message: expect.stringMatching(/^a line of its Slurm log could not be read \(.+\): skipped$/) },
      { type: 'warning', message: 'third' },
    ]);
    appendFileSync(path, 'ing","message":"fourth"}\n');
    expect(readNewEntries(path, read.offset).entries).toEqual([{ type: 'warning', message: 'fourth' }]);
  });
});
