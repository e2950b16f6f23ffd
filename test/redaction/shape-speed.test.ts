/**
 * Every shape on 1 MB of text built to make it work hard (s17 F6): its prefix or hook over and over,
 * glued or as long words. A pattern that backtracks at every hook (the aws-secret-access-key
 * pattern's lazy groups took ~6-12 s on 1 MB of "awskey") or searches to the text's end for every
 * long token (the hooks of the rules without a literal start: 16 s on 4 MB of 55-character words)
 * fails here. Generous bounds, not a benchmark: a linear pass takes 0.1-0.3 s (as long as 1 MB of
 * log text does). A pass over 2 s on a busy machine is held to 1 MB of log text redacted right after it:
 * a backtracking pattern is 25-100x that (4-16 s against ~0.15 s), a machine made slow by its load
 * slows both (a lone 2 s bound failed at 2,025 ms beside the full suite at load 7-10). Some linear
 * passes are 10-16x the log text under load (rules 16-17: `" -U a:"` 1.8 s against 0.16 s at load
 * 11, and 0.32 / 0.80 / 1.57 s for 0.25 / 1 / 2 MB of it), so the bound is 20x. Times are the
 * process's CPU time (test/helpers/cpu-time.ts), not wall: `"phrase phrase "` took 2,017 ms of wall
 * against 80 ms of log text beside a CI run (load 8), and 0.3-0.5 s of CPU in the same minutes.
 */
import { describe, expect, it } from 'vitest';
import { compileRedactor } from '../../src/redaction/index.js';
import { SHAPES } from '../../src/redaction/shape-rules.js';
import { redactAwsSecrets } from '../../src/redaction/shapes-partial.js';
import { cpuMs } from '../helpers/cpu-time.js';

const r = compileRedactor();
const SIZE = 1_000_000;
const fill = (seed: string, size = SIZE): string => seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
const ms = cpuMs;
const LOG_TEXT = fill('order 12345 filled at 1.0001 for acct=ab12 by trader7 on XNAS; ');
/**
 * Why redacting 1 MB of `seed` repeated is not linear, or undefined: under 2 s it is; over, it is
 * timed again beside 1 MB of log text and fails only when still over 2 s and over 20x that text.
 */
function notLinear(seed: string): string | undefined {
  const text = fill(seed);
  const t = ms(() => r.redactString(text));
  if (t < 2000) return undefined;
  const again = Math.min(
    t,
    ms(() => r.redactString(text)),
  );
  const ref = ms(() => r.redactString(LOG_TEXT));
  if (again < 2000 || again < 20 * ref) return undefined;
  return `${again.toFixed(0)} ms (1 MB of log text: ${ref.toFixed(0)} ms)`;
}

