/** Runs the reference checker tools/auditpack_check.py (no shared code with auditpack) with --json. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../helpers/python.js';

const CHECKER = fileURLToPath(new URL('../../../tools/auditpack_check.py', import.meta.url));

export interface PythonFinding {
  readonly severity: string;
  readonly code: string;
  /** The file the finding is about, relative to what was checked. */
  readonly file: string | null;
  /** The 1-based line of that file, when the finding names one. */
  readonly line?: number | null;
  /** What was found, in words. */
  readonly detail?: string;
}

/** The checker's findings for a path (`all`); `errors` are those of severity error. */
export function pythonPackCheck(path: string): {
  status: number | null;
  errors: PythonFinding[];
  all: PythonFinding[];
  /** What the checker took the path for (`pack`, `archive`, `log-dir`, …). */
  kind: string | undefined;
} {
  const r = spawnSync(PYTHON, [CHECKER, path, '--json'], { encoding: 'utf8' });
  const out = JSON.parse(r.stdout) as { problems?: PythonFinding[]; findings?: PythonFinding[]; kind?: string };
  const all = out.problems ?? out.findings ?? [];
  return { status: r.status, errors: all.filter((p) => p.severity === 'error'), all, kind: out.kind };
}

/** The checker run on `args` with its peak memory measured (ru_maxrss): a memory bound, never a time. */
export function pythonCheckMeasured(args: readonly string[]): {
  status: number | null;
  stdout: string;
  stderr: string;
  maxRssKb: number;
} {
  const measured = `
import resource, runpy, sys
sys.argv = sys.argv[1:]
code = 0
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
except SystemExit as e:
    code = e.code
sys.stderr.write('MAXRSS_KB %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
`;
  const r = spawnSync(PYTHON, ['-c', measured, CHECKER, ...args], { encoding: 'utf8', timeout: 120_000 });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    maxRssKb: Number(/MAXRSS_KB (\d+)/.exec(r.stderr)?.[1]),
  };
}
