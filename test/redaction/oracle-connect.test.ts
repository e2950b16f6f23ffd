/**
 * Oracle connect strings `user/password@connect` (at18 F4, rules 13): a JDBC thin URL and the
 * command lines of sqlplus, expdp/impdp, exp/imp, sqlldr, rman, dgmgrl and SQL*Plus's connect wrote
 * the password in clear (one form censored the SID instead). The user and connect identifier stay.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLogger, MemorySink } from '../../src/logger/index.js';
import { compileRedactor } from '../../src/redaction/index.js';

const r = compileRedactor();

describe('Oracle connect strings', () => {
  it.each([
    [
      'jdbc:oracle:thin:trader/T1gerSecret99@//dbhost:1521/ORCLPDB1',
      'jdbc:oracle:thin:trader/[REDACTED]@//dbhost:1521/ORCLPDB1',
    ],
    [
      'connect failed: jdbc:oracle:thin:trader/T1gerSecret99@dbhost:1521:ORCL',
      'connect failed: jdbc:oracle:thin:trader/[REDACTED]@dbhost:1521:ORCL',
    ],
    ['expdp system/T1gerSecret99@orcl schemas=TRADES', 'expdp system/[REDACTED]@orcl schemas=TRADES'],
    ['sqlplus -s scott/tiger@orcl @scripts/run.sql', 'sqlplus -s scott/[REDACTED]@orcl @scripts/run.sql'],
    ['sqlplus scott/tiger', 'sqlplus scott/[REDACTED]'],
    ['sqlplus "sys/Pw0rd@orcl as sysdba"', 'sqlplus "sys/[REDACTED]@orcl as sysdba"'],
    [
      '/u01/app/oracle/bin/sqlplus -L app/"p w@x"@//h:1521/svc',
      '/u01/app/oracle/bin/sqlplus -L app/"[REDACTED]"@//h:1521/svc',
    ],
    [
      'sqlldr userid=loader/L0ad3r@db control=load/trades.ctl',
      'sqlldr userid=loader/[REDACTED]@db control=load/trades.ctl',
    ],
    ['rman target sys/S3cret@prod catalog rco/C4t@cat', 'rman target sys/[REDACTED]@prod catalog rco/[REDACTED]@cat'],
    ['exp scott/tiger@orcl file=trades.dmp', 'exp scott/[REDACTED]@orcl file=trades.dmp'],
    ['conn hr/hrpw@pdb1', 'conn hr/[REDACTED]@pdb1'],
    ['dgmgrl sys/Dg9pw@primary', 'dgmgrl sys/[REDACTED]@primary'],
    ['sqlplus u/p@ss@orcl; echo done', 'sqlplus u/[REDACTED]@orcl; echo done'],
  ])('%j', (text, want) => {
    expect(r.redactString(text)).toBe(want);
  });

  it.each([
    'sqlplus / as sysdba',
    'rman target /',
    'exp ratio/2 was high',
    'we could not connect to/from the venue',
    'imp file=a/b.dmp',
    'BTC/USDT filled 0.5 @ 42000 on binance',
    'jdbc:oracle:thin:@dbhost:1521:ORCL',
    'jdbc:oracle:thin:@//dbhost:1521/svc',
    'expdp directory=DATA_PUMP_DIR dumpfile=exp/trades.dmp',
  ])('%j stays', (text) => {
    expect(r.redactString(text)).toBe(text);
  });

  it('through the logger (config value, alert message, command field)', async () => {
    const sink = new MemorySink();
    const a = createAuditLogger({ sink, handleExit: false, heartbeatMinutes: 0 });
    a.config('risk-db', { newValue: 'jdbc:oracle:thin:trader/T1gerSecret99@//dbhost:1521/ORCLPDB1' });
    a.log('system', 'Job', { command: 'expdp system/T1gerSecret99@orcl schemas=TRADES' });
    await a.close();
    const text = sink.allLines().join('\n');
    expect(text).not.toContain('T1gerSecret99');
    expect(text).toContain('trader/[REDACTED]@//dbhost:1521/ORCLPDB1');
  });
});
