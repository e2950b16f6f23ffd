/**
 * Shared option parsers for commander: each turns bad input into a USAGE error (exit 2).
 */
import { InvalidArgumentError } from 'commander';
import { dayNumberOfIsoDate } from '../rotation/index.js';

/** Parses a whole number ≥ 0. */
export function parseWholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number ≥ 0.');
  return Number(value);
}

/** Parses a real calendar date YYYY-MM-DD. */
export function parseIsoDate(value: string): string {
  if (dayNumberOfIsoDate(value) === undefined) throw new InvalidArgumentError('expected a date as YYYY-MM-DD.');
  return value;
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
