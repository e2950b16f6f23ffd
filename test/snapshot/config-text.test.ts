import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFormatOf, redactConfigText, type ConfigTextFormat } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const red = (text: string, format: ConfigTextFormat): string => redactConfigText(text, format, r).text;

describe('configFormatOf', () => {
  it.each([
    ['configs/risk.yaml', 'yaml'],
    ['a/b.YML', 'yaml'],
    ['x.json', 'json'],
    ['x.toml', 'toml'],
    ['x.ini', 'ini'],
    ['x.cfg', 'ini'],
    ['nginx.conf', 'conf'],
    ['configs/.env', 'env'],
    ['configs/.env.production', 'env'],
    ['prod.env', 'env'],
    ['app.properties', 'properties'],
    ['settings.py', 'python'],
    ['README', 'generic'],
  ])('%s → %s', (path, format) => {
    expect(configFormatOf(path)).toBe(format);
  });
});

describe('redactConfigText: values under sensitive keys, layout kept', () => {
  it('YAML: scalars, quoted, nested blocks, block scalars, same-indent sequences, anchors; trade fields kept', () => {
    const text = [
      'risk:',
      '  max_position: 100   # contracts',
      '  symbol: EURUSD',
      '  db:',
      '    password: "hunter2"  # rotate monthly',
      '    user: trader',
      '  credentials:',
      '    user: bot',
      '    nested:',
      '      - one',
      '  private_key: |',
      '    MIIEv-line-1',
      '    line: with colon',
      '  after: kept',
      'tokens:',
      '- t1',
      '- t2',
      "api_token: &tok 'it''s' # c",
      'other: kept',
      '',
    ].join('\n');
    expect(red(text, 'yaml')).toBe(
      [
        'risk:',
        '  max_position: 100   # contracts',
        '  symbol: EURUSD',
        '  db:',
        '    password: "[REDACTED]"  # rotate monthly',
        '    user: trader',
        '  credentials:',
        '    user: [REDACTED]',
        '    nested:',
        '      - [REDACTED]',
        '  private_key: |',
        '    [REDACTED]',
        '    [REDACTED]',
        '  after: kept',
        'tokens:',
        '- t1',
        '- t2',
        "api_token: &tok '[REDACTED]' # c",
        'other: kept',
        '',
      ].join('\n'),
    );
  });

  it('JSON (with comments): every string and number under a sensitive key, structure and booleans kept', () => {
    const text =
      '{\n  "symbol": "EURUSD",\n  "db": {"password": "p@ss\\"x", "port": 5432},\n  // note\n  "credentials": {"user": "u", "pin": 1234, "on": true, "list": ["a", 2, null]},\n  "apiKey": "k-1"\n}\n';
    expect(red(text, 'json')).toBe(
      '{\n  "symbol": "EURUSD",\n  "db": {"password": "[REDACTED]", "port": 5432},\n  // note\n  "credentials": {"user": "[REDACTED]", "pin": "[REDACTED]", "on": true, "list": ["[REDACTED]", "[REDACTED]", null]},\n  "apiKey": "[REDACTED]"\n}\n',
    );
  });

  it('JSON that does not parse still gets line rules', () => {
    expect(red('{"password": "abc", oops\n', 'json')).not.toContain('abc');
  });

  it('TOML: keys, sensitive tables, multi-line strings and arrays, inline tables', () => {
    const text = [
      'title = "x"',
      'password = "abc" # c',
      '[database]',
      'user = "u"',
      "api_key = '''",
      'multi',
      "'''",
      '[secrets]',
      'a = 1',
      'b = ["x",',
      '  "y"]',
      '[server]',
      'port = 80',
      'inline = { token = "t0k", host = "h" }',
      '',
    ].join('\n');
    expect(red(text, 'toml')).toBe(
      [
        'title = "x"',
        'password = "[REDACTED]" # c',
        '[database]',
        'user = "u"',
        "api_key = '''[REDACTED]",
        '[REDACTED]',
        "'''",
        '[secrets]',
        'a = [REDACTED]',
        'b = [REDACTED]',
        '  [REDACTED]',
        '[server]',
        'port = 80',
        'inline = { token = "[REDACTED]", host = "h" }',
        '',
      ].join('\n'),
    );
  });

  it('INI: sections whose name is sensitive, continuation lines, ; after a value is part of it', () => {
    // configparser has no inline comments by default: the password it reads is `p1 ; c`, so the
    // whole rest of the line goes (the comment was kept here until that was seen to leak a suffix).
    const text =
      '[db]\nuser = u\npassword = p1 ; c\n[auth]\nanything = v\n[x]\ndesc = multi\n  line\nsecret_value = s\n  continued\n';
    expect(red(text, 'ini')).toBe(
      '[db]\nuser = u\npassword = [REDACTED]\n[auth]\nanything = [REDACTED]\n[x]\ndesc = multi\n  line\nsecret_value = [REDACTED]\n  [REDACTED]\n',
    );
  });

  it('.env: export, quotes, multi-line quoted values', () => {
    const text = 'export API_KEY=abc\nDB_PASSWORD="multi\nline"\nHOST=localhost\nTOKEN=\'x\'\n';
    expect(red(text, 'env')).toBe(
      'export API_KEY=[REDACTED]\nDB_PASSWORD="[REDACTED]\n[REDACTED]"\nHOST=localhost\nTOKEN=\'[REDACTED]\'\n',
    );
  });

  it('.properties: = : and space separators, backslash continuations, no inline comments', () => {
    const text = 'db.user=u\ndb.password=p\\\n  cont\nkey value\napp.secret: s # not a comment\n';
    expect(red(text, 'properties')).toBe(
      'db.user=u\ndb.password=[REDACTED]\n  [REDACTED]\nkey value\napp.secret: [REDACTED]\n',
    );
  });

  it('Python: assignments, dict literals, keyword arguments, triple-quoted strings', () => {
    const text =
      'API_KEY = "abc"\nDEBUG = True\nCONFIG = {"password": "p", "host": "h"}\nconnect(host="h", password="pw")\nSECRET = """\nmulti\n"""\n';
    expect(red(text, 'python')).toBe(
      'API_KEY = "[REDACTED]"\nDEBUG = True\nCONFIG = {"password": "[REDACTED]", "host": "h"}\nconnect(host="h", password="[REDACTED]")\nSECRET = """[REDACTED]\n[REDACTED]\n"""\n',
    );
  });

  it("Python: an annotated name's default and a value on the line after its key (attack8 #5)", () => {
    const text = [
      'def login(user: str, password: str = "S5", *, api_key: Optional[str] = \'S6\', n: int = 3) -> None:',
      'DB = {"password":',
      '      "S8"}',
      'X = dict(password=',
      '    "S9", user="u")',
      'PASSWORD = \\',
      '    "S12"',
      'ok: str = "visible"',
      'token: Annotated[str, "x"] = """S13"""',
      'pin: int = 1234',
      '',
    ].join('\n');
    const out = red(text, 'python');
    for (const s of ['S5', 'S6', 'S8', 'S9', 'S12', 'S13', '1234']) expect(out).not.toContain(s);
    expect(out.split('\n')).toEqual([
      'def login(user: str, password: [REDACTED] = "[REDACTED]", *, api_key: [REDACTED]] = \'[REDACTED]\', n: int = 3) -> None:',
      'DB = {"password":',
      '      "[REDACTED]"}',
      'X = dict(password=',
      '    "[REDACTED]", user="u")',
      'PASSWORD = [REDACTED]',
      '    "[REDACTED]"',
      'ok: str = "visible"',
      'token: [REDACTED]',
      'pin: [REDACTED]',
      '',
    ]);
  });

  it('.conf: whitespace-separated directives, nested blocks, the ; kept', () => {
    const text = 'server {\n  listen 80;\n  ssl_password_file /etc/pw;\n}\npassword hunter2\n';
    expect(red(text, 'conf')).toBe('server {\n  listen 80;\n  ssl_password_file [REDACTED];\n}\npassword [REDACTED]\n');
  });

  it('secret shapes anywhere: PEM blocks across lines, AWS ids, JWTs, URL credentials, bearer tokens', () => {
    const text = [
      'cert: |',
      '  -----BEGIN RSA PRIVATE KEY-----',
      '  MIIEowIBAAKCAQEA',
      '  -----END RSA PRIVATE KEY-----',
      'aws: AKIAABCDEFGHIJKLMNOP',
      'jwt_header: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature',
      'url: postgres://trader:s3cret@db:5432/x',
      'header: "Bearer abcdef123456"',
      '',
    ].join('\n');
    const out = red(text, 'yaml');
    for (const leak of ['MIIEowIBAAKCAQEA', 'AKIAABCDEFGHIJKLMNOP', 'eyJzdWIiOiIxIn0', 's3cret', 'abcdef123456'])
      expect(out).not.toContain(leak);
    expect(out).toContain('postgres://trader:[REDACTED]@db:5432/x');
  });

  it('CRLF line endings and a missing final newline are kept', () => {
    expect(red('a: 1\r\npassword: x\r\nb: 2', 'yaml')).toBe('a: 1\r\npassword: [REDACTED]\r\nb: 2');
  });

  it('nothing to redact: the same string; redaction disabled: unchanged', () => {
    const text = 'host: a\nport: 80\n';
    const res = redactConfigText(text, 'yaml', r);
    expect(res).toEqual({ text, redacted: false });
    const off = compileRedactor({ enabled: false });
    expect(redactConfigText('password: x\n', 'yaml', off)).toEqual({ text: 'password: x\n', redacted: false });
  });

  it('extra keys from the config (redaction.keys) apply to config files too', () => {
    const custom = compileRedactor({ keys: ['routing_code'] });
    expect(redactConfigText('routing_code: 7781\n', 'yaml', custom).text).toBe('routing_code: [REDACTED]\n');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: a secret under a sensitive key never survives, in any format, at any depth; ordinary
// values survive untouched.

const SENSITIVE = [
  'password',
  'api_key',
  'db_password',
  'secretToken',
  'client-secret',
  'accessKey',
  'auth',
  'pin',
  'privateKey',
  'session_id',
  'x_api_key',
];
const SAFE_KEYS = ['host', 'port', 'max_position', 'timeout', 'region', 'mode', 'level', 'venue', 'limit', 'name'];

// Secrets: a marker plus password-ish characters that need no quoting in any of the formats.
const secretArb = fc
  .string({
    unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-.!@$%^*+/~#;&,'.split('')),
    minLength: 4,
    maxLength: 24,
  })
  .map((s) => `Zq${s}Qz`);
const safeValueArb = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnop0123456789'.split('')),
  minLength: 1,
  maxLength: 10,
});
const sensitiveKeyArb = fc.constantFrom(...SENSITIVE);
const safeKeyArb = fc.constantFrom(...SAFE_KEYS);

interface Doc {
  text: string;
  secrets: string[];
  safeLines: string[];
}

// 'hidden': an ordinary key holding a secret-looking value: a secret only under a sensitive parent.
type Entry =
  | { kind: 'safe' | 'hidden'; key: string; value: string }
  | { kind: 'secret'; key: string; value: string; style: number }
  | { kind: 'group'; key: string; entries: Entry[] };

const entryArb: fc.Arbitrary<Entry> = fc.letrec<{ entry: Entry }>((tie) => ({
  entry: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('safe' as const), key: safeKeyArb, value: safeValueArb }),
    fc.record({ kind: fc.constant('hidden' as const), key: safeKeyArb, value: secretArb }),
    fc.record({ kind: fc.constant('secret' as const), key: sensitiveKeyArb, value: secretArb, style: fc.nat(5) }),
    fc.record({
      kind: fc.constant('group' as const),
      key: fc.oneof(safeKeyArb, sensitiveKeyArb),
      entries: fc.array(tie('entry'), { maxLength: 4 }),
    }),
  ),
})).entry;

