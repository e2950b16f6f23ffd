/**
 * `key value` with a space or tab, as command lines, tab-separated dumps and config directives
 * write secrets (attack9 finding 04): `aws configure set aws_secret_access_key X`, `PASSWORD<TAB>X`,
 * `passwd X`, `sshpass -p X`, `docker login -p X`, nginx `set $api_key "X";`, Python
 * `keyring.set_password(svc, user, "X")`. Ordinary prose after a key word stays as written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { configFormatOf, redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';
import { looksLikeValue } from '../../src/redaction/pairs-spaced.js';

const r = compileRedactor();
const red = (path: string, text: string): string => redactConfigText(text, configFormatOf(path), r).text;

describe('a sensitive key, blanks, a value', () => {
  it.each([
    [
      'aws configure set aws_secret_access_key wJalrXUtnFEMIK7MDENGbPxRfiCYSECRET01',
      'aws configure set aws_secret_access_key [REDACTED]',
    ],
    ['aws configure set aws_secret_access_key changeme', 'aws configure set aws_secret_access_key [REDACTED]'],
    ['aws configure set default.aws_session_token abcd', 'aws configure set default.aws_session_token [REDACTED]'],
    ['CONFIG SET requirepass foobared', 'CONFIG SET requirepass [REDACTED]'],
    ['setx API_KEY plainword', 'setx API_KEY [REDACTED]'],
    ['setenv DB_PASSWORD plainword', 'setenv DB_PASSWORD [REDACTED]'],
    [
      'npm config set //registry.npmjs.org/:_authToken npmtok',
      'npm config set //registry.npmjs.org/:_authToken [REDACTED]',
    ],
    ['PASSWORD\tTabSECRET04', 'PASSWORD\t[REDACTED]'],
    ['password\tchangeit\tuser\tbob', 'password\t[REDACTED]\tuser\tbob'],
    ['passwd PasswdSECRET05', 'passwd [REDACTED]'],
    ['password hunter2', 'password [REDACTED]'],
    ['password abc123XYZ== given', 'password [REDACTED] given'],
    ['old password S3cr3t!x given', 'old password [REDACTED] given'],
    ['Password Summer2024 was rejected', 'Password [REDACTED] was rejected'],
    ['api key Zq9xK2mV7pL4 rotated', 'api key [REDACTED] rotated'],
    ['AWS secret access key wJalrXUtnFEMI/K7MDENG rotated', 'AWS secret access key [REDACTED] rotated'],
    ['pin 4821', 'pin [REDACTED]'],
    ['otp 123456 sent', 'otp [REDACTED] sent'],
    ['client_secret   a8f3e9c1d2 (new)', 'client_secret   [REDACTED] (new)'],
    ['keytool -storepass changeit -list', 'keytool -storepass [REDACTED] -list'],
    ['tool -password plainword -v', 'tool -password [REDACTED] -v'],
    ["PASSWORD 'hunter'", "PASSWORD '[REDACTED]'"],
    ["ALTER ROLE app WITH PASSWORD 'plainword'", "ALTER ROLE app WITH PASSWORD '[REDACTED]'"],
    ['set $api_key "abcd1234";', 'set $api_key "[REDACTED]";'],
    ['proxy_set_header Authorization "Bearer abc";', 'proxy_set_header Authorization "Bearer [REDACTED]";'],
    ['token 9f8a7b6c5d4e3f2a1b', 'token [REDACTED]'],
    ['session\tAbCdEf123456', 'session\t[REDACTED]'],
    ['token key db_password\t\tzqaaaaaa', 'token key [REDACTED]\t\t[REDACTED]'],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });

  it.each([
    'the password policy was changed',
    'token bucket refilled',
    'secret santa',
    'the API key was rotated',
    'Password Reset requested',
    'PASSWORD CHANGED',
    'enter your password twice!',
    'token USDC bridged',
    'token\tUSDC',
    'session 2024-12-03 opened',
    'trading session London',
    'first pass 350ms',
    'second pass 12345678',
    'password and/or key required',
    'password e.g. this one',
    'password (see docs)',
    'password -v',
    'we set password policy',
    'set token bucket size',
    'sort key 12345',
    'password 3 times',
    '--password',
    'spin 1234',
  ])('%j is kept', (input) => {
    expect(r.redactString(input)).toBe(input);
  });

  it('judges a token as a value or a word', () => {
    for (const v of ['hunter2', 'S3cret', 'wJalrXUtnFEMI', 'a!b#c$', '1234', 'abcdefghijklmnopqrst']) {
      expect(looksLikeValue(v), v).toBe(true);
    }
    for (const v of ['policy', 'Reset', 'CHANGED', 'twice!', 're-enter', "user's", 'e.g.', 'and/or', 'v2', 'abc']) {
      expect(looksLikeValue(v), v).toBe(false);
    }
  });
});

describe('passwords given to tools by short options', () => {
  it.each([
    ['sshpass -p SshPassSECRET02 ssh host', 'sshpass -p [REDACTED] ssh host'],
    ['sshpass -pSshPass02 ssh host', 'sshpass -p[REDACTED] ssh host'],
    ['/usr/bin/sshpass -p plain scp a b', '/usr/bin/sshpass -p [REDACTED] scp a b'],
    [
      'docker login -u bot -p DockSECRET03 registry.example.com',
      'docker login -u bot -p [REDACTED] registry.example.com',
    ],
    ['podman login -p "two words" quay.io', 'podman login -p "[REDACTED]" quay.io'],
    ['helm registry login -u x -p plain r.io', 'helm registry login -u x -p [REDACTED] r.io'],
    ['az login -u bob -p plain --tenant t', 'az login -u bob -p [REDACTED] --tenant t'],
    ['redis-cli -h h -a plain ping', 'redis-cli -h h -a [REDACTED] ping'],
    ['ldapsearch -x -D cn=admin -w plain -b dc=x', 'ldapsearch -x -D cn=admin -w [REDACTED] -b dc=x'],
    ['sqlcmd -S db -U sa -P plain -Q x', 'sqlcmd -S db -U sa -P [REDACTED] -Q x'],
    ['ipmitool -H h -U admin -P plain power status', 'ipmitool -H h -U admin -P [REDACTED] power status'],
    ['zip -P plain out.zip a.txt', 'zip -P [REDACTED] out.zip a.txt'],
    ["ssh-keygen -p -P old1 -N 'new one' -f k", "ssh-keygen -p -P [REDACTED] -N '[REDACTED]' -f k"],
    ['mongosh -u app -p plain db', 'mongosh -u app -p [REDACTED] db'],
    ['7z a -pplain out.7z dir', '7z a -p[REDACTED] out.7z dir'],
    ['snmpwalk -v2c -c plain host', 'snmpwalk -v2c -c [REDACTED] host'],
    ['gh secret set API_KEY --body plain', 'gh secret set API_KEY --body [REDACTED]'],
    [
      'ran: sshpass -p one ssh a; sshpass -p two ssh b',
      'ran: sshpass -p [REDACTED] ssh a; sshpass -p [REDACTED] ssh b',
    ],
  ])('%j → %j', (input, output) => {
    expect(r.redactString(input)).toBe(output);
  });

  it.each([
    'docker run -p 8080:80 nginx',
    'mysql -u root -p orders',
    'ldapsearch -x -s sub -b dc=x',
    'zip -r out.zip dir',
    'sshpass -p',
    'use sshpass - it is fine',
  ])('%j is kept', (input) => {
    expect(r.redactString(input)).toBe(input);
  });
});

describe('config files: directives and setter calls', () => {
  it('nginx: set $api_key and a quoted Authorization header', () => {
    const text =
      'server {\n  set $api_key "Zq9xK2mV7pL4";\n  proxy_set_header Authorization "Bearer Zq9xK2mV7pL5";\n  proxy_set_header Host $host;\n}\n';
    expect(red('nginx.conf', text)).toBe(
      'server {\n  set $api_key "[REDACTED]";\n  proxy_set_header Authorization "Bearer [REDACTED]";\n  proxy_set_header Host $host;\n}\n',
    );
  });

  it('Python: setters named after the secret lose their last literal argument', () => {
    const text = [
      'keyring.set_password("svc", "bob", "Zq9xK2mV7pL6")',
      "client.set_password('Zq9xK2mV7pL7')",
      'client.setApiKey("Zq9xK2mV7pL8")',
      'mgr.add_password(None, url, "bob", "Zq9xK2mV7pL9")',
      'client.set_timeout("30")',
      'keyring.get_password("svc", "bob")',
      '',
    ].join('\n');
    expect(red('settings.py', text)).toBe(
      [
        'keyring.set_password("svc", "bob", "[REDACTED]")',
        "client.set_password('[REDACTED]')",
        'client.setApiKey("[REDACTED]")',
        'mgr.add_password(None, url, "bob", "[REDACTED]")',
        'client.set_timeout("30")',
        'keyring.get_password("svc", "bob")',
        '',
      ].join('\n'),
    );
  });
});

/** A secret with no shape of its own and no digit: only the cue before it can tell it is one. */
const plainSecret = fc.stringMatching(/^[a-z]{6,14}$/).map((s) => `zq${s}`);
/** Cues after which any token is a value. */
const CUES: readonly ((s: string) => string)[] = [
  (s) => `aws configure set aws_secret_access_key ${s}`,
  (s) => `PASSWORD\t${s}`,
  (s) => `db_password\t\t${s}`,
  (s) => `sshpass -p ${s} ssh host`,
  (s) => `docker login -u bot -p ${s} registry`,
  (s) => `redis-cli -a ${s} ping`,
  (s) => `keytool -storepass ${s} -list`,
  (s) => `CONFIG SET requirepass "${s}"`,
  (s) => `password '${s}'`,
];
const proseArb = fc.array(fc.constantFrom('the', 'order', 'was', 'filled', 'at', 'desk', '7', 'token', 'pass', 'key'), {
  maxLength: 8,
});

