/**
 * A minimal POSIX ustar writer: streams the regular files of a directory tree as one `.tar`
 * (no compression; opens with `tar -xf`, 7-Zip, WinRAR). Enough to hand an evidence bundle over
 * HTTP as a single download; the bundle's own hashes and proofs make it verifiable.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';

const BLOCK = 512;

/** Relative paths of the regular files under `dir`, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? posix.join(prefix, e.name) : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0') + '\0';
}

/** One 512-byte ustar header. Names longer than 100 bytes use the 155-byte prefix field. */
export function tarHeader(name: string, size: number, mtimeSec: number, mode = 0o644): Buffer {
  const h = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`path too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtimeSec), 12), 136, 'ascii');
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/**
 * The directory as a tar stream, every entry under `root/` (or at the top when root is ''),
 * read in 64 KiB pieces. Serves evidence bundles of the gateway and exports of the hub.
 */
export function tarStream(dir: string, root = ''): Readable {
  const files = listFiles(dir);
  async function* gen(): AsyncGenerator<Buffer> {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (const rel of files) {
      const p = join(dir, rel);
      const st = statSync(p);
      yield tarHeader(root ? posix.join(root, rel) : rel, st.size, st.mtimeMs / 1000);
      const fd = openSync(p, 'r');
      try {
        let left = st.size;
        while (left > 0) {
          const n = readSync(fd, chunk, 0, Math.min(chunk.length, left), null);
          if (n <= 0) throw new Error(`${rel} shrank while being sent`);
          left -= n;
          yield Buffer.from(chunk.subarray(0, n));
        }
      } finally {
        closeSync(fd);
      }
      const pad = (BLOCK - (st.size % BLOCK)) % BLOCK;
      if (pad) yield Buffer.alloc(pad);
    }
    yield Buffer.alloc(BLOCK * 2); // end of archive
  }
  return Readable.from(gen());
}
