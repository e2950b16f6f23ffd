/** The time-stamping settings: flag > environment > config file > default, and bad values refused. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { tempDir } from '../helpers/tmp.js';

describe('time-stamping config', () => {
  it('defaults: no TSA, 10 s deadline, nothing required', () => {
    const c = resolveConfig({ cwd: tempDir(), env: {} });
    expect(c).toMatchObject({
      tsaUrl: undefined,
      tsaTimeoutMs: 10_000,
      tsaCa: undefined,
      requireTimestamp: false,
      anchorIntervalMinutes: undefined,
    });
  });

  it('reads the config file, the environment over it, and flags over both', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'auditpack.config.json'),
      JSON.stringify({
        tsa: { url: 'http://file.example/tsa', timeoutMs: 5000, ca: 'file-ca.pem' },
        verify: { requireTimestamp: true, anchorIntervalMinutes: 30 },
      }),
    );
    const file = resolveConfig({ cwd, env: {} });
    expect(file).toMatchObject({
      tsaUrl: 'http://file.example/tsa',
      tsaTimeoutMs: 5000,
      tsaCa: join(cwd, 'file-ca.pem'),
      requireTimestamp: true,
      anchorIntervalMinutes: 30,
    });

    const env = {
      EXPORT_TSA_URL: 'http://env.example/tsa',
      EXPORT_TSA_TIMEOUT_MS: '2500',
      AUDITPACK_TSA_CA: '/etc/ca.pem',
      VERIFY_REQUIRE_TIMESTAMP: 'false',
      VERIFY_ANCHOR_INTERVAL_MINUTES: '60',
    };
    expect(resolveConfig({ cwd, env })).toMatchObject({
      tsaUrl: 'http://env.example/tsa',
      tsaTimeoutMs: 2500,
      tsaCa: '/etc/ca.pem',
      requireTimestamp: false,
      anchorIntervalMinutes: 60,
    });

    const flags = {
      tsaUrl: 'http://flag.example/tsa',
      tsaTimeoutMs: 100,
      tsaCa: 'flag.pem',
      requireTimestamp: true,
      anchorIntervalMinutes: 15,
    };
    expect(resolveConfig({ cwd, env, flags })).toMatchObject({
      tsaUrl: 'http://flag.example/tsa',
      tsaTimeoutMs: 100,
      tsaCa: join(cwd, 'flag.pem'),
      requireTimestamp: true,
      anchorIntervalMinutes: 15,
    });
  });

  it('refuses malformed values, naming them', () => {
    const cwd = tempDir();
    expect(() => resolveConfig({ cwd, env: { EXPORT_TSA_TIMEOUT_MS: 'soon' } })).toThrow(/EXPORT_TSA_TIMEOUT_MS/);
    expect(() => resolveConfig({ cwd, env: { VERIFY_ANCHOR_INTERVAL_MINUTES: '0' } })).toThrow(/at least 1/);
    expect(() => resolveConfig({ cwd, env: { VERIFY_REQUIRE_TIMESTAMP: 'maybe' } })).toThrow(
      /VERIFY_REQUIRE_TIMESTAMP/,
    );
    expect(() => resolveConfig({ cwd, env: { VERIFY_ANCHORS_SINCE: 'last week' } })).toThrow(/VERIFY_ANCHORS_SINCE/);
    expect(resolveConfig({ cwd, env: { VERIFY_ANCHORS_SINCE: '2026-12-01' } }).anchorsSince).toBe('2026-12-01');
  });
});
