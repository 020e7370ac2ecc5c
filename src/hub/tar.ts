/** A minimal POSIX ustar writer: enough to stream an export directory over HTTP (`curl … | tar x`). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 512;

function header(name: string, size: number, dir: boolean, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: path too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  const put = (s: string, off: number, len: number): void => {
    h.write(s.slice(0, len), off, len, 'utf8');
  };
  const oct = (n: number, len: number): string => n.toString(8).padStart(len - 1, '0') + '\0';
  put(name, 0, 100);
  put(oct(dir ? 0o755 : 0o644, 8), 100, 8);
  put(oct(0, 8), 108, 8);
  put(oct(0, 8), 116, 8);
  put(oct(size, 12), 124, 12);
  put(oct(Math.floor(mtime / 1000), 12), 136, 12);
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  h[156] = dir ? 0x35 : 0x30; // '5' directory, '0' file
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** Entries of a directory tree, parents first, sorted. */
function walk(root: string, rel = ''): { rel: string; dir: boolean }[] {
  const out: { rel: string; dir: boolean }[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(join(root, r)).isDirectory()) {
      out.push({ rel: `${r}/`, dir: true });
      out.push(...walk(root, r));
    } else out.push({ rel: r, dir: false });
  }
  return out;
}

/** The directory as a tar archive, one file at a time. */
export function* tarDirectory(root: string): Generator<Buffer> {
  const now = Date.now();
  for (const e of walk(root)) {
    if (e.dir) {
      yield header(e.rel, 0, true, now);
      continue;
    }
    const data = readFileSync(join(root, e.rel));
    yield header(e.rel, data.length, false, now);
    yield data;
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(2 * BLOCK);
}
