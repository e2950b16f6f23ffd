/**
 * The checks' own CPU on the export's reading thread, without the export around them: the records
 * of the first N lines of a day (RecordWriter, as the scan writes them) fed to a ComplianceEngine
 * (RecordReader.feed), in batches of 4,096 lines, CPU time of this process (one thread) per phase.
 * A change to the decoding or the rules shows here with less noise than in a whole export, whose
 * two threads share the machine's cores with everything else.
 *
 *   npx tsx bench/compliance-feed.ts --log <audit-YYYYMMDD.jsonl> [--lines 300000] [--rounds 4]
 *        [--baseline <dist of another build>]
 *
 * With --baseline, each round runs that build and this one's dist/ (build it first) in child
 * processes, alternating, so that changes in the machine's load fall on both alike.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const BATCH = 4096;

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

function cpuMs(f: () => void): number {
  const a = cpuUsage();
  f();
  const b = cpuUsage(a);
  return (b.user + b.system) / 1000;
}

/** One build's rounds, in this process: [write ms, feed ms] per round. */
async function runOne(dist: string, log: string, n: number, rounds: number): Promise<number[][]> {
  const at = (p: string) => import(pathToFileURL(`${dist}/${p}`).href);
  const { RecordWriter, RecordReader } = await at('compliance/records.js');
  const { ComplianceEngine, PolicyTimeline, policyFromText, DEFAULT_POLICY_SOURCE } = await at('compliance/index.js');
  const { EntryTable, scanJsonLine } = await at('json/line-scanner.js');
  const text = readFileSync(log);
  const lines: Buffer[] = [];
  for (let s = 0; lines.length < n; ) {
    const e = text.indexOf(10, s);
    if (e < 0) break;
    lines.push(text.subarray(s, e));
    s = e + 1;
  }
  const hashes = lines.map((l) => createHash('sha256').update(l).digest('hex'));
  // A build whose engine takes digests as bytes is fed them as the export's scan gives them (one
  // buffer of 32 bytes a line per batch); an older build, hex strings.
  const bytes = typeof ComplianceEngine.prototype.pushDigest === 'function';
  const digests = Buffer.concat(lines.map((l) => createHash('sha256').update(l).digest()));
  const table = new EntryTable();
  // A build whose records point into the batch's bytes (feed takes the batch's bytes) is given
  // batches as the export's scan cuts them, one buffer each; an older build, the lines one by one.
  const offsets = RecordReader.prototype.feed.length === 6;
  const blocks: Buffer[] = [];
  const starts: number[][] = [];
  for (let i = 0; i < lines.length; i += BATCH) {
    const part = lines.slice(i, i + BATCH);
    blocks.push(Buffer.concat(part.flatMap((l) => [l, Buffer.from('\n')])));
    let at = 0;
    starts.push(
      part.map((l) => {
        const s = at;
        at += l.length + 1;
        return s;
      }),
    );
  }
  const out: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const batches: (Uint8Array | Int32Array)[] = [];
    const w = new RecordWriter();
    const write = cpuMs(() => {
      for (let i = 0, j = 0; i < lines.length; i += BATCH, j++) {
        w.clear();
        const block = blocks[j] as Buffer;
        for (const [k, l] of lines.slice(i, i + BATCH).entries()) {
          const s = (starts[j] as number[])[k] as number;
          if (offsets) {
            scanJsonLine(block, s + l.length, table, s);
            w.event(block, table);
          } else {
            scanJsonLine(l, l.length, table, 0);
            w.event(l, table);
          }
        }
        batches.push(offsets ? w.view().slice() : Uint8Array.from(w.view())); // copies (a Buffer's slice is a view)
      }
    });
    const policy = policyFromText(DEFAULT_POLICY_SOURCE, {
      from: null,
      source: 'built-in',
      snapshot_id: null,
      path: 'built-in',
    });
    const engine = new ComplianceEngine(new PolicyTimeline([policy]));
    const reader = new RecordReader();
    const feed = cpuMs(() => {
      for (const [j, b] of batches.entries()) {
        const hs = bytes
          ? digests.subarray(j * BATCH * 32, (j + 1) * BATCH * 32)
          : hashes.slice(j * BATCH, (j + 1) * BATCH);
        if (offsets) reader.feed(engine, b, blocks[j], 'data/audit.jsonl', j * BATCH + 1, hs);
        else reader.feed(engine, b, 'data/audit.jsonl', j * BATCH + 1, hs);
      }
      engine.endDay('2025-09-08');
      engine.finish();
    });
    out.push([write, feed]);
  }
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const log = opt('log');
  if (log === undefined) throw new Error('--log <audit-YYYYMMDD.jsonl> is required');
  const n = Number(opt('lines') ?? 300_000);
  const rounds = Number(opt('rounds') ?? 4);
  const child = opt('child');
  if (child !== undefined) {
    process.stdout.write(JSON.stringify(await runOne(child, log, n, rounds)));
    return;
  }
  const builds = [...(opt('baseline') === undefined ? [] : [['baseline', opt('baseline') as string]]), ['this', DIST]];
  const res = new Map<string, number[][]>(builds.map(([name]) => [name as string, []]));
  for (let r = 0; r < rounds; r++)
    for (const [name, dist] of builds) {
      // One child per build and round; its first round warms the code up and is dropped.
      const args = [
        fileURLToPath(import.meta.url),
        '--child',
        dist as string,
        '--log',
        log,
        '--lines',
        `${n}`,
        '--rounds',
        '2',
      ];
      const rows = JSON.parse(execFileSync('npx', ['tsx', ...args], { encoding: 'utf8' })) as number[][];
      res.get(name as string)?.push(rows[1] as number[]);
    }
  for (const [name, rows] of res) {
    const w = median(rows.map((x) => x[0] as number));
    const f = median(rows.map((x) => x[1] as number));
    console.log(
      `${name}: write ${w.toFixed(0)} ms, feed ${f.toFixed(0)} ms (${((f * 1000) / n).toFixed(2)} µs an event); rounds ${JSON.stringify(rows.map((x) => x.map(Math.round)))}`,
    );
  }
}

await main();
