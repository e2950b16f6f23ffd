/**
 * Preloaded into a CLI run (NODE_OPTIONS=--require) to kill it with SIGKILL at one exact point:
 * right after the first rename of a pack directory to a version name `YYYY-MM-DD.vN` (export's
 * first of two renames), before the new pack is moved in. The rename itself is the real one; the
 * kill is a real kill -9, so the artifacts directory is what a crash there leaves. Node's named
 * ESM exports of `node:fs` follow the patched function once syncBuiltinESMExports is called.
 */
const fs = require('node:fs');
const { basename } = require('node:path');
const { syncBuiltinESMExports } = require('node:module');

const rename = fs.renameSync;
fs.renameSync = function renameThenDie(from, to) {
  rename(from, to);
  if (/^\d{4}-\d{2}-\d{2}\.v\d+$/.test(basename(String(to)))) process.kill(process.pid, 'SIGKILL');
};
syncBuiltinESMExports();
