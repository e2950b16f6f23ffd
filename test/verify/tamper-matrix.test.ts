/**
 * The tamper matrix (helpers/tamper-cases.ts): every case is found by `auditpack verify` and by
 * the reference checker tools/auditpack_check.py, which shares no code with auditpack, with the
 * same verdict and the same first broken line; the clean corpus (several processes, midnight,
 * late events, a recovered torn line, signed packs, .tar.gz copies) raises no alarm in either.
 */
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPath } from '../../src/verify/index.js';
import { CLEAN_TARGETS, TAMPER_CASES } from './helpers/tamper-cases.js';
import { buildCorpus, copyCorpus, type Corpus } from './helpers/tamper-corpus.js';
import { PYTHON } from '../helpers/python.js';

const CHECKER = fileURLToPath(new URL('../../tools/auditpack_check.py', import.meta.url));

interface Finding {
  readonly severity: string;
  readonly code: string;
  readonly file?: string | null;
  readonly line?: number | null;
}

/** The reference checker's findings and verdict. */
function reference(path: string): { ok: boolean; findings: Finding[] } {
  try {
    return JSON.parse(
      execFileSync(PYTHON, [CHECKER, path, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
    ) as { ok: boolean; findings: Finding[] };
  } catch (err) {
    const out = (err as { stdout?: string }).stdout;
    if (out) return JSON.parse(out) as { ok: boolean; findings: Finding[] };
    throw err;
  }
}

/** The first broken line: the earliest (file, line) among errors that name a line. */
function firstBroken(findings: readonly Finding[]): string | null {
  const at = findings
    .filter((f) => f.severity === 'error' && typeof f.line === 'number')
    .map((f) => ({ file: basename(f.file ?? ''), line: f.line as number }))
    .sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return at.length === 0 ? null : `${at[0]!.file}:${at[0]!.line}`;
}

let corpus: Corpus;
beforeAll(async () => {
  corpus = await buildCorpus();
}, 120_000);

describe('tamper matrix: auditpack verify and the reference checker agree', () => {
  it(`has at least 60 cases (${TAMPER_CASES.length})`, () => {
    expect(TAMPER_CASES.length).toBeGreaterThanOrEqual(60);
  });

  it('the clean corpus raises no alarm in either', async () => {
    const root = copyCorpus(corpus);
    for (const target of CLEAN_TARGETS) {
      const path = join(root, target);
      const mine = await verifyPath(path, { publicKeys: [corpus.publicKey] });
      expect(
        mine.problems.filter((p) => p.severity === 'error').map((p) => `${p.code} ${p.file}:${p.line} ${p.detail}`),
        target,
      ).toEqual([]);
      const ref = reference(path);
      expect(
        ref.findings.filter((f) => f.severity === 'error').map((f) => `${f.code} ${f.file}:${f.line}`),
        target,
      ).toEqual([]);
      expect(ref.ok, target).toBe(true);
    }
  }, 120_000);

  for (const c of TAMPER_CASES) {
    it(c.name, async () => {
      const root = copyCorpus(corpus);
      const path = join(root, c.edit(root));
      const mine = await verifyPath(path, {});
      const ref = reference(path);
      const errs = mine.problems.filter((p) => p.severity === 'error');
      expect(errs.length, 'auditpack verify found nothing').toBeGreaterThan(0);
      expect(ref.ok, `the reference checker found nothing: ${JSON.stringify(ref.findings.slice(0, 3))}`).toBe(false);
      expect(
        firstBroken(ref.findings),
        `verify: ${JSON.stringify(errs.slice(0, 3))}\nreference: ${JSON.stringify(ref.findings.filter((f) => f.severity === 'error').slice(0, 3))}`,
      ).toBe(firstBroken(errs));
    }, 60_000);
  }
});
