import { expect } from 'chai';
import { LedgerError } from '@tender-ledger/domain';
import { addSignatures, cosignText, formatProofBundle, parsePolicy, parseProofBundle, toBase64 } from '@tender-ledger/tlog';
import { verifyProof, parseLogPolicy, LedgerError as SdkLedgerError } from '@tender-ledger/client-sdk';
import { present } from '../helpers/assert.js';
import { flipBits } from '../helpers/bytes.js';
import { TestLog, recordHashOf } from '../helpers/tlog.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    // The SDK bundles its own copy of the domain: its calls throw its LedgerError.
    if (err instanceof LedgerError || err instanceof SdkLedgerError) return err.code;
    throw err;
  }
}

// C2SP/C2SP tlog-proof.md, the example at the top (its signatures are elided there, so only
// the proof part is read here).
const SPEC_PROOF_HEAD = [
  'c2sp.org/tlog-proof@v1',
  'extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ',
  'index 73894',
  'gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=',
  'B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=',
  'EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=',
  'RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=',
  'AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=',
  '',
  'example.com/fancylog',
  '109482',
  'sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=',
  '\u2014 example.com/fancylog hI2DJw[...]1roloI=',
  '',
].join('\n');

describe('tlog-proof bundles (c2sp.org/tlog-proof@v1)', () => {
  const log = new TestLog().grow(1000);
  const allThree = log.policy(3);

  describe('parseProofBundle', () => {
    it('reads the spec example: extra data, index 73894, five proof hashes, the checkpoint verbatim', () => {
      const bundle = parseProofBundle(SPEC_PROOF_HEAD);
      expect(bundle.index).to.equal(73894);
      expect(bundle.inclusionProof).to.have.length(5);
      expect(Buffer.from(present(bundle.extra, "the bundle's extra data")).toString('latin1')).to.match(
        /^age-v1\.2\.1-darwin-arm64\.tar\.gz/,
      );
      expect(bundle.checkpoint.startsWith('example.com/fancylog\n109482\n')).to.equal(true);
    });

    it('formats what it parses back unchanged', () => {
      const text = formatProofBundle({
        extra: new Uint8Array([1, 2, 3]),
        index: 5,
        inclusionProof: log.tree.inclusionProof(5),
        checkpoint: log.cosigned(),
      });
      expect(formatProofBundle(parseProofBundle(text))).to.equal(text);
    });

    for (const [what, text] of [
      ['another header', SPEC_PROOF_HEAD.replace('@v1', '@v2')],
      ['no index line', SPEC_PROOF_HEAD.replace('index 73894\n', '')],
      ['an index with a leading zero', SPEC_PROOF_HEAD.replace('index 73894', 'index 073894')],
      ['a 31-byte proof hash', SPEC_PROOF_HEAD.replace('gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=', toBase64(new Uint8Array(31)))],
      ['no blank line', SPEC_PROOF_HEAD.replace('\n\n', '\n')],
      ['no checkpoint', SPEC_PROOF_HEAD.slice(0, SPEC_PROOF_HEAD.indexOf('\n\n') + 2)],
      ['64 proof lines', SPEC_PROOF_HEAD.replace('index 73894\n', `index 73894\n${`${toBase64(new Uint8Array(32))}\n`.repeat(60)}`)],
    ] as const) {
      it(`refuses ${what} with TLOG_PROOF_MALFORMED`, () => {
        expect(codeOf(() => parseProofBundle(text))).to.equal('TLOG_PROOF_MALFORMED');
      });
    }
  });

  describe('verifyProof (client SDK, offline)', () => {
    it('verifies records across the tree with all three cosignatures, naming log, size, index and witnesses', () => {
      for (const i of [0, 1, 511, 512, 998, 999]) {
        const result = verifyProof(log.bundle(i), recordHashOf(i), allThree);
        expect(result.checkpoint).to.include({ origin: 'tender-ledger.test/log', size: 1000 });
        expect(result.index).to.equal(i);
        expect(result.cosignatures.map((c) => c.witness)).to.deep.equal(['w1', 'w2', 'w3']);
        expect(result.cosignatures[0]?.timestamp).to.equal(1_790_000_000);
      }
    });

    it('verifies the same way on the pure-JS (browser) Ed25519 path', () => {
      expect(verifyProof(log.bundle(7), recordHashOf(7), parsePolicy(allThree), { cache: false }).index).to.equal(7);
    });

    it('verifies against an older checkpoint of the same log', () => {
      expect(verifyProof(log.bundle(3, 10), recordHashOf(3), allThree).checkpoint.size).to.equal(10);
    });

    it("refuses another record's hash, or the right record at another index, with TLOG_INCLUSION_INVALID", () => {
      expect(codeOf(() => verifyProof(log.bundle(1), recordHashOf(2), allThree))).to.equal('TLOG_INCLUSION_INVALID');
      const moved = log.bundle(1).replace('index 1\n', 'index 3\n');
      expect(codeOf(() => verifyProof(moved, recordHashOf(1), allThree))).to.equal('TLOG_INCLUSION_INVALID');
      const past = formatProofBundle({ index: 1000, inclusionProof: log.tree.inclusionProof(999), checkpoint: log.cosigned() });
      expect(codeOf(() => verifyProof(past, recordHashOf(999), allThree))).to.equal('TLOG_INCLUSION_INVALID');
    });

    it('refuses a record hash that is not 32 bytes with INVALID_ARGUMENT', () => {
      expect(codeOf(() => verifyProof(log.bundle(1), 'abc', allThree))).to.equal('INVALID_ARGUMENT');
    });

    it('refuses a checkpoint of a log the policy does not name with TLOG_ORIGIN_UNKNOWN', () => {
      const other = new TestLog('other.test/log').grow(4);
      expect(codeOf(() => verifyProof(other.bundle(0), recordHashOf(0), allThree))).to.equal('TLOG_ORIGIN_UNKNOWN');
    });

    it("refuses a checkpoint signed by another key under the log's name with TLOG_SIGNATURE_MISSING", () => {
      const impostor = new TestLog('tender-ledger.test/log').grow(1000);
      expect(codeOf(() => verifyProof(impostor.bundle(0), recordHashOf(0), allThree))).to.equal('TLOG_SIGNATURE_MISSING');
    });

    it('counts cosignatures by the quorum: 2 of 3 meets a 2-of-3 policy, not a 3-of-3 one; unknown witnesses do not count', () => {
      const two = log.bundle(4, 1000, log.cosigned(1000, 2));
      expect(verifyProof(two, recordHashOf(4), log.policy(2)).cosignatures).to.have.length(2);
      expect(codeOf(() => verifyProof(two, recordHashOf(4), allThree))).to.equal('TLOG_QUORUM_NOT_MET');
      const strangers = new TestLog();
      const text = parseText(log.checkpoint(1000));
      const withStrangers = log.bundle(
        4,
        1000,
        addSignatures(
          log.cosigned(1000, 2),
          strangers.witnesses.map((w) => cosignText(text, w.name, w.signer, 1)),
        ),
      );
      expect(codeOf(() => verifyProof(withStrangers, recordHashOf(4), allThree))).to.equal('TLOG_QUORUM_NOT_MET');
    });

    it('refuses any single changed byte of a bundle, naming the part that failed', () => {
      const policy = parseLogPolicy(allThree);
      const text = log.bundle(537);
      const bytes = Buffer.from(text);
      const checkpointAt = Buffer.byteLength(text.slice(0, text.indexOf('\n\n') + 2));
      const logLineAt = Buffer.byteLength(text.slice(0, text.indexOf('\u2014')));
      const cosigAt = Buffer.byteLength(text.slice(0, text.indexOf('\u2014 witness1')));
      const allowed = (at: number): string[] => {
        if (at < checkpointAt - 1) return ['TLOG_PROOF_MALFORMED', 'TLOG_INCLUSION_INVALID'];
        if (at < logLineAt - 1) return ['TLOG_PROOF_MALFORMED', 'TLOG_NOTE_MALFORMED', 'TLOG_ORIGIN_UNKNOWN', 'TLOG_SIGNATURE_INVALID'];
        if (at < cosigAt) return ['TLOG_NOTE_MALFORMED', 'TLOG_SIGNATURE_MISSING', 'TLOG_SIGNATURE_INVALID'];
        return ['TLOG_NOTE_MALFORMED', 'TLOG_COSIGNATURE_INVALID', 'TLOG_QUORUM_NOT_MET'];
      };
      expect(verifyProof(bytes, recordHashOf(537), policy).index).to.equal(537);
      const seen = new Set<string>();
      for (let at = 0; at < bytes.length; at++) {
        for (const mask of [0x01, 0x80]) {
          const changed = Buffer.from(bytes);
          flipBits(changed, at, mask);
          const code = codeOf(() => verifyProof(changed, recordHashOf(537), policy));
          expect(code, `byte ${at} ^ ${mask}`).to.be.oneOf(allowed(at));
          seen.add(present(code, `the code for byte ${at} ^ ${mask}`));
        }
      }
      expect([...seen].sort()).to.include.members([
        'TLOG_COSIGNATURE_INVALID',
        'TLOG_INCLUSION_INVALID',
        'TLOG_NOTE_MALFORMED',
        'TLOG_ORIGIN_UNKNOWN',
        'TLOG_PROOF_MALFORMED',
        'TLOG_SIGNATURE_INVALID',
      ]);
    });
  });
});

function parseText(note: string): string {
  return note.slice(0, note.indexOf('\n\n') + 1);
}
