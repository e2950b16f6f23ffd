/**
 * An application's own categories and events, typed. Declare them once by declaration merging and
 * `log()` checks them at compile time like the built-in helpers:
 *
 * ```ts
 * declare module 'auditpack' {
 *   interface CustomEvents {
 *     risk_desk: { LimitBreached: { limit: number; symbol: string; exposure: number } };
 *   }
 * }
 * audit.log('risk_desk', 'LimitBreached', { limit: 2e6, symbol: 'EURUSD', exposure: 2.1e6 }); // checked
 * audit.log('risk_desk', 'LimitBreachd', {});                                                 // compile error
 * ```
 *
 * A declared category accepts only its declared events, each with its declared fields; any other
 * category is open, as before (`log(category: string, event: string, fields?)`). Types only: at run
 * time every event is validated and written the same way.
 */

/** Declared categories → events → field types. Empty until an application merges into it. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in applications
export interface CustomEvents {}

/** The events a category accepts: the declared ones, or any name for an undeclared category. */
export type EventNameOf<C extends string> = C extends keyof CustomEvents ? keyof CustomEvents[C] & string : string;

/** The rest arguments of `log(category, event, …)`: the declared fields (required), or optional free fields. */
export type FieldsArgOf<C extends string, E extends string> = C extends keyof CustomEvents
  ? E extends keyof CustomEvents[C]
    ? [fields: CustomEvents[C][E]]
    : [fields: never]
  : [fields?: Readonly<Record<string, unknown>>];
