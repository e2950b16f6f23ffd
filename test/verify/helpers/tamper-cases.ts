/**
 * The tamper matrix: one row per way to break a log, a pack, a .tar.gz or an artifacts directory.
 * Each row edits a fresh copy of the clean corpus (tamper-corpus.ts) and returns the path to
 * verify; test/verify/tamper-matrix.test.ts runs `auditpack verify` and the reference checker
 * (tools/auditpack_check.py) on it and requires both to find it, at the same first broken line.
 *
 * To add a case: append a row. `target` is relative to the copy (`logs`, `logs/audit-…jsonl`,
 * `artifacts/2025-09-09`, `artifacts/2025-09-09.tar.gz`, `artifacts`).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DAYS, logName, readLines, rechain, refreshPack, writeLinesRaw } from './tamper-corpus.js';

export interface TamperCase {
  readonly name: string;
  /** Edits the copy at `root`; returns the path to verify, relative to `root`. */
  readonly edit: (root: string) => string;
}

const D1 = DAYS[0];
const D2 = DAYS[1];
const D3 = DAYS[2];
const log = (root: string, day: string): string => join(root, 'logs', logName(day));

/** Replaces line `i` (0-based) of a day's log with `f(line)`, then re-links the rest of the log. */
function forge(day: string, i: number, f: (line: string) => string | Buffer, target = 'logs'): TamperCase['edit'] {
  return (root) => {
    const path = log(root, day);
    const { lines, tail } = readLines(path);
    const out = f((lines[i] as Buffer).toString('utf8'));
    lines[i] = typeof out === 'string' ? Buffer.from(out) : out;
    writeLinesRaw(path, lines, tail);
    rechain(join(root, 'logs'), day, i + 1);
    return target === 'file' ? join('logs', logName(day)) : target;
  };
}

/** Edits a day's lines as a list (no re-linking: a naive tamperer). */
function edit(day: string, f: (lines: Buffer[]) => Buffer[], target = 'logs'): TamperCase['edit'] {
  return (root) => {
    const path = log(root, day);
    const { lines, tail } = readLines(path);
    writeLinesRaw(path, f(lines), tail);
    return target;
  };
}

/** The index of the first line of a day's log matching `re`. */
function lineIndex(root: string, day: string, re: RegExp): number {
  const { lines } = readLines(log(root, day));
  const i = lines.findIndex((l) => re.test(l.toString('utf8')));
  if (i < 0) throw new Error(`no line matches ${re}`);
  return i;
}

/** Forges the first line matching `re`. */
function forgeWhere(
  day: string,
  re: RegExp,
  f: (line: string) => string | Buffer,
  target = 'logs',
): TamperCase['edit'] {
  return (root) => forge(day, lineIndex(root, day, re), f, target)(root);
}

const shiftDays = (line: string, days: number): string => {
  const m = /"ts":(\d+)\.(\d{6}),"iso_ts":"([^"]+)"/.exec(line) as RegExpExecArray;
  const secs = Number(m[1]) + days * 86400;
  const iso = `${new Date(secs * 1000).toISOString().slice(0, 19)}.${m[2]}Z`;
  return line.replace(m[0], `"ts":${secs}.${m[2]},"iso_ts":"${iso}"`);
};

const RECOVERY = /"TornLineRecovered"/;

