/**
 * Text the CLI echoes back to a person (errors quoting what was typed) passes through the default
 * redaction rules first.
 */
import { compileRedactor, type Redactor } from '../redaction/index.js';

let echoRedactor: Redactor | undefined;

/**
 * Error text as printed: with the default redaction rules applied. Errors quote what the user
 * typed (an unknown option `--api-key=sk-…`, a word that is not key=value, a reason), and a
 * terminal, a CI log or a cron mail is not a place for a secret, whatever the log's settings.
 */
export function echoSafe(text: string): string {
  echoRedactor ??= compileRedactor();
  return echoRedactor.redactString(text);
}
