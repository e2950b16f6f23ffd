/**
 * endsWithKeyStem looks up a word's stems by its last two letters (pl20, for the writer thread's
 * free-text scan). Its answer must stay the one the lookup by the last letter alone gave: the
 * reference below is that version, word for word, and both are asked about every stem in many
 * spellings, every word of a text, and words that only nearly end like a stem.
 */
import { describe, expect, it } from 'vitest';
import { endsWithKeyStem, KEY_STEMS } from '../../src/redaction/key-stems.js';

/** The lookup before pl20: stems by their last letter, each compared from its second-last one. */
function reference(): (s: string, start: number, end: number) => boolean {
  const byLast: string[][] = Array.from({ length: 26 }, () => []);
  for (const stem of KEY_STEMS) {
    const last = stem.charCodeAt(stem.length - 1);
    if (last < 128 && stem.charCodeAt(stem.length - 2) < 128) (byLast[last - 97] as string[]).push(stem);
  }
  const wide = new Set(KEY_STEMS.filter((x) => /[^\x00-\x7f]/.test(x)));
  const wideTail = [...wide].filter((x) => x.charCodeAt(x.length - 1) >= 128 || x.charCodeAt(x.length - 2) >= 128);
  const lowerUnit = (c: number): number =>
    c < 128 ? (c >= 65 && c <= 90 ? c | 32 : c) : String.fromCharCode(c).toLowerCase().charCodeAt(0);
  const wideStem = (s: string, start: number, end: number, stems: readonly string[]): boolean =>
    stems.some((stem) => {
      const n = stem.length;
      if (end - start < n) return false;
      for (let k = 1; k <= n; k++) {
        const c = s.charCodeAt(end - k);
        const want = stem.charCodeAt(n - k);
        if (c !== want && lowerUnit(c) !== want) return false;
      }
      return true;
    });
  return (s, start, end) => {
    const code = s.charCodeAt(end - 1);
    if (code >= 128 || s.charCodeAt(end - 2) >= 128) return end - start >= 2 && wideStem(s, start, end, wideTail);
    const last = (code | 32) - 97;
    if (last < 0 || last > 25) return false;
    return (byLast[last] as string[]).some((stem) => {
      const n = stem.length;
      if (end - start < n) return false;
      if (wide.has(stem)) return wideStem(s, start, end, [stem]);
      for (let k = 2; k <= n; k++) if ((s.charCodeAt(end - k) | 32) !== stem.charCodeAt(n - k)) return false;
      return true;
    });
  };
}

const old = reference();

/** Every [start, end) of `text` that ends before a blank or the end, with every start before it. */
function* spans(text: string): Generator<[number, number]> {
  for (let end = 0; end <= text.length; end++) for (let start = 0; start <= end; start++) yield [start, end];
}

function same(text: string): void {
  for (const [start, end] of spans(text)) {
    const want = old(text, start, end);
    if (endsWithKeyStem(text, start, end) !== want)
      expect.fail(`${JSON.stringify(text)} [${start}, ${end}): want ${want}`);
  }
}

describe('endsWithKeyStem by the last two letters', () => {
  it('answers as the lookup by the last letter for every stem, in every case and after any prefix', () => {
    let matches = 0;
    for (const stem of KEY_STEMS) {
      for (const word of [stem, stem.toUpperCase(), stem[0]?.toUpperCase() + stem.slice(1), `x_${stem}`, `-${stem}`]) {
        same(word);
        if (endsWithKeyStem(word, 0, word.length)) matches++;
      }
    }
    // Each stem is found in each spelling (the upper-case ones of a few wide stems are too: lowerUnit).
    expect(matches).toBeGreaterThanOrEqual(KEY_STEMS.length * 4);
  });

  it('answers as before on near misses: one letter changed, cut short, non-letters and wide letters at the end', () => {
    for (const stem of KEY_STEMS) {
      for (let i = 0; i < stem.length; i++) {
        for (const c of ['q', 'Z', '_', '@', '[', '`', '{', '1', 'é', 'İ', 'K', '\u0000'])
          same(stem.slice(0, i) + c + stem.slice(i + 1));
        same(stem.slice(0, i));
      }
    }
  });

  it('answers as before on every span of prose, logs and foreign text', () => {
    for (const text of [
      'the client requested a fill with the session token then the password was rotated',
      'upstream said: token=ak_live_1234 invalid; auth with PASSWD and Lösenord, Пароль, 密码 or contraseña',
      'sshpass -p hunter2 ssh; export AWS_SECRET_ACCESS_KEY; --storepass x; $api_key; _authToken; IDENTIFIED BY',
      'kod pin otp cvv cvc jwt psk pw phrase mnemonic code sid sig ssn creds bearer cookie cookies sessionid',
      'a b ed on th in de se ha rd ss en ey ns İd ÉD',
    ])
      same(text);
  });
});
