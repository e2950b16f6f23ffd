/**
 * Rules 17 (outside pass at30 on rules 16, promise 3):
 *
 * - F2: a bare base64 DER private key wrapped as config files and logs carry it (a YAML block
 *   scalar's indented lines, a JSON string's `\n` escapes, LF plus an indent) goes whole, not only
 *   its first line;
 * - F3: Redis and SMTP passwords in the forms clients log: ioredis's `auth([ 'pw' ])`, redis-cli's
 *   lower-case `auth pw`, mixed-case `Acl SetUser`, MONITOR's quoted arguments, `MIGRATE … AUTH2
 *   user pw`, `HELLO 3 AUTH user pw`, lower-case `auth plain <b64>`;
 * - F8: config lines of five colon fields that are no pgpass line stay (host:port lists, times, IPv6).
 *
 * And near misses that must stay.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configFormatOf, redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const R = '[REDACTED]';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p8 = (rsa.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const sec1 = (ec.privateKey.export({ format: 'der', type: 'sec1' }) as Buffer).toString('base64');
const linesOf = (b64: string, n = 64): string[] => b64.match(new RegExp(`.{1,${n}}`, 'g')) ?? [];
const leaked = (out: string, b64: string): string[] => linesOf(b64).filter((l) => out.includes(l.slice(0, 40)));

describe('a wrapped bare DER private key goes whole (F2)', () => {
  it.each([
    ['rsa pkcs8', p8],
    ['ec sec1', sec1],
  ])('%s as a YAML block scalar: every line censored, indents and lines kept', (_n, b64) => {
    const lines = linesOf(b64);
    const yaml = `tls:\n  bundle: |\n${lines.map((l) => `    ${l}`).join('\n')}\n  port: 443\n`;
    const out = redactConfigText(yaml, configFormatOf('configs/tls.yaml'), r).text;
    expect(leaked(out, b64)).toEqual([]);
    expect(out).toBe(`tls:\n  bundle: |\n${lines.map(() => `    ${R}`).join('\n')}\n  port: 443\n`);
  });
  it('in a JSON string with \\n escapes (config file and log line)', () => {
    const json = `${JSON.stringify({ tls: { bundle: linesOf(p8).join('\n'), port: 443 } }, null, 2)}\n`;
    const out = redactConfigText(json, configFormatOf('configs/tls.json'), r).text;
    expect(leaked(out, p8)).toEqual([]);
    expect(out).toContain('"port": 443');
    const crlf = JSON.stringify({ bundle: linesOf(p8, 76).join('\r\n') });
    expect(r.redactString(crlf)).toBe(`{"bundle":"${R}"}`);
  });
  it('in a log string wrapped with LF (or CRLF) and an indent', () => {
    expect(r.redactString(`key:\n  ${linesOf(p8).join('\n  ')}\n  next`)).toBe(`key:\n  ${R}\n  next`);
    expect(r.redactString(`key:\r\n\t${linesOf(p8).join('\r\n\t')}\r\n`)).toBe(`key:\r\n\t${R}\r\n`);
  });
  it('stops at its declared length: the next indented base64 line stays', () => {
    const other = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTIzNDU2Nzg5MA';
    const yaml = `a: |\n  ${linesOf(sec1).join('\n  ')}\n  ${other}\n`;
    const out = redactConfigText(yaml, configFormatOf('x.yaml'), r).text;
    expect(out).toContain(other);
    expect(leaked(out, sec1)).toEqual([]);
  });
});

describe('Redis and SMTP passwords in logged forms go (F3)', () => {
  it.each([
    ["ioredis:redis write command[127.0.0.1:6379]: 0 -> auth([ 'S3cretPass9' ])", 'S3cretPass9'],
    ["0 -> auth([ 'app', 'S3cretPass9' ])", 'S3cretPass9'],
    ['redis-cli> auth S3cretPass9', 'S3cretPass9'],
    ['Acl SetUser bob on >S3cretPass9 ~* +@all', 'S3cretPass9'],
    ['"ACL" "SETUSER" "bob" "on" ">S3cretPass9"', 'S3cretPass9'],
    ['[0 127.0.0.1:50000] "AUTH" "S3cretPass9"', 'S3cretPass9'],
    ['[0 127.0.0.1:50000] "AUTH" "app" "hunter2"', 'hunter2'],
    ['MIGRATE 10.0.0.2 6379 "" 0 5000 AUTH2 app S3cretPass9 KEYS k1', 'S3cretPass9'],
    ['MIGRATE 10.0.0.2 6379 "" 0 5000 AUTH2 app hunter2 KEYS k1', 'hunter2'],
    ['HELLO 3 AUTH default hunter2 SETNAME web', 'hunter2'],
    ['S: 250 AUTH PLAIN LOGIN / C: auth plain AGFwcABTM2NyZXRQYXNzOQ==', 'AGFwcABTM2NyZXRQYXNzOQ=='],
  ])('%s', (line, pw) => {
    const out = r.redactString(line);
    expect(out).not.toContain(pw);
    expect(out).toBe(line.replace(pw, R));
  });
  it('near misses stay: auth in prose, other lists, HELLO without AUTH', () => {
    for (const text of [
      'auth module loaded',
      'auth failed for user bob',
      'the auth service returned S3cretPass9Xx',
      'oauth token refreshed',
      'Auth required',
      'auth plain text is not allowed',
      'author(s) and authority',
      'cache.auth([ ]) called',
      'HELLO 3 SETNAME web',
      'say hello 3 AUTH ok',
      'Acl SetUser is the command; see docs',
      'AUTH2 enabled',
      '"AUTH" failed',
      '"auth" "token" is needed',
      '<add key="auth" value="ok"/>',
    ]) {
      expect(r.redactString(text)).toBe(text);
    }
  });
});

describe('colon lines that are no pgpass line stay (F8)', () => {
  const red = (text: string, name: string): string => redactConfigText(text, configFormatOf(name), r).text;
  it('host:port lists, colon times, key=value times, IPv6 and MAC addresses', () => {
    for (const [line, name] of [
      ['redis1:6379:redis2:6380:redis3:6381', 'hosts.txt'],
      ['trading_window=09:30:00:16:00', 'x.conf'],
      ['hours=09:30:45:123:456', 'x.conf'],
      ['fe80:1:2:3:4::1', 'hosts.txt'],
      ['2001:db8:0:0:1::1', 'hosts.txt'],
      ['00:1a:2b:3c:4d:5e', 'x.conf'],
    ]) {
      expect(red(`${line}\n`, name as string)).toBe(`${line}\n`);
    }
  });
  it('pgpass lines still go', () => {
    expect(red('db.internal:5432:trades:trader:PgpassOldZZ17\n', 'pgpass.conf')).toBe(
      `db.internal:5432:trades:trader:${R}\n`,
    );
    expect(red('/var/run/postgresql:5432:*:app:pw:with:colons\n', '.pgpass')).toBe(
      `/var/run/postgresql:5432:*:app:${R}\n`,
    );
    expect(red('db:5432:ab:cd:12ab\n', '.pgpass')).toBe(`db:5432:ab:cd:${R}\n`);
  });
});
