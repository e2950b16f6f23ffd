/**
 * The redactor's cue checks go by a needle's rarer character, or by line breaks, instead of
 * `includes` (pl25, for the writer thread's free-text scan: the searches for ` \n` and `priv`
 * stopped at every space and `p` of prose). Their answers must stay the ones `includes` gave: the
 * references below are those spellings, word for word, and both are asked about random texts over
 * the characters that matter, texts with the needles at every position, and prose.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASN1PARSE_CUE, hasAsn1parseCue } from '../../src/redaction/asn1parse-dump.js';
import { includesBy } from '../../src/redaction/chars.js';
import {
  hasOpensslInlineCue,
  hasOpensslTextCue,
  hasTrailingBlanks,
  OPENSSL_INLINE_CUE,
} from '../../src/redaction/openssl-text.js';

/** hasTrailingBlanks before pl25. */
const blanksRef = (s: string): boolean =>
  s.includes(' \n') || s.includes('\t\n') || s.includes(' \r\n') || s.includes('\t\r\n');
/** hasOpensslTextCue before pl25. */
const textCueRef = (s: string): boolean => s.includes(':\n') || s.includes(':\r\n') || blanksRef(s);

/** Texts over the characters the cues look at, and a letter, a wide blank and a surrogate half. */
const cueText = fc
  .array(fc.constantFrom(':', ' ', '\t', '\r', '\n', 'a', 'h', 'l', '=', 'p', 'r', 'i', 'v', '\u00a0', '\ud800'), {
    maxLength: 40,
  })
  .map((cs) => cs.join(''));

const PROSE =
  'client requested amend after partial fill; venue latency spread widened, hedge ratio rebalanced per mandate limit';

describe('the cue checks give includes() answers', () => {
  it('line ends: every text over the cue characters', () => {
    fc.assert(
      fc.property(cueText, (s) => {
        expect(hasTrailingBlanks(s)).toBe(blanksRef(s));
        expect(hasOpensslTextCue(s)).toBe(textCueRef(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('line ends: each ending at every place in prose, at the start and at the end', () => {
    for (const end of [':\n', ':\r\n', ' \n', '\t\n', ' \r\n', '\t\r\n', '\r\n', '\n', '\r\r\n', ':\r', 'a\n', '\n:']) {
      for (let at = 0; at <= PROSE.length; at += 7) {
        for (const s of [PROSE.slice(0, at) + end + PROSE.slice(at), end + PROSE, PROSE + end, end]) {
          expect(hasTrailingBlanks(s), JSON.stringify(s)).toBe(blanksRef(s));
          expect(hasOpensslTextCue(s), JSON.stringify(s)).toBe(textCueRef(s));
        }
      }
    }
  });

  it('includesBy: every needle, every key character, random texts', () => {
    const needles = [ASN1PARSE_CUE, OPENSSL_INLINE_CUE, 'a', 'aa', 'aba', ':\r\n'];
    fc.assert(
      fc.property(cueText, fc.constantFrom(...needles), fc.nat(), (s, needle, k) => {
        expect(includesBy(s, needle, k % needle.length)).toBe(s.includes(needle));
      }),
      { numRuns: 20_000 },
    );
  });

  it('the asn1parse and inline cues: at every place in prose, cut short, and near misses', () => {
    for (const [cue, ref] of [
      [hasAsn1parseCue, (s: string) => s.includes(ASN1PARSE_CUE)],
      [hasOpensslInlineCue, (s: string) => s.includes(OPENSSL_INLINE_CUE)],
    ] as const) {
      for (const piece of ['hl=', 'h=', 'l=', 'hl', '=', 'hhl=', 'priv', 'pri', 'riv', 'prv', 'v', 'ppriv', 'privv']) {
        for (let at = 0; at <= PROSE.length; at += 5) {
          for (const s of [PROSE.slice(0, at) + piece + PROSE.slice(at), piece, piece + PROSE, PROSE + piece]) {
            expect(cue(s), JSON.stringify(s)).toBe(ref(s));
          }
        }
      }
    }
  });
});
