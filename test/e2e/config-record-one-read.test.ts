/**
 * Every stored config record export uses is read once, hashed, and used from that one read
 * (docs/decisions.md, "One read per record: at41"): the snapshot store is anyone's to write, and a
 * record swapped between two reads must never be hashed in one and used in the other.
 *
 * A store writer winning such a race is simulated deterministically: a `--require` preload hooks
 * fs/promises.open (what readRegular uses) and, for the Nth open of a record (each N in turn), puts
 * a planted file at its path for that open only, then the real bytes back. Whatever N, nothing
 * planted reaches the signed pack unmarked:
 *
 * - the compliance timeline's policy snapshot (at41 F1): the planted record names a lax policy
 *   text under the logged hash; the report never runs under it;
 * - the fresh snapshot export takes when the chain has none (at41 F2): config_snapshot.json is the
 *   record as written and logged, never a read back;
 * - config.diff (at41 F5): a forged diff is listed marked UNCHAINED, or not at all.
 *
 * The days are logged in-process at chosen clocks; export runs as the built CLI.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { logOrderDay } from '../helpers/days.js';
import { dayAgo, order, POLICY, sha256, site, takeSnapshot } from '../helpers/snapshot-day.js';

const D = dayAgo(2);

/**
 * The preload: opens of a path ending in SWAP_SUFFIX (a record's `<id>.json`; or any record when
 * SWAP_ANY is set, for the export's fresh snapshot) are counted into SWAP_COUNT; the SWAP_N-th
 * ('all': every one after the record exists) sees SWAP_WITH's bytes (or, with SWAP_FFFF, the real
 * record with every file hash set to ffff…), and the real bytes are put back right after.
 */
function swapHook(dir: string): string {
  const hook = join(dir, 'swap-open.cjs');
  writeFileSync(
    hook,
    `const fsp = require('node:fs/promises'); const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');
const E = process.env; let count = 0;
const hit = (p) => typeof p === 'string' && !p.includes('.tmp') &&
  (E.SWAP_ANY ? /[\\/]snapshots[\\/]\\d{8}T\\d{6}\\.\\d{6}Z-\\d{3}\\.json$/.test(p) : p.endsWith(E.SWAP_SUFFIX));
function planted(real) {
  if (!E.SWAP_FFFF) return fs.readFileSync(E.SWAP_WITH);
  const rec = JSON.parse(real.toString()); rec.reason = 'planted';
  for (const k of Object.keys(rec.files)) rec.files[k].hash = 'f'.repeat(64);
  return JSON.stringify(rec, null, 2) + '\\n';
}
const orig = fsp.open;
fsp.open = async function (p, flags, ...rest) {
  const reading = typeof flags === 'number' ? (flags & 3) === 0 : flags === undefined || flags === 'r';
  if (hit(p) && reading && fs.existsSync(p)) {
    count++; fs.writeFileSync(E.SWAP_COUNT, String(count));
    if (E.SWAP_N === 'all' || Number(E.SWAP_N) === count) {
      const real = fs.readFileSync(p);
      fs.writeFileSync(p + '.swap', planted(real)); fs.renameSync(p + '.swap', p);
      try { return await orig.call(this, p, flags, ...rest); }
      finally { fs.writeFileSync(p + '.back', real); fs.renameSync(p + '.back', p); }
    }
  }
  return orig.call(this, p, flags, ...rest);
};
syncBuiltinESMExports();
`,
  );
  return hook;
}

/** Exports D (signed off: not needed here) with the hook, SWAP_N = n; the number of opens it counted. */
function exportWith(cwd: string, env: Record<string, string>, n: string): number {
  const count = join(cwd, `count-${n}`);
  const r = runCli(['export', '--date', D, '--log-dir', 'logs', '--artifacts-dir', `art-${n}`], {
    cwd,
    env: { NODE_OPTIONS: `--require ${swapHook(cwd)}`, SWAP_COUNT: count, SWAP_N: n, ...env },
  });
  // 3: the swapped read was the config of record's (CONFIG_OF_RECORD_UNKNOWN: said, the pack written).
  expect([0, 3], r.stderr).toContain(r.code);
  return existsSync(count) ? Number(readFileSync(count, 'utf8')) : 0;
}

const newSite = (): string => site({});

const snap = (cwd: string, iso: string, patterns = ['configs/*.yaml'], reason = 'r') =>
  takeSnapshot(cwd, iso, { patterns, reason });

