/**
 * A carried compliance state of hostile shape (docs/PERFORMANCE.md, "Hostile carried states"): a
 * valid state's members plus one crafted member, written in pieces, for the readers to be timed
 * on (`/usr/bin/time -f '%M %U %S %e'`), build against build.
 *
 *   node bench/hostile-carried-state.mjs write <shape> <n> <out> [<date>]
 *       shapes: deep (n `[` then n `]`), tiny (a list of n `0`), keys (n members the state has
 *       not), ws (n spaces before the `}`), bigstr (one string of n bytes), sessions (n valid ones)
 *   node bench/hostile-carried-state.mjs read <dist> <file> [<date>]
 *       readStateFile of that build's dist/ (its open orders iterated), or, for a build before
 *       carry-file.js existed, parseCarriedState of the whole file: what it says and its time
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const LISTS = [
  'closed_orders',
  'clocks',
  'decisions',
  'failed_logins',
  'kill_switch',
  'open_orders',
  'overrides',
  'recent_orders',
  'risk_checks',
  'sessions',
  'strategy_rates',
  'venue_rates',
];

function write(shape, n, out, date) {
  const fd = openSync(out, 'w');
  let parts = [];
  let held = 0;
  const flush = () => {
    writeSync(fd, parts.join(''));
    parts = [];
    held = 0;
  };
  const w = (s) => {
    parts.push(s);
    held += s.length;
    if (held > 1 << 20) flush();
  };
  const times = (s, k) => {
    const chunk = s.repeat(65536);
    let left = k;
    for (; left >= 65536; left -= 65536) w(chunk);
    w(s.repeat(left));
  };
  w(`{"date":"${date}","end_us":0,"format":"auditpack.compliance-state/1"`);
  for (const l of LISTS) if (shape !== 'sessions' || l !== 'sessions') w(`,"${l}":[]`);
  if (shape === 'deep') {
    w(',"x":');
    times('[', n);
    times(']', n);
  } else if (shape === 'tiny') {
    w(',"x":[');
    times('0,', n - 1);
    w('0]');
  } else if (shape === 'keys') for (let i = 0; i < n; i++) w(`,"k${i}":0`);
  else if (shape === 'ws') times(' ', n);
  else if (shape === 'bigstr') {
    w(',"x":"');
    times('a', n);
    w('"');
  } else if (shape === 'sessions') {
    w(',"sessions":[');
    for (let i = 0; i < n; i++) w(`${i ? ',' : ''}{"login_us":0,"user":"u${i}"}`);
    w(']');
  } else throw new Error(`no shape ${shape}`);
  w('}\n');
  flush();
  closeSync(fd);
}

async function read(dist, file, date) {
  const started = performance.now();
  const pieces = resolve(dist, 'compliance/carry-file.js');
  let said;
  if (existsSync(pieces)) {
    const { readStateFile } = await import(pathToFileURL(pieces).href);
    const r = readStateFile(file, date);
    if (typeof r === 'string') said = r;
    else if ('problem' in r) said = `problem: ${r.problem}`;
    else {
      let k = 0;
      for (const _ of r.state.open_orders) k++;
      said = `read, ${k} open orders`;
    }
  } else {
    const { parseCarriedState } = await import(pathToFileURL(resolve(dist, 'compliance/carry-parse.js')).href);
    const r = parseCarriedState(readFileSync(file), date);
    said = typeof r === 'string' ? `problem: ${r}` : `read, ${r.open_orders.length} open orders`;
  }
  console.log(`${said.slice(0, 120)} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
}

const [what, ...rest] = process.argv.slice(2);
if (what === 'write') write(rest[0], Number(rest[1]), rest[2], rest[3] ?? '2026-11-29');
else if (what === 'read') await read(rest[0], rest[1], rest[2] ?? '2026-11-29');
else throw new Error('usage: hostile-carried-state.mjs write <shape> <n> <out> [<date>] | read <dist> <file> [<date>]');
