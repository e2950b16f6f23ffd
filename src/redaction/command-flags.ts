/**
 * Passwords given to common tools by a short option, in logged command lines: the option's name
 * (`-p`, `-a`, `-w`, `-P`) says nothing by itself (`docker run -p 8080:80` is a port), so the rule
 * is per tool, from each tool's manual:
 *
 * - `sshpass -p X` (and `-pX`);
 * - `docker|podman|nerdctl|buildah|helm|oras|skopeo … login … -p X` (and `-pX`), `az login … -p X`,
 *   `cf login|auth … -p X`;
 * - `redis-cli -a X` (and `-aX`); `ldapsearch|ldapadd|ldapmodify|… -w X` (and `-wX`),
 *   `ldappasswd -a OLD -s NEW`; `sqlcmd|bcp|osql -P X`; `ipmitool -P X`; `zip|unzip|zipcloak -P X`;
 *   `ssh-keygen -P OLD -N NEW`; `mongo|mongosh|mongodump|… -p X`; `7z|7za|7zr -pX`;
 *   `snmpwalk|snmpget|… -c COMMUNITY -A AUTHPASS -X PRIVPASS`; `gh secret set NAME -b|--body X`;
 * - `htpasswd -b FILE USER X`, `htpasswd -nb USER X` (an operand: htpasswdSecret).
 *
 * `mysql -pX` is a shape (`shapes.ts`); `--password X` the flag rule (`pairs.ts`); `curl -u` a
 * shape. A command runs to the end of its line or the next `;`, `|` or `&`, at most 512
 * characters; the scan resumes after it, so the work is bounded per character.
 */
import { isBareEnd, isBlank } from './chars.js';
import { closingQuote } from './pairs.js';

/** One tool: the options whose next token is a secret, and those whose glued rest is one. */
interface CommandRule {
  /** A word that must come before the option (`login` for `docker login`). */
  readonly sub?: readonly string[];
  /** `-p X`: the option, then blanks, then the secret. */
  readonly spaced: readonly string[];
  /** `-pX`: the secret glued to the option. */
  readonly glued: readonly string[];
}

const LOGIN: CommandRule = { sub: ['login'], spaced: ['-p'], glued: ['-p'] };
const LDAP: CommandRule = { spaced: ['-w'], glued: ['-w'] };
const SNMP: CommandRule = { spaced: ['-c', '-A', '-X'], glued: ['-A', '-X'] };
const MONGO: CommandRule = { spaced: ['-p'], glued: [] };

/** The rule of each tool, by its command word. */
const RULES: Readonly<Record<string, CommandRule>> = Object.assign(Object.create(null) as object, {
  sshpass: { spaced: ['-p'], glued: ['-p'] },
  docker: LOGIN,
  podman: LOGIN,
  nerdctl: LOGIN,
  buildah: LOGIN,
  helm: LOGIN,
  oras: LOGIN,
  skopeo: LOGIN,
  az: { sub: ['login'], spaced: ['-p'], glued: [] },
  cf: { sub: ['login', 'auth'], spaced: ['-p'], glued: [] },
  'redis-cli': { spaced: ['-a'], glued: ['-a'] },
  ldapsearch: LDAP,
  ldapadd: LDAP,
  ldapmodify: LDAP,
  ldapdelete: LDAP,
  ldapwhoami: LDAP,
  ldapcompare: LDAP,
  ldapmodrdn: LDAP,
  ldapexop: LDAP,
  ldappasswd: { spaced: ['-w', '-a', '-s'], glued: ['-w'] },
  sqlcmd: { spaced: ['-P'], glued: ['-P'] },
  bcp: { spaced: ['-P'], glued: ['-P'] },
  osql: { spaced: ['-P'], glued: ['-P'] },
  ipmitool: { spaced: ['-P'], glued: [] },
  zip: { spaced: ['-P'], glued: [] },
  unzip: { spaced: ['-P'], glued: [] },
  zipcloak: { spaced: ['-P'], glued: [] },
  'ssh-keygen': { spaced: ['-P', '-N'], glued: [] },
  mongo: MONGO,
  mongosh: MONGO,
  mongodump: MONGO,
  mongorestore: MONGO,
  mongoexport: MONGO,
  mongoimport: MONGO,
  mongostat: MONGO,
  mongotop: MONGO,
  mongofiles: MONGO,
  '7z': { spaced: [], glued: ['-p'] },
  '7za': { spaced: [], glued: ['-p'] },
  '7zr': { spaced: [], glued: ['-p'] },
  snmpwalk: SNMP,
  snmpbulkwalk: SNMP,
  snmpget: SNMP,
  snmpgetnext: SNMP,
  snmpbulkget: SNMP,
  snmpset: SNMP,
  snmptable: SNMP,
  snmptrap: SNMP,
  snmpinform: SNMP,
  gh: { sub: ['secret'], spaced: ['-b', '--body'], glued: [] },
  // Its password is an operand, not an option's value (htpasswdSecret).
  htpasswd: { spaced: [], glued: [] },
});

/** A command word: after a start, a blank, a path's `/` or a shell separator; before a blank. */
const COMMAND = new RegExp(
  `(?:^|[\\s/;|&(\`'"])(${Object.keys(RULES)
    .map((w) => w.replace(/-/g, '\\-'))
    .join('|')})(?=[ \\t])`,
  'g',
);
/** How far a command's options are read. */
const MAX_COMMAND = 512;

