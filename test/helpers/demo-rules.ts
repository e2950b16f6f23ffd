/**
 * The rules the demo day breaks, once each under the sample policy: every rule but
 * open_orders_over_cap (the sample policy holds 500,000 open orders, more than a demo day opens;
 * test/compliance/open-orders-cap.test.ts breaks it under a small cap).
 */
import { RULE_IDS } from '../../src/compliance/index.js';

export const DEMO_RULES: readonly string[] = RULE_IDS.filter((id) => id !== 'open_orders_over_cap');