function yamlDoc(entries: Entry[]): Doc {
  const secrets: string[] = [];
  const safeLines: string[] = [];
  const lines: string[] = [];
  const walk = (es: Entry[], ind: string, underSecret: boolean): void => {
    for (const e of es) {
      if (e.kind === 'safe' || e.kind === 'hidden') {
        const line = `${ind}${e.key}: ${e.value}`;
        lines.push(line);
        if (!underSecret) safeLines.push(line);
        else secrets.push(e.value);
      } else if (e.kind === 'secret') {
        secrets.push(e.value);
        switch (e.style) {
          case 0:
            lines.push(`${ind}${e.key}: ${e.value}`);
            break;
          case 1:
            lines.push(`${ind}${e.key}: "${e.value}"  # note`);
            break;
          case 2:
            lines.push(`${ind}${e.key}: |`, `${ind}  ${e.value}`, `${ind}  ${e.value}-2`);
            break;
          case 3:
            lines.push(`${ind}${e.key}:`, `${ind}- ${e.value}`);
            break;
          case 4:
            lines.push(`${ind}${e.key}: {user: u, value: ${e.value}}`);
            break;
          default:
            lines.push(`${ind}${e.key}: &a '${e.value}'`);
        }
      } else if (e.kind === 'group') {
        lines.push(`${ind}${e.key}:`);
        walk(e.entries, `${ind}  `, underSecret || r.isSensitiveKey(e.key));
      }
    }
  };
  walk(entries, '', false);
  return { text: `${lines.join('\n')}\n`, secrets, safeLines };
}

