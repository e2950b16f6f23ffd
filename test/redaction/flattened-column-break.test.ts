/**
 * A flattened xxd dump (lines joined by blanks) outside any JSON string whose ASCII column shows a
 * `\` byte then an `n` byte: the column's `\n` is no line break, so the dump's offsets still make
 * one chain and the key goes whole. Found by CI (Node 26 line, 2026-12-07): rules-20-part11's random
 * X25519 key printed `\n` in its second line's column and 11-19 bytes of its seed stayed; 7 of 20,000
 * random X25519 keys did so. These are three of those keys' dumps, as the test prints them: the pair in
 * a middle line's column, and in the last line's (whose line then ended there, the rest left to a view
 * that read the text after the first lines were censored).
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { redactOnce } from '../helpers/redact-idempotent.js';
import { leaked, odX1z, xxdPairs } from './dump-formats.js';

const r = compileRedactor();
const TEXTS: [string, string][] = [
  [
    '00000000: 302e 0201 0030 0506 032b 656e 0422 0420  0....0...+en.".  00000010: d846 b75c 6ef6 9662 48be eb17 7a37 9c14  .F.\\n..bH...z7.. 00000020: f810 dcf6 93c7 b52f 3634 1ae2 7733 b961  ......./64..w3.a done, rotating keys',
    'd846b75c6ef6966248beeb177a379c14f810dcf693c7b52f36341ae27733b961',
  ],
  [
    '00000000: 302e 0201 0030 0506 032b 656e 0422 0420  0....0...+en.".  00000010: 4015 0f5a c05d 5e02 085c 6e06 cc34 9652  @..Z.]^..\\n..4.R 00000020: 0783 d685 0e43 544c f328 cdb9 4766 765a  .....CTL.(..GfvZ done, rotating keys',
    '40150f5ac05d5e02085c6e06cc3496520783d6850e43544cf328cdb94766765a',
  ],
  [
    '00000000: 302e 0201 0030 0506 032b 656e 0422 0420  0....0...+en.".  00000010: e020 d848 bb76 af9e 925b 5746 8ff0 7606  . .H.v...[WF..v. 00000020: 68da fefa df92 cb82 9bbe 5c6e cf92 5660  h.........\\n..V` done, rotating keys',
    'e020d848bb76af9e925b57468ff0760668dafefadf92cb829bbe5c6ecf925660',
  ],
];

describe("a flattened xxd dump whose ASCII column shows '\\n'", () => {
  it.each(TEXTS)('the key goes whole and the words after it stay: %#', (text, seed) => {
    const secret = Buffer.from(seed, 'hex');
    expect(leaked(text, secret)).toBeGreaterThan(0);
    const out = redactOnce(r, text);
    expect(leaked(out, secret)).toBe(0);
    expect(out.endsWith('done, rotating keys')).toBe(true);
  });
});

describe("a flattened od -A x -t x1z dump whose last line's column shows '\\n'", () => {
  // od's closing offset (the length dumped, less than a line on) after the column's `\n`: the view
  // broke the chain there, the last line ran on to the text's end and the words after the dump went.
  // An EC SEC1 key from a loop of random keys with `\` and `n` put in its last line (2026-12-07).
  const der = Buffer.from(
    '30770201010420998a8023d5fde4b13c9b5d33c7ef730cead8f062522a352c8487b8cd30d930e1a00a06082a8648ce3d030107a14403420004490d6ef3c14f6cd989ce510a372c2ccf4178799b063322a5ede2a4c0914be728231f7fa4301f3a8241348b4aea3cabd4f92a69f5ad28780083fb58dee25c6ef6',
    'hex',
  );
  const secret = der.subarray(7, 39);
  const flat = odX1z(der).replace(/\n$/, '').replace(/\n/g, ' ');
  it.each([
    ['flattened, then words', '', ' done, rotating keys'],
    ['in a sentence', 'the key was ', ' and then done, rotating keys'],
  ])('%s: the key goes, the closing offset and the words stay', (_n, before, after) => {
    const text = `${before}${flat}${after}`;
    expect(text).toContain(`>...X..\\n.< 000079${after}`);
    expect(leaked(text, secret)).toBeGreaterThan(0);
    const out = redactOnce(r, text);
    expect(leaked(out, secret)).toBe(0);
    expect(out.endsWith(`000079${after}`)).toBe(true);
  });
});

describe("a flattened xxd dump whose column ends in '\\n' before the next line's offset", () => {
  // A column's last two bytes `\` and `n` sit right before the blank that joins the next line, as an
  // escaped line break would: the chain broke there and the seed's last lines stayed. An Ed448 key from
  // a loop of random keys with `\` and `n` put in (2026-12-07): in `xxd -c 8` and `-c 24` the pair ends
  // a line's column.
  const der = Buffer.from(
    '3047020100300506032b6571043b0439ab860125251ab7a4730aee9b8193e8c11a69afc7130e6af8448e12015d802e69fb1f10afd63efeaeccd2ea62314f9d33c6b273f4cfc25c6e9f',
    'hex',
  );
  const secret = der.subarray(16);
  it.each([
    ['xxd -c 8', 8],
    ['xxd -c 24', 24],
  ])('%s, flattened, then words: the seed goes whole, the words stay', (_n, cols) => {
    const text = `${xxdPairs(der, 0, cols).replace(/\n$/, '').replace(/\n/g, ' ')} done, rotating keys`;
    expect(leaked(text, secret)).toBeGreaterThan(0);
    const out = redactOnce(r, text);
    expect(leaked(out, secret)).toBe(0);
    expect(out.endsWith(' done, rotating keys')).toBe(true);
  });
});
