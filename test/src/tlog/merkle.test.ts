import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  MemoryTree,
  consistencyPlan,
  emptyRoot,
  pureSha256,
  setMerkleSha256,
  fromBase64,
  fromHex,
  inclusionPlan,
  leafHash,
  nodeHash,
  rootOfLeaves,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '@tender-ledger/tlog';
import { nodeSha256 } from '@tender-ledger/tlog/node';
import { LedgerError } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { flipBits } from '../helpers/bytes.js';

const hex = (s: string): Uint8Array => present(fromHex(s), `the bytes of ${s}`);
// Non-canonical base64 in the vectors (e.g. "ZG9uJ3QgY2FyZSAx", "don't care 1") still decodes.
const b64 = (s: string): Uint8Array => fromBase64(s) ?? new Uint8Array(Buffer.from(s, 'base64'));

/** A vector file of transparency-dev/merkle, where it came from and its cases. */
type Fixture<Case> = { source: string; commit: string; cases: Case[] };

/** Reads a vector file as it is: each suite says what its cases hold (`as Fixture<Probe>`), and its assertions check them. */
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/transparency-dev-merkle', name), 'utf8'));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof LedgerError) return err.code;
    throw err;
  }
}

// Leaf inputs, node and root hashes of the 8-leaf reference tree:
// transparency-dev/merkle testonly/constants.go (LeafInputs, NodeHashes, RootHashes).
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
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
];
const LEVEL1 = [
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
  '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
  'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
];

