/**
 * `auditpack demo`, the quick start (run.ts), and the demo trading day it writes (day.ts,
 * scenarios.ts) under the sample compliance policy (policy.ts).
 */
export { generateDemoDay } from './day.js';
export { DEMO_POLICY } from './policy.js';
export { type DemoOptions, type DemoResult, runDemo } from './run.js';
