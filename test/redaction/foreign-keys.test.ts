/**
 * Secrets in text and keys that the pair rules missed (redaction rules 11): the key word in the
 * languages of the EU desks (`Passwort`, `Kennwort`, `mot de passe`, `contraseña`, `senha`,
 * `wachtwoord`, `hasło`, `пароль`, `パスワード`, `密码`, "clé API"), as text keys and as field names;
 * "password is X" (a strong key word, a link word, a credential-shaped value); a Unicode blank
 * (`\p{Zs}`: NBSP, thin space, ideographic space) between key and value or around `=`. In the
 * chained log line, in config snapshots and in their diffs. Every case failed on rules 10.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { configFormatOf, redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { writeFiles } from '../snapshot/helpers.js';
import { leaksUnder } from './leak-scan.js';

const r = compileRedactor();
const red = (path: string, text: string): string => redactConfigText(text, configFormatOf(path), r).text;

/** [text, what the log keeps]: each value is credential-shaped (digits and mixed case). */
const TEXTS: readonly [string, string][] = [
  ['Passwort=Kq7Zp2Vx9Lm1', 'Passwort=[REDACTED]'],
  ['Kennwort: Rw8Tn3Bc6Yh0', 'Kennwort: [REDACTED]'],
  ['mot_de_passe=Pd4Gs9Jk2Xe7', 'mot_de_passe=[REDACTED]'],
  ['mot de passe: Pd4Gs9Jk2Xe7', 'mot de passe: [REDACTED]'],
  ['contraseña: Cf5Hu1Mq8Wz3', 'contraseña: [REDACTED]'],
  ['senha=Sn6Vb0Ry4Tk2', 'senha=[REDACTED]'],
  ['wachtwoord: Wa3Qe8Zm1Lp5', 'wachtwoord: [REDACTED]'],
  ['hasło=Hs9Fd2Nc7Vg4', 'hasło=[REDACTED]'],
  ['HASŁO: Hs9Fd2Nc7Vg4', 'HASŁO: [REDACTED]'],
  ['пароль: Pa1Ro8Lx5Ym3', 'пароль: [REDACTED]'],
  ['ПАРОЛЬ Pa1Ro8Lx5Ym3', 'ПАРОЛЬ [REDACTED]'],
  ['パスワード: Jp4Wd8Qx2Lm6', 'パスワード: [REDACTED]'],
  ['新密码=Zh3Mm7Qa1Xs9', '新密码=[REDACTED]'],
  ['clé API: Ck5Ap9Lx3Qe1', 'clé API: [REDACTED]'],
  ['API-Schlüssel=Ck5Ap9Lx3Qe1', 'API-Schlüssel=[REDACTED]'],
  ['reset done, new password is Np2Wq7Xt4Ks9', 'reset done, new password is [REDACTED]'],
  ['vendor api key is Ak5Jh0Lb3Ud8', 'vendor api key is [REDACTED]'],
  ['the secret was "Sw4Xq8Lm2Pz6"', 'the secret was "[REDACTED]"'],
  ['auth token is Xy7Zt9Qw2Lp0', 'auth token is [REDACTED]'],
  ['password -> Ar5Qw9Zx3Lm7', 'password -> [REDACTED]'],
  ['Passwort ist Pi8Wq2Zx6Lm4', 'Passwort ist [REDACTED]'],
  ['le mot de passe est Me3Pq7Zx1Lm5', 'le mot de passe est [REDACTED]'],
  ['hasło jest Hj6Wq1Zx8Lm2', 'hasło jest [REDACTED]'],
  ['password\u00a0Nb1Sp4Qr7Tz2', 'password\u00a0[REDACTED]'],
  ['password\u00a0=\u00a0Eq6Nb9Sp2Wx5', 'password\u00a0=\u00a0[REDACTED]'],
  ['api_key\u2009Th3In8Sp5Cx0', 'api_key\u2009[REDACTED]'],
  ['secret\u3000Id7Eo2Gr9Ap4', 'secret\u3000[REDACTED]'],
  ['token\u202f:\u202fNn4Bs8Pq2Xz6Lm0Wq', 'token\u202f:\u202f[REDACTED]'],
];

/** Text the new rules must leave alone. */
const KEPT: readonly string[] = [
  'the password is incorrect',
  'the password was reset by ops',
  'trading session is London2024Q1',
  'first pass is 12ms',
  'the api returned 500',
  'price\u00a0=\u00a01.2345',
  'café=Ab12Cd34Ef',
  'le mot de passe est expiré',
  'chave=EURUSD',
];

describe('key words in other languages, "KEY is VALUE", Unicode blanks: in text', () => {
  it.each(TEXTS)('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });

  it.each(KEPT)('%j is kept', (input) => {
    expect(r.redactString(input)).toBe(input);
  });
});

describe('key words in other languages as field names', () => {
  it.each([
    'passwort',
    'Kennwort',
    'mot_de_passe',
    'motDePasse',
    'contraseña',
    'senha',
    'wachtwoord',
    'hasło',
    'haslo',
    'пароль',
    'パスワード',
    '密码',
    'lösenord',
    'geheimnis',
    'clé_api',
    'API-Schlüssel',
    'clave privada',
    'api_ключ',
    '密钥',
  ])('%s is sensitive', (key) => {
    expect(r.isSensitiveKey(key)).toBe(true);
  });

  it.each(['chosenHandler', 'hasLogin', 'bypassOrder', 'the_slot', 'clave', 'cle', 'chave', 'schlüssel', 'symbol'])(
    '%s is not',
    (key) => {
      expect(r.isSensitiveKey(key)).toBe(false);
    },
  );
});

describe('in the chained log line', () => {
  it('notes and field names in other languages, "is" and Unicode blanks reach the line redacted', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    for (const [note] of TEXTS) audit.log('system', 'OpsNote', { note });
    audit.log('config', 'ConfigChanged', {
      config_type: 'db',
      passwort: 'Fk1Pw2Zx3Lm4',
      пароль: 'Fk5Pw6Zx7Lm8',
      密码: 'Fk9Pw0Zx1Lm2',
      clé_api: 'Fk3Pw4Zx5Lm6',
    });
    audit.log('config', 'ConfigChanged', { config_type: 'db', name: 'Kennwort', value: 'Fk7Pw8Zx9Lm0' });
    await audit.close();
    const all = sink.allLines().join('\n');
    const values = [...TEXTS.map(([t]) => /([A-Z][a-z][0-9][A-Za-z0-9]{5,})/.exec(t)?.[1] as string)];
    values.push('Fk1Pw2Zx3Lm4', 'Fk5Pw6Zx7Lm8', 'Fk9Pw0Zx1Lm2', 'Fk3Pw4Zx5Lm6', 'Fk7Pw8Zx9Lm0');
    for (const v of values) expect(all).not.toContain(v);
    expect(all).toContain('"config_type":"db"');
  });
});

