import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const notarise = (text: string, txId?: string) => ({
  identity: platformA,
  fn: 'notary:notariseDocument',
  args: [JSON.stringify({ sha256: sha(text), kind: 'minutes' })],
  ...(txId ? { txId } : {}),
});

describe('EmbeddedLedger', () => {
  describe('submit with a transaction id fixed by the caller (as a Fabric client fixes it)', () => {
    let temp: ReturnType<typeof tempDir>;
    beforeEach(() => {
      temp = tempDir('tender-txid-');
    });
    afterEach(() => {
      temp.remove();
    });

    it('records the transaction, and its record, under that id', async () => {
      const ledger = await EmbeddedLedger.open(temp.dir);
      try {
        const txId = sha('fixed id 1');
        const committed = await ledger.submit(notarise('document 1', txId));
        expect(committed.txId).to.equal(txId);
        expect((JSON.parse(committed.result) as { recordId: string }).recordId).to.equal(txId);
        expect(await ledger.blockNumberOf(txId)).to.equal(committed.blockNumber);
      } finally {
        await ledger.close();
      }
    });

    it('refuses an id already committed, also after a restart, as a peer invalidates a duplicate transaction id', async () => {
      const txId = sha('fixed id 2');
      const first = await EmbeddedLedger.open(temp.dir);
      await first.submit(notarise('document 2', txId));
      await first.close();
      const reopened = await EmbeddedLedger.open(temp.dir);
      try {
        let refusal: unknown;
        await reopened.submit(notarise('document 2', txId)).catch((error: unknown) => {
          refusal = error;
        });
        expect((refusal as Error | undefined)?.message).to.match(/^DUPLICATE_TXID: /);
        expect(reopened.height, 'no block for the refused transaction').to.equal(1);
      } finally {
        await reopened.close();
      }
    });
  });
});
