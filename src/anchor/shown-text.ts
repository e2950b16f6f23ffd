/**
 * Text from outside (a TSA's answer, a URL's path) as it may be shown or recorded: secret shapes
 * and pairs redacted with the built-in rules, as any logged text is. The anchor logger runs with
 * redaction off (the token's base64 must stay byte for byte), so what it records from outside must
 * have passed here first.
 */
import { compileRedactor } from '../redaction/index.js';

let redactor: ReturnType<typeof compileRedactor> | undefined;

/** `s` with secrets redacted (the redactor compiled once, on first use: never at import). */
export function shownText(s: string): string {
  redactor ??= compileRedactor();
  return redactor.redactString(s);
}
