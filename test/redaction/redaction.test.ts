import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { redactConfigText, type ConfigTextFormat } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { tempDir } from '../helpers/tmp.js';

const r = compileRedactor();

describe('sensitive keys', () => {
  it.each([
    'password',
    'PASSWORD',
    'db_password',
    'passwd',
    'secret',
    'clientSecret',
    'client_secret',
    'token',
    'access_token',
    'refreshToken',
    'api_key',
    'apiKey',
    'X-Api-Key',
    'API-KEY',
    'authorization',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'private_key',
    'privateKey',
    'session',
    'sessionId',
    'aws_secret_access_key',
    'pwd',
    'otp',
  ])('%s is sensitive', (key) => {
    expect(r.isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'symbol',
    'side',
    'quantity',
    'price',
    'order_id',
    'orderId',
    'deal_id',
    'user',
    'message',
    'author',
    'passenger_count',
  ])('%s is not sensitive', (key) => {
    expect(r.isSensitiveKey(key)).toBe(false);
  });

  it('is extendable, and off only when disabled', () => {
    const custom = compileRedactor({ keys: ['Account-Number'] });
    expect(custom.isSensitiveKey('accountNumber')).toBe(true);
    expect(custom.isSensitiveKey('ACCOUNT_NUMBER')).toBe(true);
    const off = compileRedactor({ enabled: false });
    expect(off.isSensitiveKey('password')).toBe(false);
    expect(off.redactString('Bearer abcdefghijkl')).toBe('Bearer abcdefghijkl');
  });

  it('treats "__proto__" and other prototype names as ordinary keys', () => {
    expect(r.isSensitiveKey('__proto__')).toBe(false);
    expect(r.isSensitiveKey('constructor')).toBe(false);
    expect(r.isSensitiveKey('toString')).toBe(false);
  });
});

describe('secret shapes in strings', () => {
  it.each([
    ['Authorization: Bearer abc.DEF-123_xyz', 'Authorization: Bearer [REDACTED]'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_x here', 'jwt [REDACTED] here'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key [REDACTED] used'],
    ['gh ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'gh [REDACTED]'],
    ['postgres://trader:s3cr3t@db:5432/x', 'postgres://trader:[REDACTED]@db:5432/x'],
    ['https://api.x/y?api_key=abc123&q=1', 'https://api.x/y?api_key=[REDACTED]&q=1'],
    ['GET /?token=zzz&signature=deadbeef', 'GET /?token=[REDACTED]&signature=[REDACTED]'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----\ntrailer', '[REDACTED]\ntrailer'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA', '[REDACTED]'],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });

  it('returns the same string object when there is nothing to redact', () => {
    const s = 'an ordinary message about EURUSD at 1.10050';
    expect(r.redactString(s)).toBe(s);
  });

  it('takes user patterns', () => {
    const custom = compileRedactor({ patterns: [/ACCT-\d{8}/, 'INTERNAL-[A-Z]{4}'] });
    expect(custom.redactString('move ACCT-12345678 and INTERNAL-ABCD')).toBe('move [REDACTED] and [REDACTED]');
  });
});

// ----- the property: no generated secret, placed anywhere in an event, reaches the file ---------

const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: min, maxLength: max }).map((a) => a.join(''));
const upperNum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const DER_B64 = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'der', type: 'pkcs8' })
  .toString('base64');

