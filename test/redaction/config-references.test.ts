/**
 * Secrets a config file writes under an ordinary name and refers to from a sensitive one: YAML
 * anchors, aliases and merge keys; INI/.env/.properties interpolation (`%(name)s`, `${name}`,
 * `${section:name}`, `$NAME`); and INI separator edge cases (`password ==v`, `password:=v`,
 * Unicode spaces, a `;` after the value), each as the format's usual loader reads it.
 * Every `LEAKn` must be gone from the output; every `KEEPn` must stay.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the config texts hold `${…}` interpolation on purpose
import { describe, expect, it } from 'vitest';
import { configFormatOf, redactConfigText } from '../../src/redaction/config-text.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();
const red = (path: string, text: string): string => redactConfigText(text, configFormatOf(path), r).text;

/** Asserts that no LEAK marker survives and every KEEP marker does, naming the case on failure. */
function expectHostile(cases: readonly (readonly [string, string])[]): void {
  for (const [path, text] of cases) {
    const out = red(path, text);
    expect({ path, leaks: out.match(/LEAK\w*/g) ?? [] }).toEqual({ path, leaks: [] });
    expect({ path, kept: out.match(/KEEP\w*/g) ?? [] }).toEqual({ path, kept: text.match(/KEEP\w*/g) ?? [] });
    expect(out.split('\n').length).toBe(text.split('\n').length);
  }
}

describe('YAML anchors and aliases', () => {
  it('an alias under a sensitive key censors the node it names, where that node is written', () => {
    expect(red('a.yaml', 'x: &p LEAK1\npassword: *p\nhost: KEEP\n')).toBe(
      'x: &p [REDACTED]\npassword: [REDACTED]\nhost: KEEP\n',
    );
    expect(red('b.yaml', 'base: &creds {user: a, x: LEAK2}\nprod: *creds\ndb:\n  password: *creds\n')).toBe(
      'base: &creds {user: [REDACTED], x: [REDACTED]}\nprod: *creds\ndb:\n  password: [REDACTED]\n',
    );
    expect(red('c.yaml', 'v: !!str &p LEAK3\nlist:\n  - &s LEAK4\napi_key: [*p, *s]\n')).toBe(
      'v: !!str &p [REDACTED]\nlist:\n  - &s [REDACTED]\napi_key: [REDACTED]\n',
    );
  });

  it('a merge key under a sensitive key, and a merge that brings a venue its `key`', () => {
    expect(red('m.yaml', 'common: &c\n  user: a\n  x: LEAK1\npassword:\n  <<: *c\n')).toBe(
      'common: &c\n  user: [REDACTED]\n  x: [REDACTED]\npassword:\n  <<: [REDACTED]\n',
    );
    expect(red('v.yaml', 'defaults: &d {key: LEAK2, url: KEEP1}\nbinance:\n  <<: *d\nsort: {<<: *d}\n')).toBe(
      'defaults: &d {key: [REDACTED], url: KEEP1}\nbinance:\n  <<: *d\nsort: {<<: *d}\n',
    );
  });

  it('chains, alias keys, explicit keys, named values and argv lists reached through an alias', () => {
    expect(red('d.yaml', 'a: &a LEAK1\nb: &b {k: *a}\nsecret: *b\n')).toBe(
      'a: &a [REDACTED]\nb: &b {k: *a}\nsecret: [REDACTED]\n',
    );
    expect(red('k.yaml', 'k: &k password\n*k : LEAK2\nx: &p LEAK3\n? token\n: *p\n')).toBe(
      'k: &k password\n*k : [REDACTED]\nx: &p [REDACTED]\n? token\n: [REDACTED]\n',
    );
    expect(red('n.yaml', 'x: &p LEAK4\nenv:\n  - name: DB_PASSWORD\n    value: *p\nargs: [--password, *p]\n')).toBe(
      'x: &p [REDACTED]\nenv:\n  - name: DB_PASSWORD\n    value: [REDACTED]\nargs: [--password, "[REDACTED]"]\n',
    );
  });

  it('hostile variations: comments, quotes, CRLF, Unicode anchor names, block scalars, documents, duplicate anchors', () => {
    expectHostile([
      ['1.yaml', 'x: &p "LEAK1" # note KEEP1\npassword: *p # c\n'],
      ['2.yaml', "x: &p 'LEAK2'\r\npassword: *p\r\nport: KEEP2\r\n"],
      ['3.yaml', 'x: &пароль LEAK3\npassword: *пароль\n'],
      ['4.yaml', 'x: &a.b-c LEAK4\ntoken: *a.b-c\n'],
      ['5.yaml', 'x: &p >-\n  LEAK5a\n  LEAK5b\ndb:\n  - password: *p\n'],
      ['6.yaml', 'x: &p |\n  LEAK6\npassword: *p\nhost: KEEP6\n'],
      ['7.yaml', '---\nx: &k LEAK7\n---\npassword: *k\n'],
      ['8.yaml', 'x: &k LEAK8a\nx2: &k LEAK8b\npassword: *k\n'],
      ['9.yaml', 'x: &a\n  - &b [LEAK9]\n  - *b\nsecret: [*b]\n'],
      ['10.yaml', 'x: &p LEAK10\npassword: &q *p\n'],
      ['11.yaml', 'x: &p\n  LEAK11a\n  LEAK11b\npassword:\n  *p\n'],
      ['12.yaml', 'x: &p LEAK12\n"pass\\x77ord": *p\n'],
      ['13.yaml', '%YAML 1.1\n---\nx: &p LEAK13\npassword: *p\n'],
      ['14.yaml', 'a: &a {b: *a, c: LEAK14}\nsecret: *a\n'],
      ['15.yaml', '? &k x\n: &v LEAK15\npassword: *v\n'],
      ['16.yaml', 'x: &p LEAK16\nsecrets:\n  - *p\n'],
      ['17.yaml', 'x: &p LEAK17\npassword: {a: *p}\n'],
      ['18.yaml', 'base: &b {x: LEAK18}\nmid: &m {<<: *b}\ntoken: {<<: [*m]}\n'],
      ['19.yaml', 'x: &p\tLEAK19\npassword:\t*p\n'],
      ['20.yaml', 'x: &p !!binary LEAK20\ndb: {password: *p, user: KEEP20}\n'],
    ]);
  });
});

