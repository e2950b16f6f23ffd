/**
 * Config lines whose secret has no key name (rules 16):
 *
 * - a libpq password file's line (`.pgpass`, `pgpass.conf`): `host:port:database:user:password`,
 *   `\:` and `\\` escaped; read wherever a line has that shape: a host without blanks, a port of
 *   digits or `*`, a database and a user without blanks, and a password after the fourth unescaped
 *   colon (the rest of the line goes); from rules 17 not when the host holds other characters
 *   than a host name's, an address's or a socket path's (`key=09:30:…`), when the user is a number
 *   and a colon follows (`redis1:6379:redis2:6380:redis3:6381`), or when every field is at most 4
 *   hex digits and the line is an IPv6 address (`::`), a MAC address (6 or more fields) or a time
 *   (digits only: `09:30:45:123:456`);
 * - a Redis ACL user line (redis.conf, users.acl): `user name on >password ~* +@all`: its
 *   `>password`, `<password`, `#<sha256 hex>`, `!<sha256 hex>` words lose all but their first
 *   character (protocol-auth.ts aclRuleSpans).
 */
import type { ConfigTextFormat } from './config-lines.js';
import { aclRuleSpans, applySpans } from './protocol-auth.js';

const USER_LINE = /^[ \t]*user[ \t]+[^ \t]+/;

/** The start of a pgpass line's password, or -1 when the line is not one. */
export function pgpassPasswordStart(line: string): number {
  let field = 0;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 92) {
      i++;
      continue;
    }
    if (c === 32 || c === 9) return -1;
    if (c !== 58) continue;
    const len = i - start;
    if (field === 0 && (len === 0 || line.charCodeAt(0) === 35 || !HOST.test(line.slice(0, i)))) return -1;
    if (field === 1 && !/^(?:\d{1,5}|\*)$/.test(line.slice(start, i))) return -1;
    if ((field === 2 || field === 3) && len === 0) return -1;
    // Rules 17: a numeric user with a colon after it is a list of host:port pairs.
    if (field === 3 && /^\d{1,5}$/.test(line.slice(start, i)) && hasUnescapedColon(line, i + 1)) return -1;
    field++;
    start = i + 1;
    if (field === 4) return start < line.length && !isAddressOrTime(line) ? start : -1;
  }
  return -1;
}

/** A pgpass host: a name, an address, a socket directory or `*` (rules 17: no `key=` before it). */
const HOST = /^(?:[A-Za-z0-9._\-/*%[\]]|\\.)+$/;

/**
 * Groups of at most 4 hex digits between colons that are an IPv6 address (a `::`), a MAC address
 * (6 or more groups) or a time (digits only) (rules 17).
 */
function isAddressOrTime(line: string): boolean {
  if (!/^[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f.]{0,4})+$/.test(line)) return false;
  return line.includes('::') || line.split(':').length >= 6 || /^[\d:.]+$/.test(line);
}

function hasUnescapedColon(line: string, from: number): boolean {
  for (let i = from; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 58) return true;
  }
  return false;
}

/** Redacts one line's body (the formats whose lines these can be). */
export function redactCommandLine(body: string, format: ConfigTextFormat, censor: string): string {
  if (format === 'json' || format === 'xml') return body;
  const spans: number[] = [];
  if (body.includes(':')) {
    const p = pgpassPasswordStart(body);
    if (p !== -1) spans.push(p, body.length);
  }
  if ((format === 'conf' || format === 'generic') && body.includes('user')) {
    const m = USER_LINE.exec(body);
    if (m !== null) aclRuleSpans(body, m[0].length, body.length, spans);
  }
  return applySpans(body, spans, censor);
}
