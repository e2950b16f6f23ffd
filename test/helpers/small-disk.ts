import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * A real, tiny file system (tmpfs of `kib` KiB) for full-disk tests: writes fail with a real
 * ENOSPC from the kernel, not a mocked one. Mounting needs root (CI runs as root); elsewhere the
 * tests that need it are skipped and say why (`SMALL_DISK_REASON`).
 */
export const CAN_MOUNT = process.platform === 'linux' && process.getuid?.() === 0;
export const SMALL_DISK_REASON = 'needs root to mount a tmpfs (CI runs as root)';

export interface SmallDisk {
  dir: string;
  /** Fills the disk until less than `leaveBytes` are free (one filler file). */
  fill(leaveBytes?: number): void;
  /** Removes the filler: space is back. */
  free(): void;
  freeBytes(): number;
}

/** Mounts a tmpfs of `kib` KiB, unmounted and removed after the current test. */
export function smallDisk(kib: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'auditpack-fulldisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'tmpfs', dir]);
  // onTestFinished, not afterEach: a hook registered from inside a running test is never called,
  // which left every mount behind.
  onTestFinished(() => {
    try {
      execFileSync('umount', ['-l', dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const filler = join(dir, '.filler');
  const freeBytes = (): number => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    freeBytes,
    fill(leaveBytes = 0) {
      const n = Math.max(0, freeBytes() - leaveBytes);
      mkdirSync(dir, { recursive: true });
      try {
        writeFileSync(filler, Buffer.alloc(n, 0x78));
      } catch {
        // ENOSPC near the end: the disk is as full as it gets.
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
  };
}
