/**
 * Redaction of free text alone, for whole-process CPU A/B pairs of two builds:
 *
 *   /usr/bin/time -f '%U %S %M' npx tsx bench/redaction-prose.ts DIST notes|keywords|intl ROUNDS
 *
 * 2,000 strings of 200-2,000 characters made of the logger bench's words (`notes`), or with a key
 * word phrase every ~8 words (`keywords`: the spaced-pair rule's worst case), or half of the words
 * in German, French, Russian and Japanese with a key word phrase every ~8 words and a no-break
 * space now and then (`intl`: the rules 11 text rules' worst case); `redactString` over
 * all of them ROUNDS times. Prints the total output length (the same for builds that redact alike).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist = 'dist', mix = 'notes', rounds = '20'] = process.argv.slice(2);
const url = pathToFileURL(resolve(dist, 'redaction/index.js')).href;
const { compileRedactor } = (await import(url)) as typeof import('../src/redaction/index.js');
const r = compileRedactor();
const WORDS = ['client', 'requested', 'amend', 'after', 'partial', 'fill', 'venue', 'latency', 'spread'];
const MORE = ['widened', 'hedge', 'ratio', 'rebalanced', 'per', 'mandate', 'limit'];
const W = [...WORDS, ...MORE];
const K = [
  'the password policy was changed',
  'token bucket refilled',
  'secret santa draw',
  'api key rotated for desk',
  'session 2024-12-03 opened',
  'passwd reset requested',
  'first pass 350ms',
];
const INTL = [
  'geändert',
  'Ausführung',
  'échéance',
  'clôturé',
  'заявка',
  'исполнена',
  '注文',
  '約定',
  'über\u00a0Limit',
];
const KI = [
  'Passwort geändert',
  'mot de passe expiré',
  'пароль сброшен',
  'the password is incorrect',
  'api key was rotated',
];
let h = 12345;
const rnd = (): number => {
  h = (h * 1103515245 + 12345) >>> 0;
  return h;
};
const strings: string[] = [];
for (let i = 0; i < 2000; i++) {
  let s = '';
  const n = 200 + (rnd() % 1800);
  while (s.length < n) {
    const word =
      mix === 'intl'
        ? rnd() % 8 === 0
          ? KI[rnd() % KI.length]
          : rnd() % 2 === 0
            ? INTL[rnd() % INTL.length]
            : W[rnd() % W.length]
        : mix === 'keywords' && rnd() % 8 === 0
          ? K[rnd() % K.length]
          : W[rnd() % W.length];
    s += `${s ? ' ' : ''}${word}${rnd() % 5 === 0 ? ` ${rnd() % 10000}` : ''}`;
  }
  strings.push(s);
}
let out = 0;
for (let k = 0; k < Number(rounds); k++) for (const s of strings) out += r.redactString(s).length;
console.log(out);