function jsonDoc(entries: Entry[], indent: number): Doc {
  const secrets: string[] = [];
  const build = (es: Entry[], underSecret: boolean): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    es.forEach((e) => {
      const k = e.key;
      if (Object.hasOwn(o, k)) return; // JSON keys are unique
      if (e.kind === 'safe') o[k] = e.value;
      else if (e.kind === 'hidden') {
        o[k] = e.value;
        if (underSecret) secrets.push(e.value);
      } else if (e.kind === 'secret') {
        secrets.push(e.value);
        o[k] = e.style % 2 === 0 ? e.value : [e.value, { inner: e.value }];
      } else if (e.kind === 'group') {
        o[k] = build(e.entries, underSecret || r.isSensitiveKey(k));
      }
    });
    return o;
  };
  const obj = build(entries, false);
  return { text: JSON.stringify(obj, null, indent), secrets, safeLines: [] };
}

function kvDoc(entries: Entry[], format: 'ini' | 'env' | 'properties' | 'toml' | 'python'): Doc {
  const secrets: string[] = [];
  const safeLines: string[] = [];
  const lines: string[] = [];
  const sep = format === 'properties' ? '=' : format === 'env' ? '=' : ' = ';
  const quote = (v: string): string => (format === 'toml' || format === 'python' ? `"${v}"` : v);
  const keyOf = (k: string): string =>
    format === 'env' || format === 'python' ? k.toUpperCase().replace(/-/g, '_') : k;
  const flat = (es: Entry[], prefix: string): void => {
    for (const e of es) {
      if (e.kind === 'group') {
        if (format === 'ini' || format === 'toml') {
          lines.push(`[${prefix}${e.key}]`);
          const sensitive = r.isSensitiveKey(e.key) || prefix.split('.').some((p) => p !== '' && r.isSensitiveKey(p));
          for (const c of e.entries) {
            if (c.kind === 'group') continue;
            const line = `${keyOf(c.key)}${sep}${quote(c.value)}`;
            lines.push(line);
            if (sensitive || r.isSensitiveKey(keyOf(c.key))) secrets.push(c.value);
            else safeLines.push(line);
          }
          for (const c of e.entries) if (c.kind === 'group') flat([c], `${prefix}${e.key}.`);
          if (format === 'ini') lines.push('');
        } else flat(e.entries, `${prefix}${e.key}_`);
        continue;
      }
      const key = keyOf(format === 'ini' || format === 'toml' ? e.key : `${prefix}${e.key}`);
      // Flattened names (HOST_PIN) follow the key rules as a whole: "pin" is sensitive only alone.
      if (r.isSensitiveKey(key)) {
        secrets.push(e.value);
        lines.push(
          e.kind === 'secret' && e.style === 1 && format !== 'properties'
            ? `${key}${sep}"${e.value}"`
            : `${key}${sep}${quote(e.value)}`,
        );
      } else {
        const line = `${key}${sep}${quote(e.value)}`;
        lines.push(line);
        safeLines.push(line);
      }
    }
  };
  // Top-level keys first (INI and TOML keys after a header belong to it).
  flat(
    entries.filter((e) => e.kind !== 'group'),
    '',
  );
  flat(
    entries.filter((e) => e.kind === 'group'),
    '',
  );
  return { text: `${lines.join('\n')}\n`, secrets, safeLines };
}

