/**
 * A wallet's seed words after `mnemonic:` / `seed phrase:` / `recovery phrase=` in text (at18 F8,
 * rules 13): a bare value was one token, so 11 of 12 BIP39 words stayed in clear (the 12th is
 * then found by the checksum). For the phrase keys the value runs on through the words of letters
 * after the first; other keys keep the one-token rule.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
// BIP39 test vector (English); and the Japanese list's words with ideographic spaces.
const M = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const JA = 'あいこくしん　あいさつ　あいだ　あおぞら　あかちゃん　あきる';

describe('seed phrases in text', () => {
  it.each([
    [`hot wallet restored, mnemonic: ${M}`, 'hot wallet restored, mnemonic: [REDACTED]'],
    [`seed phrase: ${M}`, 'seed phrase: [REDACTED]'],
    [`recovery phrase=${M}`, 'recovery phrase=[REDACTED]'],
    [`seed words: ${M}`, 'seed words: [REDACTED]'],
    [`recovery seed: ${M}`, 'recovery seed: [REDACTED]'],
    [`MNEMONIC=${M}\nnext line stays`, 'MNEMONIC=[REDACTED]\nnext line stays'],
    [`mnemonic: ${JA}`, 'mnemonic: [REDACTED]'],
    ['passphrase: correct horse battery staple', 'passphrase: [REDACTED]'],
  ])('%j loses every word', (text, want) => {
    expect(r.redactString(text)).toBe(want);
  });

  it('the run stops at punctuation, a digit, a line end and before the next key', () => {
    expect(r.redactString(`mnemonic: ${M}. Restored 3 accounts`)).toBe('mnemonic: [REDACTED]. Restored 3 accounts');
    expect(r.redactString(`seed phrase: ${M}, account 3`)).toBe('seed phrase: [REDACTED], account 3');
    expect(r.redactString(`mnemonic: ${M} wallet_id: w7`)).toBe('mnemonic: [REDACTED] wallet_id: w7');
    expect(r.redactString(`mnemonic: ${M} passphrase: TREZOR`)).toBe('mnemonic: [REDACTED] passphrase: [REDACTED]');
    // A first token that is not a word keeps the one-token rule.
    expect(r.redactString('mnemonic: 0xdeadbeef was checked')).toBe('mnemonic: [REDACTED] was checked');
  });

  it('other keys keep the one-token value', () => {
    expect(r.redactString('password: hunter two three')).toBe('password: [REDACTED] two three');
    expect(r.redactString('api_key=abc123 side buy')).toBe('api_key=[REDACTED] side buy');
  });

  it('through the logger: no seed word is written', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    audit.log('wallet', 'Restored', { message: `hot wallet restored, mnemonic: ${M}` });
    audit.log('wallet', 'Restored', { message: `seed phrase: ${M}` });
    await audit.close();
    const all = sink.allLines().join('\n');
    expect(all).not.toContain('winner');
    expect(all).not.toContain('yellow');
  });
});

// Rules 14 (red19): the key then the words, with no `:` or `=` between them. 12 to 25 words of 3 to 9
// lower-case letters (every BIP39 list's words in their NFC form), none of them a word English prose
// cannot do without and no BIP39 list holds (`the`, `and`, `for`, `with`, `was`, …).
const B12 = 'abandon ability able about above absent absorb abstract absurd abuse access accident';
const B24 = `${M} ${B12}`;
const IT = 'abaco abbaglio abbinato abete abisso abolire abrasivo abrogato accadere accenno accusato acetone';

describe('seed phrases after the key without a separator', () => {
  it.each([
    [`wallet mnemonic ${B12}`, 'wallet mnemonic [REDACTED]'],
    [`seed phrase ${B12}`, 'seed phrase [REDACTED]'],
    [`recovery phrase ${B12}`, 'recovery phrase [REDACTED]'],
    [`Restored wallet from Mnemonic ${M}`, 'Restored wallet from Mnemonic [REDACTED]'],
    [`mnemonic ${B24}`, 'mnemonic [REDACTED]'],
    [`mnemonic ${IT}`, 'mnemonic [REDACTED]'],
    [`seed phrase is ${B12}`, 'seed phrase is [REDACTED]'],
    [`mnemonic\t${B12}\nnext line stays`, 'mnemonic\t[REDACTED]\nnext line stays'],
    [`mnemonic ${B12}. Restored 3 accounts`, 'mnemonic [REDACTED]. Restored 3 accounts'],
    [`mnemonic ${B12} restored from backup`, 'mnemonic [REDACTED] from backup'],
    [`"mnemonic ${B12}"`, '"mnemonic [REDACTED]"'],
  ])('%j loses every word', (text, want) => {
    expect(r.redactString(text)).toBe(want);
  });

  it('prose after the key stays', () => {
    for (const s of [
      'the mnemonic device we use is simple and we like it a lot very much indeed ok',
      'mnemonic devices help people remember long lists without writing notes about their hidden meaning',
      'seed phrase backup reminder sent to every desk lead before market open today again please confirm',
      'recovery phrase check failed because the wallet service could not reach the vault cluster',
      'generate mnemonic words offline never paste them into chat tools email forms or ticket systems',
      `mnemonic ${B12.split(' ').slice(0, 11).join(' ')}`, // 11 words: not a phrase
      `mnemonic ${B12.toUpperCase()}`,
      `the word list ${B12}`, // no phrase key before
    ]) {
      expect(r.redactString(s)).toBe(s);
    }
  });

  it('through the logger: no seed word is written', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    audit.log('wallet', 'Restored', { message: `wallet mnemonic ${B12}` });
    await audit.close();
    const all = sink.allLines().join('\n');
    expect(all).not.toContain('abstract');
    expect(all).not.toContain('accident');
  });
});
