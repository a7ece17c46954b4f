import { expect } from 'chai';
import { Context, Contract, Transaction } from 'fabric-contract-api';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';

/** A bare key-value contract: what a transaction reads is what the ledger's state view gave it. */
class KeyValueContract extends Contract {
  constructor() {
    super('kv');
  }

  @Transaction()
  async put(ctx: Context, key: string, value: string): Promise<string> {
    await ctx.stub.putState(key, Buffer.from(value));
    return value;
  }

  @Transaction()
  async remove(ctx: Context, key: string): Promise<string> {
    await ctx.stub.deleteState(key);
    return '';
  }

  @Transaction()
  async putMany(ctx: Context, keysJson: string): Promise<string> {
    for (const key of JSON.parse(keysJson) as string[]) await ctx.stub.putState(key, Buffer.from(key));
    return '';
  }

  /** A read inside a transaction: through the state cache and the block being built. */
  @Transaction()
  async read(ctx: Context, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getState(key)).toString('utf8');
  }

  @Transaction()
  async range(ctx: Context, start: string, end: string): Promise<string> {
    const keys: string[] = [];
    for await (const kv of ctx.stub.getStateByRange(start, end)) keys.push(kv.key);
    return JSON.stringify(keys);
  }
}

const utf8Order = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('EmbeddedLedger: what transactions read', () => {
  let temp: ReturnType<typeof tempDir>;
  let ledger: EmbeddedLedger;
  const call = async (fn: string, ...args: string[]) => (await ledger.submit({ identity: platformA, fn, args })).result;
  beforeEach(async () => {
    temp = tempDir('tender-reads-');
    ledger = await EmbeddedLedger.open(temp.dir, { contracts: [KeyValueContract] });
  });
  afterEach(async () => {
    await ledger.close();
    temp.remove();
  });

  describe('a key written again and again, one block after another', () => {
    it('reads the latest committed value every time, never an older one kept in memory', async () => {
      for (const value of ['v1', 'v2', 'v3']) {
        await call('put', 'k', value);
        expect(await call('read', 'k')).to.equal(value);
      }
      await call('remove', 'k');
      expect(await call('read', 'k')).to.equal('');
      await call('put', 'k', 'v4');
      expect(await call('read', 'k')).to.equal('v4');
      expect(await ledger.evaluate({ identity: platformA, fn: 'read', args: ['k'] })).to.equal('v4');
    });
  });

  describe('reads in the same block as the writes before them', () => {
    it('sees each earlier transaction of the block, then the committed value after', async () => {
      await call('put', 'k', 'old');
      const results = await Promise.all([
        call('put', 'k', 'a'),
        call('read', 'k'),
        call('put', 'k', 'b'),
        call('read', 'k'),
        call('remove', 'k'),
        call('read', 'k'),
      ]);
      expect(results).to.deep.equal(['a', 'a', 'b', 'b', '', '']);
      expect(await call('read', 'k')).to.equal('');
    });
  });

  describe('keys beyond ASCII (UTF-8 order is not UTF-16 order above U+FFFF)', () => {
    const keys = [
      'a',
      'ab',
      'b',
      '\u00e9',
      '\u20ac',
      '\uffef',
      '\ud83d\ude00',
      '\ud83d\ude01',
      'z\ud83d',
      'z\ud83dA',
      'z\ud83d\ude00',
      '\uff10',
      'zz',
    ];

    it("keeps a transaction's write set in UTF-8 byte order, as a peer does", async () => {
      const { blockNumber } = await ledger.submit({ identity: platformA, fn: 'putMany', args: [JSON.stringify(keys)] });
      const block = await ledger.getBlock(blockNumber);
      expect(block?.txs[0]?.writes.map((w) => w.key)).to.deep.equal(utf8Order(keys).filter((k, i, all) => all.indexOf(k) === i));
    });

    it("returns a range in UTF-8 byte order, committed keys and the block's own writes merged", async () => {
      // Well-formed keys only: LevelDB stores a lone surrogate as U+FFFD, so it would read back changed.
      const wellFormed = keys.filter((k) => k !== 'z\ud83d' && k !== 'z\ud83dA');
      await call('putMany', JSON.stringify(wellFormed.slice(0, 6)));
      const [, listed] = await Promise.all([call('putMany', JSON.stringify(wellFormed.slice(6))), call('range', 'a', '\u{10ffff}')]);
      expect(JSON.parse(listed) as string[]).to.deep.equal(utf8Order(wellFormed));
    });
  });
});