/** Line rules: a forger rewrites a line and re-links everything after it. */
const LINE_RULES: TamperCase[] = [
  {
    name: 'a middle line that is not JSON ("symbol":EURUSD,,)',
    edit: forgeWhere(D2, /"symbol":"[A-Z]+"/, (l) => l.replace(/"symbol":"([A-Z]+)"/, '"symbol":$1,,')),
  },
  {
    name: 'a middle line that is not UTF-8',
    edit: forge(D2, 3, (l) =>
      Buffer.concat([Buffer.from(l.slice(0, 60)), Buffer.from([0xff, 0xfe]), Buffer.from(l.slice(60))]),
    ),
  },
  { name: 'a control byte inside a string', edit: forgeWhere(D2, /USD/, (l) => l.replace('USD', 'U\u0001SD')) },
  { name: 'a CR before the newline', edit: forge(D2, 4, (l) => `${l}\r`) },
  { name: 'a TAB between two members', edit: forge(D2, 4, (l) => l.replace(',"category"', ',\t"category"')) },
  {
    name: "late:true on a line of the file's own day",
    edit: forge(D3, 2, (l) => l.replace(/("seq":\d+)/, '$1,"late":true')),
  },
  { name: 'ts with 3 decimals', edit: forge(D3, 2, (l) => l.replace(/"ts":(\d+)\.(\d{3})\d{3}/, '"ts":$1.$2')) },
  {
    name: 'ts and iso_ts 3 days apart',
    edit: forge(D3, 2, (l) => l.replace(/"ts":(\d+)/, (_, s: string) => `"ts":${Number(s) - 3 * 86400}`)),
  },
  {
    // Python's \d matches any Unicode digit and int() reads them; verify's patterns are ASCII.
    name: 'iso_ts in full-width digits (the same instant), chain recomputed',
    edit: forge(D3, 2, (l) => l.replace('"iso_ts":"2025-09-10T', '"iso_ts":"２０２５-０９-１０T')),
  },
  { name: 'iso_ts on a day that does not exist', edit: forge(D3, 2, (l) => l.replace('2025-09-10T', '2025-09-31T')) },
  { name: 'prev not the last field', edit: forge(D3, 2, (l) => l.replace(/\}$/, ',"x":1}')) },
  { name: 'a duplicate key', edit: forge(D3, 2, (l) => l.replace('"category"', '"user":"x","user":"y","category"')) },
  { name: 'a duplicate envelope key (two seq)', edit: forge(D3, 2, (l) => l.replace(/("seq":\d+)/, '$1,$1')) },
  { name: '"seq":5.0', edit: forge(D3, 2, (l) => l.replace(/"seq":(\d+)/, '"seq":$1.0')) },
  { name: 'seq written with an exponent', edit: forge(D3, 2, (l) => l.replace(/"seq":(\d+)/, '"seq":$1e0')) },
  { name: 'an uppercase category', edit: forge(D3, 2, (l) => l.replace('"category":"auth"', '"category":"Auth"')) },
  { name: 'a path as category', edit: forge(D3, 2, (l) => l.replace('"category":"auth"', '"category":"../../etc"')) },
  { name: 'an empty event name', edit: forge(D3, 2, (l) => l.replace(/"event":"[A-Za-z]+"/, '"event":""')) },
  { name: 'late:false', edit: forge(D3, 2, (l) => l.replace(/("seq":\d+)/, '$1,"late":false')) },
  { name: 'pid as a string', edit: forge(D3, 2, (l) => l.replace(/"pid":(\d+)/, '"pid":"$1"')) },
  {
    name: 'actor as a number',
    edit: forgeWhere(D2, /"actor":"svc-a"/, (l) => l.replace('"actor":"svc-a"', '"actor":7')),
  },
  {
    name: 'prev in uppercase hex',
    edit: forge(D3, 2, (l) => l.replace(/"prev":"([0-9a-f]{64})"/, (_, h: string) => `"prev":"${h.toUpperCase()}"`)),
  },
  { name: 'a line that is a JSON array', edit: forge(D3, 2, () => '["not","an","event"]') },
  { name: 'an empty line', edit: forge(D3, 2, () => '') },
  { name: 'a line of an event without seq', edit: forge(D3, 2, (l) => l.replace(/"seq":\d+,/, '')) },
  { name: 'NaN as a value', edit: forge(D3, 2, (l) => l.replace(/"pid":(\d+)/, '"pid":$1,"q":NaN')) },
  {
    name: 'a line rule broken in a single file verified alone',
    edit: forge(D3, 2, (l) => l.replace('"category":"auth"', '"category":"AUTH"'), 'file'),
  },
];