describe('export reads each stored config record once and uses what it hashed', () => {
  it('the compliance policy is taken from the record read whose hash the chain holds (at41 F1)', async () => {
    const cwd = newSite();
    writeFileSync(join(cwd, 'configs', 'a.yaml'), 'limit: 1\n');
    writeFileSync(join(cwd, 'configs', 'compliance_policy.yaml'), POLICY);
    const S = await snap(cwd, `${D}T06:00:00Z`);
    // A narrow snapshot later: config_snapshot.json is not the policy's snapshot.
    writeFileSync(join(cwd, 'configs', 'a.yaml'), 'limit: 2\n');
    await snap(cwd, `${D}T07:00:00Z`, ['configs/a.yaml'], 'narrow');
    await order(cwd, `${D}T09:00:00Z`, { symbol: 'USDRUB', price: 90 });
    // The planted record: the policy's object is a lax text (USDRUB no longer restricted), its hash as logged.
    const store = join(cwd, 'audit', 'snapshots');
    const rec = JSON.parse(readFileSync(join(store, `${S.snapshot_id}.json`), 'utf8'));
    const lax = `${POLICY.replace('restricted_symbols: [USDRUB]', 'restricted_symbols: []')}# [REDACTED]\n`;
    const o = sha256(lax);
    mkdirSync(join(store, 'objects', o.slice(0, 2)), { recursive: true });
    writeFileSync(join(store, 'objects', o.slice(0, 2), o.slice(2)), lax);
    rec.files['configs/compliance_policy.yaml'].object = o;
    writeFileSync(join(cwd, 'planted.json'), `${JSON.stringify(rec, null, 2)}\n`);
    const env = { SWAP_SUFFIX: `${S.snapshot_id}.json`, SWAP_WITH: join(cwd, 'planted.json') };
    const opens = exportWith(cwd, env, '0');
    expect(opens).toBeGreaterThan(0);
    for (let n = 1; n <= opens; n++) {
      exportWith(cwd, env, String(n));
      const report = JSON.parse(readFileSync(join(cwd, `art-${n}`, D, 'data', 'compliance_report.json'), 'utf8'));
      const policies = report.policies as { text?: string; source?: string }[];
      expect(
        policies.map((p) => p.text ?? ''),
        `open #${n}`,
      ).not.toContain(lax);
      // The swapped read is the timeline's: S's policy is unknown from its event on, so the built-in
      // policy (said in a note), never the file on disk (at42 F2); else S's policy and its finding.
      if ((report.policy_notes as string[]).join('\n').includes('from its event on')) {
        expect(
          policies.map((p) => p.source),
          `open #${n}`,
        ).toEqual(['built-in']);
        continue;
      }
      expect(
        policies.map((p) => p.source),
        `open #${n}`,
      ).not.toContain('file');
      const findings = readFileSync(join(cwd, `art-${n}`, D, 'data', 'compliance_findings.csv'), 'utf8');
      expect(findings, `open #${n}`).toContain('restricted_symbol');
    }
  });

  it('a fresh snapshot taken by export is copied as written and logged, never read back (at41 F2)', async () => {
    const cwd = newSite();
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_order_notional: 1000000\n');
    await logOrderDay(join(cwd, 'logs'), D);
    exportWith(cwd, { SWAP_ANY: '1', SWAP_FFFF: '1' }, 'all');
    const file = readFileSync(join(cwd, 'art-all', D, 'data', 'config_snapshot.json'));
    const rec = JSON.parse(file.toString('utf8'));
    expect(rec.reason).not.toBe('planted');
    // The fresh snapshot is dated now: its event is in whichever day file it was logged to.
    const event = readdirSync(join(cwd, 'logs'))
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) =>
        readFileSync(join(cwd, 'logs', f), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      )
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'ConfigSnapshot' && e.snapshot_id === rec.snapshot_id);
    expect(event?.record_sha256).toBe(sha256(file));
    const inForce = JSON.parse(readFileSync(join(cwd, 'art-all', D, 'data', 'config_in_force.json'), 'utf8'));
    expect(inForce.config_snapshot).toEqual({ snapshot_id: rec.snapshot_id, record_sha256: sha256(file) });
  });

  it('config.diff lists a record whose bytes are not the logged ones marked UNCHAINED, whatever read is swapped (at41 F5)', async () => {
    const cwd = newSite();
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_notional: 1000\n');
    await snap(cwd, `${D}T06:00:00Z`);
    writeFileSync(join(cwd, 'configs', 'risk.yaml'), 'max_notional: 999999999\n');
    const S2 = await snap(cwd, `${D}T10:00:00Z`, ['configs/*.yaml'], 'routine');
    await logOrderDay(join(cwd, 'logs'), D);
    const recFile = join(cwd, 'audit', 'snapshots', `${S2.snapshot_id}.json`);
    const forged = readFileSync(recFile, 'utf8').replaceAll('+max_notional: 999999999', '+max_notional: 1001');
    expect(forged).toContain('+max_notional: 1001');
    writeFileSync(join(cwd, 'planted.json'), forged);
    const env = { SWAP_SUFFIX: `${S2.snapshot_id}.json`, SWAP_WITH: join(cwd, 'planted.json') };
    const opens = exportWith(cwd, env, '0');
    expect(opens).toBeGreaterThan(0);
    for (let n = 1; n <= opens; n++) {
      exportWith(cwd, env, String(n));
      const diff = readFileSync(join(cwd, `art-${n}`, D, 'data', 'config.diff'), 'utf8');
      if (!diff.includes('+max_notional: 1001')) continue;
      const header = diff.split('\n').find((l) => l.startsWith(`# snapshot ${S2.snapshot_id}`));
      expect(header, `open #${n}`).toContain('[UNCHAINED');
    }
  });
});
