/**
 * Rules 16 (outside pass at29, promise 3): secrets with no key name and no scanner prefix.
 *
 * - F1: a private key as bare base64 of its DER (PKCS#8, PKCS#1, SEC1), no PEM armor, in free text,
 *   under a neutral field name, and wrapped over lines;
 * - F3: a libpq password file's line `host:port:db:user:password` in a config file;
 * - F4: Redis ACL rules (`>pw`, `<pw`, `#hash`) in `ACL SETUSER` and in config `user` lines, and
 *   Redis's `AUTH [user] pw`;
 * - F5: SMTP `AUTH PLAIN <base64>` (and XOAUTH2) and the answer to AUTH LOGIN's password prompt.
 *
 * And the near misses that must stay: `AUTH` in a sentence or a server's mechanism list, `>` in
 * prose, base64 that is no key (a SHA-256 digest, a PNG, a public key, a certificate).
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configFormatOf, redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const R = '[REDACTED]';

function der(k: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1'): string {
  return (k.export({ type, format: 'der' } as never) as Buffer).toString('base64');
}
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEYS: [string, string][] = [
  ['ed25519 pkcs8', der(ed.privateKey, 'pkcs8')],
  ['x25519 pkcs8', der(generateKeyPairSync('x25519').privateKey, 'pkcs8')],
  ['ed448 pkcs8', der(generateKeyPairSync('ed448').privateKey, 'pkcs8')],
  ['rsa pkcs8', der(rsa.privateKey, 'pkcs8')],
  ['rsa pkcs1', der(rsa.privateKey, 'pkcs1')],
  ['ec pkcs8', der(ec.privateKey, 'pkcs8')],
  ['ec sec1', der(ec.privateKey, 'sec1')],
  ['ec P-384 sec1', der(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'sec1')],
  ['dsa pkcs8', der(generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey, 'pkcs8')],
];
const wrap = (b64: string, n: number, eol = '\n'): string => (b64.match(new RegExp(`.{1,${n}}`, 'g')) ?? []).join(eol);

describe('a private key as bare base64 DER goes (F1)', () => {
  it.each(KEYS)('%s in free text, alone, and after a colon', (_name, b64) => {
    for (const text of [`loaded signing key ${b64} at startup`, b64, `key:${b64}`, `"${b64}"`]) {
      const out = r.redactString(text);
      expect(out).not.toContain(b64.slice(20, 40));
      expect(out).toContain(R);
    }
    expect(r.redactString(`loaded ${b64} ok`)).toBe(`loaded ${R} ok`);
  });
  it.each(KEYS)('%s wrapped at 64 and 76 characters (openssl base64, base64), LF and CRLF', (_name, b64) => {
    for (const n of [64, 76]) {
      for (const eol of ['\n', '\r\n']) {
        const out = r.redactString(`key follows:\n${wrap(b64, n, eol)}${eol}next line stays`);
        expect(out).toBe(`key follows:\n${R}${eol}next line stays`);
      }
    }
  });
  it('a key cut off (a truncated log line) still goes', () => {
    const b64 = (KEYS[3] as [string, string])[1];
    expect(r.redactString(`blob ${b64.slice(0, 300)}`)).toBe(`blob ${R}`);
  });
  it('base64 that is no private key stays: digests, PNG, public keys, certificates, words', () => {
    const sha = createHash('sha256').update('x').digest('base64');
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(40, 7)]).toString(
      'base64',
    );
    const spki = (ed.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
    const rsaSpki = (rsa.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
    const rsaPub1 = (rsa.publicKey.export({ type: 'pkcs1', format: 'der' }) as Buffer).toString('base64');
    // A certificate's DER (SEQUENCE { SEQUENCE { [0] … ): its base64 starts MII…CCA…gAwIBAgI.
    const cert = 'MIIBszCCAVmgAwIBAgIUQ1b2Xz3d9x0L0p7a1sR4e5f6g7gwCgYIKoZIzj0EAwIwFzEVMBMGA1UEAwwMdGVzdC5leGFtcGxl';
    // 0x30-started base64 by chance: every digest of these inputs that starts with 'M'.
    const ms: string[] = [];
    for (let i = 0; ms.length < 200; i++) {
      const d = createHash('sha512').update(String(i)).digest('base64');
      if (d.startsWith('M')) ms.push(d);
    }
    for (const v of [
      sha,
      png,
      spki,
      rsaSpki,
      rsaPub1,
      cert,
      ...ms,
      'MondayMorningMeetingMinutesMarkets2026',
      'MIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII',
    ]) {
      expect(r.redactString(`value ${v} end`)).toBe(`value ${v} end`);
    }
  });
});

describe('a libpq password file line goes (F3)', () => {
  const red = (text: string, name = 'configs/pg/pgpass.conf'): string =>
    redactConfigText(text, configFormatOf(name), r).text;
  it('host:port:db:user:password, also with escaped colons, `*` and in other line formats', () => {
    expect(red('db.internal:5432:trades:trader:PgpassOldZZ17\n')).toBe(`db.internal:5432:trades:trader:${R}\n`);
    expect(red('*:*:*:ops:pass\\:word\\\\x\n')).toBe(`*:*:*:ops:${R}\n`);
    expect(red('localhost:5432:*:app:weakpw\n# comment: kept\n', '.pgpass')).toBe(
      `localhost:5432:*:app:${R}\n# comment: kept\n`,
    );
    expect(red('h:6432:db:u:pw\n', 'x.yaml')).toBe(`h:6432:db:u:${R}\n`);
    expect(red('h\\:x:6432:db:u:pw\n', 'x.ini')).toBe(`h\\:x:6432:db:u:${R}\n`);
  });
  it('colons that are no pgpass line stay', () => {
    const text = [
      'time: 10:00:00',
      'listen = [fe80::1]:5432',
      'url = http://example.com:80/a:b:c',
      'path C:\\data:x:y:z',
      'route: a:b:c:d:e',
      '# h:5432:db:u:pw',
      'host:port:db',
      '',
    ].join('\n');
    expect(red(text, 'x.conf')).toBe(text);
  });
});

describe('Redis ACL passwords and AUTH go (F4)', () => {
  it('ACL SETUSER: >pw, <pw, #sha256, quoted; the other rules stay', () => {
    const hash = createHash('sha256').update('pw').digest('hex');
    expect(r.redactString('ACL SETUSER trader on >RedisAclLogRR32 ~orders:* +@all')).toBe(
      `ACL SETUSER trader on >${R} ~orders:* +@all`,
    );
    expect(r.redactString(`acl setuser u <OldPw1 >weak #${hash} !${hash} resetkeys &* -@dangerous`)).toBe(
      `acl setuser u <${R} >${R} #${R} !${R} resetkeys &* -@dangerous`,
    );
    expect(r.redactString(`redis> ACL SETUSER u on ">pass word" ~*`)).toBe(`redis> ACL SETUSER u on ">${R}" ~*`);
  });
  it('AUTH [user] password', () => {
    expect(r.redactString('AUTH trader RedisAuthLogSS33')).toBe(`AUTH trader ${R}`);
    expect(r.redactString('AUTH foobared')).toBe(`AUTH ${R}`);
    expect(r.redactString('sent AUTH S3cretPw to cache-1, reply OK')).toBe(`sent AUTH ${R} to cache-1, reply OK`);
    expect(r.redactString('cmd="AUTH default hunter2"')).toBe(`cmd="AUTH default ${R}"`);
  });
  it('config user lines (redis.conf, users.acl)', () => {
    const hash = createHash('sha256').update('pw').digest('hex');
    const conf = `port 6379\nuser default on >RedisAclCfgQQ31 ~* &* +@all\nuser ro on #${hash} ~* +@read\nuser off nopass\n`;
    const want = `port 6379\nuser default on >${R} ~* &* +@all\nuser ro on #${R} ~* +@read\nuser off nopass\n`;
    expect(redactConfigText(conf, configFormatOf('configs/redis.conf'), r).text).toBe(want);
    expect(redactConfigText(conf, configFormatOf('configs/users.acl'), r).text).toBe(want);
  });
  it('AUTH and > in prose, and config user lines without ACL passwords, stay', () => {
    for (const text of [
      'AUTH failed for user bob',
      'AUTH failed',
      'Redis AUTH required before SELECT',
      'NOAUTH Authentication required.',
      'the OAUTH flow and AUTH_TOKEN_TTL',
      'fill if price > 100 and qty >5',
      'ACL SETUSER is how users are made',
      'user <name> means any user',
    ]) {
      expect(r.redactString(text)).toBe(text);
    }
    const nginx = 'user www-data;\nworker_processes auto; # user > 1 ok\n';
    expect(redactConfigText(nginx, configFormatOf('nginx.conf'), r).text).toBe(nginx);
  });
});

describe('SMTP AUTH credentials go (F5)', () => {
  const plain = Buffer.from('\0alerts\0SmtpPlainPwTT41').toString('base64');
  it('AUTH PLAIN / XOAUTH2 initial responses', () => {
    expect(r.redactString(`SMTP C: AUTH PLAIN ${plain} S: 535 5.7.8 authentication failed`)).toBe(
      `SMTP C: AUTH PLAIN ${R} S: 535 5.7.8 authentication failed`,
    );
    // Glued after a prompt's colon, and as a JSON-quoted field.
    expect(r.redactString(`C:AUTH PLAIN ${plain}`)).toBe(`C:AUTH PLAIN ${R}`);
    expect(r.redactString(`{"line":"AUTH PLAIN ${plain}"}`)).toBe(`{"line":"AUTH PLAIN ${R}"}`);
    const xo = Buffer.from('user=a@b.c\x01auth=Bearer ya29xyz\x01\x01').toString('base64');
    expect(r.redactString(`C: AUTH XOAUTH2 ${xo}`)).toBe(`C: AUTH XOAUTH2 ${R}`);
  });
  it('the answer to AUTH LOGIN password prompt', () => {
    const user = Buffer.from('alerts').toString('base64');
    const pw = Buffer.from('SmtpLoginPw').toString('base64');
    const t = `C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: ${user}\nS: 334 UGFzc3dvcmQ6\nC: ${pw}\nS: 235 2.7.0 ok`;
    expect(r.redactString(t)).toBe(t.replace(pw, R));
    expect(r.redactString(`334 UGFzc3dvcmQ6 ${pw}`)).toBe(`334 UGFzc3dvcmQ6 ${R}`);
  });
  it('mechanism lists and AUTH in a sentence stay', () => {
    for (const text of [
      '250-AUTH PLAIN LOGIN XOAUTH2',
      '250-AUTH=PLAIN LOGIN',
      '250 AUTH LOGIN PLAIN CRAM-MD5',
      'server supports AUTH PLAIN only',
      'AUTH PLAIN =',
    ]) {
      expect(r.redactString(text)).toBe(text);
    }
  });
});
