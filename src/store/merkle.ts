/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, the O(log n) frontier used on every append, and
 * inclusion / consistency proofs (generation and verification).
 *
 * Hashes are 32-byte Buffers. Leaves are given as an array of leaf hashes or an accessor
 * `(i) => leafHash`, so callers can back them by SQLite rows without copying.
 */
import { hash } from 'node:crypto';

export type Hash = Buffer;
export type Leaves = readonly Uint8Array[] | ((index: number) => Uint8Array);

const HASH_LEN = 32;

/** SHA-256("") — the root of the empty tree. */
export const EMPTY_ROOT: Hash = hash('sha256', Buffer.alloc(0), 'buffer');

// One scratch buffer for the prefix byte: crypto.hash() on a single contiguous buffer is ~2×
// faster than createHash().update().update().digest(), and verify/tree building call this per row.
let scratch = Buffer.alloc(4096);

/** SHA-256(0x00 ‖ bytes). */
export function leafHash(bytes: Uint8Array): Hash {
  return leafHashAt(bytes, 0, bytes.length);
}

/** SHA-256(0x00 ‖ bytes[start:end]), without making a view of the slice. */
export function leafHashAt(bytes: Uint8Array, start: number, end: number): Hash {
  const n = end - start;
  if (n + 1 > scratch.length) scratch = Buffer.alloc(Math.max(n + 1, scratch.length * 2));
  scratch[0] = 0x00;
  if (Buffer.isBuffer(bytes)) bytes.copy(scratch, 1, start, end);
  else scratch.set(bytes.subarray(start, end), 1);
  return hash('sha256', scratch.subarray(0, n + 1), 'buffer');
}

const nodeScratch = Buffer.alloc(1 + 2 * HASH_LEN);
nodeScratch[0] = 0x01;

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  if (left.length !== HASH_LEN || right.length !== HASH_LEN) {
    // Not on the hot path: proofs may carry garbage of any length.
    return hash('sha256', Buffer.concat([nodeScratch.subarray(0, 1), left, right]), 'buffer');
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_LEN);
  return hash('sha256', nodeScratch, 'buffer');
}

const leafAt = (leaves: Leaves, i: number): Uint8Array => {
  const l = typeof leaves === 'function' ? leaves(i) : leaves[i];
  if (!l || l.length !== HASH_LEN) throw new Error(`leaf ${i}: not a 32-byte hash`);
  return l;
};

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
/** Largest power of two strictly less than n (n ≥ 2). Trees stay below 2^31 leaves in practice; use arithmetic to be safe. */
const splitPoint = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/**
 * The right edge of the tree: roots of the perfect subtrees that make up the binary decomposition
 * of `size`, largest first. Appending a leaf merges equal-sized subtrees (amortized one hash).
 */
export class Frontier {
  private nodes: Hash[];
  private n: number;