/** The end of a command: a line end or a shell separator. */
function isCommandEnd(c: number): boolean {
  return c === 10 || c === 13 || c === 59 || c === 124 || c === 38;
}

/**
 * [start, end, next) of the secret at `v` (inside its quotes when quoted; `next` after the closing
 * quote), or undefined.
 */
function secretAt(s: string, v: number, limit: number, censor: string): [number, number, number] | undefined {
  const c = s.charCodeAt(v);
  if (v >= limit || Number.isNaN(c) || isBlank(c) || c === 45 || s.startsWith(censor, v)) return undefined;
  if (c === 34 || c === 39) {
    const e = closingQuote(s, v);
    const end = e === -1 || e > limit ? limit : e - 1;
    if (end <= v + 1 || s.startsWith(censor, v + 1)) return undefined;
    return [v + 1, end, Math.min(end + 1, limit)];
  }
  let end = v;
  while (end < limit && !isBareEnd(s.charCodeAt(end))) end++;
  return end > v ? [v, end, end] : undefined;
}

/** The secrets of one command whose options start at `from`, up to `limit`, added to `spans`. */
function commandSecrets(
  s: string,
  rule: CommandRule,
  from: number,
  limit: number,
  censor: string,
  spans: number[],
): void {
  let seenSub = rule.sub === undefined;
  let i = from;
  while (i < limit) {
    while (i < limit && isBlank(s.charCodeAt(i))) i++;
    let end = i;
    while (end < limit && !isBlank(s.charCodeAt(end))) end++;
    if (end === i) break;
    const word = s.slice(i, end);
    if (!seenSub) seenSub = (rule.sub as readonly string[]).includes(word);
    else if (rule.spaced.includes(word)) {
      let v = end;
      while (v < limit && isBlank(s.charCodeAt(v))) v++;
      const span = v > end ? secretAt(s, v, limit, censor) : undefined;
      if (span !== undefined) {
        spans.push(span[0], span[1]);
        end = Math.max(end, span[2]);
      }
    } else if (word.length > 2 && rule.glued.includes(word.slice(0, 2))) {
      const span = secretAt(s, i + 2, end, censor);
      if (span !== undefined) spans.push(span[0], span[1]);
    }
    i = end;
  }
}

/** htpasswd's options that take a value of their own (`-C cost`, `-r rounds`). */
const HTPASSWD_VALUED: ReadonlySet<string> = new Set(['C', 'r']);

/**
 * `htpasswd -b[c…] FILE USER PASSWORD` and `htpasswd -nb USER PASSWORD` (Apache's manual: `-b`
 * takes the password from the command line, `-n` writes to stdout and takes no file): the operand
 * after the file and the user, options before them in any grouping (`-bc`, `-c -b`, `-B -C 10`).
 */
function htpasswdSecret(s: string, from: number, limit: number, censor: string, spans: number[]): void {
  let letters = '';
  const operands: number[] = [];
  let i = from;
  while (i < limit && operands.length < 3) {
    while (i < limit && isBlank(s.charCodeAt(i))) i++;
    let end = i;
    while (end < limit && !isBlank(s.charCodeAt(end))) end++;
    if (end === i) break;
    if (operands.length === 0 && s.charCodeAt(i) === 45 && end - i > 1) {
      const opts = s.slice(i + 1, end);
      letters += opts;
      // `-C 10`: the option's value is the next word, not an operand.
      if (HTPASSWD_VALUED.has(opts.charAt(opts.length - 1))) {
        i = end;
        while (i < limit && isBlank(s.charCodeAt(i))) i++;
        while (i < limit && !isBlank(s.charCodeAt(i))) i++;
        continue;
      }
    } else operands.push(i);
    i = end;
  }
  if (!letters.includes('b')) return;
  const at = operands[letters.includes('n') ? 1 : 2];
  const span = at === undefined ? undefined : secretAt(s, at, limit, censor);
  if (span !== undefined) spans.push(span[0], span[1]);
}

/** `s` with the secrets given to the tools above by short options replaced by `censor`. */
export function redactCommandFlags(s: string, censor: string): string {
  const spans: number[] = [];
  COMMAND.lastIndex = 0;
  for (let m = COMMAND.exec(s); m !== null; m = COMMAND.exec(s)) {
    const from = m.index + m[0].length;
    let limit = from;
    while (limit < s.length && limit - from < MAX_COMMAND && !isCommandEnd(s.charCodeAt(limit))) limit++;
    if (m[1] === 'htpasswd') htpasswdSecret(s, from, limit, censor, spans);
    else commandSecrets(s, RULES[m[1] as string] as CommandRule, from, limit, censor, spans);
    COMMAND.lastIndex = Math.max(COMMAND.lastIndex, limit);
  }
  if (spans.length === 0) return s;
  let out = '';
  let last = 0;
  for (let k = 0; k < spans.length; k += 2) {
    const start = spans[k] as number;
    if (start < last) continue;
    out += s.slice(last, start) + censor;
    last = spans[k + 1] as number;
  }
  return out + s.slice(last);
}
