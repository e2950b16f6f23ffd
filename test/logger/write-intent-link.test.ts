/**
 * The writer thread's recorded write is looked for in the day file as the writer opens it: a
 * symbolic link at the day file's name (its bytes are no write of ours, whatever they hold) or a
 * FIFO (open(2) would block until a writer comes) is not read, and the write is not found there.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashLine } from '../../src/chain/index.js';
import { intentOnDisk, type WriteIntent } from '../../src/logger/write-intent.js';
import { dayNumberOfIsoDate, logFileName } from '../../src/rotation/index.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = dayNumberOfIsoDate('2026-11-01') as number;
const LINE = '{"seq":1,"event":"Probe"}';

function intent(): WriteIntent {
  const end = Buffer.byteLength(LINE) + 1;
  return { events: 1, base: 0, day: DAY, start: 0, end, hash: hashLine(Buffer.from(LINE)) };
}

describe('intentOnDisk', () => {
  it('finds the write in a regular day file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, logFileName(DAY)), `${LINE}\n`);
    expect(intentOnDisk(dir, intent())).toBe(true);
  });

  it('never reads through a symbolic link at the day file name, nor waits on a FIFO', () => {
    const dir = tempDir();
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'copy.jsonl'), `${LINE}\n`);
    symlinkSync(join(elsewhere, 'copy.jsonl'), join(dir, logFileName(DAY)));
    expect(intentOnDisk(dir, intent())).toBe(false);
    expect(spawnSync('mkfifo', [join(elsewhere, logFileName(DAY))]).status).toBe(0);
    expect(intentOnDisk(elsewhere, intent())).toBe(false); // returns at once: O_NONBLOCK
  });
});
