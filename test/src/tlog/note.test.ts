import { expect } from 'chai';
import {
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  cosignText,
  cosignatureMessage,
  formatCheckpoint,
  formatNote,
  formatPolicy,
  fromBase64,
  parseCheckpoint,
  parseNote,
  parsePolicy,
  parseSignatureLine,
  parseVerifierKey,
  pureEd25519,
  quorumMet,
  signNoteText,
  splitCosignature,
  toBase64,
  verifyNoteSignatures,
} from '@tender-ledger/tlog';
import { formatSignerKey, generateSignerKey, nodeEd25519, parseSignerKey } from '@tender-ledger/tlog/node';
import { LedgerError } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { flipBits } from '../helpers/bytes.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof LedgerError) return err.code;
    throw err;
  }
}

// C2SP/C2SP signed-note.md, "Verifier keys" > "Example".
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// golang.org/x/mod/sumdb/note, note.go package documentation ("# Example"): key pair and signed note.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=';

// C2SP/C2SP tlog-checkpoint.md and tlog-cosignature.md: the example checkpoint and its witness cosignature.
const SPEC_CHECKPOINT_TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_COSIG_LINE =
  '\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';

describe('tlog signed notes (c2sp.org/signed-note)', () => {
  describe('the spec and reference examples', () => {
    it('verifies the signed-note spec example with its verifier key, in pure JS and with OpenSSL', () => {
      for (const ed of [pureEd25519, nodeEd25519]) {
        const key = parseVerifierKey(SPEC_VKEY, ed);
        expect(key).to.include({ name: 'example.com/foo', keyId: 0x530d903a, type: SIG_ED25519 });
        const note = parseNote(SPEC_NOTE);
        expect(note.text).to.equal('This is an example message.\n');
        expect(verifyNoteSignatures(note, [key])).to.deep.equal([key]);
      }
    });

    it('derives the Go sumdb/note example verifier key from its signer key and reproduces its signature byte for byte', () => {
      const key = parseSignerKey(GO_SKEY);
      expect(key.vkey).to.equal(GO_VKEY);
      expect(signNoteText(GO_TEXT, key.name, key.signer)).to.equal(GO_SIG);
      expect(formatNote(GO_TEXT, [GO_SIG])).to.equal(`${GO_TEXT}\n${GO_SIG}\n`);
      const note = parseNote(`${GO_TEXT}\n${GO_SIG}\n`);
      expect(verifyNoteSignatures(note, [parseVerifierKey(GO_VKEY, nodeEd25519)])).to.have.length(1);
    });

    it('parses the tlog-checkpoint example and formats it back unchanged', () => {
      const cp = parseCheckpoint(SPEC_CHECKPOINT_TEXT);
      expect(cp).to.include({ origin: 'example.com/behind-the-sofa', size: 20852163 });
      expect(toBase64(cp.rootHash)).to.equal('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
      expect(formatCheckpoint(cp)).to.equal(SPEC_CHECKPOINT_TEXT);
    });

    it('reads the tlog-cosignature example: time 1679315147, and the signed message is the one the spec shows', () => {
      const sig = parseSignatureLine(SPEC_COSIG_LINE);
      expect(sig.name).to.equal('witness.example.com/w1');
      expect(splitCosignature(sig.signature)?.timestamp).to.equal(1679315147);
      expect(Buffer.from(cosignatureMessage(SPEC_CHECKPOINT_TEXT, 1679315147)).toString()).to.equal(
        'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      );
    });

    it('reads the transparency-dev/formats note_cosigv1_test.go timestamp vector and refuses its Ed25519-note signature as a cosignature', () => {
      const ok = present(
        fromBase64('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=='),
        'the timestamp vector',
      );
      expect(splitCosignature(ok.subarray(4))?.timestamp).to.equal(1727964367);
      const wrongType = present(
        fromBase64('eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY='),
        'the Ed25519-note signature vector',
      );
      expect(splitCosignature(wrongType.subarray(4))).to.equal(undefined);
    });

    it('accepts the transparency-dev/formats verifier keys (a "+" inside the base64, a native 0x04 key) and refuses its bad ones', () => {
      expect(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).to.include({ type: SIG_ED25519 });
      expect(parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).to.include({
        type: SIG_COSIGNATURE_V1,
      });
      for (const bad of [
        'bananas.sigstore.dev+12344556',
        'rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!',
        'rekor.sigstore.dev+12345678+AwEB',
        'remora.n621.de+NOT_A_NUM+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
        'remora.n621.de+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
      ]) {
        expect(
          codeOf(() => parseVerifierKey(bad)),
          bad,
        ).to.equal('TLOG_KEY_MALFORMED');
      }
    });
  });

  describe('parseNote', () => {
    const sigLine = GO_SIG;
    const cases: [string, string | Uint8Array][] = [
      ['no final newline', `${GO_TEXT}\n${sigLine}`],
      ['no blank line', `${GO_TEXT}${sigLine}\n`],
      ['no signature', `${GO_TEXT}\n`],
      ['a control character', `${GO_TEXT.replace('you', 'y\tou')}\n${sigLine}\n`],
      ['a hyphen for the em dash', `${GO_TEXT}\n${sigLine.replace('\u2014', '-')}\n`],
      ['two spaces after the name', `${GO_TEXT}\n${sigLine.replace('PeterNeumann ', 'PeterNeumann  ')}\n`],
      ['a "+" in the key name', `${GO_TEXT}\n${sigLine.replace('PeterNeumann', 'Peter+Neumann')}\n`],
      ['bad base64', `${GO_TEXT}\n${sigLine.replace('x08go', 'x08g!')}\n`],
      ['non-canonical base64 (unused bits set)', `${GO_TEXT}\n${sigLine.replace('AM=', 'AN=')}\n`],
      ['a signature under 5 bytes', `${GO_TEXT}\n\u2014 PeterNeumann AAAA\n`],
      ['invalid UTF-8', Buffer.concat([Buffer.from(GO_TEXT), Buffer.from([0xff, 0x0a, 0x0a]), Buffer.from(`${sigLine}\n`)])],
      ['65 signatures', `${GO_TEXT}\n${`${sigLine}\n`.repeat(65)}`],
    ];
    for (const [what, input] of cases) {
      it(`refuses ${what} with TLOG_NOTE_MALFORMED`, () => {
        expect(codeOf(() => parseNote(input))).to.equal('TLOG_NOTE_MALFORMED');
      });
    }
  });

  describe('verifyNoteSignatures', () => {
    const note = parseNote(SPEC_NOTE);
    const key = parseVerifierKey(SPEC_VKEY, nodeEd25519);
    it('ignores signatures from unknown keys, and keys that share only the name or only the ID', () => {
      const other = parseSignerKey(generateSignerKey('example.com/foo', SIG_ED25519));
      expect(verifyNoteSignatures(note, [parseVerifierKey(other.vkey)])).to.deep.equal([]);
      const withStranger = parseNote(SPEC_NOTE + `${signNoteText(note.text, 'example.com/bar', other.signer)}\n`);
      expect(verifyNoteSignatures(withStranger, [key])).to.deep.equal([key]);
    });
    it("refuses a note whose known key's signature fails with TLOG_SIGNATURE_INVALID", () => {
      const tampered = parseNote(SPEC_NOTE.replace('an example', 'an Example'));
      expect(codeOf(() => verifyNoteSignatures(tampered, [key]))).to.equal('TLOG_SIGNATURE_INVALID');
    });
  });

  describe('cosignature/v1', () => {
    it('signs a checkpoint with a timestamp and verifies with pure JS and OpenSSL; a changed time or extension line fails', () => {
      const witness = parseSignerKey(generateSignerKey('witness.test/w1', SIG_COSIGNATURE_V1));
      const text = `${SPEC_CHECKPOINT_TEXT}ext line\n`;
      const line = cosignText(text, witness.name, witness.signer, 1_780_000_000);
      const sig = parseSignatureLine(line);
      expect(splitCosignature(sig.signature)?.timestamp).to.equal(1_780_000_000);
      for (const ed of [pureEd25519, nodeEd25519]) {
        const v = parseVerifierKey(witness.vkey, ed);
        expect(v.verify(text, sig.signature)).to.equal(true);
        expect(v.verify(text.replace('ext', 'Ext'), sig.signature)).to.equal(false);
        const laterTime = sig.signature.slice();
        flipBits(laterTime, 7, 1);
        expect(v.verify(text, laterTime)).to.equal(false);
      }
    });

    it('gives the same Ed25519 key different key IDs as a note key (0x01) and as a cosigner (0x04)', () => {
      const seed = new Uint8Array(32).fill(7);
      const asLog = parseSignerKey(formatSignerKey('same.test', SIG_ED25519, seed));
      const asWitness = parseSignerKey(formatSignerKey('same.test', SIG_COSIGNATURE_V1, seed));
      expect(asLog.signer.publicKey).to.deep.equal(asWitness.signer.publicKey);
      expect(parseVerifierKey(asLog.vkey).keyId).to.not.equal(parseVerifierKey(asWitness.vkey).keyId);
    });
  });

  describe('parseCheckpoint', () => {
    for (const [what, text] of [
      ['two lines', 'origin\n1\n'],
      ['an empty origin', `\n1\n${toBase64(new Uint8Array(32))}\n`],
      ['a size with a leading zero', `o\n01\n${toBase64(new Uint8Array(32))}\n`],
      ['a negative size', `o\n-1\n${toBase64(new Uint8Array(32))}\n`],
      ['a 31-byte root', `o\n1\n${toBase64(new Uint8Array(31))}\n`],
      ['an empty extension line', `o\n1\n${toBase64(new Uint8Array(32))}\n\nx\n`],
      ['no final newline', `o\n1\n${toBase64(new Uint8Array(32))}`],
    ] as const) {
      it(`refuses ${what} with TLOG_NOTE_MALFORMED`, () => {
        expect(codeOf(() => parseCheckpoint(text))).to.equal('TLOG_NOTE_MALFORMED');
      });
    }
  });

  describe('parsePolicy (c2sp.org/tlog-policy)', () => {
    const log = parseSignerKey(generateSignerKey('log.test', SIG_ED25519));
    const witnessKey = (i: number) => parseSignerKey(generateSignerKey(`w${i}.test`, SIG_COSIGNATURE_V1));
    const w = [witnessKey(1), witnessKey(2), witnessKey(3), witnessKey(4)] as const;
    it('reads logs, witnesses, nested groups and the quorum, as in the spec example', () => {
      const policy = parsePolicy(
        [
          '# two organisations',
          `log ${log.vkey} https://log.test/`,
          `witness X1 ${w[0].vkey}`,
          `witness X2 ${w[1].vkey}`,
          `witness Y1 ${w[2].vkey}`,
          `witness Y2 ${w[3].vkey} https://w4.test/`,
          'group X 2 X1 X2',
          'group Y any Y1 Y2',
          'group XY all X Y',
          'quorum XY',
          '',
        ].join('\n'),
      );
      expect(policy.logs).to.have.length(1);
      expect(quorumMet(policy.quorum, new Set(['X1', 'X2', 'Y2']))).to.equal(true);
      expect(quorumMet(policy.quorum, new Set(['X1', 'Y1', 'Y2']))).to.equal(false);
    });
    it('writes the k-of-n form', () => {
      const policy = parsePolicy(formatPolicy({ logs: [log.vkey], witnesses: w.slice(0, 3).map((k) => k.vkey), threshold: 2 }));
      expect(quorumMet(policy.quorum, new Set(['w1', 'w3']))).to.equal(true);
      expect(quorumMet(policy.quorum, new Set(['w2']))).to.equal(false);
    });
    for (const [what, text] of [
      ['no quorum', `log ${log.vkey}\n`],
      ['a witness with a log key type', `witness a ${log.vkey}\nquorum a\n`],
      ['a log with a witness key type', `log ${w[0].vkey}\nquorum none\n`],
      ['a group naming an undefined member', `witness a ${w[0].vkey}\ngroup g 1 a b\nquorum g\n`],
      ['a threshold above the members', `witness a ${w[0].vkey}\ngroup g 2 a\nquorum g\n`],
      ['the same key twice', `witness a ${w[0].vkey}\nwitness b ${w[0].vkey}\nquorum a\n`],
      ['an unknown keyword', 'quorum none\nmirror x\n'],
    ] as const) {
      it(`refuses ${what} with TLOG_KEY_MALFORMED`, () => {
        expect(codeOf(() => parsePolicy(text))).to.equal('TLOG_KEY_MALFORMED');
      });
    }
  });
});