  constructor(size = 0, nodes: Hash[] = []) {
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`frontier: bad size ${size}`);
    if (nodes.length !== popcount(size)) throw new Error(`frontier: ${nodes.length} nodes do not fit size ${size}`);
    this.n = size;
    this.nodes = nodes;
  }

  get size(): number {
    return this.n;
  }

  /** Append a leaf hash (32 bytes of `leaf` from `offset`; copied). */
  push(leaf: Uint8Array, offset = 0): void {
    if (leaf.length < offset + HASH_LEN) throw new Error('frontier: a leaf is a 32-byte hash');
    let h: Hash = Buffer.allocUnsafe(HASH_LEN);
    h.set(offset === 0 && leaf.length === HASH_LEN ? leaf : leaf.subarray(offset, offset + HASH_LEN));
    // Each trailing 1 bit of the old size is a perfect subtree of the same height as `h`: merge.
    for (let s = this.n; s % 2 === 1; s = Math.floor(s / 2)) h = nodeHash(this.nodes.pop()!, h);
    this.nodes.push(h);
    this.n++;
  }

  root(): Hash {
    if (this.n === 0) return EMPTY_ROOT;
    let r = this.nodes[this.nodes.length - 1]!;
    for (let i = this.nodes.length - 2; i >= 0; i--) r = nodeHash(this.nodes[i]!, r);
    return r;
  }

  clone(): Frontier {
    return new Frontier(this.n, this.nodes.slice());
  }

  serialize(): string {
    return JSON.stringify({ size: this.n, nodes: this.nodes.map((h) => h.toString('base64')) });
  }

  static deserialize(text: string): Frontier {
    const o = JSON.parse(text) as { size?: unknown; nodes?: unknown };
    if (typeof o.size !== 'number' || !Array.isArray(o.nodes)) throw new Error('frontier: malformed');
    const nodes = o.nodes.map((s) => {
      const b = typeof s === 'string' ? Buffer.from(s, 'base64') : Buffer.alloc(0);
      if (b.length !== HASH_LEN) throw new Error('frontier: node is not a 32-byte hash');
      return b;
    });
    return new Frontier(o.size, nodes);
  }
}

function popcount(n: number): number {
  let c = 0;
  for (let s = n; s > 0; s = Math.floor(s / 2)) c += s % 2;
  return c;
}

/**
 * A tree whose perfect, aligned subtrees are computed once (level k holds the hashes of the
 * 2^k-leaf blocks, contiguous). Any subtree hash then costs O(log n) and any proof O(log n):
 * used to answer many proofs (export) without recomputing the tree for each.
 */
export class MerkleTree {
  readonly size: number;
  private readonly levels: Buffer[] = [];

  /**
   * Leaves 0..n-1 from an array or accessor (n defaults to the array length), or a Buffer of leaf
   * hashes laid end to end (32 bytes each, e.g. read straight from SQLite).
   */
  constructor(leaves: Leaves | Buffer, n?: number) {
    let level0: Buffer;
    if (Buffer.isBuffer(leaves)) {
      if (leaves.length % HASH_LEN !== 0) throw new Error('leaf buffer length is not a multiple of 32');
      level0 = n === undefined ? leaves : leaves.subarray(0, n * HASH_LEN);
    } else {
      const size = n ?? (typeof leaves === 'function' ? 0 : leaves.length);
      level0 = Buffer.allocUnsafe(size * HASH_LEN);
      for (let i = 0; i < size; i++) level0.set(leafAt(leaves, i), i * HASH_LEN);
    }
    this.size = level0.length / HASH_LEN;
    if (n !== undefined && this.size !== n) throw new Error(`only ${this.size} leaves given for a tree of size ${n}`);
    this.build(level0);
  }

  private build(level0: Buffer): void {
    this.levels.push(level0);
    let prev = level0;
    while (prev.length >= 2 * HASH_LEN) {
      const count = Math.floor(prev.length / HASH_LEN / 2);
      const next = Buffer.allocUnsafe(count * HASH_LEN);
      for (let i = 0; i < count; i++) {
        next.set(nodeHash(prev.subarray(2 * i * HASH_LEN, (2 * i + 1) * HASH_LEN), prev.subarray((2 * i + 1) * HASH_LEN, (2 * i + 2) * HASH_LEN)), i * HASH_LEN);
      }
      this.levels.push(next);
      prev = next;
    }
  }

  leaf(i: number): Hash {
    return this.levels[0]!.subarray(i * HASH_LEN, (i + 1) * HASH_LEN);
  }

  /** MTH(D[lo:hi]). O(1) for an aligned perfect subtree, O(log n) otherwise. */
  private subtree(lo: number, hi: number): Hash {
    const n = hi - lo;
    if (n === 0) return EMPTY_ROOT;
    if (isPow2(n) && lo % n === 0) {
      const k = Math.log2(n);
      const idx = lo / n;
      return Buffer.from(this.levels[k]!.subarray(idx * HASH_LEN, (idx + 1) * HASH_LEN));
    }
    const k = splitPoint(n);
    return nodeHash(this.subtree(lo, lo + k), this.subtree(lo + k, hi));
  }