/** A secret and the distinctive part that must never be written. */
const secretArb: fc.Arbitrary<{ text: string; core: string }> = fc.oneof(
  chars(b64, 16, 40).map((c) => ({ text: `Bearer ${c}`, core: c })),
  fc.tuple(chars(b64, 10, 30), chars(b64, 10, 40), chars(b64, 10, 40)).map(([a, b, c]) => {
    const core = `eyJ${a}.eyJ${b}.${c}`;
    return { text: core, core };
  }),
  chars(upperNum, 16, 16).map((c) => ({ text: `AKIA${c}`, core: `AKIA${c}` })),
  chars(b64, 36, 40).map((c) => ({ text: `ghp_${c}`, core: `ghp_${c}` })),
  fc
    .tuple(chars('abcdefgh', 3, 8), chars(b64, 12, 24))
    .map(([u, p]) => ({ text: `https://${u}:${p}@host.example/x`, core: p })),
  fc
    .tuple(fc.constantFrom('api_key', 'token', 'signature', 'access_token', 'apikey'), chars(b64, 12, 30))
    .map(([k, v]) => ({
      text: `https://h.example/p?a=1&${k}=${v}`,
      core: v,
    })),
  chars(b64, 40, 80).map((c) => ({ text: `-----BEGIN PRIVATE KEY-----\n${c}\n-----END PRIVATE KEY-----`, core: c })),
  // Rules 19: a bare DER key cut off inside a JSON array of lines; its second line must not be written.
  fc.tuple(fc.constantFrom(64, 76, 48), fc.integer({ min: 2, max: 9 })).map(([w, n]) => {
    const ls = (DER_B64.match(new RegExp(`.{1,${w}}`, 'g')) as string[]).slice(0, n);
    return { text: `["${ls.join('", "')}", "EURUSD", "BUY"]`, core: ls[1] as string };
  }),
);

const sensitiveKeyArb = fc.constantFrom(
  'password',
  'Password',
  'db-password',
  'apiKey',
  'API_KEY',
  'client_secret',
  'authToken',
  'Authorization',
  'cookie',
  'privateKey',
  'sessionId',
);
const plainKeyArb = fc.constantFrom('note', 'detail', 'comment', 'payload', 'info', 'text');
const fillerArb = fc.string({ maxLength: 12 }).map((s) => s.replace(/[A-Za-z0-9_\-+/=.:@%]/g, ' '));

/** An event with the secret placed somewhere: under a sensitive key, or inside text, a nested object, an array, or as a key. */
const placedArb = fc
  .tuple(secretArb, sensitiveKeyArb, plainKeyArb, fillerArb, fillerArb, fc.nat(5), fc.nat(3))
  .map(([secret, skey, pkey, pre, post, where, depth]) => {
    const inText = `${pre}${secret.text}${post}`;
    let leaf: unknown;
    switch (where) {
      case 0:
        leaf = { [skey]: `${pre}${secret.core}${post}` }; // any value under a sensitive key
        break;
      case 1:
        leaf = { [pkey]: inText };
        break;
      case 2:
        leaf = { [pkey]: [1, 'a', inText] };
        break;
      case 3:
        leaf = { [pkey]: { [inText]: 1 } }; // the secret as a key
        break;
      case 4:
        leaf = { [skey]: { nested: secret.core } }; // a whole subtree under a sensitive key
        break;
      default:
        leaf = { [pkey]: new Error(inText) };
    }
    for (let i = 0; i < depth; i++) leaf = { level: leaf };
    return { secret, fields: { symbol: 'EURUSD', side: 'BUY', price: '1.10050', ...(leaf as object) } };
  });

