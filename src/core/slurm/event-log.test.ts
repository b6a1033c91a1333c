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

  it('reads a long backlog a window at a time, whole lines only, and a line longer than the window whole', () => {
    const path = join(dir, 'backlog.jsonl');
    const line = (message: string) => encodeEntry({ type: 'warning', message });
    appendFileSync(path, line('a'.repeat(40)) + line('b'.repeat(40)) + line('c'.repeat(200)) + line('d'));
    const window = Buffer.byteLength(line('a'.repeat(40))) * 1.5;
    const messages: string[] = [];
    let offset = 0;
    for (let polls = 0; polls < 10; polls++) {
      const read = readNewEntries(path, offset, window);
      messages.push(...read.entries.map((e) => (e.type === 'warning' ? e.message[0] : '?')!));
      offset = read.offset;
    }
    // One line a poll while a window holds only one; the long one whole, though past the window.
    expect(messages).toEqual(['a', 'b', 'c', 'd']);
    expect(readNewEntries(path, 0, window).entries).toHaveLength(1);
  });
});
