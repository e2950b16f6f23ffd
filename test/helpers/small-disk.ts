import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
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
/**
 * Whether `smallDisk(kib, 'ext4')` can mount a disk-backed file system (a loop device over an image
 * file): for what a tmpfs would not show, its files being memory (src/compliance/spill.ts makes none there).
 */
export const CAN_MOUNT_EXT4 =
  CAN_MOUNT &&
  existsSync('/dev/loop-control') &&
  ['/sbin/mkfs.ext4', '/usr/sbin/mkfs.ext4'].some((p) => existsSync(p)) &&
  loopMountWorks();

/** Whether a loop mount of a 1 MiB ext4 image works here (a container may have the devices and not the right). */
function loopMountWorks(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'auditpack-loop-probe-'));
  const image = `${dir}.img`;
  try {
    writeFileSync(image, '');
    truncateSync(image, 1024 * 1024);
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(image, { force: true });
  }
}

export interface SmallDisk {
  dir: string;
  /** Fills the disk until less than `leaveBytes` are free (one filler file). */
  fill(leaveBytes?: number): void;
  /** Removes the filler: space is back. */
  free(): void;
  freeBytes(): number;
}

/**
 * Mounts a tmpfs of `kib` KiB (or, `ext4`, an ext4 of about that size on a loop device: check
 * CAN_MOUNT_EXT4 first), unmounted and removed after the current test.
 */
export function smallDisk(kib: number, kind: 'tmpfs' | 'ext4' = 'tmpfs'): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'auditpack-fulldisk-'));
  const image = `${dir}.img`;
  if (kind === 'tmpfs') execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'tmpfs', dir]);
  else {
    writeFileSync(image, '');
    truncateSync(image, kib * 1024);
    execFileSync('mkfs.ext4', ['-q', '-F', '-m', '0', '-O', '^has_journal', image], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'loop', image, dir]);
  }
  // onTestFinished, not afterEach: a hook registered from inside a running test is never called,
  // which left every mount behind.
  onTestFinished(() => {
    try {
      // Lazy: a file still open there (a spill file is closed only when its pool is collected)
      // keeps the mount, and the loop device, until it is closed.
      execFileSync('umount', ['-l', dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(image, { force: true });
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
