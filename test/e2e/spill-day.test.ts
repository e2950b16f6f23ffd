/**
 * A day whose checks' state goes past what src/compliance/spill.ts keeps in memory (256 KiB of pieces
 * a pool): 70,000 GTC orders left open, each with an id of 40 characters and its own symbol of 40
 * (upper case: its name is kept apart from its fold), each modified once late in the day (a lookup
 * of an order whose piece went to the file hours of log before). The ids (3.4 MB of blocks), the
 * folds and names, and the 70,000 opening lines' and first lines' digests all pass through the
 * temporary file.
 *
 * What must hold, checked against the log's own bytes rather than against the code under test:
 * every open order of the carried state has its id, its modified quantity and the SHA-256 of its
 * opening line as the log holds them; every order-to-trade finding names its symbol as first logged
 * and the hash of that line. The pack is the same byte for byte with TMPDIR missing (every piece in
 * memory) and, where an ext4 can be mounted (a tmpfs gets no file), with a TMPDIR that fills part way; `verify` finds it
 * intact; the next day (no log) carries the same 70,000 orders and verifies; nothing is left in TMPDIR.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger } from '../../src/logger/index.js';
import { runCli } from '../helpers/cli.js';
import { CAN_MOUNT_EXT4, smallDisk } from '../helpers/small-disk.js';
import { diskTempDir } from '../helpers/tmp.js';

const N = 70_000;
const DATE = '2026-11-30';
const NEXT = '2026-12-01';
const idOf = (i: number) => `GTC-${String(i).padStart(36, '0')}`;
const symbolOf = (i: number) => `SPX ${String(261218 + (i % 7)).padStart(6, '0')}C${String(i).padStart(28, '0')}`;

async function writeDay(logDir: string): Promise<void> {
  const start = Date.parse(`${DATE}T00:00:00Z`) * 1000;
  let t = 0;
  const audit = createAuditLogger({ logDir, clock: () => start + t, host: 'h', pid: 7, handleExit: false });
  for (let i = 0; i < N; i++) {
    t += 100_000;
    audit.log('order', 'OrderAccepted', {
      order_id: idOf(i),
      symbol: symbolOf(i),
      side: 'BUY',
      quantity: 1,
      price: 1.5,
      time_in_force: 'GTC',
    });
  }
  for (let i = 0; i < N; i++) {
    t += 100_000;
    audit.log('order', 'OrderModified', { order_id: idOf(i), symbol: symbolOf(i), quantity: 2, price: 1.5 });
  }
  await audit.close();
}

interface Evidence {
  file: string;
  line: number;
  line_sha256: string;
}
interface OpenOrder {
  order_id: string;
  quantity: number;
  symbol: string;
  evidence: Evidence;
}

/** The names of the files that differ between two packs' data (toEqual's diff of 30 MB buffers would not end). */
function differing(a: Record<string, Buffer>, b: Record<string, Buffer>): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((f) => !(a[f] !== undefined && b[f] !== undefined && a[f].equals(b[f])));
}

function exportAndRead(cwd: string, date: string, art: string, tmp: string): Record<string, Buffer> {
  const r = runCli(['export', '--date', date, '--no-config-diffs', '--log-dir', 'logs', '--artifacts-dir', art], {
    cwd,
    env: { TMPDIR: tmp },
  });
  expect(r.code, r.stderr).toBe(0);
  const data = join(cwd, art, date, 'data');
  const out: Record<string, Buffer> = {};
  for (const f of readdirSync(data)) if (!f.startsWith('config_')) out[f] = readFileSync(join(data, f));
  return out;
}

describe('a day whose checks keep more than their memory budget', () => {
  it('exports, carries and verifies it as the log holds it, with or without the temporary file', async () => {
    const cwd = diskTempDir();
    await writeDay(join(cwd, 'logs'));
    mkdirSync(join(cwd, 'configs'));
    writeFileSync(
      join(cwd, 'configs', 'compliance_policy.yaml'),
      'max_order_to_trade_ratio: 0\nmax_findings: 500\nduplicate_window_ms: 0\nrequire_risk_check: false\nrequire_login: false\nmax_messages_per_second: null\n',
    );
    const tmp = join(cwd, 'tmp');
    mkdirSync(tmp);
    const pack = exportAndRead(cwd, DATE, 'art', tmp);
    expect(readdirSync(tmp)).toEqual([]);

    // Against the log's bytes.
    const lines = readFileSync(join(cwd, 'logs', `audit-${DATE.replaceAll('-', '')}.jsonl`))
      .toString('utf8')
      .split('\n')
      .slice(0, -1);
    const sha = (line: number) =>
      createHash('sha256')
        .update(lines[line - 1] as string)
        .digest('hex');
    const state = JSON.parse((pack['compliance_state.json'] as Buffer).toString('utf8')) as {
      open_orders: OpenOrder[];
    };
    expect(state.open_orders).toHaveLength(N);
    // One expect for all of them (70,000 of vitest's deep comparisons take seconds).
    const wrong = state.open_orders.filter((o) => {
      const logged = JSON.parse(lines[o.evidence.line - 1] as string) as { order_id: string; symbol: string };
      return (
        o.order_id !== logged.order_id ||
        o.symbol !== logged.symbol ||
        o.quantity !== 2 ||
        o.evidence.line_sha256 !== sha(o.evidence.line)
      );
    });
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(new Set(state.open_orders.map((o) => o.order_id)).size).toBe(N);
    const report = JSON.parse((pack['compliance_report.json'] as Buffer).toString('utf8')) as {
      findings: { rule: string; symbol: string; evidence: Evidence[] }[];
    };
    const otr = report.findings.filter((f) => f.rule === 'order_to_trade_ratio_exceeded');
    expect(otr.length).toBeGreaterThan(100);
    for (const f of otr) {
      const ev = f.evidence[0] as Evidence;
      expect(f.symbol).toBe((JSON.parse(lines[ev.line - 1] as string) as { symbol: string }).symbol);
      expect(ev.line_sha256).toBe(sha(ev.line));
    }

    // The same pack with every piece in memory, and with a disk that fills part way.
    expect(differing(exportAndRead(cwd, DATE, 'art-nofile', join(cwd, 'no', 'such')), pack)).toEqual([]);
    if (CAN_MOUNT_EXT4) {
      const disk = smallDisk(4096, 'ext4');
      disk.fill(1024 * 1024);
      expect(differing(exportAndRead(cwd, DATE, 'art-small', disk.dir), pack)).toEqual([]);
    }

    const verify = (date: string) =>
      runCli(['verify', join('art', date), '--no-logs', '--json'], { cwd, env: { TMPDIR: tmp } });
    const v1 = verify(DATE);
    expect(v1.code, v1.stdout).toBe(0);
    // The next day, no log: the 70,000 orders come in from the carried state and go out again.
    const next = exportAndRead(cwd, NEXT, 'art', tmp);
    const carried = JSON.parse((next['compliance_state.json'] as Buffer).toString('utf8')) as {
      open_orders: OpenOrder[];
    };
    expect(JSON.stringify(carried.open_orders) === JSON.stringify(state.open_orders)).toBe(true);
    const v = verify(NEXT);
    expect(v.code, v.stdout).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  }, 240_000);
});
