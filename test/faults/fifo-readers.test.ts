/**
 * Every reader of a file that a hostile pack, roll-up or artifacts directory can hold answers when
 * a FIFO (or, where the format forbids links, a symbolic link) is put in that file's place: the
 * command finishes with a finding or a typed error, never waits on the FIFO and never reads what a
 * link points at. Run through the built CLI with a deadline, since a command blocked in open(2) on a
 * FIFO would hang this process too. The fixture is a two-host firm day, rolled up, and the next
 * day's roll-up (whose previous link names the first).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { DATE, exportFirmDay, NEXT, writeFirmDay } from '../rollup/hosts-fixture.js';

/** Runs the CLI; undefined when it had to be killed (it hung), else its exit status and output. */
function answers(args: string[], cwd: string): { code: number | null; out: string; stdout: string } | undefined {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return r.signal !== null ? undefined : { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** Puts a FIFO, or a link to a copy of the same bytes outside, in the place of `path`. */
function replace(path: string, by: 'fifo' | 'link'): void {
  const outside = `${path}.outside`;
  if (by === 'link') cpSync(path, outside);
  rmSync(path, { force: true });
  if (by === 'fifo') expect(spawnSync('mkfifo', [path]).status).toBe(0);
  else symlinkSync(outside, path);
}

const FROM = ['--from', 'alpha=alpha/artifacts', '--from', 'bravo=bravo/artifacts'];
let fixture: string;

/** A copy of the fixture, writable, removed after the test. */
function copy(): string {
  const dir = tempDir();
  cpSync(fixture, dir, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', dir]);
  return dir;
}

function codes(stdout: string): string[] {
  return (JSON.parse(stdout) as { problems: { code: string }[] }).problems.map((p) => p.code);
}

describe('a FIFO or a link in place of a file a hostile input holds', () => {
  beforeAll(async () => {
    fixture = mkdtempSync(join(tmpdir(), 'auditpack-fifo-readers-'));
    const hosts = [
      { name: 'alpha', skewUs: 0 },
      { name: 'bravo', skewUs: 100 },
    ];
    await writeFirmDay(fixture, hosts, DATE, 3);
    await exportFirmDay(fixture, hosts, DATE);
    expect(answers(['rollup', '--date', DATE, ...FROM], fixture)?.code).toBe(0);
    expect(answers(['rollup', '--date', NEXT, ...FROM], fixture)).toBeDefined();
    writeFileSync(join(fixture, 'hosts.txt'), 'alpha\nbravo\n');
  }, 180_000);
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('prove: the roll-up files are refused (ROLLUP_INVALID), neither waited on nor read through a link', () => {
    for (const [file, by] of [
      ['rollup.json', 'fifo'],
      ['rollup.json.sig', 'fifo'],
      ['data/hosts.json', 'fifo'],
      ['data/hosts.json', 'link'],
    ] as const) {
      const dir = copy();
      const target = join(dir, 'rollups', DATE);
      chmodSync(target, 0o755);
      chmodSync(join(target, 'data'), 0o755);
      if (file === 'rollup.json.sig') writeFileSync(join(target, file), 'x');
      replace(join(target, file), by);
      const r = answers(['prove', '--date', DATE, '--order', `${DATE}-O1`, ...FROM], dir);
      expect(r, `${file} ${by}: prove hung`).toBeDefined();
      expect([r?.code, r?.out], `${file} ${by}`).toEqual([
        65,
        expect.stringMatching(/ROLLUP_INVALID.*not a regular file/),
      ]);
    }
  }, 240_000);

  it('verify of a roll-up and the next rollup: the previous roll-up record is refused, not waited on', () => {
    for (const by of ['fifo', 'link'] as const) {
      const dir = copy();
      chmodSync(join(dir, 'rollups', DATE), 0o755);
      replace(join(dir, 'rollups', DATE, 'rollup.json'), by);
      const v = answers(['verify', join('rollups', NEXT), '--json'], dir);
      expect(v, `verify hung on a ${by}`).toBeDefined();
      expect(v?.code).toBe(1);
      expect(codes(v?.stdout ?? '')).toContain('ROLLUP_PREVIOUS_MISMATCH');
      rmSync(join(dir, 'rollups', NEXT), { recursive: true, force: true });
      const r = answers(['rollup', '--date', NEXT, ...FROM], dir);
      expect(r, `rollup hung on a ${by}`).toBeDefined();
      expect([r?.code, r?.out]).toEqual([65, expect.stringMatching(/ROLLUP_CHAIN_BROKEN.*not a regular file/)]);
    }
  }, 240_000);

  it('rollup --hosts and export: a FIFO as the hosts file or as pruned.jsonl is refused (ENOTREG)', () => {
    const dir = copy();
    replace(join(dir, 'hosts.txt'), 'fifo');
    const r = answers(['rollup', '--date', NEXT, '--hosts', 'hosts.txt', '--force', ...FROM], dir);
    expect(r, 'rollup --hosts hung').toBeDefined();
    expect([r?.code, r?.out]).toEqual([74, expect.stringMatching(/READ_FAILED.*ENOTREG/)]);
    const art = join(dir, 'alpha', 'artifacts');
    spawnSync('mkfifo', [join(art, 'pruned.jsonl')]);
    const e = answers(['export', '--date', NEXT, '--log-dir', join('alpha', 'logs'), '--artifacts-dir', art], dir);
    expect(e, 'export hung').toBeDefined();
    expect([e?.code, e?.out]).toEqual([74, expect.stringMatching(/READ_FAILED.*pruned\.jsonl.*ENOTREG/)]);
  }, 240_000);

  it("rollup and prove: a host's <date>/ or <date>.tar.gz that is a link or a FIFO is never followed or opened, and said", () => {
    const dir = copy();
    const art = (h: string) => join(dir, h, 'artifacts');
    // alpha: a FIFO named as the day's .tar.gz beside its pack directory; bravo: the pack moved out
    // and linked back (the same bytes: read through the link, it would pass for bravo's own).
    expect(spawnSync('mkfifo', [join(art('alpha'), `${DATE}.tar.gz`)]).status).toBe(0);
    renameSync(join(art('bravo'), DATE), join(dir, 'bravo', 'elsewhere'));
    symlinkSync(join(dir, 'bravo', 'elsewhere'), join(art('bravo'), DATE));
    const r = answers(['rollup', '--date', DATE, ...FROM, '--out', 'again', '--json'], dir);
    expect(r, 'rollup hung').toBeDefined();
    expect(r?.code, r?.out).toBe(1);
    const found = (JSON.parse(r?.stdout ?? '') as { findings: { code: string; severity: string; host: string }[] })
      .findings;
    expect(found.filter((f) => f.code === 'ROLLUP_SOURCE_INVALID').map((f) => `${f.severity} ${f.host}`)).toEqual([
      'warning alpha',
      'error bravo',
    ]);
    // prove (from the fixture's roll-up, made before): alpha's pack directory is used; bravo's link
    // is passed over, as any unusable source is, never read through.
    const p = answers(['prove', '--date', DATE, '--order', `${DATE}-O1`, ...FROM], dir);
    expect(p, 'prove hung').toBeDefined();
    expect(p?.code, p?.out).toBe(0);
    expect((JSON.parse(p?.stdout ?? '') as { hosts: { host: string }[] }).hosts.map((h) => h.host)).toEqual(['alpha']);
  }, 240_000);

  it('verify of a pack directory and of an artifacts directory: a FIFO is a finding', () => {
    const dir = copy();
    const art = join(dir, 'alpha', 'artifacts');
    chmodSync(join(art, DATE), 0o755);
    chmodSync(join(art, DATE, 'data'), 0o755);
    replace(join(art, DATE, 'data', 'orders.csv'), 'fifo');
    spawnSync('mkfifo', [join(art, 'pruned.jsonl')]);
    const pack = answers(['verify', join(art, DATE), '--json'], dir);
    expect(pack, 'verify of a pack hung').toBeDefined();
    expect(pack?.code).toBe(1);
    expect(codes(pack?.stdout ?? '')).toContain('NOT_A_REGULAR_FILE');
    const all = answers(['verify', art, '--json'], dir);
    expect(all, 'verify of an artifacts directory hung').toBeDefined();
    expect(all?.code).toBe(1);
    expect(all?.stdout).toMatch(/"NOT_A_REGULAR_FILE"[^}]*pruned\.jsonl|pruned\.jsonl[^}]*"NOT_A_REGULAR_FILE"/);
  }, 240_000);
});