  /** Root of the first n leaves (default: all). */
  root(n = this.size): Hash {
    checkRange(n, this.size);
    return this.subtree(0, n);
  }

  /** RFC 9162 §2.1.3.1 PATH(index, D[0:treeSize]), leaf-side first. */
  inclusionProof(index: number, treeSize = this.size): Hash[] {
    checkRange(treeSize, this.size);
    if (!(Number.isSafeInteger(index) && index >= 0 && index < treeSize)) throw new Error(`leaf ${index} is not in a tree of size ${treeSize}`);
    const out: Hash[] = [];
    const path = (m: number, lo: number, hi: number): void => {
      if (hi - lo <= 1) return;
      const k = splitPoint(hi - lo);
      if (m < k) {
        path(m, lo, lo + k);
        out.push(this.subtree(lo + k, hi));
      } else {
        path(m - k, lo + k, hi);
        out.push(this.subtree(lo, lo + k));
      }
    };
    path(index, 0, treeSize);
    return out;
  }

  /** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]). Empty when m is 0 or m == n. */
  consistencyProof(m: number, n = this.size): Hash[] {
    checkRange(n, this.size);
    if (!(Number.isSafeInteger(m) && m >= 0 && m <= n)) throw new Error(`bad consistency range ${m}..${n}`);
    const out: Hash[] = [];
    if (m === 0 || m === n) return out;
    const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
      if (m === hi - lo) {
        if (!whole) out.push(this.subtree(lo, hi));
        return;
      }
      const k = splitPoint(hi - lo);
      if (m <= k) {
        sub(m, lo, lo + k, whole);
        out.push(this.subtree(lo + k, hi));
      } else {
        sub(m - k, lo + k, hi, false);
        out.push(this.subtree(lo, lo + k));
      }
    };
    sub(m, 0, n, true);
    return out;
  }
}

function checkRange(n: number, size: number): void {
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= size)) throw new Error(`tree size ${n} is beyond the ${size} leaves known`);
}

/** Root of the first n leaves, in O(n) time and O(log n) memory. */
export function rootOf(leaves: Leaves, n?: number): Hash {
  const size = n ?? (typeof leaves === 'function' ? 0 : leaves.length);
  const f = new Frontier();
  for (let i = 0; i < size; i++) f.push(leafAt(leaves, i));
  return f.root();
}

export function inclusionProof(leaves: Leaves, index: number, treeSize: number): Hash[] {
  return new MerkleTree(leaves, treeSize).inclusionProof(index, treeSize);
}

export function consistencyProof(leaves: Leaves, m: number, n: number): Hash[] {
  return new MerkleTree(leaves, n).consistencyProof(m, n);
}

const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(treeSize) && index >= 0 && index < treeSize)) return false;
  if (leaf.length !== HASH_LEN || root.length !== HASH_LEN || proof.some((p) => p.length !== HASH_LEN)) return false;
  // Shifts on numbers beyond 2^31 would wrap, so use BigInt for the bit walk (proofs are short).
  let fn = BigInt(index);
  let sn = BigInt(treeSize - 1);
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && eq(r, root);
}

/** RFC 9162 §2.1.4.2, with the edge cases of transparency-dev/merkle (m = 0 or m = n: empty proof). */
export function verifyConsistency(m: number, n: number, rootM: Uint8Array, rootN: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m <= n)) return false;
  if (m === n) return proof.length === 0 && eq(rootM, rootN);
  if (m === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== HASH_LEN)) return false;
  const path: Uint8Array[] = isPow2(m) ? [rootM, ...proof] : [...proof];
  let fn = BigInt(m - 1);
  let sn = BigInt(n - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && eq(fr, rootM) && eq(sr, rootN);
}
