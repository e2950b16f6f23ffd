/**
 * Pack fixtures built straight from the pack format contract (docs/FORMAT.md, "The export pack"),
 * without auditpack's exporter: proof that the format can be re-implemented from the document, and
 * packs whose every byte a test controls. Signing uses src/signing (checked against ssh-keygen).
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signSshsig } from '../../../src/signing/index.js';
import { chainLines, DAY1, HOUR, tradingEvents, ZEROS } from './log-fixture.js';

export const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const ORDER_COLS = ['iso_ts', 'seq', 'event', 'order_id', 'symbol', 'side', 'quantity', 'price'];
const FILL_COLS = ['iso_ts', 'seq', 'event', 'order_id', 'deal_id', 'symbol', 'side', 'quantity', 'price'];

function csv(cols: string[], events: Record<string, unknown>[]): string {
  let out = `${cols.join(',')},extra\r\n`;
  for (const ev of events) {
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ev))
      if (!cols.includes(k) && !['ts', 'category', 'prev'].includes(k)) extra[k] = v;
    out += `${[...cols.map((c) => csvCell(ev[c])), csvCell(JSON.stringify(extra))].join(',')}\r\n`;
  }
  return out;
}

export interface BuiltPack {
  dir: string;
  manifestSha256: string;
  endHash: string | null;
  lastSeq: number | null;
}

export interface BuildPackOptions {
  /** The day's log lines (no "\n"). */
  logLines: string[];
  signingKey?: KeyObject;
  previous?: { export_date: string; manifest_sha256: string } | null;
  supersedes?: { manifest_sha256: string; moved_to: string } | null;
  /** Directory name (default the date). */
  dirName?: string;
  /** A back-filled day: the later pack it is inserted before. */
  insertedBefore?: { export_date: string; manifest_sha256: string } | null;
}

