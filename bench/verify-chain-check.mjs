// The chain check of verify's reading thread alone (scanLines + LogChecker + the kept-note tap, as
// src/verify/pack-dir.ts runs them, without the derivation and the compliance feed) over a pack's
// log, once per round: the main thread's CPU per round (utime + stime of /proc/self/task/<pid>/stat,
// Linux), so that a cut of a fraction of a microsecond a line shows where whole processes cannot.
// Run it for two builds in turn (each a tree with dist/ built), e.g.:
//   for i in 1 2 3; do node bench/verify-chain-check.mjs <tree A> <pack>/data/audit.jsonl 4;
//                      node bench/verify-chain-check.mjs <tree B> <pack>/data/audit.jsonl 4; done
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [tree, log, roundsText = '5'] = process.argv.slice(2);
if (tree === undefined || log === undefined)
  throw new Error('usage: node bench/verify-chain-check.mjs <tree with dist/> <audit.jsonl> [rounds]');
const at = (p) => import(pathToFileURL(`${tree}/dist/${p}`).href);
const { useCompactHeap } = await at('cli/heap.js');
useCompactHeap(undefined, []); // the CLI's heap settings (bin/auditpack.js)
const { scanLines } = await at('chain/lines.js');
const { LogChecker } = await at('verify/log-check.js');
const { Findings } = await at('verify/report.js');
const { KeptEventTap } = await at('verify/kept-events.js');

/** This thread's CPU so far, ms (clock ticks of 10 ms). */
function threadCpuMs() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

// The pack's day (its directory's name), for the chain check's date rules.
const date = /(\d{4}-\d{2}-\d{2})[/\\]data[/\\]audit\.jsonl$/.exec(log)?.[1];
const rounds = [];
for (let r = 0; r < Number(roundsText); r++) {
  const findings = new Findings();
  const checker = new LogChecker({ file: 'data/audit.jsonl', findings, date, full: false, emptyOk: true });
  const kept = new KeptEventTap();
  const c0 = threadCpuMs();
  await scanLines(
    log,
    (l) => {
      checker.push(l);
      kept.push(l, checker.lastCategory);
    },
    { view: true, noFollow: true },
  );
  const facts = checker.finish();
  rounds.push(threadCpuMs() - c0);
  if (r === 0) console.error(`${facts.lines} lines, ${findings.toArray().length} findings`);
}
console.log(`${tree}: ${rounds.join(' ')} ms`);