describe('properties', () => {
  it('a secret after a cue, inside random prose, never reaches the output', () => {
    fc.assert(
      fc.property(plainSecret, fc.nat(CUES.length - 1), proseArb, proseArb, (secret, i, before, after) => {
        const text = [...before, (CUES[i] as (s: string) => string)(secret), ...after].join(' ');
        expect(r.redactString(text)).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });

  it('redaction is idempotent on text with spaced pairs', () => {
    const textArb = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            'password',
            'passwd',
            'PASSWORD',
            'api key',
            'token',
            'sshpass -p',
            'set requirepass',
            '\t',
            ' ',
          ),
          fc.stringMatching(/^[A-Za-z0-9!._-]{1,12}$/),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(' '));
    fc.assert(
      fc.property(textArb, (text) => {
        const once = r.redactString(text);
        expect(r.redactString(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('the logger writes the finding-04 commands redacted', async () => {
    const sink = new MemorySink();
    const audit = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    audit.log('ops', 'CommandRun', {
      c1: 'aws configure set aws_secret_access_key wJalrXUtnFEMIK7MDENGbPxRfiCYSECRET01',
      c2: 'sshpass -p SshPassSECRET02 ssh host',
      c3: 'docker login -u bot -p DockSECRET03 registry.example.com',
      c4: 'PASSWORD\tTabSECRET04',
      c5: 'passwd PasswdSECRET05',
    });
    await audit.close();
    const line = sink.allLines().join('\n');
    expect(line).not.toMatch(/SECRET0[1-5]/);
    expect(line).toContain('"c5":"passwd [REDACTED]"');
  });
});

describe('a value the pair pass censored part of, then the spaced pass took whole (at33 F7)', () => {
  it.each([
    ['htpasswd bob:$1$ab$cd tail', 'htpasswd [REDACTED] tail'],
    ['htpasswd bob:$apr1$ab$cd tail', 'htpasswd [REDACTED] tail'],
    ['passwd bob:xyz', 'passwd [REDACTED]'],
    ['passwd bob:xyz, next', 'passwd [REDACTED], next'],
  ])('%j: no stray "]" of the censor', (text, want) => {
    expect(r.redactString(text)).toBe(want);
    expect(r.redactString(want)).toBe(want);
  });
});
