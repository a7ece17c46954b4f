import { createHash } from 'node:crypto';
import { common, msp } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { present } from '../helpers/assert.js';
import { platformA, regulator } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A key-level policy as Fabric reads it: how many of which organisations' peers must sign. */
function decodePolicy(base64: string): { required: number; of: string[] } {
  const envelope = common.SignaturePolicyEnvelope.deserializeBinary(Buffer.from(base64, 'base64'));
  const of = envelope.getIdentitiesList().map((principal) => {
    expect(principal.getPrincipalClassification()).to.equal(msp.MSPPrincipal.Classification.ROLE);
    const role = msp.MSPRole.deserializeBinary(principal.getPrincipal_asU8());
    expect(role.getRole()).to.equal(msp.MSPRole.MSPRoleType.PEER);
    return role.getMspIdentifier();
  });
  return { required: present(present(envelope.getRule(), 'the policy\'s rule').getNOutOf(), 'the policy\'s n-out-of').getN(), of: of.sort() };
}

describe('TenderContract: key-level endorsement (embedded ledger: kept in the block, not enforced)', () => {
  let temp: ReturnType<typeof tempDir>;
  let ledger: EmbeddedLedger;
  before(async () => {
    temp = tempDir('tender-sbe-');
    ledger = await EmbeddedLedger.open(temp.dir);
  });
  after(async () => {
    await ledger.close();
    temp.remove();
  });

  const projectId = 'SBE-1';
  const writesOf = async (blockNumber: number) => {
    const tx = present((await ledger.getBlock(blockNumber))?.txs[0], `block ${blockNumber}'s transaction`);
    return { keys: tx.writes.map((w) => w.key).sort(), policies: tx.validationParameters ?? {} };
  };

  describe('registerProject and every later step, bidder chains included', () => {
    it('puts "the registering organisation AND the regulator" on every key it writes', async () => {
      const now = Date.now();
      const steps = [
        await ledger.submit({ identity: platformA, fn: 'tender:registerProject', args: [JSON.stringify({
          projectId, name: 'road', category: 'construction', estimatedPrice: 100_000_000, depositAmount: 2_000_000,
          bidDeadline: new Date(now + 3_600_000).toISOString(), openingTime: new Date(now + 7_200_000).toISOString(), tenderDocSha256: sha('docs'),
        })] }),
        await ledger.submit({ identity: platformA, fn: 'tender:registerBidder', args: [projectId, JSON.stringify({ bidderId: 'B1', deposit: { form: 'cash', amount: 2_000_000 } })] }),
        await ledger.submit({ identity: platformA, fn: 'tender:notariseDocument', args: [JSON.stringify({ projectId, sha256: sha('clarification'), kind: 'clarification' })] }),
      ];
      for (const step of steps) {
        const { keys, policies } = await writesOf(step.blockNumber);
        expect(keys.length).to.be.greaterThan(0);
        expect(Object.keys(policies).sort()).to.deep.equal(keys);
        for (const policy of Object.values(policies)) {
          expect(decodePolicy(policy)).to.deep.equal({ required: 2, of: [regulator.mspId, platformA.mspId].sort() });
        }
      }
    });
  });

  describe('a standalone document (NotaryContract)', () => {
    it('sets no key-level policy: the chaincode-wide one applies', async () => {
      const committed = await ledger.submit({ identity: platformA, fn: 'notary:notariseDocument', args: [JSON.stringify({ sha256: sha('standalone'), kind: 'minutes' })] });
      const { keys, policies } = await writesOf(committed.blockNumber);
      expect(keys.length).to.be.greaterThan(0);
      expect(policies).to.deep.equal({});
    });
  });
});