describe('property: redaction never leaks', () => {
  it('no generated secret placed anywhere in an event reaches the line', () => {
    fc.assert(
      fc.property(placedArb, ({ secret, fields }) => {
        const sink = new MemorySink();
        const log = createAuditLogger({ sink, handleExit: false });
        log.log('order', 'OrderAccepted', fields);
        void log.flush();
        const line = sink.allLines().join('\n');
        expect(line).not.toContain(secret.core);
        // Trade fields are never altered.
        expect(line).toContain('"symbol":"EURUSD","side":"BUY","price":"1.10050"');
        expect(JSON.parse(line).redacted.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('and none reaches a real file, whose bytes are checked after close', async () => {
    const dir = tempDir();
    const log = createAuditLogger({ logDir: dir, handleExit: false });
    const samples = fc.sample(placedArb, 300);
    for (const s of samples) log.log('alert', 'AlertSent', s.fields);
    await log.close();
    const text = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    expect(text.split('\n').filter(Boolean)).toHaveLength(300);
    for (const s of samples) expect(text).not.toContain(s.secret.core);
  });
});

describe('multi-line text', () => {
  it('does not let a sensitive key at a line end swallow the next line', () => {
    expect(r.redactString('password:\nhost: db1')).toBe('password:\nhost: db1');
    expect(r.redactString('password: hunter2\nhost: db1')).toBe('password: [REDACTED]\nhost: db1');
  });

  it('finds URL credentials whatever the scheme, and skips strings without ://', () => {
    expect(r.redactString('amqp+ssl://svc:pa55@mq')).toBe('amqp+ssl://svc:[REDACTED]@mq');
    expect(r.redactString('a:b@c and d:e@f')).toBe('a:b@c and d:e@f');
  });
});

// ----- the vocabulary, the false positives, headers in config text, Buffers, hostile input -----

describe('key vocabulary: one list for field names, pairs in text and config keys', () => {
  const named = [
    'DB_PASS',
    'dbPass',
    'mysql_pwd',
    'signing_key',
    'encryption_key',
    'secret_key',
    'aws_secret_access_key',
    'passphrase',
    'credentials',
    'private_key_id',
    'cookie',
    'set-cookie',
    'session',
    'pin',
    'otp',
  ];
  const trading = [
    'base_token',
    'token_symbol',
    'session_count',
    'trading_session',
    'trading_session_id',
    'sort_key',
    'routing_key',
    'max_tokens',
    'next_token',
    'tokenId',
    'pass_through',
    'auth_method',
    'signal',
  ];

  it.each(named)('%s is sensitive as a field, in text and in a config file', (key) => {
    expect(r.isSensitiveKey(key)).toBe(true);
    expect(r.redactString(`retry: ${key}=s3cretVal9 host=db1`)).toBe(`retry: ${key}=[REDACTED] host=db1`);
    expect(r.redactString(`connect failed (${key}: "s3cretVal9")`)).toBe(`connect failed (${key}: "[REDACTED]")`);
    expect(redactConfigText(`db:\n  ${key}: s3cretVal9\n  host: db1\n`, 'yaml', r).text).toBe(
      `db:\n  ${key}: [REDACTED]\n  host: db1\n`,
    );
  });

  it.each(trading)('%s is trading vocabulary: kept as a field and in text', (key) => {
    expect(r.isSensitiveKey(key)).toBe(false);
    expect(r.redactString(`${key}: ETH2024x`)).toBe(`${key}: ETH2024x`);
  });
});

describe('false positives that damaged real data are gone', () => {
  it.each([
    'Switching to basic hedging mode',
    'Bearer market sentiment',
    'Token bucket throttle',
    'sig: 0.95',
    'digest summary: 14 orders',
    'session: London open',
    'token: bucket refill',
  ])('%j is left alone', (text) => {
    expect(r.redactString(text)).toBe(text);
  });

  it('a scheme word still takes a credential-shaped value', () => {
    expect(r.redactString('Switching to basic dXNlcjpwYXNzd29yZA== mode')).toBe('Switching to basic [REDACTED] mode');
    expect(r.redactString('Bearer abcdefghijklmnop1234 sent')).toBe('Bearer [REDACTED] sent');
    expect(r.redactString('token: 9f8a7b6c5d4e3f2a1b0c')).toBe('token: [REDACTED]');
    expect(r.redactString('GET /x?token=zzz')).toBe('GET /x?token=[REDACTED]');
  });
});

describe('Authorization headers inside config values: the token goes, not only the word', () => {
  const token = 'abcdefghijklmnop1234';
  it.each<[ConfigTextFormat, string]>([
    ['yaml', `headers: "Authorization: Bearer ${token}"\n`],
    ['env', `HEADERS="Authorization: Bearer ${token}"\n`],
    ['ini', `[http]\nheaders = Authorization: Bearer ${token}\n`],
    ['toml', `[http]\nheaders = "Authorization: Bearer ${token}"\n`],
    ['properties', `http.headers=Authorization: Bearer ${token}\n`],
    ['python', `HEADERS = {"X": "1", "h": "Authorization: Bearer ${token}"}\n`],
    ['conf', `proxy_set_header Authorization "Bearer ${token}";\n`],
    ['json', `{"headers": "Authorization: Bearer ${token}"}\n`],
  ])('%s', (format, text) => {
    const out = redactConfigText(text, format, r).text;
    expect(out).not.toContain(token);
    expect(out).toContain('[REDACTED]');
  });
});

describe('Buffers are written as their length and SHA-256, never their bytes', () => {
  it('a Buffer, a typed array and a DataView', () => {
    const secret = Buffer.from('password=hunter2 AKIAIOSFODNN7EXAMPLE');
    const sink = new MemorySink();
    const log = createAuditLogger({ sink, handleExit: false });
    log.log('system', 'Note', {
      buf: secret,
      u8: new Uint8Array(secret),
      dv: new DataView(secret.buffer, secret.byteOffset, 8),
    });
    void log.flush();
    const line = sink.allLines()[0] as string;
    const rec = JSON.parse(line) as Record<string, unknown>;
    const sha = createHash('sha256').update(secret).digest('hex');
    expect(rec.buf).toBe(`[binary: ${secret.length} bytes, sha256 ${sha}]`);
    expect(rec.u8).toBe(rec.buf);
    expect(rec.dv).toBe(
      `[binary: 8 bytes, sha256 ${createHash('sha256').update(secret.subarray(0, 8)).digest('hex')}]`,
    );
    expect(line).not.toContain(secret.toString('base64').slice(0, 12));
    expect(rec.validation).toContain('buf: binary data recorded as its length and SHA-256, not its bytes');
  });
});

describe('hostile input: bounded work per character', () => {
  const K64 = 64 * 1024;
  it.each([
    ['colons', 'a:'.repeat(K64 / 2)],
    ['equals', 'key='.repeat(K64 / 4)],
    ['long key runs', `${'x'.repeat(K64 - 1)}=`],
    ['quotes', '"password": "'.repeat(K64 / 13)],
    ['brackets', 'token={['.repeat(K64 / 8)],
    ['scheme words', 'Bearer '.repeat(K64 / 7)],
    ['PEM headers without END', '-----BEGIN PRIVATE KEY-----'.repeat(K64 / 27)],
    ['prefixes', 'ghp_sk-AKIAxoxb-'.repeat(K64 / 16)],
    ['one long token', 'A'.repeat(K64)],
    ['URL-ish', '://a:b'.repeat(K64 / 6)],
    ['hooks', 'Q~.atlasv1._mmk-us'.repeat(K64 / 18)],
    ['escaped quotes', '\\\\\\"password\\\\\\":'.repeat(K64 / 20)],
    ['encoded pairs', 'token%3D%26'.repeat(K64 / 11)],
    ['encoded JSON pairs', '%22token%22%3A%22'.repeat(K64 / 17)],
    ['elements', '<p:password a="1">x</p:pass'.repeat(K64 / 27)],
    ['element text without end', `<password>${'x'.repeat(K64 - 12)}</`],
    ['bracket keys', '[password]= ['.repeat(K64 / 13)],
    ['YAML tags', 'password: !a !b &c '.repeat(K64 / 19)],
    ['spaced keys', 'password '.repeat(K64 / 9)],
    ['tab keys', 'PASSWORD\t'.repeat(K64 / 9)],
    ['spaced keys with unclosed quotes', 'password "'.repeat(K64 / 10)],
    ['set and long setting names', `set ${'x'.repeat(K64 / 2)}_api_key ${'set api_key '.repeat(K64 / 24)}`],
    ['two-word keys', 'api key '.repeat(K64 / 8)],
    ['command flags', 'sshpass -p '.repeat(K64 / 11)],
    ['command flags with quotes', 'docker login -p "'.repeat(K64 / 17)],
    ['glued command flags', '7z -p'.repeat(K64 / 5)],
  ])('%s (64 KiB) in well under a second of CPU', (_name, text) => {
    // CPU time of this process, not wall time: a loaded machine stretches the wall clock, not the
    // work. Backtracking on these inputs costs seconds to minutes of CPU; linear work, milliseconds.
    const t0 = process.cpuUsage();
    r.redactString(text);
    const used = process.cpuUsage(t0);
    expect((used.user + used.system) / 1000).toBeLessThan(1500);
  });
});

describe('pairs in escaped and encoded text', () => {
  it.each([
    ['{\\"password\\":\\"hunter2xyz\\"}', '{\\"password\\":\\"[REDACTED]\\"}'],
    ['body={\\"api_key\\": \\"abc123secret\\"}', 'body={\\"api_key\\": \\"[REDACTED]\\"}'],
    [
      'redirect=https%3A%2F%2Fx%3Fapi_key%3Dabc123secret%26q%3D1',
      'redirect=https%3A%2F%2Fx%3Fapi_key%3D[REDACTED]%26q%3D1',
    ],
    ['password%3dhunter2xyz', 'password%3d[REDACTED]'],
    ['$env:API_KEY="abc123secret"', '$env:API_KEY="[REDACTED]"'],
    ['Authorization:Bearer abc123DEF456ghi', 'Authorization:Bearer [REDACTED]'],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });
});

describe('pairs in markup, form arrays, URL-encoded JSON and after YAML tags (attack8 #1)', () => {
  it.each([
    [
      '<wsse:Password Type="PasswordText">Zq9xK2mV7pL4</wsse:Password>',
      '<wsse:Password Type="[REDACTED]">[REDACTED]</wsse:Password>',
    ],
    ['<soap:Password>Zq9xK2mV7pL4</soap:Password>', '<soap:Password>[REDACTED]</soap:Password>'],
    ['<Password>Zq9xK2mV7pL4</Password><User>bob</User>', '<Password>[REDACTED]</Password><User>bob</User>'],
    ['<api_key>\n  Zq9xK2mV7pL4\n</api_key>', '<api_key>[REDACTED]</api_key>'],
    ['user[password]=Zq9xK2mV7pL4&user[name]=bob', 'user[password]=[REDACTED]&user[name]=bob'],
    ['a[0][api_key]=Zq9xK2mV7pL4;b=1', 'a[0][api_key]=[REDACTED];b=1'],
    ['%22password%22%3A%22Zq9xK2mV7pL4%22', '%22password%22%3A%22[REDACTED]%22'],
    ['%7B%22api_key%22%3A%22Zq9xK2mV7pL4%22%2C%22n%22%3A1%7D', '%7B%22api_key%22%3A%22[REDACTED]%22%2C%22n%22%3A1%7D'],
    ['password: !!str Zq9xK2mV7pL4', 'password: !!str [REDACTED]'],
    ['password: &anchor Zq9xK2mV7pL4', 'password: &anchor [REDACTED]'],
    ['password: !secret &a Zq9xK2mV7pL4', 'password: !secret &a [REDACTED]'],
    ['mnemonic=abandon-ability-able', 'mnemonic=[REDACTED]'],
    ['wallet_mnemonic: "abandon ability able"', 'wallet_mnemonic: "[REDACTED]"'],
    ['pincode: 4821', 'pincode: [REDACTED]'],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });

  it.each([
    '<User>bob</User>',
    '<passwordPolicy>',
    'items[name]=bob&items[qty]=3',
    'https%3A%2F%2Fexample.com%3A443',
    'status: !!str open',
  ])('%j is kept', (input) => {
    expect(r.redactString(input)).toBe(input);
  });
});

describe('curl credentials, quoted or not (gitleaks curl-auth-user)', () => {
  it.each([
    ['curl -u ":d2LkV78zLx!t" https://x', 'curl -u ":[REDACTED]" https://x'],
    ['curl -u "sk_test_d2LkV78zLx:" https://x', 'curl -u "[REDACTED]:" https://x'],
    ["curl --user  'johns:h0pk1ns~21s' $U", "curl --user  'johns:[REDACTED]' $U"],
    ['curl --user "{acd3c08b}":"{ZqL5kVrX1n8tA2}" -H x', 'curl --user "{acd3c08b}":"{[REDACTED]}" -H x'],
    ["curl --user kevin:'pRf7vG2h1L8nQkW9' -iX", "curl --user kevin:'[REDACTED]' -iX"],
    ['curl --user=ops:Pw123secret x', 'curl --user=ops:[REDACTED] x'],
    ['please re-use the -u flag', 'please re-use the -u flag'],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });
});