function check(doc: Doc, format: ConfigTextFormat): void {
  const out = red(doc.text, format);
  // Only the generated secrets are distinctive enough to look for ("a" may also be an ordinary value).
  // Neither end of a secret may survive (a value cut short at a "," or "&" would leave its tail).
  for (const s of doc.secrets.filter((x) => x.startsWith('Zq'))) {
    for (const part of [s.slice(0, 5), s.slice(-5)])
      expect(out, `${format} leaked ${part} of ${s}\n--- in\n${doc.text}\n--- out\n${out}`).not.toContain(part);
  }
  const outLines = new Set(out.split('\n'));
  for (const l of doc.safeLines) expect(outLines.has(l), `${format} altered "${l}"\n--- out\n${out}`).toBe(true);
}

/** Gives every generated secret-looking value distinct ends ("Zq007…007Qz"), so one that may survive cannot mask one that must not. */
function numbered(es: Entry[]): Entry[] {
  let n = 0;
  const walk = (list: Entry[]): Entry[] =>
    list.map((e) => {
      if (e.kind === 'group') return { ...e, entries: walk(e.entries) };
      if (e.kind === 'safe') return e;
      const id = String(n++).padStart(3, '0');
      // The middle never holds the markers, so no value carries another's ends ("Zq000" + "4QzAAAA" +
      // "000Qz" held "004Qz", secret 004's tail: a kept ordinary value reported as a leak).
      return { ...e, value: `Zq${id}${e.value.slice(2, -2).replace(/Zq|Qz/g, 'xx')}${id}Qz` };
    });
  return walk(es);
}

