/**
 * The `yaml` package's parsers as every redaction pass calls them on untrusted text: with
 * `prettyErrors: false`. Its default prettifies every error by cutting the error's whole source
 * line out again (`substring` + a trailing-newline pattern per error), so one line of many
 * errors (`k: "x" "x" "x" …`, an error per extra scalar) costs its length times its errors:
 * 80 kB took 18 s, 250 kB 132 s, and a 1-4 MB line in a config held `auditpack snapshot` for
 * hours. Redaction never shows the parser's messages; it only asks whether there were errors and
 * reads the nodes' ranges, which do not depend on the option.
 */
import { type Document, type DocumentOptions, type ParseOptions, parseAllDocuments, parseDocument } from 'yaml';

type Options = ParseOptions & DocumentOptions;

/** Every document of `text`, errors left unprettified (linear in the errors). */
export function parseYamlStream(text: string, options: Options = {}): ReturnType<typeof parseAllDocuments> {
  return parseAllDocuments(text, { ...options, prettyErrors: false });
}

/** `text` as one document, errors left unprettified (linear in the errors). */
export function parseYamlDocument(text: string, options: Options = {}): Document.Parsed {
  return parseDocument(text, { ...options, prettyErrors: false });
}