describe('in config snapshots and their diffs', () => {
  it('keys in other languages, Unicode blanks and "is" in every format', () => {
    expect(red('db.yaml', 'db:\n  passwort: LEAK1a\n  пароль: LEAK2a\n  clé_api: LEAK3a\n  host: x\n')).toBe(
      'db:\n  passwort: [REDACTED]\n  пароль: [REDACTED]\n  clé_api: [REDACTED]\n  host: x\n',
    );
    expect(red('db.json', '{"hasło": "LEAK4a", "密码": "LEAK5a", "host": "x"}\n')).toBe(
      '{"hasło": "[REDACTED]", "密码": "[REDACTED]", "host": "x"}\n',
    );
    expect(red('db.ini', '[db]\nKennwort = LEAK6a\nmot_de_passe=LEAK7a\nhost = x\n')).toBe(
      '[db]\nKennwort = [REDACTED]\nmot_de_passe=[REDACTED]\nhost = x\n',
    );
    expect(red('.env', 'WACHTWOORD=LEAK8a\nHOST=x\n')).toBe('WACHTWOORD=[REDACTED]\nHOST=x\n');
    expect(red('notes.txt', '# the api key is Lk9Ab2Cd3Ef\npassword\u00a0Lk1Ab2Cd3Ef\nport 5\n')).toBe(
      '# the api key is [REDACTED]\npassword\u00a0[REDACTED]\nport 5\n',
    );
  });

  it('reach neither the store nor the diffs (two snapshots through the CLI)', () => {
    const cwd = tempDir();
    const files = (tag: string): Record<string, string> => ({
      'configs/a.yaml': `db:\n  passwort: ${tag}yaml1\n  пароль: ${tag}yaml2\n  host: x\n`,
      'configs/b.ini': `[db]\nKennwort\u00a0=\u00a0${tag}ini1\nsenha = ${tag}ini2\n`,
      'configs/c.conf': `# ops: the secret is ${tag}conf1\nrequirepass\u3000${tag}conf2\n`,
    });
    writeFiles(cwd, files('LEAKa1'));
    expect(runCli(['snapshot', '--reason', 'before', '--configs', 'configs/*'], { cwd }).code).toBe(0);
    for (const [p, text] of Object.entries(files('LEAKb2'))) writeFileSync(join(cwd, p), text);
    expect(runCli(['snapshot', '--reason', 'rotated', '--configs', 'configs/*'], { cwd }).code).toBe(0);
    expect(leaksUnder(join(cwd, 'audit'))).toEqual([]);
    expect(readdirSync(join(cwd, 'audit/snapshots/objects')).length).toBeGreaterThan(0);
  }, 120_000);
});

describe('a weak name alone in a config file (redaction rules 11: as in the log)', () => {
  it('{name: auth, value: ok} stays; a value that reads as a secret, or named by a strong name, goes', () => {
    expect(
      red(
        'c.yaml',
        'checks:\n  - {name: auth, value: ok}\n  - {name: auth, value: hunter22}\n  - {name: password, value: ok}\n',
      ),
    ).toBe(
      'checks:\n  - {name: auth, value: ok}\n  - {name: auth, value: "[REDACTED]"}\n  - {name: password, value: "[REDACTED]"}\n',
    );
    expect(
      red(
        'c.yaml',
        'checks:\n  - name: auth\n    value: ok\n  - name: pass\n    value: S3cr3t!x\n  - name: sig\n    value:\n      deep\n',
      ),
    ).toBe(
      'checks:\n  - name: auth\n    value: ok\n  - name: pass\n    value: [REDACTED]\n  - name: sig\n    value:\n      [REDACTED]\n',
    );
    expect(
      red(
        'c.json',
        '{\n  "checks": [\n    {"name": "auth",\n     "value": "ok"},\n    {"name": "auth",\n     "value": "Xy7Zt9Qw2Lp0"}\n  ]\n}\n',
      ),
    ).toBe(
      '{\n  "checks": [\n    {"name": "auth",\n     "value": "ok"},\n    {"name": "auth",\n     "value": "[REDACTED]"}\n  ]\n}\n',
    );
    expect(
      red(
        'c.xml',
        '<c>\n<add key="auth" value="ok"/>\n<add key="auth" value="Xy7Zt9Qw2Lp0"/>\n<add key="password" value="ok"/>\n</c>\n',
      ),
    ).toBe(
      '<c>\n<add key="auth" value="ok"/>\n<add key="auth" value="[REDACTED]"/>\n<add key="password" value="[REDACTED]"/>\n</c>\n',
    );
  });
});
