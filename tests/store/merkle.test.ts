import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  Frontier,
  MerkleTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/store/merkle.js';

// RFC 6962 test data from the certificate-transparency reference (transparency-dev/merkle
// testonly/constants.go and proof/verify_test.go).
const h = (s: string): Buffer => Buffer.from(s, 'hex');
const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const LEAVES = INPUTS.map(leafHash);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(h);
const NODES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
].map((l) => l.map(h));
// Compact ranges (frontier nodes, largest subtree first) for sizes 0..8.
const n = (level: number, i: number): Buffer => NODES[level]![i]!;
const COMPACT = [[], [n(0, 0)], [n(1, 0)], [n(1, 0), n(0, 2)], [n(2, 0)], [n(2, 0), n(0, 4)], [n(2, 0), n(1, 2)], [n(2, 0), n(1, 2), n(0, 6)], [n(3, 0)]];
// Inclusion vectors: leaf is 1-based in the reference.
const INCLUSION: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { size1: 2, size2: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const SOME = h('abacaba000000000000000000000000000000000000000000060061e00123456');
const flip = (b: Buffer, mask: number): Buffer => {
  const c = Buffer.from(b);
  c[0]! ^= mask;
  return c;
};

describe('RFC 6962 hashing', () => {
  it('hashes the reference leaves', () => {
    LEAVES.forEach((l, i) => expect(l.toString('hex')).toBe(NODES[0]![i]!.toString('hex')));
    expect(EMPTY_ROOT).toEqual(ROOTS[0]);
  });

  it('computes the reference roots for sizes 0..8, three ways', () => {
    const tree = new MerkleTree(LEAVES);
    const f = new Frontier();
    for (let size = 0; size <= 8; size++) {
      expect(rootOf(LEAVES, size).toString('hex'), `rootOf ${size}`).toBe(ROOTS[size]!.toString('hex'));
      expect(tree.root(size).toString('hex'), `tree ${size}`).toBe(ROOTS[size]!.toString('hex'));
      expect(f.root().toString('hex'), `frontier ${size}`).toBe(ROOTS[size]!.toString('hex'));
      if (size < 8) f.push(LEAVES[size]!);
    }
  });

  it('keeps the compact range as its frontier and survives serialization', () => {
    const f = new Frontier();
    for (let size = 0; size <= 8; size++) {
      const s = JSON.parse(f.serialize()) as { size: number; nodes: string[] };
      expect(s.size).toBe(size);
      expect(s.nodes).toEqual(COMPACT[size]!.map((b) => b.toString('base64')));
      const back = Frontier.deserialize(f.serialize());
      expect(back.root()).toEqual(f.root());
      if (size < 8) f.push(LEAVES[size]!);
    }
    expect(() => Frontier.deserialize(JSON.stringify({ size: 3, nodes: [] }))).toThrow(/do not fit/);
  });

  it('accessor leaves and concatenated leaves give the same tree', () => {
    expect(rootOf((i) => LEAVES[i]!, 8)).toEqual(ROOTS[8]);
    expect(new MerkleTree(Buffer.concat(LEAVES)).root()).toEqual(ROOTS[8]);
  });
});

describe('inclusion proofs', () => {
  it.each(INCLUSION)('reproduces and verifies leaf $leaf in size $size', ({ leaf, size, proof }) => {
    const idx = leaf - 1;
    const got = inclusionProof(LEAVES, idx, size).map((b) => b.toString('hex'));
    expect(got).toEqual(proof);
    const p = proof.map(h);
    const root = ROOTS[size]!;
    const lh = LEAVES[idx]!;
    expect(verifyInclusion(lh, idx, size, p, root)).toBe(true);

    // The corruptions of the reference test suite must all fail.
    const probes: [string, () => boolean][] = [
      ['index - 1', () => verifyInclusion(lh, idx - 1, size, p, root)],
      ['index + 1', () => verifyInclusion(lh, idx + 1, size, p, root)],
      ['index ^ 2', () => verifyInclusion(lh, idx ^ 2, size, p, root)],
      ['size * 2', () => verifyInclusion(lh, idx, size * 2, p, root)],
      ['size / 2', () => verifyInclusion(lh, idx, Math.floor(size / 2), p, root)],
      ['wrong leaf', () => verifyInclusion(Buffer.from('WrongLeaf'), idx, size, p, root)],
      ['empty root', () => verifyInclusion(lh, idx, size, p, EMPTY_ROOT)],
      ['random root', () => verifyInclusion(lh, idx, size, p, SOME)],
      ['trailing garbage', () => verifyInclusion(lh, idx, size, [...p, Buffer.alloc(0)], root)],
      ['trailing root', () => verifyInclusion(lh, idx, size, [...p, root], root)],
      ['preceding garbage', () => verifyInclusion(lh, idx, size, [Buffer.alloc(0), ...p], root)],
      ['preceding root', () => verifyInclusion(lh, idx, size, [root, ...p], root)],
      ...p.map((_, i): [string, () => boolean] => [`bit flip in proof[${i}]`, () => verifyInclusion(lh, idx, size, p.map((x, j) => (j === i ? flip(x, 8) : x)), root)]),
    ];
    if (p.length > 0) probes.push(['removed component', () => verifyInclusion(lh, idx, size, p.slice(0, -1), root)]);
    if (p.length > 1) probes.push(['inserted component', () => verifyInclusion(lh, idx, size, [p[0]!, SOME, ...p.slice(1)], root)]);
    for (const [desc, probe] of probes) expect(probe(), desc).toBe(false);
  });

  it('refuses impossible positions', () => {
    for (const [i, s] of [
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion(SOME, i, s, [], EMPTY_ROOT)).toBe(false);
    }
  });

  it('every leaf of every size up to 70 verifies against its root', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    const tree = new MerkleTree(leaves);
    for (let size = 1; size <= 70; size++) {
      const root = tree.root(size);
      expect(root).toEqual(rootOf(leaves, size));
      for (let i = 0; i < size; i++) {
        const p = tree.inclusionProof(i, size);
        expect(verifyInclusion(leaves[i]!, i, size, p, root)).toBe(true);
        if (size > 1) expect(verifyInclusion(leaves[(i + 1) % size]!, i, size, p, root)).toBe(false);
      }
    }
  });
});

