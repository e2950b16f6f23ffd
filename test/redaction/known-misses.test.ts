/**
 * Redaction rules 10: the known misses of rules 9 and one over-redaction.
 * - `passwd changeit`: a lone last word after a password key word (end of text, line or command);
 * - `htpasswd -b FILE USER X` / `-nb USER X`; SQL `IDENTIFIED BY 'pw'` (and `WITH plugin BY|AS`,
 *   `BY PASSWORD`, a bare value in CREATE/ALTER/GRANT); `--password-stdin` takes no argument;
 * - values `pass`/`auth`: as a name given as data (`{ name: 'auth', value: 3 }`, `['pass', 'reject']`)
 *   they hid the value beside them, so a risk check's values were lost.
 * Prose stays: a table, and a property over sentences ending in a key word and an English word.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();

describe('redacted by rules 10', () => {
  it.each([
    ['passwd changeit', 'passwd [REDACTED]'],
    ['password changeit', 'password [REDACTED]'],
    ['Password Changeit', 'Password [REDACTED]'],
    ['ran: passwd changeit; ls', 'ran: passwd [REDACTED]; ls'],
    ['echo password changeit && ls', 'echo password [REDACTED] && ls'],
    ['echo pwd changeit | tool', 'echo pwd [REDACTED] | tool'],
    ['password changeit\nnext line', 'password [REDACTED]\nnext line'],
    ['htpasswd -b /etc/nginx/.htpasswd admin S3cr', 'htpasswd -b /etc/nginx/.htpasswd admin [REDACTED]'],
    ['htpasswd -b file user pass', 'htpasswd -b file user [REDACTED]'],
    ['htpasswd -bc file user hunter', 'htpasswd -bc file user [REDACTED]'],
    ['htpasswd -c -b file user "two words"', 'htpasswd -c -b file user "[REDACTED]"'],
    ['htpasswd -nb user plain', 'htpasswd -nb user [REDACTED]'],
    ['htpasswd -bB -C 10 file user plain; ls', 'htpasswd -bB -C 10 file user [REDACTED]; ls'],
    ['mysql -pSECRET', 'mysql -p[REDACTED]'],
    ['mysql -uroot -psecret db', 'mysql -uroot -p[REDACTED] db'],
    ["CREATE USER 'bob'@'%' IDENTIFIED BY 'pw'", "CREATE USER 'bob'@'%' IDENTIFIED BY '[REDACTED]'"],
    ["ALTER USER bob IDENTIFIED BY 'pw';", "ALTER USER bob IDENTIFIED BY '[REDACTED]';"],
    ['create user bob identified by hunter', 'create user bob identified by [REDACTED]'],
    [
      "CREATE USER u IDENTIFIED WITH mysql_native_password BY 'pw';",
      "CREATE USER u IDENTIFIED WITH mysql_native_password BY '[REDACTED]';",
    ],
    [
      "CREATE USER u IDENTIFIED WITH caching_sha2_password AS '$A$005$x'",
      "CREATE USER u IDENTIFIED WITH caching_sha2_password AS '[REDACTED]'",
    ],
    [
      "GRANT ALL ON *.* TO u IDENTIFIED BY PASSWORD '*AB12'",
      "GRANT ALL ON *.* TO u IDENTIFIED BY PASSWORD '[REDACTED]'",
    ],
    ["ALTER ROLE r WITH PASSWORD 'pw'", "ALTER ROLE r WITH PASSWORD '[REDACTED]'"],
    ['tool --password hunter2 --password-stdin', 'tool --password [REDACTED] --password-stdin'],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });
});

const KEPT = [
  'password reset',
  'Password reset requested',
  'password expired',
  'Your password expired.',
  'the password policy',
  'password mismatch',
  'password rotated',
  'passphrase missing',
  'enter the new password',
  'password set',
  'PASSWORD CHANGED',
  'password changed; retry',
  'the trader was identified by desk',
  'orders identified by their id',
  'user identified by name; ok',
  'CREATE USER u IDENTIFIED EXTERNALLY',
  'docker login --password-stdin registry.example.com',
  'echo $P | docker login -u me --password-stdin ghcr.io',
  'tool --password-file /run/secrets/pw',
  'tool --token-env API_TOKEN_VAR',
  'htpasswd -c file user',
  'htpasswd -D file user',
  'first pass done',
  'auth mode',
];

describe('kept', () => {
  it.each(KEPT)('%j', (input) => {
    expect(r.redactString(input)).toBe(input);
  });

  it('a password key word then an English word at the end stays (property)', () => {
    const word = fc.oneof(
      fc.constantFrom('reset', 'expired', 'policy', 'changed', 'required', 'mismatch', 'history', 'manager', 'hint'),
      fc.stringMatching(/^[a-z]{2,9}(?:ed|ing|ly|tion|ment|ness|able)$/),
      fc.stringMatching(/^[a-z]{1,3}$/),
    );
    const key = fc.constantFrom(
      'password',
      'Password',
      'passwd',
      'pwd',
      'passphrase',
      'passcode',
      'pass',
      'token',
      'auth',
    );
    const lead = fc.array(fc.constantFrom('the', 'user', 'new', 'desk', 'order', 'was'), { maxLength: 4 });
    const end = fc.constantFrom('', '.', '\n', '; ls', ' && next');
    fc.assert(
      fc.property(lead, key, word, end, (l, k, w, e) => {
        const text = [...l, k, w].join(' ') + e;
        expect(r.redactString(text)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

async function logged(fields: Record<string, unknown>): Promise<string> {
  const sink = new MemorySink();
  const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
  audit.log('risk', 'RiskCheck', fields);
  await audit.close();
  return sink.allLines().find((l) => l.includes('"RiskCheck"')) as string;
}

describe('values "pass" and "auth" in events', () => {
  it("a risk check's result, its checks named auth/pass and a list of statuses are written as given", async () => {
    const fields = {
      order_id: 'A-1',
      result: 'pass',
      checks: [
        { name: 'auth', passed: true, value: 3, limit: 5 },
        { name: 'pass', passed: false, value: 'reject', limit: 'ok' },
      ],
      statuses: ['pass', 'pass', 'auth', 'ok'],
    };
    const line = JSON.parse(await logged(fields)) as Record<string, unknown>;
    expect(line.redacted).toBeUndefined();
    expect({ order_id: line.order_id, result: line.result, checks: line.checks, statuses: line.statuses }).toEqual(
      fields,
    );
  });

  it('a secret-looking value named by pass/auth still goes, and stronger names hide any value', async () => {
    const line = await logged({
      order_id: 'A-2',
      form: [{ name: 'pass', value: 'hunter2' }],
      raw: ['pass', 'S3cr3t!x', 'Host', 'h'],
      cfg: { name: 'db_password', value: 'ok' },
      argv: ['tool', '--pass', 'plain'],
      cmd: 'htpasswd -b f u plainpw; mysql -pSECRETx; passwd changeit',
      sql: "CREATE USER u IDENTIFIED BY 'SqlSecret9'",
    });
    for (const s of ['hunter2', 'S3cr3t!x', '"ok"', 'plainpw', 'SECRETx', 'changeit', 'plain"', 'SqlSecret9'])
      expect(line, s).not.toContain(s);
  });
});
