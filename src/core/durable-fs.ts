import { randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * File writes that survive a crash or power cut: the few primitives every file-backed part (file
 * checkpoint store, alert outbox, JSONL sink) builds on, kept in one place so they agree.
 */

/** Flushes a folder's entries (a rename or a new file is durable only after this). */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Flushes a file's contents. */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Creates `path` (it must not exist), writes `data` and fsyncs it. */
export async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Temp file, fsync, rename, fsync the folder: after a crash the file is the old or the new one, whole. */
export async function writeAtomic(dir: string, file: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dir, `.tmp-${randomUUID()}`);
  try {
    await writeSynced(tmp, data);
    await rename(tmp, join(dir, file));
  } catch (err) {
    await unlinkQuiet(tmp);
    throw err;
  }
  await syncDir(dir);
}

/** Removes a file that may already be gone. */
export async function unlinkQuiet(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