describe('tlog merkle (RFC 9162 section 2.1)', () => {
  describe('hashes: transparency-dev/merkle rfc6962/rfc6962_test.go', () => {
    it('gives SHA-256 of nothing as the empty tree root', () => {
      expect(toHex(emptyRoot())).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    });
    it('hashes the empty leaf as SHA-256(0x00), not as the empty root', () => {
      expect(toHex(leafHash(new Uint8Array(0)))).to.equal('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    });
    it('hashes the leaf "L123456" behind 0x00', () => {
      expect(toHex(leafHash(Buffer.from('L123456')))).to.equal('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
    });
    it('hashes the children "N123", "N456" behind 0x01', () => {
      expect(toHex(nodeHash(Buffer.from('N123'), Buffer.from('N456')))).to.equal(
        'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
      );
    });
  });

  describe('tree heads: transparency-dev/merkle testonly/constants.go', () => {
    it('gives the reference root for every size 0..8, by the recursive MTH and by MemoryTree', () => {
      const leaves = LEAF_INPUTS.map(leafHash);
      const tree = new MemoryTree();
      for (let size = 0; size <= 8; size++) {
        expect(toHex(rootOfLeaves(leaves.slice(0, size))), `MTH size ${size}`).to.equal(ROOTS[size]);
        if (size > 0) tree.append(present(leaves[size - 1], `leaf ${size - 1}`));
        expect(toHex(tree.root()), `tree size ${size}`).to.equal(ROOTS[size]);
      }
      for (let size = 0; size <= 8; size++) expect(toHex(tree.root(size)), `old size ${size}`).to.equal(ROOTS[size]);
      expect([0, 1, 2, 3].map((i) => toHex(tree.node(1, i)))).to.deep.equal(LEVEL1);
    });
  });

  describe('inclusion proofs: transparency-dev/merkle testdata/inclusion', () => {
    type Probe = {
      file: string;
      leafIdx: number;
      treeSize: number;
      root: string;
      leafHash: string;
      proof: string[] | null;
      desc: string;
      wantErr: boolean;
    };
    const { cases } = fixture('inclusion.json') as Fixture<Probe>;
    const verify = (p: Probe) => () => {
      verifyInclusion(p.leafIdx, p.treeSize, b64(p.leafHash), (p.proof ?? []).map(b64), b64(p.root));
    };

    it(`verifies every happy path and refuses every mutated probe with TLOG_INCLUSION_INVALID (${cases.length} probes)`, () => {
      expect(cases.length).to.be.greaterThan(90);
      for (const p of cases) {
        expect(codeOf(verify(p)), p.file).to.equal(p.wantErr ? 'TLOG_INCLUSION_INVALID' : undefined);
      }
    });

    it("generates exactly the vectors' happy-path proofs from the reference leaves", () => {
      const tree = new MemoryTree();
      LEAF_INPUTS.forEach((d) => tree.appendData(d));
      const happy = cases.filter((p) => !p.wantErr && p.treeSize <= 8 && p.treeSize > 0);
      expect(happy.length).to.be.greaterThan(0);
      for (const p of happy) {
        expect(
          tree.inclusionProof(p.leafIdx, p.treeSize).map((h) => Buffer.from(h).toString('base64')),
          p.file,
        ).to.deep.equal(p.proof ?? []);
      }
    });
  });

  describe('consistency proofs: transparency-dev/merkle testdata/consistency', () => {
    type Probe = {
      file: string;
      size1: number;
      size2: number;
      root1: string;
      root2: string;
      proof: string[] | null;
      desc: string;
      wantErr: boolean;
    };
    const { cases } = fixture('consistency.json') as Fixture<Probe>;
    const verify = (p: Probe) => () => {
      verifyConsistency(p.size1, p.size2, (p.proof ?? []).map(b64), b64(p.root1), b64(p.root2));
    };

    it(`verifies every happy path and refuses every mutated probe with TLOG_CONSISTENCY_INVALID (${cases.length} probes)`, () => {
      expect(cases.length).to.be.greaterThan(90);
      for (const p of cases) {
        expect(codeOf(verify(p)), p.file).to.equal(p.wantErr ? 'TLOG_CONSISTENCY_INVALID' : undefined);
      }
    });

    it("generates exactly the vectors' happy-path proofs from the reference leaves", () => {
      const tree = new MemoryTree();
      LEAF_INPUTS.forEach((d) => tree.appendData(d));
      const happy = cases.filter((p) => !p.wantErr && p.size1 > 0 && p.size2 <= 8);
      expect(happy.length).to.be.greaterThan(0);
      for (const p of happy) {
        expect(
          tree.consistencyProof(p.size1, p.size2).map((h) => Buffer.from(h).toString('base64')),
          p.file,
        ).to.deep.equal(p.proof ?? []);
      }
    });
  });

  describe('the SHA-256 behind the hashes', () => {
    after(() => {
      setMerkleSha256(nodeSha256);
    });
    it("gives the same roots and proofs with the pure-JS (browser) SHA-256 and with Node's", () => {
      const build = (): { roots: string[]; proof: string[] } => {
        const tree = new MemoryTree();
        LEAF_INPUTS.forEach((d) => tree.appendData(d));
        return { roots: ROOTS.map((_, n) => toHex(tree.root(n))), proof: tree.inclusionProof(2).map(toHex) };
      };
      setMerkleSha256(pureSha256);
      const pure = build();
      setMerkleSha256(nodeSha256);
      expect(build()).to.deep.equal(pure);
      expect(pure.roots).to.deep.equal(ROOTS);
    });
  });

  describe('MemoryTree against the recursive definition', () => {
    it('proves every leaf of every size up to 70 and every pair of sizes, and refuses each proof with one bit flipped', () => {
      const leaves: Uint8Array[] = [];
      const tree = new MemoryTree();
      for (let n = 1; n <= 70; n++) {
        const leaf = leafHash(new Uint8Array([n, n >> 8]));
        leaves.push(leaf);
        tree.append(leaf);
        const root = rootOfLeaves(leaves);
        expect(tree.root()).to.deep.equal(root);
        expect(leaves).to.have.length(n);
        for (const [i, leafAt] of leaves.entries()) {
          const proof = tree.inclusionProof(i);
          expect(proof.length).to.equal(inclusionPlan(i, n).length);
          verifyInclusion(i, n, leafAt, proof, root);
          if (proof.length > 0) {
            const bad = proof.map((h) => h.slice());
            flipBits(present(bad[i % bad.length], `proof hash ${i % bad.length}`), i % 32, 1);
            expect(
              codeOf(() => {
                verifyInclusion(i, n, leafAt, bad, root);
              }),
            ).to.equal('TLOG_INCLUSION_INVALID');
          }
          expect(
            codeOf(() => {
              verifyInclusion(n, n, leafAt, proof, root);
            }),
          ).to.equal('TLOG_INCLUSION_INVALID');
          expect(
            codeOf(() => {
              verifyInclusion(i, n, leafHash(leafAt), proof, root);
            }),
          ).to.equal('TLOG_INCLUSION_INVALID');
        }
        for (let m = 1; m <= n; m++) {
          const proof = tree.consistencyProof(m);
          expect(proof.length).to.equal(consistencyPlan(m, n).length);
          verifyConsistency(m, n, proof, tree.root(m), root);
          if (proof.length > 0) {
            const bad = proof.map((h) => h.slice());
            flipBits(present(bad[m % bad.length], `proof hash ${m % bad.length}`), 0, 0x80);
            expect(
              codeOf(() => {
                verifyConsistency(m, n, bad, tree.root(m), root);
              }),
            ).to.equal('TLOG_CONSISTENCY_INVALID');
          }
        }
      }
    });

    it('has proofs of at most ceil(log2 n) hashes for large sizes without building the tree', () => {
      for (const n of [1_000, 1_000_000, 10_000_000, 2 ** 40 + 3]) {
        const bound = Math.ceil(Math.log2(n));
        expect(inclusionPlan(n - 1, n).length).to.be.at.most(bound);
        expect(inclusionPlan(0, n).length).to.equal(bound);
        expect(consistencyPlan(n - 1, n).length).to.be.at.most(bound + 1);
      }
    });

    it('refuses a leaf hash that is not 32 bytes and a proof index past the tree', () => {
      const tree = new MemoryTree();
      expect(() => tree.append(new Uint8Array(31))).to.throw(RangeError);
      tree.appendData(new Uint8Array(32));
      expect(codeOf(() => tree.inclusionProof(1))).to.equal('TLOG_PROOF_MALFORMED');
      expect(codeOf(() => tree.consistencyProof(0))).to.equal('TLOG_PROOF_MALFORMED');
      expect(codeOf(() => tree.root(2))).to.equal('TLOG_PROOF_MALFORMED');
    });
  });
});
