/**
 * The floor on short lines: what Node spends a line on the least a verifier of this format must do
 * (read, split at "\n", one SHA-256 a line, then one JSON.parse a line), against coreutils
 * `sha256sum` over the same file. Process CPU, a line; every step twice.
 *
 *   npx tsx bench/line-floor.ts <day.jsonl>
 *
 * No auditpack code runs here: it is the bound any implementation in Node meets, which
 * docs/PERFORMANCE.md compares with `sha256sum -c` ("The floor on short lines").
 */
import { spawnSync } from 'node:child_process';
import { createHash, hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: tsx bench/line-floor.ts <day.jsonl>');

const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/** Reads the file in 1 MiB chunks and calls `perLine` with each line; CPU seconds and lines. */
function pass(perLine: (line: Buffer) => void): { s: number; lines: number } {
  const fd = openSync(file as string, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let carry = Buffer.alloc(0);
  let lines = 0;
  const t0 = cpuSeconds();
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    const b = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
    let s = 0;
    for (let e = b.indexOf(10, s); e >= 0; e = b.indexOf(10, s)) {
      perLine(b.subarray(s, e));
      lines++;
      s = e + 1;
    }
    carry = Buffer.from(b.subarray(s));
  }
  closeSync(fd);
  return { s: cpuSeconds() - t0, lines };
}

/** One SHA-256 over the whole file, as sha256sum does, in Node. */
function wholeFile(): number {
  const h = createHash('sha256');
  const fd = openSync(file as string, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  const t0 = cpuSeconds();
  for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
    h.update(buf.subarray(0, n));
  h.digest();
  closeSync(fd);
  return cpuSeconds() - t0;
}

const steps: [string, (line: Buffer) => void][] = [
  ['read + split', () => {}],
  ['+ one crypto.hash a line', (l) => hash('sha256', l)],
  [
    '+ one JSON.parse a line',
    (l) => {
      hash('sha256', l);
      JSON.parse(l.toString('utf8'));
    },
  ],
];
const lines = pass(() => {}).lines;
const us = (s: number): string => `${((s * 1e6) / lines).toFixed(2)} µs CPU a line`;
for (let round = 0; round < 2; round++) {
  for (const [name, f] of steps) console.log(name.padEnd(34), us(pass(f).s));
  console.log('Node, whole-file SHA-256 only'.padEnd(34), us(wholeFile()));
  const t = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sha256sum', file], { encoding: 'utf8' });
  const [u, sy] = (t.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  console.log('sha256sum (coreutils)'.padEnd(34), us((u ?? Number.NaN) + (sy ?? Number.NaN)));
}
console.log(`${lines} lines`);