/** Writes a pack for `date` under `artifacts/` per the contract. */
export function buildPack(artifacts: string, date: string, o: BuildPackOptions): BuiltPack {
  const dir = join(artifacts, o.dirName ?? date);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const audit = o.logLines.length === 0 ? '' : `${o.logLines.join('\n')}\n`;
  const events = o.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const isAlert = (e: Record<string, unknown>) =>
    e.category === 'alert' ||
    ['HIGH', 'CRITICAL'].includes(String(e.severity ?? '').toUpperCase()) ||
    [
      'auth.LoginFailed',
      'order.Rejected',
      'config.ConfigChanged',
      'config.ConfigSnapshot',
      'system.TornLineRecovered',
    ].includes(`${e.category}.${e.event}`);
  const alertLines = o.logLines.filter((_, i) => isAlert(events[i] as Record<string, unknown>));
  const payload: Record<string, string> = {
    'data/alerts.jsonl': alertLines.map((l) => `${l}\n`).join(''),
    'data/audit.jsonl': audit,
    'data/config.diff': `# config changes on ${date}: none\n`,
    'data/config_snapshot.json': `${JSON.stringify({ snapshot_id: 'fixture', files: { 'configs/risk.yaml': { sha256: sha('max: 1\n') } } }, null, 2)}\n`,
    'data/fills.csv': csv(
      FILL_COLS,
      events.filter((e) => e.category === 'fill'),
    ),
    'data/orders.csv': csv(
      ORDER_COLS,
      events.filter((e) => e.category === 'order'),
    ),
  };
  const names = Object.keys(payload).sort();
  const modified = `${date}T23:59:59.000Z`;
  const files: Record<string, { size: number; sha256: string; modified: string }> = {};
  let total = 0;
  for (const n of names) {
    const text = payload[n] as string;
    writeFileSync(join(dir, n), text);
    const size = Buffer.byteLength(text);
    files[n] = { size, sha256: sha(text), modified };
    total += size;
  }
  writeFileSync(join(dir, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  writeFileSync(
    join(dir, 'bag-info.txt'),
    `Bagging-Date: ${date}\nPayload-Oxum: ${total}.${names.length}\nExternal-Identifier: auditpack-${date}\nExport-Date: ${date}\nAuditpack-Version: 0.1.0\n`,
  );
  writeFileSync(join(dir, 'manifest-sha256.txt'), names.map((n) => `${files[n]?.sha256}  ${n}\n`).join(''));
  const byCat: Record<string, number> = {};
  for (const e of [...events].sort((a, b) => ((a.category as string) < (b.category as string) ? -1 : 1)))
    byCat[e.category as string] = (byCat[e.category as string] ?? 0) + 1;
  const first = events[0];
  const last = events[events.length - 1];
  const manifest = {
    format: 'auditpack-pack/1',
    created_at: `${date}T23:59:59.500Z`,
    export_date: date,
    auditpack_version: '0.1.0',
    files,
    summary: { total_files: names.length, total_size: total },
    events: {
      total: events.length,
      by_category: byCat,
      malformed_lines: 0,
      late: events.filter((e) => e.late === true).length,
    },
    rows: {
      orders: events.filter((e) => e.category === 'order').length,
      fills: events.filter((e) => e.category === 'fill').length,
      alerts: alertLines.length,
    },
    chain: {
      first_seq: first ? first.seq : null,
      last_seq: last ? last.seq : null,
      start_prev: first ? first.prev : null,
      end_hash: o.logLines.length ? sha(o.logLines[o.logLines.length - 1] as string) : null,
    },
    previous_pack: o.previous ?? null,
    supersedes: o.supersedes ?? null,
    alert_filter: {
      categories: ['alert'],
      events: [
        'auth.LoginFailed',
        'order.Rejected',
        'config.ConfigChanged',
        'config.ConfigSnapshot',
        'system.TornLineRecovered',
      ],
      severities: ['HIGH', 'CRITICAL'],
    },
    inserted_before: o.insertedBefore ?? null,
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  writeFileSync(join(dir, 'manifest.json'), manifestText);
  writeTagManifest(dir);
  if (o.signingKey) signPack(dir, o.signingKey);
  return {
    dir,
    manifestSha256: sha(manifestText),
    endHash: manifest.chain.end_hash,
    lastSeq: (last?.seq as number | undefined) ?? null,
  };
}

/** (Re)writes tagmanifest-sha256.txt from the four tag files. */
export function writeTagManifest(dir: string): void {
  const tags = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest.json'];
  writeFileSync(
    join(dir, 'tagmanifest-sha256.txt'),
    tags.map((t) => `${sha(readFileSync(join(dir, t)))}  ${t}\n`).join(''),
  );
}

export function signPack(dir: string, key: KeyObject): void {
  writeFileSync(
    join(dir, 'tagmanifest-sha256.txt.sig'),
    signSshsig(readFileSync(join(dir, 'tagmanifest-sha256.txt')), key),
  );
}

export function newKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/** Consecutive days of logs and packs in `artifacts`, linked day to day. */
export function buildArchive(
  artifacts: string,
  days: number,
  perDay: number,
  key?: KeyObject,
): { packs: BuiltPack[]; dates: string[]; logs: string[][] } {
  let seq = 1;
  let prev = ZEROS;
  const packs: BuiltPack[] = [];
  const dates: string[] = [];
  const logs: string[][] = [];
  let previous: { export_date: string; manifest_sha256: string } | null = null;
  for (let d = 0; d < days; d++) {
    const date = new Date((DAY1 + d * 24 * HOUR) / 1000).toISOString().slice(0, 10);
    const r = chainLines(tradingEvents(perDay, DAY1 + d * 24 * HOUR + 6 * HOUR), seq, prev);
    seq = r.seq;
    prev = r.prev;
    const p = buildPack(artifacts, date, { logLines: r.lines, signingKey: key, previous });
    previous = { export_date: date, manifest_sha256: p.manifestSha256 };
    packs.push(p);
    dates.push(date);
    logs.push(r.lines);
  }
  return { packs, dates, logs };
}

/** A gzip'd POSIX tar of a pack with entries `<date>/<path>` (GNU tar, as a user would make it). */
export function tarPack(artifacts: string, name: string): string {
  const out = join(artifacts, `${name}.tar.gz`);
  execFileSync('tar', ['--format=posix', '--sort=name', '-czf', out, '-C', artifacts, name]);
  return out;
}
