/**
 * The bounded tar reader lives in fsx (the compliance carry reads a previous day's pack kept as
 * `.tar.gz` below the verify layer); verify and its callers keep importing it from here.
 */
export { readTarGz, type TarEntry, type TarEntrySink, TarFormatError, type TarLimits } from '../fsx/tar-read.js';
