/**
 * Roll-up runs against each other and against crashes, with the real CLI in real processes: a
 * `--force` or a late day never leaves a stale chain link, a run killed with -9 leaves nothing that
 * breaks the next one, and two runs at once take turns.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupDay } from '../../src/rollup/index.js';
import { BIN } from '../helpers/cli.js';
import { DATE, exportFirmDay, NEXT, type SimHost, writeFirmDay } from '../rollup/hosts-fixture.js';

const HOSTS: SimHost[] = [
  { name: 'alpha', skewUs: 0 },
  { name: 'bravo', skewUs: 100 },
];
let dir: string;
const FROM = ['--from', 'alpha=alpha/artifacts', '--from', 'bravo=bravo/artifacts'];
const sources = () => HOSTS.map((h) => ({ host: h.name, dir: join(dir, h.name, 'artifacts') }));

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

/** Every roll-up in `out` links to the one before it (by date), the first to none. */
function chainOf(out: string): { date: string; previous: unknown }[] {
  const days = readdirSync(out)
    .filter((n) => /^\d{4}-\d{2}-\d{2}$/.test(n))
    .sort();
  let before: { date: string; chain_hash: string } | null = null;
  const seen = [];
  for (const d of days) {
    const r = JSON.parse(readFileSync(join(out, d, 'rollup.json'), 'utf8'));
    expect(r.previous, `${d} links to the roll-up before it`).toEqual(before);
    before = { date: d, chain_hash: r.chain_hash };
    seen.push({ date: d, previous: r.previous });
  }
  return seen;
}

describe('rollup runs: --force, late days, kill -9, two at once', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auditpack-rollup-runs-'));
    await writeFirmDay(dir, HOSTS, DATE, 600);
    await writeFirmDay(dir, HOSTS, NEXT, 600);
    await exportFirmDay(dir, HOSTS, DATE);
    await exportFirmDay(dir, HOSTS, NEXT);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--force of a day a later roll-up follows is refused; of the newest day, the old one is kept', async () => {
    const outDir = join(dir, 'force');
    const common = { outDir, version: '0.1.0', sources: sources() };
    await rollupDay({ ...common, date: DATE });
    const second = await rollupDay({ ...common, date: NEXT });
    const first = readFileSync(join(outDir, DATE, 'rollup.json'), 'utf8');
    await expect(rollupDay({ ...common, date: DATE, force: true })).rejects.toMatchObject({
      code: 'ROLLUP_OUT_OF_ORDER',
    });
    expect(readFileSync(join(outDir, DATE, 'rollup.json'), 'utf8')).toBe(first);
    const again = await rollupDay({ ...common, date: NEXT, force: true, now: () => new Date('2025-09-11T03:00:00Z') });
    // The same packs give the same chain hash; the replaced roll-up is kept, byte for byte.
    expect(again.record.chain_hash).toBe(second.record.chain_hash);
    expect(again.record.created_at).toBe('2025-09-11T03:00:00.000Z');
    expect(JSON.parse(readFileSync(join(outDir, `${NEXT}.v1`, 'rollup.json'), 'utf8'))).toEqual(second.record);
    expect(chainOf(outDir).map((d) => d.date)).toEqual([DATE, NEXT]);
  }, 120_000);

  it('a day before the newest roll-up is refused: a late day would leave the later link stale', async () => {
    const outDir = join(dir, 'late');
    const common = { outDir, version: '0.1.0', sources: sources() };
    await rollupDay({ ...common, date: NEXT });
    await expect(rollupDay({ ...common, date: DATE })).rejects.toMatchObject({ code: 'ROLLUP_OUT_OF_ORDER' });
    expect(existsSync(join(outDir, DATE))).toBe(false);
    chainOf(outDir);
  }, 120_000);

  it('kill -9 in the middle of a roll-up leaves a build directory the next run removes', async () => {
    const out = join(dir, 'killed');
    mkdirSync(out);
    let caught = false;
    for (let attempt = 0; attempt < 8 && !caught; attempt++) {
      rmSync(join(out, DATE), { recursive: true, force: true });
      const w = watch(out);
      const run = start(['rollup', '--date', DATE, ...FROM, '--out', 'killed']);
      w.on('change', (_e, name) => {
        if (String(name).startsWith('.tmp-')) run.child.kill('SIGKILL');
      });
      const r = await run.done;
      w.close();
      caught = r.signal === 'SIGKILL' && readdirSync(out).some((n) => n.startsWith('.tmp-'));
    }
    expect(caught, 'a run was killed while its build directory existed').toBe(true);
    expect(existsSync(join(out, DATE))).toBe(false);
    const next = await start(['rollup', '--date', DATE, ...FROM, '--out', 'killed']).done;
    expect(next.code, next.stderr).toBe(0);
    expect(readdirSync(out).filter((n) => n !== '.rollup.lock')).toEqual([DATE]);
    const hosts = JSON.parse(readFileSync(join(out, DATE, 'data', 'hosts.json'), 'utf8')).hosts;
    expect(hosts.map((h: { host: string; verdict: string }) => `${h.host} ${h.verdict}`)).toEqual([
      'alpha ok',
      'bravo ok',
    ]);
  }, 240_000);

  it('two runs of one day at once: one writes it, the other is refused; never both', async () => {
    const [a, b] = await Promise.all([
      start(['rollup', '--date', DATE, ...FROM, '--out', 'twice']).done,
      start(['rollup', '--date', DATE, ...FROM, '--out', 'twice']).done,
    ]);
    expect([a.code, b.code].sort(), a.stderr + b.stderr).toEqual([0, 73]);
    expect(a.stderr + b.stderr).toContain('PACK_EXISTS');
    expect(readdirSync(join(dir, 'twice')).filter((n) => n !== '.rollup.lock')).toEqual([DATE]);
  }, 240_000);

  it('two runs of successive days at once: the chain holds whichever goes first', async () => {
    const [d1, d2] = await Promise.all([
      start(['rollup', '--date', DATE, ...FROM, '--out', 'both']).done,
      start(['rollup', '--date', NEXT, ...FROM, '--out', 'both']).done,
    ]);
    expect(d2.code, d2.stderr).toBe(0);
    // The first day either went first, or came after the second and was refused.
    expect([0, 73]).toContain(d1.code);
    if (d1.code === 73) expect(d1.stderr).toContain('ROLLUP_OUT_OF_ORDER');
    chainOf(join(dir, 'both'));
  }, 240_000);
});
