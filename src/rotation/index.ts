/**
 * UTC days and the day files' names (days.ts).
 */
export {
  compactDate,
  dayNumberOf,
  dayNumberOfIsoDate,
  dayOfLogFileName,
  isoDate,
  isoDateOfLogFileName,
  logDayOfIsoDate,
  logFileName,
  MICROS_PER_DAY,
} from './days.js';
