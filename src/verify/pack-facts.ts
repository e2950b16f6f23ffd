/**
 * What verify gathers from a pack (a directory or a `.tar.gz` stream) before judging it, and what
 * the judging hands on to the archive check.
 */
import type { KeyObject } from 'node:crypto';
import type { RecordedAlertFilter } from '../format/pack.js';
import type { CsvStats } from './csv-count.js';
import type { AlertHashes, LogFacts } from './log-facts.js';

/** A regular file found in the pack. */
export interface CollectedFile {
  readonly size: number;
  readonly sha256: string;
}

/** Everything gathered from a pack before judging it. */
export interface PackFacts {
  /** The pack directory's own name (`YYYY-MM-DD` or `YYYY-MM-DD.vN`), when known. */
  readonly dirName: string | undefined;
  /** Regular files by path relative to the pack root (`data/audit.jsonl`, `bagit.txt`…). */
  readonly files: Map<string, CollectedFile>;
  /** Bytes of the small files at the root; 'too-large' when over their bound. */
  readonly tags: Map<string, Buffer | 'too-large'>;
  readonly csv: Map<string, CsvStats>;
  /** data/alerts.jsonl: its line count and each line's SHA-256 (undefined past the bound of a list). */
  readonly alerts:
    | { readonly lines: number; readonly hashes: AlertHashes | undefined; readonly unterminated: boolean }
    | undefined;
  readonly log: LogFacts | undefined;
}

/** Trusted keys for the signature. */
export interface TrustedKeys {
  readonly keys: readonly { readonly key: KeyObject; readonly identity?: string }[];
}

/** The parts of manifest.json that other checks (the archive) use. */
export interface ManifestSummary {
  readonly exportDate: string | undefined;
  /** SHA-256 of the manifest.json bytes. */
  readonly manifestSha256: string | undefined;
  readonly previousPack: { readonly exportDate: string; readonly manifestSha256: string } | null | undefined;
  readonly supersedes: { readonly manifestSha256: string; readonly movedTo: string } | null | undefined;
  readonly chain:
    | { firstSeq: number | null; lastSeq: number | null; startPrev: string | null; endHash: string | null }
    | undefined;
  /** SHA-256 of tagmanifest-sha256.txt (what review signatures name), when the pack has one. */
  readonly tagmanifestSha256?: string | undefined;
  /** When the pack was made (manifest.json `created_at`), when well formed. */
  readonly createdAt?: string | undefined;
  /** A back-filled pack: the later pack it was inserted before. */
  readonly insertedBefore?: { readonly exportDate: string; readonly manifestSha256: string } | null | undefined;
  /** The recorded alert filter, when well formed. */
  readonly alertFilter?: RecordedAlertFilter | undefined;
}
