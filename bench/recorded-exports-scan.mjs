// The look-up of PackExported events in a day file (src/pack/unrecorded.ts recordedExports), CPU and wall of one call.
// node bench/recorded-exports-scan.mjs <dist> <logDir> (a day file holding one PackExported event of 2025-09-07 at its end).
const [dist, logDir] = process.argv.slice(2);
const { recordedExports } = await import(`${dist}/pack/unrecorded.js`);
const c0 = process.cpuUsage();
const t0 = Date.now();
const s = await recordedExports(logDir, '2025-09-07', 0);
const c = process.cpuUsage(c0);
console.log(
  dist.split('/').slice(-2)[0],
  s.size,
  'wall',
  Date.now() - t0,
  'ms cpu',
  ((c.user + c.system) / 1000).toFixed(0),
  'ms',
);
