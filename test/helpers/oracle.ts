import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './python.js';

const SCRIPT = fileURLToPath(new URL('./check_chain.py', import.meta.url));

export interface OracleResult {
  ok: boolean;
  lines: number;
  recovered: number;
  late: number;
  end_hash: string | null;
  last_seq: number | null;
  problems: string[];
}

/** Runs the independent Python checker (test/helpers/check_chain.py) over files or directories. */
export function pythonCheck(...paths: string[]): OracleResult {
  try {
    return JSON.parse(execFileSync(PYTHON, [SCRIPT, ...paths], { encoding: 'utf8' })) as OracleResult;
  } catch (err) {
    const out = (err as { stdout?: string }).stdout;
    if (out) return JSON.parse(out) as OracleResult;
    throw err;
  }
}