describe('property: secrets under sensitive keys never survive; ordinary values do', () => {
  const entries = fc.array(entryArb, { minLength: 1, maxLength: 8 }).map(numbered);
  it('YAML', () => {
    fc.assert(
      fc.property(entries, (es) => check(yamlDoc(es), 'yaml')),
      { numRuns: 400 },
    );
  });
  it('JSON, any indentation', () => {
    fc.assert(
      fc.property(entries, fc.constantFrom(0, 2, 4), (es, ind) => check(jsonDoc(es, ind), 'json')),
      { numRuns: 400 },
    );
  });
  it.each(['ini', 'env', 'properties', 'toml', 'python'] as const)('%s', (format) => {
    fc.assert(
      fc.property(entries, (es) => check(kvDoc(es, format), format)),
      { numRuns: 300 },
    );
  });
  it('any text in any format: redaction is idempotent and never throws', () => {
    const formats: ConfigTextFormat[] = [
      'yaml',
      'json',
      'toml',
      'ini',
      'conf',
      'env',
      'properties',
      'python',
      'generic',
    ];
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom(...formats), (text, format) => {
        const once = red(text, format);
        expect(red(once, format)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('a Kubernetes Secret: data and stringData hold the secrets under ordinary names', () => {
  const r = compileRedactor();
  it('YAML', () => {
    const text =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: broker\ntype: Opaque\ndata:\n  username: YWRtaW4=\n  fixgw: cGFzc3dvcmQxMjM0NQ==\nstringData:\n  venue: hunter2hunter2\n';
    const out = redactConfigText(text, 'yaml', r).text;
    expect(out).toBe(
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: broker\ntype: Opaque\ndata:\n  username: [REDACTED]\n  fixgw: [REDACTED]\nstringData:\n  venue: [REDACTED]\n',
    );
  });
  it('JSON', () => {
    const text = '{"apiVersion": "v1", "kind": "Secret",\n "data": {"fixgw": "cGFzc3dvcmQxMjM0NQ=="}}\n';
    expect(redactConfigText(text, 'json', r).text).not.toContain('cGFzc3dvcmQxMjM0NQ');
  });
  it('a ConfigMap keeps its data', () => {
    const text = 'kind: ConfigMap\ndata:\n  venue: LMAX\n';
    expect(redactConfigText(text, 'yaml', r).text).toBe(text);
  });
});
