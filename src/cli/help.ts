/**
 * The part of every `--help` commander does not write: examples and exit codes. Each command
 * states its own; usage (2) and a bug (70) are added to every list, so no help omits them.
 */

/** What a command's help shows after its options. */
export interface HelpFacts {
  /** Two or three `[command line, what it does]` pairs; the command line starts after `auditpack `. */
  readonly examples: readonly (readonly [string, string])[];
  /** The exit codes this command itself ends with, besides 2 and 70. */
  readonly exits: readonly (readonly [number, string])[];
}

const ALWAYS: readonly (readonly [number, string])[] = [
  [2, 'usage error: unknown option, missing or malformed argument (USAGE)'],
  [70, 'a bug in auditpack (the stack is printed)'],
];

/** The text for commander's `addHelpText('after', …)`. */
export function helpText(facts: HelpFacts): string {
  const exits = [...facts.exits, ...ALWAYS].sort((a, b) => a[0] - b[0]);
  const width = Math.max(...exits.map(([n]) => String(n).length));
  return [
    '',
    'Examples:',
    ...facts.examples.flatMap(([line, what]) => [`  $ auditpack ${line}`, `      ${what}`]),
    '',
    'Exit codes:',
    ...exits.map(([n, what]) => `  ${String(n).padStart(width)}  ${what}`),
    '',
    'Errors print as "auditpack: error CODE: message" on stderr; with --json also as',
    '{"ok": false, "error": {"code", "message", "exit"}} on stdout. Every code: docs/errors.md.',
  ].join('\n');
}
