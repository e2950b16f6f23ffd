/**
 * The bytes the checks allocate per event, collected objects included: the records of a day's first
 * N lines (as bench/compliance-feed.ts makes them) fed to a new ComplianceEngine once to warm up, then
 * once under V8's sampling heap profiler with the objects scavenges and mark-compacts freed counted.
 * Unlike CPU time this does not move with the machine's load (two runs agree within ~1%), so a cut of
 * the rules' garbage shows here even when pairs of exports cannot see it (docs/PERFORMANCE.md, pc23).
 *
 *   node bench/compliance-alloc.mjs --log <audit-YYYYMMDD.jsonl> [--lines 300000] [--dist <dist>] [--top 30]
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const opt = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
};
const log = opt('log');
if (log === undefined) throw new Error('--log <audit-YYYYMMDD.jsonl> is required');
const n = Number(opt('lines', '300000'));
const top = Number(opt('top', '30'));
const dist = opt('dist', fileURLToPath(new URL('../dist', import.meta.url)));
const at = (p) => import(pathToFileURL(`${dist}/${p}`).href);
const { RecordWriter, RecordReader } = await at('compliance/records.js');
const { ComplianceEngine, PolicyTimeline, policyFromText, DEFAULT_POLICY_SOURCE } = await at('compliance/index.js');
const { EntryTable, scanJsonLine } = await at('json/line-scanner.js');

// The first n lines, in batches of 4,096 as the export's scan cuts them.
const fd = openSync(log, 'r');
const text = Buffer.alloc(n * 1024);
const got = readSync(fd, text, 0, text.length, 0);
closeSync(fd);
const lines = [];
for (let s = 0; lines.length < n; ) {
  const e = text.indexOf(10, s);
  if (e < 0 || e >= got) break;
  lines.push([s, e]);
  s = e + 1;
}
const BATCH = 4096;
const table = new EntryTable();
const batches = [];
for (let i = 0; i < lines.length; i += BATCH) {
  const part = lines.slice(i, i + BATCH);
  const base = part[0][0];
  const block = Buffer.from(text.subarray(base, part.at(-1)[1] + 1));
  const w = new RecordWriter();
  for (const [s, e] of part) {
    scanJsonLine(block, e - base, table, s - base);
    w.event(block, table);
  }
  const digests = Buffer.concat(part.map(([s, e]) => createHash('sha256').update(text.subarray(s, e)).digest()));
  batches.push([w.view().slice(), block, digests, i + 1]);
}
const policy = policyFromText(DEFAULT_POLICY_SOURCE, {
  from: null,
  source: 'built-in',
  snapshot_id: null,
  path: 'built-in',
});
const round = () => {
  const engine = new ComplianceEngine(new PolicyTimeline([policy]));
  const reader = new RecordReader();
  for (const [records, block, digests, first] of batches)
    reader.feed(engine, records, block, 'data/audit.jsonl', first, digests);
  engine.endDay('2025-09-08');
  engine.finish();
};
round();
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
round();
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

// Bytes by function, and by the last four frames of the stack.
const byFunction = new Map();
const byPath = new Map();
let total = 0;
const walk = (node, stack) => {
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  const path = [...stack, `${f.functionName || '(anonymous)'}:${f.lineNumber + 1}`];
  if (node.selfSize > 0) {
    total += node.selfSize;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    const key = path.slice(-4).join(' > ');
    byPath.set(key, (byPath.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, path);
};
walk(profile.head, []);
const rows = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${(v / lines.length).toFixed(1).padStart(7)}  ${k}`)
    .join('\n');
console.log(`${dist}: ${(total / lines.length).toFixed(0)} bytes allocated per event (${lines.length} lines)`);
console.log(`bytes per event, by function:\n${rows(byFunction)}\nby the last four frames:\n${rows(byPath)}`);
