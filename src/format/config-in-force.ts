/**
 * The config in force at the end of a log file, as a `LogPruned` event records it for the file it
 * removes (docs/FORMAT.md, "LogPruned"): the `snapshot_id` and `record_sha256` of the last
 * `config`/`ConfigSnapshot` event (not `recovered`) of the chain up to that file's last line. Once
 * retention has removed both the snapshot's day file and the pack holding its copy, this is what
 * still vouches that the chain recorded the snapshot: a config unchanged for longer than the
 * retention windows stays the config of record.
 */

/** The LogPruned field that carries it. */
export const CONFIG_IN_FORCE_FIELD = 'config_in_force';

/** A snapshot the chain recorded, by id and the SHA-256 of its stored record. */
export interface ConfigInForce {
  readonly snapshot_id: string;
  readonly record_sha256: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The value of a `config_in_force` field, if it has the documented shape (hostile input: else undefined). */
export function parseConfigInForce(v: unknown): ConfigInForce | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { snapshot_id, record_sha256 } = v as Record<string, unknown>;
  if (typeof snapshot_id !== 'string' || snapshot_id === '' || snapshot_id.length > 128) return undefined;
  if (typeof record_sha256 !== 'string' || !SHA256_HEX.test(record_sha256)) return undefined;
  return { snapshot_id, record_sha256 };
}

/**
 * The snapshot a parsed log line records when it is a `config`/`ConfigSnapshot` event written by
 * the snapshot itself (an event marked `recovered` was chained late by another writer and vouches
 * for nothing); undefined for any other line.
 */
export function configSnapshotOf(ev: Record<string, unknown> | undefined): ConfigInForce | undefined {
  if (ev?.category !== 'config' || ev.event !== 'ConfigSnapshot' || ev.recovered === true) return undefined;
  return parseConfigInForce({ snapshot_id: ev.snapshot_id, record_sha256: ev.record_sha256 });
}