/** Torn lines and recovery (FORMAT.md "Torn lines and recovery"). */
const RECOVERIES: TamperCase[] = [
  { name: 'a TornLineRecovered dated 4 days after its file', edit: forgeWhere(D2, RECOVERY, (l) => shiftDays(l, 4)) },
  {
    name: 'a TornLineRecovered naming the wrong file',
    edit: forgeWhere(D2, RECOVERY, (l) => l.replace(/"file":"[^"]+"/, `"file":"${logName(D1)}"`)),
  },
  {
    name: 'a TornLineRecovered without fragment_offset',
    edit: forgeWhere(D2, RECOVERY, (l) => l.replace(/"fragment_offset":\d+,/, '')),
  },
  {
    name: 'a TornLineRecovered with the wrong fragment_bytes',
    edit: forgeWhere(D2, RECOVERY, (l) =>
      l.replace(/"fragment_bytes":(\d+)/, (_, n: string) => `"fragment_bytes":${Number(n) + 1}`),
    ),
  },
  {
    name: 'a TornLineRecovered with the wrong fragment_offset',
    edit: forgeWhere(D2, RECOVERY, (l) =>
      l.replace(/"fragment_offset":(\d+)/, (_, n: string) => `"fragment_offset":${Number(n) + 1}`),
    ),
  },
  {
    name: 'the recovered fragment altered',
    edit: (root) => {
      const i = lineIndex(root, D2, RECOVERY);
      return edit(D2, (ls) =>
        ls.map((l, k) => (k === i - 1 ? Buffer.from(l.toString('utf8').replace('TORN', 'TORM')) : l)),
      )(root);
    },
  },
  {
    name: 'a forged TornLineRecovered with no fragment before it',
    edit: forge(D3, 3, (l) =>
      l.replace(
        /"category":"auth","event":"[A-Za-z]+"/,
        '"category":"system","event":"TornLineRecovered","file":"audit-20250910.jsonl","fragment_offset":0,"fragment_bytes":3,"fragment_sha256":"' +
          '0'.repeat(64) +
          '"',
      ),
    ),
  },
  {
    name: 'a 17 MB line with no newline appended to the newest log (beyond the line bound)',
    edit: (root) => {
      appendFileSync(log(root, D3), Buffer.concat([Buffer.from('{"ts":'), Buffer.alloc(17 * 1024 * 1024, 0x31)]));
      return 'logs';
    },
  },
  {
    name: '1 MB of garbage appended to the newest log',
    edit: (root) => {
      const g = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < g.length; i++) g[i] = (i * 2654435761) >>> 24;
      appendFileSync(log(root, D3), g);
      return 'logs';
    },
  },
  {
    name: 'a short text tail that cannot be a torn line',
    edit: (root) => {
      appendFileSync(log(root, D3), 'hello, auditor');
      return join('logs', logName(D3));
    },
  },
  {
    name: 'a torn tail in a day file that later days follow',
    edit: (root) => {
      appendFileSync(log(root, D1), '{"ts":1757');
      return 'logs';
    },
  },
];

