/**
 * Redis and SMTP passwords in the forms clients and servers log (rules 18): CONFIG SET requirepass
 * / masterauth (MONITOR-quoted and plain), a command as an array, RESP on the wire (raw, escaped,
 * spaced), SMTP AUTH PLAIN with an empty initial response (RFC 4954 §4: base64 after `334`).
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const PW = 'S3cretPass9';

describe('Redis and SMTP passwords in logged forms go', () => {
  it.each([
    `[0 127.0.0.1:50000] "CONFIG" "SET" "requirepass" "${PW}"`,
    `[0 127.0.0.1:50000] "config" "set" "masterauth" "${PW}"`,
    `CONFIG SET requirepass ${PW}`,
    `redis> config set requirepass "${PW}"`,
    `redis command ["AUTH","${PW}"]`,
    `redis cmd: ['auth', '${PW}']`,
    `cmd ["AUTH", "default", "${PW}"] sent`,
    // A call's quoted arguments (at33 F2): redis-py, a Lua script, node-redis v3.
    `r.execute_command("AUTH", "${PW}")`,
    `await redis.call("auth","alice","${PW}")`,
    `client.send_command('AUTH', ['${PW}'])`,
    `redis.call('AUTH', 'default', '${PW}') -- lua`,
    `*2\r\n$4\r\nAUTH\r\n$11\r\n${PW}\r\n`,
    `sent: *2\\r\\n$4\\r\\nAUTH\\r\\n$11\\r\\n${PW}\\r\\n`,
    `sent: *3\\\\r\\\\n$4\\\\r\\\\nAUTH\\\\r\\\\n$7\\\\r\\\\ndefault\\\\r\\\\n$11\\\\r\\\\n${PW}\\\\r\\\\n`,
    `wire *2 $4 AUTH $11 ${PW}`,
    'C: AUTH PLAIN\r\nS: 334\r\nC: AGFsaWNlAFMzY3JldFBhc3M5',
    'C: AUTH PLAIN\\r\\nS: 334 \\r\\nC: AGFsaWNlAFMzY3JldFBhc3M5\\r\\nS: 235 ok',
  ])('%j', (text) => {
    const out = r.redactString(text);
    expect(out).not.toContain(PW);
    expect(out).not.toContain('AGFsaWNlAFMzY3JldFBhc3M5');
    expect(out).toContain('[REDACTED]');
    expect(r.redactString(out)).toBe(out);
  });

  it('the RESP password goes exactly: the next command stays', () => {
    expect(r.redactString(`*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*1\r\n$4\r\nPING\r\n`)).toBe(
      '*2\r\n$4\r\nAUTH\r\n$2\r\n[REDACTED]\r\n*1\r\n$4\r\nPING\r\n',
    );
  });
});

describe('near misses: trading and ops text stays', () => {
  it.each([
    'paid $4 AUTH fee $11 refund pending for acct 77',
    'paid $4 AUTH fee $6 refund for acct 77',
    'order states ["NEW", "AUTH"] then ["FILLED"]',
    'CONFIG SET maxmemory 2gb',
    'config set timeout 300',
    'requirepass is set (value hidden)',
    'C: AUTH PLAIN\r\nS: 535 5.7.8 Authentication credentials invalid',
    'S: 250-AUTH PLAIN LOGIN\r\nS: 334 OK\r\nMSFT 100 @ 1.25',
    '*2 $4 AUTHX $3 abc',
    // A list that only starts with "auth" (at33 F4): no command's shape.
    'steps=["auth", "risk", "route"] symbols=["auth", "ORD-1", "EURUSD"]',
    'check("auth", "risk") done',
    'pipeline(["auth", "risk"], ["route"])',
    "stages = ('auth', 'pre trade', 'send')",
  ])('%j', (text) => {
    expect(r.redactString(text)).toBe(text);
  });
});
