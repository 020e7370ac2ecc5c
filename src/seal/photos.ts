/**
 * Stamp photos, stored content-addressed under `{data}/photos/<sha256 hex>` (the layout evidence
 * bundles copy from). A photo is written to a temporary file in the same directory, fsynced and
 * renamed into place, so a reader (or a crash) never sees half a photo; an existing file is only
 * replaced when its content does not match its name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Rejection } from '../core/errors.js';

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export class PhotoStore {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  path(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Rejection('bad_photo_name', `not a SHA-256 hex name: ${sha256.slice(0, 80)}`);
    return join(this.dir, sha256);
  }

  /** The photo is on disk and its content matches its name. */
  has(sha256: string): boolean {
    if (!SHA256_HEX.test(sha256)) return false;
    const p = join(this.dir, sha256);
    if (!existsSync(p)) return false;
    return createHash('sha256').update(readFileSync(p)).digest('hex') === sha256;
  }

  read(sha256: string): Buffer | undefined {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const p = join(this.dir, sha256);
    try {
      const b = readFileSync(p);
      return createHash('sha256').update(b).digest('hex') === sha256 ? b : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Store bytes (hash computed here unless given). Refuses empty or oversized photos (Rejection);
   * a disk error is thrown as is (not acknowledged: the device sends it again).
   */
  put(bytes: Buffer, sha256?: string): { sha256: string; created: boolean } {
    if (bytes.length === 0) throw new Rejection('photo_empty', 'photo is empty');
    if (bytes.length > this.maxBytes) throw new Rejection('photo_too_large', `photo of ${bytes.length} bytes exceeds seal.maxPhotoBytes (${this.maxBytes})`);
    const sha = sha256 ?? createHash('sha256').update(bytes).digest('hex');
    const dest = this.path(sha);
    if (this.has(sha)) return { sha256: sha, created: false };
    const tmp = join(this.dir, `.tmp-${sha.slice(0, 16)}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    renameSync(tmp, dest);
    // make the rename itself durable
    try {
      const dfd = openSync(this.dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      /* some file systems cannot fsync a directory */
    }
    return { sha256: sha, created: true };
  }
}
