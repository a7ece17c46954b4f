import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  bidCommitment,
  canonicalJson,
  isInstant,
  schemaErrors,
  Instant,
  checkChain,
  parseLedgerError,
  rankBids,
  recordHash,
  sealRecord,
  sealRecordText,
  sha256Hex,
  GENESIS_HASH,
  LedgerError,
  type LedgerRecord,
} from '@tender-ledger/domain';

describe('domain', () => {
  describe('Instant (date-time)', () => {
    it('accepts real RFC 3339 instants with a zone, leap days and fractions included', () => {
      for (const good of [
        '2026-03-01T09:30:00Z',
        '2024-02-29T23:59:59.123456789+08:00',
        '2026-12-31T00:00:00-05:30',
        '2000-02-29T00:00:00Z',
        // The ledger's own form (UTC, milliseconds), which takes a shorter path.
        '2026-03-01T09:30:00.123Z',
        '2024-02-29T23:59:59.999Z',
      ]) {
        expect(isInstant(good), good).to.equal(true);
        expect(schemaErrors(Instant, good), good).to.deep.equal([]);
      }
    });

    it('refuses impossible instants: 2026-02-30, 2023-02-29, T24:00:00, T23:60:00, :60Z, offset +24:00', () => {
      for (const bad of [
        '2026-02-30T10:00:00Z',
        '2023-02-29T00:00:00Z',
        '2026-04-31T10:00:00Z',
        '2100-02-29T00:00:00Z',
        '2026-02-28T24:00:00Z',
        '2026-02-28T23:60:00Z',
        '2026-12-31T23:59:60Z',
        '2026-02-28T10:00:00+24:00',
        '2026-02-28T10:00:00+08:60',
        '2026-13-01T00:00:00Z',
        '2026-00-10T00:00:00Z',
        '2026-02-30T10:00:00.000Z',
        '2023-02-29T00:00:00.000Z',
        '2100-02-29T00:00:00.000Z',
        '2026-04-31T10:00:00.000Z',
      ]) {
        expect(isInstant(bad), bad).to.equal(false);
        expect(schemaErrors(Instant, bad), bad).to.not.deep.equal([]);
      }
    });

    it('refuses instants without a zone or in another ISO 8601 spelling', () => {
      for (const bad of [
        '2026-03-01T09:30:00',
        '2026-03-01 09:30:00Z',
        '2026-03-01t09:30:00z',
        '20260301T093000Z',
        '2026-W09-7T09:30:00Z',
        '2026-060T09:30:00Z',
        '2026-03-01T09:30Z',
      ]) {
        expect(isInstant(bad), bad).to.equal(false);
      }
    });
  });

  describe('canonicalJson (RFC 8785)', () => {
    it('serialises the RFC 8785 section 3.2.2 example exactly', () => {
      const input = JSON.parse(
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
          ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
      );
      expect(canonicalJson(input)).to.equal(
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
      );
    });

    it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
      const input = JSON.parse('{"\\u20ac": 1, "\\r": 2, "\\ufb33": 3, "1": 4, "\\ud83d\\ude00": 5, "\\u0080": 6, "\\u00f6": 7}');
      // Object.keys would put "1" first (JS property order), so read the order off the text.
      expect(canonicalJson(input)).to.equal('{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}');
    });

    it('writes what the canonicalize package writes, whether JSON.stringify serves the value or not', () => {
      // Literals from canonicalize 2.1.0, which canonicalJson used alone before its JSON.stringify path.
      const cases: [unknown, string][] = [
        [
          { a: 1, b: [1, 'x', null, true, { c: -0, d: 1e21 }], e: '\u2028\ud800' },
          '{"a":1,"b":[1,"x",null,true,{"c":0,"d":1e+21}],"e":"\u2028\\ud800"}',
        ],
        [{ b: 1, a: { d: 2, c: 3 } }, '{"a":{"c":3,"d":2},"b":1}'],
        [{ 9: 1, 10: 2, a: 3 }, '{"10":2,"9":1,"a":3}'],
        // eslint-disable-next-line no-sparse-arrays -- a hole, which canonicalize skips
        [[1, , undefined, 2], '[1,null,2]'],
        [{ a: undefined, b: 1 }, '{"b":1}'],
        [{ a: { toJSON: () => ({ y: 2, x: 1 }) } }, '{"a":{"x":1,"y":2}}'],
        [{ at: new Date(0) }, '{"at":"1970-01-01T00:00:00.000Z"}'],
        [Object.assign(Object.create(null) as object, { a: 1, b: 2 }), '{"a":1,"b":2}'],
        // A boxed string: canonicalize walks it as an object.
        [{ a: new String('xy') }, '{"a":{"0":"x","1":"y"}}'],
        [
          {
            a: new (class {
              z = 1;
              y = 2;
            })(),
          },
          '{"a":{"y":2,"z":1}}',
        ],
        // Parsed JSON, as ledger:verify hashes it: sorted deep down or not, UTF-16 key order.
        [JSON.parse('{"a":1,"b":[{"c":"x","d":null}],"e":{"f":true}}'), '{"a":1,"b":[{"c":"x","d":null}],"e":{"f":true}}'],
        [JSON.parse('{"a":[{"z":1,"y":2}]}'), '{"a":[{"y":2,"z":1}]}'],
        [JSON.parse('{"a":1,"B":2,"é":3,"😀":4,"｡":5}'), '{"B":2,"a":1,"é":3,"😀":4,"｡":5}'],
      ];
      for (const [value, text] of cases) expect(canonicalJson(value), text).to.equal(text);
    });

    it('refuses values with no JSON form', () => {
      expect(() => canonicalJson(Number.NaN)).to.throw();
      expect(() => canonicalJson(undefined)).to.throw(TypeError);
    });
  });

  describe('sha256Hex', () => {
    it('matches the FIPS 180-2 vectors', () => {
      expect(sha256Hex('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(sha256Hex('')).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).to.equal(sha256Hex('abc'));
    });
  });

  describe('bidCommitment', () => {
    it('is SHA-256 of the canonical JSON of {bidFileSha256, bidderId, price, projectId, salt}', () => {
      const bidFileSha256 = 'a'.repeat(64);
      const salt = '0123456789abcdef0123456789abcdef';
      const literal = `{"bidFileSha256":"${bidFileSha256}","bidderId":"B-1","price":123456789,"projectId":"GZ-2026-001","salt":"${salt}"}`;
      const expected = createHash('sha256').update(literal, 'utf8').digest('hex');
      expect(bidCommitment({ salt, price: 123456789, projectId: 'GZ-2026-001', bidderId: 'B-1', bidFileSha256 })).to.equal(expected);
    });

    it('changes with any one field', () => {
      const bid = { projectId: 'P', bidderId: 'B', bidFileSha256: 'b'.repeat(64), price: 100, salt: 'c'.repeat(32) };
      const base = bidCommitment(bid);
      expect(bidCommitment({ ...bid, price: 101 })).to.not.equal(base);
      expect(bidCommitment({ ...bid, salt: 'd'.repeat(32) })).to.not.equal(base);
      expect(bidCommitment({ ...bid, bidderId: 'C' })).to.not.equal(base);
    });
  });

  describe('records', () => {
    const chain = (): [LedgerRecord, LedgerRecord] => {
      const first = sealRecord({
        recordId: 't1',
        projectId: 'P',
        step: 'ProjectRegistered',
        seq: 1,
        prevHash: GENESIS_HASH,
        payload: { projectId: 'P' } as never,
        actor: { mspId: 'M', clientId: 'c' },
        txId: 't1',
        txTime: '2026-01-01T00:00:00.000Z',
      });
      const second = sealRecord({
        recordId: 't2',
        projectId: 'P',
        step: 'DocumentNotarised',
        seq: 2,
        prevHash: first.hash,
        payload: { sha256: 'e'.repeat(64), kind: 'announcement' },
        actor: { mspId: 'M', clientId: 'c' },
        txId: 't2',
        txTime: '2026-01-01T00:00:01.000Z',
      });
      return [first, second];
    };

    it('seals with the canonical text: hash over the rest, text with the hash in its sorted place', () => {
      const unsigned = {
        recordId: 't1',
        projectId: 'P',
        bidderChain: 'B',
        step: 'BidCommitted',
        seq: 1,
        prevHash: GENESIS_HASH,
        payload: { commitment: 'c'.repeat(64), bidderId: 'B' },
        actor: { mspId: 'M', clientId: 'c' },
        txId: 't1',
        txTime: '2026-01-01T00:00:00.000Z',
      } as const;
      const { record, json } = sealRecordText(unsigned);
      expect(record).to.deep.equal(sealRecord(unsigned));
      expect(record.hash).to.equal(recordHash(unsigned));
      expect(json).to.equal(canonicalJson(record));
    });

    it('leaves out a stale hash and members without a JSON value, wherever they sort', () => {
      const unsigned = {
        actor: { mspId: 'M', clientId: 'c' },
        bidderChain: undefined,
        hash: 'stale',
        recordId: 't1',
        projectId: 'P',
        step: 'BidCommitted',
        seq: 1,
        prevHash: GENESIS_HASH,
        payload: { commitment: 'c'.repeat(64), bidderId: 'B' },
        txId: 't1',
        txTime: '2026-01-01T00:00:00.000Z',
        zz: undefined,
      };
      const { record, json } = sealRecordText(unsigned as never);
      expect(record.hash)
        .to.equal(recordHash(unsigned as never))
        .and.not.equal('stale');
      expect(json).to.equal(canonicalJson(record));
    });

    it('hashes a record over every field but its hash', () => {
      const [first] = chain();
      expect(recordHash(first)).to.equal(first.hash);
      expect(recordHash({ ...first, txTime: '2026-01-01T00:00:00.001Z' })).to.not.equal(first.hash);
    });

    describe('checkChain', () => {
      it('accepts an unbroken chain', () => {
        expect(checkChain(chain())).to.deep.equal({ valid: true });
      });
      it('finds a changed payload', () => {
        const records = chain();
        (records[1].payload as { kind: string }).kind = 'complaint';
        expect(checkChain(records).brokenAt).to.include({ index: 1, reason: 'hash' });
      });
      it('finds a missing record', () => {
        expect(checkChain(chain().slice(1)).brokenAt).to.include({ index: 0, reason: 'seq' });
      });
      it('finds reordered records', () => {
        expect(checkChain(chain().reverse()).valid).to.equal(false);
      });
    });
  });

  describe('rankBids', () => {
    it('ranks by integer total score, ties sharing a rank', () => {
      const ranking = rankBids(
        [
          { bidderId: 'A', price: 1 },
          { bidderId: 'B', price: 2 },
          { bidderId: 'C', price: 3 },
        ],
        [
          { bidderId: 'A', score: 8000 },
          { bidderId: 'A', score: 9000 },
          { bidderId: 'B', score: 8500 },
          { bidderId: 'B', score: 8500 },
          { bidderId: 'C', score: 7000 },
          { bidderId: 'C', score: 7200 },
        ],
      );
      expect(ranking).to.deep.equal([
        { rank: 1, bidderId: 'A', price: 1, totalScore: 17_000, scoreCount: 2 },
        { rank: 1, bidderId: 'B', price: 2, totalScore: 17_000, scoreCount: 2 },
        { rank: 3, bidderId: 'C', price: 3, totalScore: 14_200, scoreCount: 2 },
      ]);
    });

    it('gives the same ranking for the same scores in any order (float means of 11.7, 94.6, 6, 20.6, 86 do not)', () => {
      const points = [11.7, 94.6, 6, 20.6, 86];
      const reordered = [11.7, 6, 20.6, 94.6, 86];
      const floatMean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(floatMean(points)).to.not.equal(floatMean(reordered)); // why scores are integers
      const hundredths = (xs: number[]) => xs.map((x) => Math.round(x * 100));
      const scores = [
        ...hundredths(points).map((score) => ({ bidderId: 'A', score })),
        ...hundredths(reordered).map((score) => ({ bidderId: 'B', score })),
      ];
      const bids = [
        { bidderId: 'A', price: 1 },
        { bidderId: 'B', price: 2 },
      ];
      for (const order of [scores, [...scores].reverse()]) {
        expect(rankBids(bids, order).map((r) => [r.bidderId, r.rank, r.totalScore])).to.deep.equal([
          ['A', 1, 21_890],
          ['B', 1, 21_890],
        ]);
      }
      expect(() => rankBids(bids, [{ bidderId: 'A', score: 43.78 }])).to.throw(RangeError);
    });
  });

  describe('parseLedgerError', () => {
    it('recovers the code from a peer-wrapped message', () => {
      const error = parseLedgerError('10 ABORTED: failed to endorse transaction: chaincode response 500, BID_AFTER_DEADLINE: too late');
      expect(error).to.be.instanceOf(LedgerError);
      expect(error?.code).to.equal('BID_AFTER_DEADLINE');
      expect(error?.detail).to.equal('too late');
    });
    it('never guesses a code from free text', () => {
      expect(parseLedgerError('10 ABORTED: something failed')).to.equal(undefined);
    });
  });
});
