import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { FabricBackend, type Caller, type FabricConnection, type TxIntent } from '@tender-ledger/gateway';
import { errorMessage, present } from '../helpers/assert.js';
import { FABRIC_CONNECTION, FABRIC_PLATFORMS } from '../helpers/gateway.js';

const ISSUER = 'https://id.resend.example';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The gateway's Fabric backend in this process against a real network (the host network of
 * `npm run test:fabric`, or the containers' of `npm run test:containers`): a transaction kept
 * before its send is re-sent byte for byte, and commits at most once.
 */
describe('FabricBackend: a kept transaction sent again', function () {
  this.timeout(180_000);
  let backend: FabricBackend;
  const caller: Caller = { role: 'platform', issuer: ISSUER, sub: 'gz-etrading' };

  before(async () => {
    if (!existsSync(FABRIC_CONNECTION)) throw new Error(`THE FABRIC SUITE CANNOT RUN: ${FABRIC_CONNECTION} is missing`);
    backend = await FabricBackend.open({
      connection: JSON.parse(readFileSync(FABRIC_CONNECTION, 'utf8')) as FabricConnection,
      platformIdentities: {
        [`${ISSUER}::gz-etrading`]: present(FABRIC_PLATFORMS['gz-etrading'], "the gz-etrading platform's Fabric user"),
      },
      platformMspId: 'TradingCentreMSP',
      regulatorMspId: 'RegulatorMSP',
      regulatorIdentity: 'User1',
      publicIdentity: 'User5',
      bidderIdentity: 'User5',
    });
  });
  after(() => backend.close());

  describe('when the gateway stopped after keeping the envelope and before sending it', () => {
    it('commits it once under the kept id, and a second resumption answers the same record', async () => {
      const hash = sha(`resend ${randomUUID()}`);
      const args = [JSON.stringify({ sha256: hash, kind: 'resend-test' })];
      let kept: TxIntent | undefined;
      // beforeSend failing stands for a crash right after the fsync: the backend must not send.
      const crashed = await backend
        .submit(caller, 'notary:notariseDocument', args, undefined, {
          beforeSend: async (intent) => {
            kept = intent;
            throw new Error('gateway stopped');
          },
        })
        .then(() => 'committed', errorMessage);
      expect(crashed).to.contain('gateway stopped');
      const intent = present(kept, 'the kept intent');
      expect(intent.envelope, 'the signed envelope is handed over before the send').to.be.a('string');
      expect(await backend.transaction(intent.txId), 'an id the ledger does not know is not an outage').to.equal(undefined);

      const resumed = await backend.submit(caller, 'notary:notariseDocument', args, undefined, { resume: intent });
      expect(resumed.txId).to.equal(intent.txId);
      // The same envelope again: Fabric invalidates the copy (DUPLICATE_TXID); the answer is the first one's.
      const again = await backend.submit(caller, 'notary:notariseDocument', args, undefined, { resume: intent });
      expect(again).to.deep.include({ txId: resumed.txId, blockNumber: resumed.blockNumber, blockHash: resumed.blockHash });
      expect(await backend.transaction(intent.txId)).to.deep.include({ blockNumber: resumed.blockNumber });

      const found = JSON.parse(await backend.evaluate({ kind: 'public' }, 'findByHash', [hash])) as { records: { txId: string }[] };
      expect(found.records.map((r) => r.txId)).to.deep.equal([intent.txId]);
    });
  });
});