describe('INI and key=value interpolation', () => {
  it('configparser %(name)s and ${section:name}: the referenced option is a secret too', () => {
    expect(red('a.ini', '[db]\nx = LEAK1\npassword = %(x)s\nhost = KEEP\n')).toBe(
      '[db]\nx = [REDACTED]\npassword = [REDACTED]\nhost = KEEP\n',
    );
    expect(red('b.ini', '[s]\nx = LEAK2\n[db]\npassword = ${s:x}\n')).toBe(
      '[s]\nx = [REDACTED]\n[db]\npassword = [REDACTED]\n',
    );
    expect(red('c.ini', '[DEFAULT]\nraw = LEAK3\n[db]\ny = %(raw)s\npassword = pre-%(y)s-post\n')).toBe(
      '[DEFAULT]\nraw = [REDACTED]\n[db]\ny = [REDACTED]\npassword = [REDACTED]\n',
    );
  });

  it('hostile variations: case, order, continuation lines, CRLF, quotes, chains, shell and Spring forms', () => {
    expectHostile([
      ['1.ini', '[db]\nX = LEAK1\npassword = %(x)s\n'],
      ['2.ini', '[db]\npassword = %(x)s\nx = LEAK2\n'],
      ['3.ini', '[db]\nx = LEAK3\npassword = "%(x)s"\n'],
      ['4.ini', '[db]\r\nx = LEAK4\r\npassword = %(x)s\r\nport = KEEP4\r\n'],
      ['5.ini', '[db]\nx = LEAK5\npassword =\n  %(x)s\n'],
      ['6.ini', '[a]\nx = LEAK6\n[b]\ny = ${a:x}\n[c]\npassword = ${b:y}\n'],
      ['7.ini', '[db]\nuser = u\nx = LEAK7\npassword = %(user)s:%(x)s\nhost = KEEP7\n'],
      ['8.ini', '[db]\nпароль_x = LEAK8\npassword = %(пароль_x)s\n'],
      ['9.ini', '[db]\nx = LEAK9a\n  LEAK9b\npassword = %(x)s\n'],
      ['10.cfg', '[db]\nx: LEAK10\npassword: %(x)s\n'],
      ['11.conf', '[program:x]\nx = LEAK11\npassword = %(x)s\n'],
      ['12.ini', '[db]\nx=LEAK12\ny=%(x)s\nz=%(y)s\npassword=%(z)s\nkeep=KEEP12\n'],
      ['13.ini', '[db]\npassword = %( x )s\nx = LEAK13\n'],
      ['14.env', 'X=LEAK14\nPASSWORD=$X\nHOST=KEEP14\n'],
      ['15.env', 'X=LEAK15\nPASSWORD="${X}"\n'],
      ['16.env', 'X=LEAK16\nPASSWORD=${X:-d}\n'],
      ['17.properties', 'db.raw=LEAK17\ndb.password=${db.raw}\n'],
      ['18.properties', 'raw=LEAK18\ndb.password=${raw:fallback}\n'],
    ]);
  });
});