const PARTIAL_SEEDS = [
  'awskey',
  'AWSKEY',
  'aws_secret_key=',
  'awssecret ',
  `awskey${'awskey'.repeat(8)} `,
  'aws.key="abcdefghij',
  'mysql ',
  'mysql -u x ',
  '://u:',
  ':/a:b',
  'postgres://u:p@',
  '://a@b:',
  '://a@b:p?@',
  `://${'a@'.repeat(600)}:`,
  ':\\/\\/a:b@',
  'proxy=',
  'proxy=a:',
  'proxy:proxy@',
  ' -x a:b@',
  '%3A%2F%2Fa%3A',
  '%3A%2F%2Fa%3Ab%40',
  '%40%3A',
  // Encoded twice or three times (rules 14).
  '%253A%252F%252Fa%253A',
  '%253A%252F%252Fa%253Ab%2540',
  '%25253A%25252F%25252Fa%25253A',
  '%2540%253A',
  '%25',
  '%2525252525',
  'password%253D',
  'password%253Da',
  '%2522password%2522%253A%2522',
  'a%25253D',
  'password%25253Dx%2526',
  '-u ',
  // curl's proxy user and SOCKS options (rules 14).
  ' -U a:',
  ' --proxy-user=a:b ',
  ' --socks5 a:',
  ' --socks5-hostname a:b@',
  '--socks4a=',
  'curl ',
  'curl -ua',
  'curl -u',
  `curl ${'x'.repeat(600)} -ua:b `,
  '554=',
  '^A554=',
  '^A554=x^',
  ';554=x;',
  '<SOH>554=<SOH',
  '\\u0001554=\\u000',
  '|554=a|b',
  '<add key="Password" value="',
  'abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdef ',
  // Phrase keys (rules 13): the value runs on through words of letters.
  'mnemonic: abandon ',
  'seed phrase=a b c d: ',
  `mnemonic: ${'x'.repeat(40)} `,
  // Phrase keys without a separator (rules 14): every key word starts a run of up to 25 words.
  'mnemonic ',
  'mnemonic abandon ',
  'seed phrase abandon ability ',
  `mnemonic ${'abandon '.repeat(11)}. `,
  `mnemonic is ${'abcdefghi '.repeat(24)}`,
  'phrase phrase ',
  // Testnet WIF heads (rules 13): every token of the length is decoded for its checksum.
  `c${'aB3'.repeat(17)} `,
  `9${'Zx2'.repeat(16)}Zx `,
  // Oracle connect strings (rules 13): heads glued, and a command of user/password tokens.
  'jdbc:oracle:thin:a/',
  'jdbc:oracle:thin:a/b@',
  'sqlplus ',
  'sqlplus a/b@c ',
  'exp a/',
  // Rules 16: DER private-key heads (each decoded), glued, after `/`, wrapped; protocol commands.
  'MC4CAQAwBQYDK2VwBCIEI',
  'MC4CAQAwBQYDK2VwBCIEI ',
  '/MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj\n',
  'MHcCAQEEI=',
  'AUTH ',
  'AUTH a ',
  'AUTH PLAIN ',
  `AUTH PLAIN ${'QUJD'.repeat(30)}`,
  'ACL SETUSER u >',
  // Rules 17: quoted arguments, any case, ioredis, HELLO, AUTH2, indented and escaped DER wraps.
  '"AUTH" "',
  '"AUTH" "p" ',
  "auth([ 'a', ",
  'HELLO 3 AUTH ',
  'AUTH2 u ',
  '"Acl" "SetUser" "u" ">',
  `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n  `,
  `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n`,
  // Rules 18: blank-folded, percent-encoded and hex DER keys, IMAP LOGIN, POP3 PASS, PPK, htpasswd
  // hashes, FIX 95/96, Bybit's auth frame, Binance's listenKey path, a prompt's auth.
  `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC `,
  `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC%2B%2F`,
  '308204bd020100300d06092a864886f70d010101',
  '%30%82%04%bd%02%01%00%30%0d%06%09%2a%86%48',
  '0x3077020101042',
  'a001 LOGIN u ',
  'a1 login "u" "',
  '\nPASS ',
  'USER u\nPASS "',
  'Private-Lines: 99\n',
  'Private-Lines: 9\nAAAA',
  'Private-MAC: ',
  'u:$apr1$',
  'u:$apr1$abc$',
  'u:{SHA}',
  'u:$2y$10$',
  '$6$',
  '|95=8|96=',
  '95=1 96=x|',
  '{"op":"auth","args":["',
  '"auth","args":[',
  'stream.binance.com/ws/',
  'fstream.binance.com:9443/ws/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '> auth ',
  '6379> auth "',
  'ACL SETUSER u on >p ',
  'acl setuser ',
  'UGFzc3dvcmQ6',
  'UGFzc3dvcmQ6 ',
  '334 UGFzc3dvcmQ6 C: ',
  // Rules 18: a DER key followed across any short run of wrapping characters (der-wraps.ts).
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" +\n  "',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\\\\\n\t',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC%0A%0D',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\\n    - ',
  `MC4CAQAwBQYDK2VwBCIEI${' '.repeat(47)}`,
  `MC4CAQAwBQYDK2VwBCIEI${'\\'.repeat(60)}`,
  `MC4CAQAwBQYDK2VwBCIEI${'" + '.repeat(20)}`,
  '+ - " \\n%0A',
  // Rules 18 (at33): forged 64 kB headers before base64-like values (a walk stops at the next key's
  // start, so walks never overlap), and line breaks written as markup.
  'MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC", "',
  `MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA", "${'x'.repeat(60)}", "`,
  `MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA ${'x'.repeat(60)} `,
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA&#13;&#10;',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA<br />\u2028&#x',
  `MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA${'\\'.repeat(7)}/`,
  // Rules 18 (at33): AUTH as a call's arguments, IMAP literals, a censor inside a spaced value.
  'r.execute_command("AUTH", "',
  "send_command('auth', ['a', ",
  'redis.call("AUTH","u","p"',
  'a1 LOGIN {9}\r\n',
  'a1 LOGIN {5}\r\nS: + {8+}\\r\\n',
  'a1 LOGIN u {1024}\n',
  'passwd bob:[REDACTED',
  // Rules 18: Redis CONFIG SET, command arrays, RESP, SMTP AUTH PLAIN then 334 (protocol-forms.ts).
  '"CONFIG" "SET" "requirepass" "',
  'set requirepass ',
  '["AUTH",',
  '["AUTH", "a", ',
  '$4\r\nAUTH\r\n$9',
  '*2 $4 AUTH $99999 ',
  '*2 $4 AUTH $512 ',
  '$4\\r\\nAUTH ',
  'AUTH PLAIN\r\n334\r\n',
  'AUTH PLAIN\n334 ',
  // Rules 19: a truncated key's lines of one width, a narrow first line before punctuation, and hex
  // DER with separators (a walk that fails reads under 100 bytes; a key found is passed over).
  `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7x/Y6xbasyK", "`,
  'MIIEvQIBADANBgkqhkiG", "ORD-2026-12-05-00001", "',
  'MIL//wIBADANBgkq", "',
  '30:82:ff:ff:02:01:00:30:0d:06:09:2a:',
  '30 82 ff ff 02 01 00 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 04 82 ',
  `30:82:04:bc:02:01:00:30:0d:06:09:2a:86:48:86:f7:${'0d:'.repeat(60)}x `,
  '\\x30\\x82\\x04\\xbc\\x02\\x01\\x00\\x30\\x0d\\x06\\x09\\x2a',
  '02 01 00 ',
  '30:\n 02:01:00:',
  // Rules 19: a FIX Logon's RawData without 95 (each `35=A` read up to the next `35=`, at most 2 kB).
  '35=A|96=',
  '35=A|96=x|',
  `35=A|${'1=2|'.repeat(600)}96=x `,
  // Rules 19 (at35): printed SOH ending in `1`, near-miss MsgTypes, hex digests after a forged
  // header, glued keys, CRAM-MD5 with `+` and a log prefix.
  '\\00135=A\\00196=',
  '\\u000135=A\\u000196=x',
  '35=AE|96=x|',
  ' 35=A; 96=',
  `MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA", "${'ab'.repeat(32)}", "`,
  `MIL//wIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEA\n${'0'.repeat(44)}\n`,
  'MC4CAQAwBQYDK2VwBCIEIPQ9Yc0WcyGcdnPfD1H3mpq7vL8rWbq1Ns0H0hzEpo/W',
  'auth cram-md5\n[smtp] << 334 ',
  'AUTHENTICATE CRAM-MD5\r\n+ ',
  'a AUTH CRAM-MD5\n+ x\n',
  ' 30 82 ff ff 02 01 00 30 0d 06 09 2a 86 48 86 f7\n',
  ' 30 77 02 01 01 04 20 a6 91 4f fd b9\n',
  '<Buffer 30 77 02 01 01 04 20 a6 91 4f fd b9 ... 71 more bytes> ',
  // Rules 19 (fx38a): hex lists (each `01,` reads a few bytes back and walks under 100 bytes),
  // hexdump -C columns, a `# ` prefix on each line of a dump.
  '0x30, 0x77, 0x02, 0x01, 0x01, ',
  '30,77,02,01,01,',
  '30,82,ff,ff,02,01,00,02,82,',
  `0x30,0x82,0xff,0xff,0x02,0x01,0x00,0x02,0x82,${'0x0d,'.repeat(60)}x `,
  '01,',
  ', 0x02, 0x01, 0x0',
  '00000000  30 82 ff ff 02 01 00 02  82 01 01 00 c1 d2 e3 f4  |0...............|\n',
  '30 77 02 01 01 04 20 a6  91 4f fd b9 00 00 00 00  |0w....O.|\n',
  ' |................|\n00000010  ',
  '# 30:82:ff:ff:02:01:00:02:82:\n',
  ': 30',
  '00000000: 3082 ffff 0201 0002 8201 0100 c1d2 e3f4  0...............\n',
  '00000000: 3077 0201 0104 20a6 914f  ',
  // Rules 20: openssl's `-text` blocks, Python bytes reprs, decimal byte lists.
  ':\n',
  'priv:\n    ',
  'priv:\n    00:',
  '\npriv:\n 0a:',
  `prime1:\n    ${'ab:'.repeat(14)}\n`,
  'pub:\n    04:ab:\n',
  ':\r\n 00:',
  "b'0\\x82\\x04\\xa4\\x02\\x01\\x0",
  '\\x02\\x01\\x0',
  "b'\\x02\\x01\\x00",
  '2, 1, ',
  '2,1,',
  '48, 2, 1, 0, ',
  '48, 130, 4, 164, 2, 1, 0, 2, 130, 1, 1, 0, ',
  '[48, -126, 4, -92, 2, 1, 0, 2, -126, ',
  ', 48, 2, 1, ',
  // Rules 20, lists in any layout: blanks, one number a line, YAML's `- `, the widest gaps.
  '48 119 2 1 1 4 32 ',
  '  48, 119,   2,   1,   1,',
  '48,\n    119,\n    2,\n    1,\n    0,\n',
  '  - 48\n  - 2\n  - 1\n  - 0\n',
  `2${' '.repeat(47)}1${' '.repeat(47)}`,
  `48 ${' '.repeat(46)}2 ${';'.repeat(46)}1 - 0 `,
  '48 48 48 2 1 0 ',
  // Rules 20, source literals: Java's casts, Go's %#v without leading zeros.
  '(byte)0x30, (byte)0x02, (byte)0x01, ',
  '0x30, 0x2, 0x1, ',
  '0x2,0x1,',
  // Rules 20, a repr with no b' near: each 0 before the cue is tried.
  '0000000000000000\\x02\\x01\\x00',
  "'0w\\x02\\x01\\x01\\x04 ",
  `0x30,${' '.repeat(47)}0x02,${' '.repeat(47)}(byte)  0x01,`,
  '0: ',
  '\n00000000: ',
  '\n00000000: 30 ',
  '\n00000000: 30 82 ff ff 02 01 00 02 82 01 01 00 ',
  '00000000: 30 77 02 01 01 04 20 ab cd ef 12 34 56 78 9a bc  0w.... ....4Vx..\n',
  // Rules 20, part 3: openssl's dump behind a syslog prefix, flattened, in JSON; od, hexdump, xxd -p, xxd in JSON.
  'Dec 05 17:00:00 host app[42]: priv:\n',
  `Dec 05 17:00:00 host app[42]: priv:\nDec 05 17:00:00 host app[42]:     ${'ab:'.repeat(15)}\n`,
  `${' '.repeat(40)}x priv:\n${'y'.repeat(60)}`,
  'priv',
  'priv:',
  'priv: ab:',
  `priv: ${'ab:'.repeat(15)} `,
  `priv:\\n    ${'ab:'.repeat(15)}\\n    `,
  `privateExponent: ${'ab:'.repeat(15)} prime1: `,
  'note: priv: 11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:',
  '000000 ',
  '0000000 ',
  '0000000 8130 0287 0001 1330 ',
  '000000 30 81 87 02 01 00 30 13 06 07 2a 86 48 ce 3d 02  >0.....0...*.H.=.<\n',
  '0000000 30 82 ff ff 02 01 00 02 82 01 01 00\n',
  `${'3082ffff020100028201010'.padEnd(60, 'a')}\n`,
  `308187020100${'ab'.repeat(24)}\n`,
  '"00000000: 30 ',
  '\\n00000000: 30 82 ff ff 02 01 00 02 82 01 01 00  \\\\n',
  '{"dump": "00000000: 30 77 02 01 01 04 20 ab cd ef 12 34 56 78 9a bc  0w.... ....4Vx..\\n',
  // Rules 20, part 3: in a text of more than one line any offset's `: ` is a cue (xxd -s, -c 12 fragments).
  'a: \n',
  'abcdef01: \n',
  '\n00000005: 3082 ffff 0201 0002 8201 0100 c1d2 e3f4  0...............',
  '00000005: 3077 0201 0104 20a6 914f\\n',
  // Session 35: each escaped line's end was searched through every `\\\\n` (a column's `\` and `n`) to
  // the text's end (23 s a MB); a flattened dump's string and line breaks at its quote's escaping.
  '"x":"000000 30 82 \\\\\\\\n 000010 ',
  ':\\"000010 \\\\n',
  '000000 00 "] 000010 11 ',
  // at57 S1: a view with no escaped line break was searched to its end once a candidate offset (35 s a MB).
  '\\\\"\\n"x":"000000 ',
];