describe('consistency proofs', () => {
  it.each(CONSISTENCY)('reproduces and verifies $size1 -> $size2', ({ size1, size2, proof }) => {
    expect(consistencyProof(LEAVES, size1, size2).map((b) => b.toString('hex'))).toEqual(proof);
    const p = proof.map(h);
    const r1 = ROOTS[size1]!;
    const r2 = ROOTS[size2]!;
    expect(verifyConsistency(size1, size2, r1, r2, p)).toBe(true);
    if (p.length === 0) return;
    const probes: [string, () => boolean][] = [
      ['size1 - 1', () => verifyConsistency(size1 - 1, size2, r1, r2, p)],
      ['size1 + 1', () => verifyConsistency(size1 + 1, size2, r1, r2, p)],
      ['size1 ^ 2', () => verifyConsistency(size1 ^ 2, size2, r1, r2, p)],
      ['size2 * 2', () => verifyConsistency(size1, size2 * 2, r1, r2, p)],
      ['size2 / 2', () => verifyConsistency(size1, Math.floor(size2 / 2), r1, r2, p)],
      ['wrong root1', () => verifyConsistency(size1, size2, Buffer.from('WrongRoot'), r2, p)],
      ['wrong root2', () => verifyConsistency(size1, size2, r1, Buffer.from('WrongRoot'), p)],
      ['swapped roots', () => verifyConsistency(size1, size2, r2, r1, p)],
      ['empty proof', () => verifyConsistency(size1, size2, r1, r2, [])],
      ['trailing garbage', () => verifyConsistency(size1, size2, r1, r2, [...p, Buffer.alloc(0)])],
      ['trailing root1', () => verifyConsistency(size1, size2, r1, r2, [...p, r1])],
      ['trailing root2', () => verifyConsistency(size1, size2, r1, r2, [...p, r2])],
      ['preceding garbage', () => verifyConsistency(size1, size2, r1, r2, [Buffer.alloc(0), ...p])],
      ['preceding root1', () => verifyConsistency(size1, size2, r1, r2, [r1, ...p])],
      ['preceding root2', () => verifyConsistency(size1, size2, r1, r2, [r2, ...p])],
      ['preceding proof[0]', () => verifyConsistency(size1, size2, r1, r2, [p[0]!, ...p])],
      ['truncated proof', () => verifyConsistency(size1, size2, r1, r2, p.slice(0, -1))],
      ...p.map((_, i): [string, () => boolean] => [`bit flip in proof[${i}]`, () => verifyConsistency(size1, size2, r1, r2, p.map((x, j) => (j === i ? flip(x, 16) : x)))]),
    ];
    for (const [desc, probe] of probes) expect(probe(), desc).toBe(false);
  });

  it('handles the edge sizes like the reference', () => {
    const a = Buffer.from("don't care 1");
    const b = Buffer.from("don't care 2");
    expect(verifyConsistency(0, 0, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(0, 0, a, a, [])).toBe(true);
    expect(verifyConsistency(0, 1, a, b, [])).toBe(true);
    expect(verifyConsistency(1, 1, b, b, [])).toBe(true);
    expect(verifyConsistency(1, 0, a, b, [])).toBe(false);
    expect(verifyConsistency(2, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
  });

  it('every pair of sizes up to 40 is consistent', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`x${i}`)));
    const tree = new MerkleTree(leaves);
    for (let n2 = 1; n2 <= 40; n2++) {
      for (let n1 = 1; n1 <= n2; n1++) {
        const p = tree.consistencyProof(n1, n2);
        expect(verifyConsistency(n1, n2, tree.root(n1), tree.root(n2), p), `${n1}->${n2}`).toBe(true);
        if (n1 < n2) expect(verifyConsistency(n1, n2, tree.root(n1), SOME, p)).toBe(false);
      }
    }
  });
});
