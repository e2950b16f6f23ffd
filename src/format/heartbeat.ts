/**
 * The heartbeat event (docs/FORMAT.md, "Heartbeats"): a logger writes one every few minutes, so a
 * host that went silent, or a log whose tail was cut, shows as a gap longer than the interval.
 * The line's own `seq` and `prev` carry the chain position and the head hash before it.
 */

/** Category of the heartbeat event. */
export const HEARTBEAT_CATEGORY = 'system';
/** Event name of the heartbeat event. */
export const HEARTBEAT_EVENT = 'Heartbeat';
/** The field holding the interval the logger was configured with, in seconds. */
export const HEARTBEAT_INTERVAL_FIELD = 'interval_s';
/** Default interval, minutes. */
export const DEFAULT_HEARTBEAT_MINUTES = 15;