describe('redaction on 1 MB adversarial text stays linear (F6)', () => {
  it.each(PARTIAL_SEEDS)('the whole redactor on %j repeated', (seed) => {
    expect(notLinear(seed)).toBeUndefined();
  });

  it('every fixed-prefix shape, its prefix or hook glued and as long words', () => {
    const slow: string[] = [];
    for (const rule of SHAPES) {
      const heads = rule.hook !== undefined ? [rule.hook] : rule.prefixes.filter((p) => p !== '');
      for (const head of heads) {
        for (const seed of [`${head}Ab1`, `${head}${'Ab1'.repeat(20)} `]) {
          const why = notLinear(seed);
          if (why !== undefined) slow.push(`${rule.name} ${JSON.stringify(seed)} ${why}`);
        }
      }
    }
    expect(slow).toEqual([]);
  }, 600_000);

  // The jwt pattern scanned up to 8,192 characters at every `eyJ` after a non-alphanumeric and
  // backtracked as many (4-11 s per MB; shape-runs.ts finds its match now), and the shapes whose
  // prefix holds `eyJ` let it try there: their prefixes glued, `eyJ` inside runs of the class, and
  // long first segments that end in a `.` followed by a short second one.
  const JWT_SEEDS = [
    'ops_eyJ',
    'ops_eyJAb1',
    '-eyJ',
    '_eyJ',
    'eyJa.',
    '-eyJa.',
    'sntrys_eyJ',
    '-eyJrIjoi',
    'eyJrIjoi_',
    '-sk.eyJ',
    `${'-eyJ'.repeat(2000)}.ab `,
    `${'-eyJ'.repeat(2000)}.ab.`,
    `${'_eyJ'.repeat(2048)}.abcd`,
    `eyJ${'Ab1_'.repeat(2000)}.`,
    `${'-eyJ'.repeat(5000)}.${'a'.repeat(9000)}-`,
    // Rules 14: a detached payload (`..`) and a JWE's fourth and fifth segments are looked for too.
    'eyJa..',
    '-eyJabcd..',
    '-eyJabcd..ab.',
    'eyJabcd.efgh.i.',
    'eyJabcd.efgh.i.c.',
    `${'-eyJ'.repeat(2000)}..ab `,
    `${'-eyJ'.repeat(2000)}.abcd.x.y.`,
  ];
  it.each(JWT_SEEDS.map((s) => [s.length > 40 ? `${s.slice(0, 12)}… (${s.length})` : s, s]))(
    'the whole redactor on %j repeated',
    (_name, seed) => {
      expect(notLinear(seed)).toBeUndefined();
    },
  );

  it('the AWS secret finder matches what its pattern matched', () => {
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(redactAwsSecrets(`aws_secret_access_key = ${key}`, 'X')).toBe('aws_secret_access_key = X');
    expect(redactAwsSecrets(`AWS_Secret: "${key}"`, 'X')).toBe('AWS_Secret: "X"');
    expect(redactAwsSecrets(`AWS Secret: "${key}"`, 'X')).toBe(`AWS Secret: "${key}"`); // a blank in the name: not the pattern's
    // 41 characters: the last 40 go (the lazy gap takes the first), as the pattern did.
    expect(redactAwsSecrets(`aws_key ${key}Z`, 'X')).toBe(`aws_key ${key[0]}X`);
    expect(redactAwsSecrets(`aws region eu-west-1 ${key}`, 'X')).toBe(`aws region eu-west-1 ${key}`);
    expect(redactAwsSecrets(`aws_key ${key.slice(0, 39)}`, 'X')).toBe(`aws_key ${key.slice(0, 39)}`);
    expect(redactAwsSecrets(`aws_key ${key} and aws_secret ${key}`, 'X')).toBe('aws_key X and aws_secret X');
  });

  it('the AWS finder agrees with the old pattern on random text', () => {
    const re =
      /((?:aws|AWS|Aws)[\w.-]{0,24}?(?:secret|Secret|SECRET|key|Key|KEY)[\w .'"=:>-]{0,24}?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/g;
    const parts = [
      'aws',
      'AWS',
      'key',
      'Secret',
      '_',
      '.',
      ' ',
      '=',
      '"',
      '/',
      '+',
      'A',
      'b9',
      'x'.repeat(13),
      '-',
      ':',
    ];
    let seed = 17;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let t = 0; t < 3000; t++) {
      let s = '';
      while (s.length < 150) s += parts[rnd(parts.length)];
      const want = s.replace(re, (_m, head: string) => `${head}X`);
      expect(redactAwsSecrets(s, 'X')).toBe(want);
    }
  });
});
