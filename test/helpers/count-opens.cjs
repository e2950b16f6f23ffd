/**
 * Preloaded into a CLI run (NODE_OPTIONS=--require) to count how often files whose name matches
 * AUDITPACK_COUNT_OPENS (a regular expression) are opened through `fs.promises.open`, `fs.openSync`
 * and `fs.readFileSync`; the count is written to stderr at exit as `opens: N`. The opens are the
 * real ones: only counted. Node's named ESM exports of `node:fs` and `node:fs/promises` follow the
 * patched functions once syncBuiltinESMExports is called.
 */
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const re = new RegExp(process.env.AUDITPACK_COUNT_OPENS ?? '^$');
let opens = 0;
const count = (p) => {
  if (typeof p === 'string' && re.test(p)) opens++;
};
const open = fs.promises.open;
fs.promises.open = function countedOpen(p, ...rest) {
  count(p);
  return open.call(this, p, ...rest);
};
const openSync = fs.openSync;
fs.openSync = function countedOpenSync(p, ...rest) {
  count(p);
  return openSync.call(this, p, ...rest);
};
syncBuiltinESMExports();
process.on('exit', () => process.stderr.write(`opens: ${opens}\n`));