/** The chain (the matrix auditpack already had). */
const CHAIN: TamperCase[] = [
  { name: 'a line deleted', edit: edit(D2, (ls) => ls.filter((_, i) => i !== 5)) },
  {
    name: 'a forged line inserted with a correct link',
    edit: edit(D2, (ls) => {
      const prev = ls[4] as Buffer;
      const seq = (JSON.parse(prev.toString('utf8')) as { seq: number }).seq + 1;
      const forged = (ls[5] as Buffer)
        .toString('utf8')
        .replace(/"seq":\d+/, `"seq":${seq}`)
        .replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${sha(prev)}"`)
        .replace(',"host"', ',"forged":true,"host"');
      return [...ls.slice(0, 5), Buffer.from(forged), ...ls.slice(5)];
    }),
  },
  {
    name: 'a naive line inserted',
    edit: edit(D2, (ls) => [
      ...ls.slice(0, 5),
      Buffer.from((ls[5] as Buffer).toString('utf8').replace(/"seq":\d+/, '"seq":999999')),
      ...ls.slice(5),
    ]),
  },
  { name: 'a line duplicated', edit: edit(D2, (ls) => [...ls.slice(0, 6), ls[5]!, ...ls.slice(6)]) },
  { name: 'a line duplicated further down', edit: edit(D2, (ls) => [...ls.slice(0, 9), ls[3]!, ...ls.slice(9)]) },
  { name: 'two lines swapped', edit: edit(D2, (ls) => [...ls.slice(0, 4), ls[5]!, ls[4]!, ...ls.slice(6)]) },
  {
    name: 'a line moved far down',
    edit: edit(D2, (ls) => [...ls.slice(0, 2), ...ls.slice(3, 12), ls[2]!, ...ls.slice(12)]),
  },
  {
    name: 'a field edited (price)',
    edit: edit(D2, (ls) =>
      ls.map((l, i) => (i === 6 ? Buffer.from(l.toString('utf8').replace(/"price":"[^"]+"/, '"price":"9.99999"')) : l)),
    ),
  },
  {
    name: 'a flipped bit',
    edit: edit(D2, (ls) =>
      ls.map((l, i) => (i === 7 ? Buffer.from(l.toString('latin1').replace('"seq"', '"sep"'), 'latin1') : l)),
    ),
  },
  {
    name: 'a field edited in a single file verified alone',
    edit: edit(
      D1,
      (ls) => ls.map((l, i) => (i === 2 ? Buffer.from(l.toString('utf8').replace('"pid":', '"pid":1')) : l)),
      join('logs', logName(D1)),
    ),
  },
  {
    name: 'the first line ever without the genesis prev',
    edit: forge(D1, 0, (l) => l.replace(/"prev":"0{64}"/, `"prev":"${'1'.repeat(64)}"`)),
  },
  {
    name: 'a second genesis line',
    edit: forge(D1, 3, (l) => l.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${'0'.repeat(64)}"`)),
  },
  {
    name: 'a line from another day spliced in without late',
    edit: (root) => {
      const other = readLines(log(root, D1)).lines[1] as Buffer;
      return edit(D3, (ls) => [...ls.slice(0, 2), other, ...ls.slice(2)])(root);
    },
  },
  {
    name: 'a line from another day spliced in with a correct link',
    edit: (root) => {
      const other = readLines(log(root, D1)).lines[1] as Buffer;
      return forge(D3, 2, () =>
        other.toString('utf8').replace(/"seq":\d+/, `"seq":${seqOf(readLines(log(root, D3)).lines[2] as Buffer)}`),
      )(root);
    },
  },
  {
    name: "a late line filed in an earlier day's file",
    edit: forge(D1, 3, (l) => shiftDays(l, 1).replace(/("seq":\d+)/, '$1,"late":true')),
  },
  { name: 'the tail of a day truncated', edit: edit(D1, (ls) => ls.slice(0, -2)) },
  {
    name: 'a day file removed',
    edit: (root) => {
      rmSync(log(root, D2));
      return 'logs';
    },
  },
  {
    name: 'two days spliced into one file',
    edit: (root) => {
      appendFileSync(log(root, D1), readFileSync(log(root, D2)));
      rmSync(log(root, D2));
      return 'logs';
    },
  },
  {
    name: 'a day file renamed to another day',
    edit: (root) => {
      renameSync(log(root, D3), join(root, 'logs', logName('2025-09-12')));
      return 'logs';
    },
  },
];

const pack = (day: string): string => join('artifacts', day);

/** Packs, .tar.gz packs and the artifacts directory. */
const PACKS: TamperCase[] = [
  {
    name: 'pack: a log line edited, manifests recomputed, signature dropped',
    edit: (root) => {
      const p = join(root, pack(D2), 'data', 'audit.jsonl');
      writeFileSync(p, readFileSync(p, 'utf8').replace('"GBPUSD"', '"GBPUSX"'));
      refreshPack(join(root, pack(D2)));
      return pack(D2);
    },
  },
  {
    name: 'pack: a log line made invalid JSON, manifests recomputed',
    edit: (root) => {
      const p = join(root, pack(D2), 'data', 'audit.jsonl');
      writeFileSync(p, readFileSync(p, 'utf8').replace('"symbol":"GBPUSD"', '"symbol":GBPUSD,,'));
      refreshPack(join(root, pack(D2)));
      return pack(D2);
    },
  },
  {
    name: 'pack: the last log line removed, manifests recomputed',
    edit: (root) => {
      const p = join(root, pack(D3), 'data', 'audit.jsonl');
      writeFileSync(p, `${readFileSync(p, 'utf8').split('\n').slice(0, -2).join('\n')}\n`);
      refreshPack(join(root, pack(D3)));
      return pack(D3);
    },
  },
  {
    name: 'pack: orders.csv edited, manifests untouched',
    edit: (root) => {
      const p = join(root, pack(D2), 'data', 'orders.csv');
      writeFileSync(p, readFileSync(p, 'utf8').replace('1.10050', '1.10051'));
      return pack(D2);
    },
  },
  {
    name: 'pack: an orders.csv row removed, manifests recomputed',
    edit: (root) => {
      const p = join(root, pack(D2), 'data', 'orders.csv');
      const rows = readFileSync(p, 'utf8').split('\r\n');
      rows.splice(2, 1);
      writeFileSync(p, rows.join('\r\n'));
      refreshPack(join(root, pack(D2)));
      return pack(D2);
    },
  },
  {
    name: 'pack: bagit.txt altered',
    edit: (root) => {
      writeFileSync(join(root, pack(D1), 'bagit.txt'), 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n');
      return pack(D1);
    },
  },
  {
    name: 'pack: a file added under data/',
    edit: (root) => {
      writeFileSync(join(root, pack(D1), 'data', 'extra.txt'), 'hello');
      return pack(D1);
    },
  },
  {
    name: 'pack: manifest.json edited, tag manifest untouched',
    edit: (root) => {
      const p = join(root, pack(D1), 'manifest.json');
      writeFileSync(p, readFileSync(p, 'utf8').replace('"0.1.0"', '"0.1.1"'));
      return pack(D1);
    },
  },
  {
    name: 'pack: a payload file removed',
    edit: (root) => {
      rmSync(join(root, pack(D1), 'data', 'fills.csv'));
      return pack(D1);
    },
  },
  {
    name: 'pack: the signature altered',
    edit: (root) => {
      const p = join(root, pack(D1), 'tagmanifest-sha256.txt.sig');
      writeFileSync(
        p,
        readFileSync(p, 'utf8').replace(/\n([A-Za-z0-9+/])/, (_, c: string) => `\n${c === 'A' ? 'B' : 'A'}`),
      );
      return pack(D1);
    },
  },
  {
    name: 'pack: the events count edited, manifests recomputed',
    edit: (root) => {
      const p = join(root, pack(D1), 'manifest.json');
      const m = JSON.parse(readFileSync(p, 'utf8')) as { events: { total: number } };
      m.events.total += 1;
      writeFileSync(p, `${JSON.stringify(m, null, 2)}\n`);
      refreshPack(join(root, pack(D1)));
      return pack(D1);
    },
  },
  {
    name: '.tar.gz: an extra gzip member appended',
    edit: (root) => {
      appendFileSync(join(root, `${pack(D2)}.tar.gz`), gzipSync(Buffer.alloc(1024)));
      return `${pack(D2)}.tar.gz`;
    },
  },
  {
    name: '.tar.gz: zero bytes appended',
    edit: (root) => {
      appendFileSync(join(root, `${pack(D2)}.tar.gz`), Buffer.alloc(4096));
      return `${pack(D2)}.tar.gz`;
    },
  },
  {
    name: '.tar.gz: text appended',
    edit: (root) => {
      appendFileSync(join(root, `${pack(D2)}.tar.gz`), 'trailing data');
      return `${pack(D2)}.tar.gz`;
    },
  },
  {
    // GNU tar --ignore-zeros (tar -xiz, how concatenated archives are read) extracts an entry put
    // after the two zero blocks over the real file; only zeros (record padding) may follow them.
    name: '.tar.gz: a forged data/orders.csv after the end-of-archive marker, in the one gzip member',
    edit: (root) => {
      const p = join(root, `${pack(D2)}.tar.gz`);
      const forged = tarEntry(`${D2}/data/orders.csv`, Buffer.from('FORGED ORDERS\n'));
      writeFileSync(p, gzipSync(Buffer.concat([gunzipSync(readFileSync(p)), forged, Buffer.alloc(1024)])));
      return `${pack(D2)}.tar.gz`;
    },
  },
  {
    name: '.tar.gz: a lone byte after the end-of-archive marker, in the one gzip member',
    edit: (root) => {
      const p = join(root, `${pack(D2)}.tar.gz`);
      writeFileSync(p, gzipSync(Buffer.concat([gunzipSync(readFileSync(p)), Buffer.alloc(511), Buffer.from([1])])));
      return `${pack(D2)}.tar.gz`;
    },
  },
  {
    name: '.tar.gz: cut short',
    edit: (root) => {
      const p = join(root, `${pack(D2)}.tar.gz`);
      const b = readFileSync(p);
      writeFileSync(p, b.subarray(0, b.length - 100));
      return `${pack(D2)}.tar.gz`;
    },
  },
  {
    name: 'archive: a middle pack removed',
    edit: (root) => {
      rmSync(join(root, pack(D2)), { recursive: true });
      rmSync(join(root, `${pack(D2)}.tar.gz`));
      return 'artifacts';
    },
  },
  {
    name: "archive: a pack's manifest.json rewritten with every hash inside recomputed (the next day's link breaks)",
    edit: (root) => {
      const p = join(root, pack(D1), 'manifest.json');
      writeFileSync(p, readFileSync(p, 'utf8').replace('"0.1.0"', '"0.1.2"'));
      refreshPack(join(root, pack(D1)));
      rmSync(join(root, `${pack(D1)}.tar.gz`));
      return 'artifacts';
    },
  },
  {
    name: 'archive: a .tar.gz that holds another manifest than its directory',
    edit: (root) => {
      const p = join(root, pack(D3), 'manifest.json');
      writeFileSync(p, readFileSync(p, 'utf8').replace('"0.1.0"', '"0.1.3"'));
      refreshPack(join(root, pack(D3)));
      return 'artifacts';
    },
  },
];

/** One ustar entry (header and padded body) for a regular file, as GNU tar writes it. */
function tarEntry(name: string, body: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000444\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
function seqOf(l: Buffer): number {
  return (JSON.parse(l.toString('utf8')) as { seq: number }).seq;
}

/** Rewrites the tag manifest only (after an edit of a tag file that refreshPack would undo). */
function retag(pack: string): void {
  let tag = '';
  for (const f of ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest.json'])
    tag += `${sha(readFileSync(join(pack, f)))}  ${f}\n`;
  writeFileSync(join(pack, 'tagmanifest-sha256.txt'), tag);
}

/** Edits a pack's manifest.json as an object, then fixes every hash (a forger without the key). */
function editManifest(day: string, f: (m: Record<string, any>) => void): TamperCase['edit'] {
  return (root) => {
    const p = join(root, pack(day), 'manifest.json');
    const m = JSON.parse(readFileSync(p, 'utf8')) as Record<string, any>;
    f(m);
    writeFileSync(p, `${JSON.stringify(m, null, 2)}\n`);
    refreshPack(join(root, pack(day)));
    return pack(day);
  };
}

/** Edits a payload file, then fixes every hash. */
function editPayload(
  day: string,
  file: string,
  f: (text: string) => string,
  m?: (man: Record<string, any>) => void,
): TamperCase['edit'] {
  return (root) => {
    const p = join(root, pack(day), 'data', file);
    writeFileSync(p, f(readFileSync(p, 'utf8')));
    if (m !== undefined) {
      const mp = join(root, pack(day), 'manifest.json');
      const man = JSON.parse(readFileSync(mp, 'utf8')) as Record<string, any>;
      m(man);
      writeFileSync(mp, `${JSON.stringify(man, null, 2)}\n`);
    }
    refreshPack(join(root, pack(day)));
    return pack(day);
  };
}

/** Pack rules a forger without the key can break while every hash stays consistent. */
const PACK_RULES: TamperCase[] = [
  {
    name: 'pack: bag-info.txt labels reordered, hashes fixed',
    edit: (root) => {
      const p = join(root, pack(D1), 'bag-info.txt');
      writeFileSync(p, `${readFileSync(p, 'utf8').trim().split('\n').reverse().join('\n')}\n`);
      refreshPack(join(root, pack(D1)));
      return pack(D1);
    },
  },
  {
    name: 'pack: a garbage Bagging-Date, hashes fixed',
    edit: (root) => {
      const p = join(root, pack(D1), 'bag-info.txt');
      writeFileSync(p, readFileSync(p, 'utf8').replace(/Bagging-Date: .*/, 'Bagging-Date: someday'));
      refreshPack(join(root, pack(D1)));
      return pack(D1);
    },
  },
  {
    name: 'pack: manifest-sha256.txt unsorted, hashes fixed',
    edit: (root) => {
      refreshPack(join(root, pack(D1)));
      const p = join(root, pack(D1), 'manifest-sha256.txt');
      writeFileSync(p, `${readFileSync(p, 'utf8').trim().split('\n').reverse().join('\n')}\n`);
      retag(join(root, pack(D1)));
      return pack(D1);
    },
  },
  {
    name: 'pack: manifest.json not canonical (compact), hashes fixed',
    edit: (root) => {
      refreshPack(join(root, pack(D1)));
      const p = join(root, pack(D1), 'manifest.json');
      writeFileSync(p, `${JSON.stringify(JSON.parse(readFileSync(p, 'utf8')))}\n`);
      retag(join(root, pack(D1)));
      return pack(D1);
    },
  },
  {
    name: 'pack: manifest.json fields reordered, hashes fixed',
    edit: editManifest(D1, (m) => {
      const { format, ...rest } = m;
      for (const k of Object.keys(m)) delete m[k];
      Object.assign(m, rest, { format });
    }),
  },
  { name: 'pack: auditpack_version: 12, hashes fixed', edit: editManifest(D1, (m) => void (m.auditpack_version = 12)) },
  {
    name: 'pack: created_at: "yesterday", hashes fixed',
    edit: editManifest(D1, (m) => void (m.created_at = 'yesterday')),
  },
  {
    name: 'pack: the recorded alert_filter removed, hashes fixed',
    edit: editManifest(D2, (m) => void delete m.alert_filter),
  },
  {
    name: 'pack: a 7th payload file listed in every manifest',
    edit: (root) => {
      writeFileSync(join(root, pack(D1), 'data', 'notes.txt'), 'nothing to see\n');
      const mp = join(root, pack(D1), 'manifest.json');
      const m = JSON.parse(readFileSync(mp, 'utf8')) as {
        files: Record<string, unknown>;
        summary: { total_files: number };
      };
      m.files['data/notes.txt'] = { size: 0, sha256: '', modified: '2025-09-10T00:00:00.000Z' };
      m.files = Object.fromEntries(Object.entries(m.files).sort(([a], [b]) => (a < b ? -1 : 1)));
      m.summary.total_files += 1;
      writeFileSync(mp, `${JSON.stringify(m, null, 2)}\n`);
      refreshPack(join(root, pack(D1)));
      return pack(D1);
    },
  },
  {
    name: 'pack: LF-only orders.csv, hashes fixed',
    edit: editPayload(D1, 'orders.csv', (t) => t.replaceAll('\r\n', '\n')),
  },
  {
    name: 'pack: one price changed in orders.csv, hashes fixed',
    edit: editPayload(D2, 'orders.csv', (t) => t.replace('1.10050', '1.10060')),
  },
  {
    name: 'pack: one deal_id changed in fills.csv, hashes fixed',
    edit: editPayload(D2, 'fills.csv', (t) => t.replace(',D', ',X')),
  },
  {
    name: 'pack: the extra column of a row edited, hashes fixed',
    edit: editPayload(D1, 'orders.csv', (t) => t.replace('""host"":""desk-1""', '""host"":""desk-9""')),
  },
  {
    name: 'pack: an alert line removed with rows.alerts adjusted, hashes fixed',
    edit: editPayload(
      D1,
      'alerts.jsonl',
      (t) => t.split('\n').slice(1).join('\n'),
      (m) => void (m.rows.alerts -= 1),
    ),
  },
  {
    name: 'pack: the recorded alert filter narrowed (alert lines unchanged), hashes fixed',
    edit: editManifest(D1, (m) => {
      m.alert_filter.categories = [];
      m.alert_filter.severities = [];
    }),
  },
  {
    name: 'archive: a middle pack deleted and its hash appended to pruned.jsonl (dated before the newest pack)',
    edit: (root) => {
      const sha256 = sha(readFileSync(join(root, pack(D2), 'manifest.json')));
      rmSync(join(root, pack(D2)), { recursive: true });
      rmSync(join(root, `${pack(D2)}.tar.gz`));
      writeFileSync(
        join(root, 'artifacts', 'pruned.jsonl'),
        `${JSON.stringify({ export_date: D2, manifest_sha256: sha256, path: D2, pruned_at: `${D3}T12:00:00.000Z` })}\n`,
      );
      return 'artifacts';
    },
  },
  {
    name: 'archive: a back-fill whose inserted_before names no pack',
    edit: (root) => {
      editManifest(D2, (m) => void (m.inserted_before = { export_date: D3, manifest_sha256: 'ab'.repeat(32) }))(root);
      rmSync(join(root, `${pack(D2)}.tar.gz`));
      return 'artifacts';
    },
  },
  // A byte copy beside a pack as a superseded version: two packs with the same manifest.json
  // (ARCHIVE_PACK_REPLAYED); the reference checker said intact before it applied the rule.
  ...(
    [
      [D3, 'v1', 'the newest'],
      [D2, 'v2', 'a middle'],
    ] as const
  ).map(([day, v, which]) => ({
    name: `archive: ${which} pack copied byte for byte beside it as .${v}`,
    edit: (root: string): string => {
      cpSync(join(root, pack(day)), join(root, `${pack(day)}.${v}`), { recursive: true });
      return 'artifacts';
    },
  })),
];

export const TAMPER_CASES: readonly TamperCase[] = [...LINE_RULES, ...RECOVERIES, ...CHAIN, ...PACKS, ...PACK_RULES];

/** Paths of the clean corpus that must verify with no error (and no false alarm) in both checkers. */
export const CLEAN_TARGETS: readonly string[] = [
  'logs',
  ...DAYS.map((d) => join('logs', logName(d))),
  ...DAYS.map((d) => pack(d)),
  ...DAYS.map((d) => `${pack(d)}.tar.gz`),
  `${pack(D2)}.v1`,
  `${pack(D2)}.v1.tar.gz`,
  'artifacts',
  'pruned/logs',
  'pruned/artifacts',
  // Back-filled, pruned and exported again, with the exports and prunes recorded in the chain.
  'artifacts-b',
  'logs-b',
];
