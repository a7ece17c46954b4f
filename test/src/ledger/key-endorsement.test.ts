import { createHash } from 'node:crypto';
import { common, msp } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { Level } from 'level';
import { Context, Contract, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '@tender-ledger/domain';
import { EmbeddedLedger, verifyLedger, type Block } from '@tender-ledger/embedded-ledger';
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
  return { required: present(present(envelope.getRule(), "the policy's rule").getNOutOf(), "the policy's n-out-of").getN(), of: of.sort() };
}

/** Sets a policy (its text's bytes) on each key it is given: keys and policies the tender contracts never write. */
class PolicyContract extends Contract {
  constructor() {
    super('policies');
  }

  @Transaction()
  async protect(ctx: Context, policiesJson: string): Promise<void> {
    for (const [key, policy] of Object.entries(JSON.parse(policiesJson) as Record<string, string>)) {
      await ctx.stub.putState(key, Buffer.from(policy));
      await ctx.stub.setStateValidationParameter(key, Buffer.from(policy));
    }
  }
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
    it('puts "the registering organisation AND the regulator" on every key it creates, and leaves a rewritten key\'s as it is', async () => {
      const now = Date.now();
      const steps = [
        await ledger.submit({
          identity: platformA,
          fn: 'tender:registerProject',
          args: [
            JSON.stringify({
              projectId,
              name: 'road',
              category: 'construction',
              estimatedPrice: 100_000_000,
              depositAmount: 2_000_000,
              bidDeadline: new Date(now + 3_600_000).toISOString(),
              openingTime: new Date(now + 7_200_000).toISOString(),
              tenderDocSha256: sha('docs'),
            }),
          ],
        }),
        await ledger.submit({
          identity: platformA,
          fn: 'tender:registerBidder',
          args: [projectId, JSON.stringify({ bidderId: 'B1', deposit: { form: 'cash', amount: 2_000_000 } })],
        }),
        await ledger.submit({
          identity: platformA,
          fn: 'tender:notariseDocument',
          args: [JSON.stringify({ projectId, sha256: sha('clarification'), kind: 'clarification' })],
        }),
      ];
      // A key keeps the policy of the step that created it: each key gets it once, when first written.
      const created = new Set<string>();
      let rewritten = 0;
      for (const step of steps) {
        const { keys, policies } = await writesOf(step.blockNumber);
        expect(keys.length).to.be.greaterThan(0);
        const fresh = keys.filter((key) => !created.has(key));
        rewritten += keys.length - fresh.length;
        expect(Object.keys(policies).sort()).to.deep.equal(fresh);
        for (const policy of Object.values(policies)) {
          expect(decodePolicy(policy)).to.deep.equal({ required: 2, of: [regulator.mspId, platformA.mspId].sort() });
        }
        for (const key of fresh) created.add(key);
      }
      // The clarification extends the project's chain: its head key is rewritten, not created.
      expect(rewritten).to.be.greaterThan(0);
    });
  });

  describe('a standalone document (NotaryContract)', () => {
    it('sets no key-level policy: the chaincode-wide one applies', async () => {
      const committed = await ledger.submit({
        identity: platformA,
        fn: 'notary:notariseDocument',
        args: [JSON.stringify({ sha256: sha('standalone'), kind: 'minutes' })],
      });
      const { keys, policies } = await writesOf(committed.blockNumber);
      expect(keys.length).to.be.greaterThan(0);
      expect(policies).to.deep.equal({});
    });
  });
});

describe('EmbeddedLedger: key-level policies in the block', () => {
  it('stores them in RFC 8785 order whatever the keys (array indices, and characters UTF-8 and UTF-16 sort apart)', async () => {
    const temp = tempDir('tender-sbe-order-');
    try {
      // UTF-16 order: "10" < "2" < "a" < U+1F600 (a surrogate pair) < U+E000; UTF-8 puts U+E000 before U+1F600;
      // and an object enumerates "2" before "10".
      const policies = { '\uE000': 'p1', a: 'p2', 2: 'p1', 10: 'p3', '\u{1F600}': 'p1', '\u0000x\u0000': 'p2' };
      const ledger = await EmbeddedLedger.open(temp.dir, { contracts: [PolicyContract] });
      let announced: Block | undefined;
      ledger.on('block', (block: Block) => {
        announced = block;
      });
      const { blockNumber, txId } = await ledger.submit({ identity: platformA, fn: 'policies:protect', args: [JSON.stringify(policies)] });
      const expected = Object.fromEntries(Object.entries(policies).map(([key, policy]) => [key, Buffer.from(policy).toString('base64')]));
      expect(present(announced, 'the announced block').txs[0]?.validationParameters).to.deep.equal(expected);
      await ledger.close();

      const db = new Level<string, Buffer>(temp.dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      await db.open();
      const stored = present(await db.get(`b!${String(blockNumber).padStart(12, '0')}`), 'the stored block').toString('utf8');
      await db.close();
      const block = JSON.parse(stored) as Block;
      const tx = present(block.txs[0], "the block's transaction");
      expect(tx.txId).to.equal(txId);
      expect(tx.validationParameters).to.deep.equal(expected);
      // The stored text is the canonical form: the block hash rule applies to it as stored.
      const { txs, ...header } = block;
      expect(stored).to.equal(canonicalJson({ ...header, txs }));
      const kept = stored.slice(stored.indexOf('"validationParameters":'), stored.indexOf('"writes":'));
      expect(kept.indexOf('"10":')).to.be.lessThan(kept.indexOf('"2":'));
      expect(kept.indexOf('\u{1F600}')).to.be.lessThan(kept.indexOf('\uE000'));
      expect((await verifyLedger(temp.dir)).problems).to.deep.equal([]);
    } finally {
      temp.remove();
    }
  });
});
