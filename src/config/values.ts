/**
 * Reading settings: the config file (JSON, dotted keys), environment values, and the checks every
 * setting gets (integers, booleans, lists). Used only by src/config.ts, the one place that reads them.
 */
import { readRegularFile } from '../fsx/digest.js';
import { isAbsolute, resolve } from 'node:path';
import { AuditpackError, quotePath } from '../errors.js';

/** Name of the optional config file looked up in the working directory. */
export const CONFIG_FILE_NAME = 'auditpack.config.json';

export type FileConfig = Record<string, unknown>;

/** Reads one setting from flag, environment, config file or default, in that order. */
export interface SettingReader {
  /** A directory or file path, absolute (relative ones against cwd). */
  dir(flag: string | undefined, envName: string, fileKey: string, def: string): string;
  int(flag: number | undefined, envName: string, fileKey: string, def: number): number;
  bool(flag: boolean | undefined, envName: string, fileKey: string, def: boolean): boolean;
  /** A path made absolute against cwd; undefined stays undefined. */
  path(raw: string | undefined): string | undefined;
}

export function settingReader(cwd: string, env: Env, file: FileConfig): SettingReader {
  const path = (raw: string | undefined): string | undefined =>
    raw === undefined ? undefined : isAbsolute(raw) ? raw : resolve(cwd, raw);
  return {
    path,
    dir: (flag, envName, fileKey, def) =>
      path(flag ?? nonEmpty(env[envName]) ?? stringAt(file, fileKey) ?? def) as string,
    int: (flag, envName, fileKey, def) => {
      if (flag !== undefined) return checkInt(flag, `option for ${envName}`);
      const e = nonEmpty(env[envName]);
      if (e !== undefined) return checkInt(Number(e), envName, e);
      const f = valueAt(file, fileKey);
      if (f !== undefined) return checkInt(Number(f), `${CONFIG_FILE_NAME} ${fileKey}`, f);
      return def;
    },
    bool: (flag, envName, fileKey, def) => {
      if (flag !== undefined) return flag;
      const e = nonEmpty(env[envName]);
      if (e !== undefined) return parseBool(e, envName);
      const f = valueAt(file, fileKey);
      if (f !== undefined) return parseBool(f, `${CONFIG_FILE_NAME} ${fileKey}`);
      return def;
    },
  };
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A comma-separated environment list, trimmed, empty items dropped. */
export function commaList(raw: string | undefined): string[] {
  const v = nonEmpty(raw);
  return v === undefined
    ? []
    : v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
}

export function readConfigFile(cwd: string, path: string | undefined): FileConfig {
  const explicit = nonEmpty(path);
  const full = resolve(cwd, explicit ?? CONFIG_FILE_NAME);
  let text: string;
  try {
    // A FIFO in the config file's place is refused (ENOTREG), never waited on.
    text = readRegularFile(full, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && explicit === undefined) return {};
    throw new AuditpackError(
      'CONFIG_INVALID',
      `config file ${quotePath(full)} cannot be read: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // The engine's message quotes the text around the error, which may be a secret (a URL with its
    // password, a token pasted in the wrong place): only where it is, and not the error as cause.
    const at = /position (\d+)|line (\d+) column (\d+)/.exec((err as Error).message);
    const where =
      at === null ? '' : at[1] !== undefined ? ` (at character ${at[1]})` : ` (line ${at[2]} column ${at[3]})`;
    throw new AuditpackError('CONFIG_INVALID', `config file ${full} is not valid JSON${where}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AuditpackError('CONFIG_INVALID', `config file ${full} must hold a JSON object`);
  }
  return parsed as FileConfig;
}

export function valueAt(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function stringAt(obj: unknown, dotted: string): string | undefined {
  const v = valueAt(obj, dotted);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') {
    throw new AuditpackError('CONFIG_INVALID', `${CONFIG_FILE_NAME}: ${dotted} must be a non-empty string`);
  }
  return v;
}

export function stringList(obj: unknown, dotted: string): string[] | undefined {
  const v = valueAt(obj, dotted);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new AuditpackError('CONFIG_INVALID', `${CONFIG_FILE_NAME}: ${dotted} must be an array of strings`);
  }
  return [...v];
}

export function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/**
 * A bad setting's value as an error may show it. An error reaches the terminal, cron mail and, from
 * the default logger, the audit chain (`LoggerConfigInvalid`) and every pack of the day; a setting
 * holds a secret by mistake (a shifted `.env` line, a secret reference wired to the wrong variable).
 * So the value is quoted only when it looks like a number (or a date), or is one of `words` in
 * another spelling (`Durable`); otherwise its length is given, never its text.
 */
export function shownSetting(raw: unknown, words: readonly string[] = []): string {
  if (typeof raw === 'number' || typeof raw === 'boolean' || raw === null) return JSON.stringify(raw);
  if (typeof raw !== 'string') return Array.isArray(raw) ? 'a JSON array' : `a JSON ${typeof raw}`;
  const t = raw.trim();
  if (/^[+-]?[\d.,_:/ TZ-]{1,32}$/.test(t) || /^[+-]?\d+(\.\d+)?e[+-]?\d+$/i.test(t) || words.includes(t.toLowerCase()))
    return JSON.stringify(raw);
  return `a value of ${raw.length} characters (not shown: a setting may hold a secret by mistake)`;
}

export function checkInt(n: number, what: string, raw: unknown = n): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new AuditpackError('CONFIG_INVALID', `${what} must be a whole number ≥ 0, got ${shownSetting(raw)}`);
  }
  return n;
}

/** Parses the usual spellings of a boolean setting; anything else is a config error. */
export function parseBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new AuditpackError('CONFIG_INVALID', `${what} must be true or false, got ${shownSetting(v)}`);
}
