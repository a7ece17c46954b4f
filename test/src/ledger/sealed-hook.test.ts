import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { EmbeddedLedger, type CommittedTransaction } from '@tender-ledger/embedded-ledger';
import { platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';

const notarise = (i: number) => ({
  identity: platformA,
  fn: 'notary:notariseDocument',
  args: [JSON.stringify({ sha256: createHash('sha256').update(`sealed ${i}`).digest('hex'), kind: 'archive' })],
});

describe('EmbeddedLedger.submit: the onSealed hook', () => {
  let temp: ReturnType<typeof tempDir>;
  let ledger: EmbeddedLedger;
  beforeEach(async () => {
    temp = tempDir('tender-sealed-');
    ledger = await EmbeddedLedger.open(temp.dir);
  });
  afterEach(async () => {
    await ledger.close();
    temp.remove();
  });

  describe('for transactions that land', () => {
    it('names where each lands, once, before its block is durable', async () => {
      const sealed = new Map<number, CommittedTransaction>();
      const durableHeights: number[] = [];
      const committed = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ledger.submit(notarise(i), {
            onSealed: (landing) => {
              expect(sealed.has(i), 'called twice').to.equal(false);
              sealed.set(i, landing);
              // The block is sealed, not yet durable: the durable height does not include it.
              durableHeights.push(ledger.height - landing.blockNumber);
            },
          }),
        ),
      );
      expect(sealed.size).to.equal(20);
      committed.forEach((c, i) => expect(sealed.get(i)).to.deep.equal(c));
      expect(durableHeights.every((d) => d <= 0)).to.equal(true);
    });
  });

  describe('for a transaction the contract refuses', () => {
    it('is never called', async () => {
      let called = false;
      const refused = await ledger
        .submit(
          { identity: platformA, fn: 'notary:notariseDocument', args: ['{}'] },
          {
            onSealed: () => {
              called = true;
            },
          },
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refused).to.be.instanceOf(Error);
      expect(called).to.equal(false);
    });
  });
});
