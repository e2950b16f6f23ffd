/**
 * `redactString` on 1 MB of hostile text, one seed repeated: the jwt shape's seeds (`eyJ` after
 * `-`, `_`, `ops_`, `sntrys_`, long first segments ending in `.` before a short second; rules 14's
 * `..` and five segments), encoded URLs, curl's SOCKS options and seed phrases (rules 14), and the
 * dump readers' cues after a name, a quote or a prefix (fx61), for an
 * A/B of two builds (s18: 4-11 s per seed with the jwt pattern, tens to hundreds of ms with its finder):
 *
 *   npx tsx bench/redaction-hostile.ts DIST [ROUNDS]
 *
 * Prints per seed the times of ROUNDS runs (default 1, the first is cold) and a hash of the output
 * (the same for builds that redact alike).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist = 'dist', rounds = '1'] = process.argv.slice(2);
const url = pathToFileURL(resolve(dist, 'redaction/index.js')).href;
const { compileRedactor } = (await import(url)) as typeof import('../src/redaction/index.js');
const r = compileRedactor();
const SIZE = 1_000_000;
const fill = (seed: string): string => seed.repeat(Math.ceil(SIZE / seed.length)).slice(0, SIZE);
const SEEDS: readonly (readonly [string, string])[] = [
  ['ops_eyJ', 'ops_eyJ'],
  ['ops_eyJAb1', 'ops_eyJAb1'],
  ['-eyJ', '-eyJ'],
  ['_eyJ', '_eyJ'],
  ['sntrys_eyJ', 'sntrys_eyJ'],
  ['-eyJrIjoi', '-eyJrIjoi'],
  ['eyJrIjoi_', 'eyJrIjoi_'],
  ['-sk.eyJ', '-sk.eyJ'],
  ['-eyJ×2000 .ab', `${'-eyJ'.repeat(2000)}.ab `],
  ['-eyJ×2000 .ab.', `${'-eyJ'.repeat(2000)}.ab.`],
  ['eyJ+8000.', `eyJ${'Ab1_'.repeat(2000)}.`],
  ['eyJa.', 'eyJa.'],
  // Rules 14: a detached payload and a JWE's five segments are looked for; encoded URLs twice;
  // curl's SOCKS options; seed phrases after a key word without a separator.
  ['-eyJabcd..', '-eyJabcd..'],
  ['eyJabcd.efgh.i.c.', 'eyJabcd.efgh.i.c.'],
  ['-eyJ×2000 ..ab', `${'-eyJ'.repeat(2000)}..ab `],
  ['%253A%252F…%253A', '%253A%252F%252Fa%253A'],
  ['%2540%253A', '%2540%253A'],
  [' --socks5 a:', ' --socks5 a:'],
  ['mnemonic abandon', 'mnemonic abandon '],
  ['mnemonic abandon×11 .', `mnemonic ${'abandon '.repeat(11)}. `],
  // Dumps after a name or a quote, behind a prefix, in records (fx61): hex lines that a quote or a name
  // opens or a quote closes, offsets glued to `=`, a key word before an offset, words after a column.
  ['p: "020100"', 'p: "020100"\n'],
  ['a: x="hex64"', `a: x="${'a3f1'.repeat(16)}"\n`],
  [
    'record xxd -p',
    '{"msg":"Dec  7 10:00:00 host app[42]: 302e020100300506032b6570042204209257839f551730c3edb5cfc7e147"}\n',
  ],
  ['k=000000 30', 'k=000000 30 '],
  ['k=00000000: 3077…', 'k=00000000: 3077 0201 0104 20\n'],
  ["k='000000 + prefix", "k='000000 30\nDec  7 10:00:00 host app[42]: 000010 30 "],
  ['.pw 00000030: 6b', '.pw 00000030: 6b '],
  ['xxd + words', '00000000: 3077 0201 0104 2029 14d3 0fd0 bb8a 5cd3  0w.... )......\\. done\n'],
  ['000000 30 77"}', '000000 30 77 02 01"}\n'],
];
for (const [name, seed] of SEEDS) {
  const s = fill(seed);
  const times: string[] = [];
  let out = '';
  for (let k = 0; k < Number(rounds); k++) {
    const t0 = performance.now();
    out = r.redactString(s);
    times.push((performance.now() - t0).toFixed(0));
  }
  let h = 0;
  for (let i = 0; i < out.length; i++) h = (h * 31 + out.charCodeAt(i)) | 0;
  console.log(`${name.padEnd(16)} ${times.join(' ').padStart(12)} ms  out ${out.length} hash ${h}`);
}