describe('INI separators as configparser reads them', () => {
  it('the first = or : ends the key: a value starting with = or :, spaces and tabs around it', () => {
    expect(red('a.ini', '[db]\npassword ==LEAK1\npassword:=LEAK2\npassword = = LEAK3\npassword\t=\tLEAK4\n')).toBe(
      '[db]\npassword =[REDACTED]\npassword:[REDACTED]\npassword = [REDACTED]\npassword\t=\t[REDACTED]\n',
    );
  });

  it('a name with spaces or Unicode whitespace, and a ; or # after the value (no inline comments)', () => {
    expect(
      red('b.ini', '[db]\npassword\u00a0= LEAK1\ndb password = LEAK2\npassword = ab ;LEAK3\npassword = ab # LEAK4\n'),
    ).toBe(
      '[db]\npassword\u00a0= [REDACTED]\ndb password = [REDACTED]\npassword = [REDACTED]\npassword = [REDACTED]\n',
    );
  });

  it('hostile variations: CRLF, indentation, zero-width and ideographic spaces, quotes, BOM, other formats', () => {
    expectHostile([
      ['1.ini', '[db]\r\npassword ==LEAK1\r\n'],
      ['2.ini', '[db]\n  password ::LEAK2\n'],
      ['3.ini', '[db]\npassword\u200b\u200b = LEAK3\n'],
      ['4.ini', '[db]\npassword\u3000=\u3000LEAK4\n'],
      ['5.ini', '[db]\npassword (old) : LEAK5\n'],
      ['6.ini', '[db]\r\npassword==LEAK6a\r\n\tLEAK6b\r\nport = KEEP6\r\n'],
      ['7.ini', "[db]\npassword= 'LEAK7' # LEAK7b\n"],
      ['8.ini', '[db]\npass word = LEAK8\n'],
      ['9.ini', '[db]\nPassWord    =    LEAK9    \n'],
      ['10.ini', '[db]\npassword =\n\n  LEAK10\n'],
      ['11.ini', '[db]\n\ufeffpassword = LEAK11\n'],
      ['12.ini', '[db]\npassword\f= LEAK12\n'],
      ['13.ini', '[db]\npassword\t:\t=LEAK13\nuser = KEEP13\n'],
      ['14.env', 'PASSWORD==LEAK14\n'],
      ['15.properties', 'password==LEAK15\npassword:=LEAK16\n'],
      ['16.conf', 'password ==LEAK17\n'],
    ]);
  });
});
