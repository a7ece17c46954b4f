import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { BenchContract, NotaryContract, TenderContract } from '@tender-ledger/chaincode';
import { EmbeddedLedger } from '@tender-ledger/embedded-ledger';
import { errorMessage } from '../helpers/assert.js';
import { platformA } from '../helpers/identities.js';
import { tempDir } from '../helpers/temp.js';

// The rule suite already runs through fabric-shim's dispatcher; this checks what only a peer's
// dispatch offers: the contract metadata, string arguments checked against it, unknown functions.
describe('TenderContract and NotaryContract as real chaincode (fabric-shim dispatch)', () => {
  let temp: ReturnType<typeof tempDir>;
  let ledger: EmbeddedLedger;
  beforeEach(async () => {
    temp = tempDir();
    ledger = await EmbeddedLedger.open(temp.dir, { dispatch: 'fabric-shim' });
  });
  afterEach(async () => {
    await ledger.close();
    temp.remove();
  });

  it('publishes its contract metadata through the system contract, every step and query with its string parameters', async () => {
    const metadata = JSON.parse(await ledger.evaluate({ identity: platformA, fn: 'org.hyperledger.fabric:GetMetadata', args: [] })) as {
      contracts: Record<
        string,
        { transactions: { name: string; tag: string[]; parameters?: { name: string; schema: { type: string } }[] }[] }
      >;
    };
    const transactions = metadata.contracts.tender?.transactions ?? [];
    const byName = Object.fromEntries(transactions.map((t) => [t.name, t]));
    expect(Object.keys(byName)).to.include.members([
      'registerProject',
      'registerBidder',
      'commitBid',
      'withdrawBid',
      'appointCommittee',
      'replaceCommitteeMember',
      'openBids',
      'recordScores',
      'awardBid',
      'signContract',
      'releaseDeposit',
      'notariseDocument',
      'getTrail',
      'getBidInclusion',
      'getProjectStatus',
      'getRecord',
      'findByHash',
      'listProjects',
      'getBidderRecords',
      'getBidderBids',
      'whoAmI',
    ]);
    expect(byName.releaseDeposit?.parameters?.map((p) => `${p.name}:${p.schema.type}`)).to.deep.equal([
      'projectId:string',
      'bidderId:string',
      'request:string',
    ]);
    expect(byName.commitBid?.tag).to.include('SUBMIT');
    expect(byName.getTrail?.tag).to.include('EVALUATE');
    const notary = metadata.contracts.notary?.transactions ?? [];
    expect(notary.map((t) => t.name)).to.deep.equal(['notariseDocument', 'notariseBatch']);
    expect(notary.every((t) => t.tag.includes('SUBMIT'))).to.equal(true);
    // The bench's trivial ceiling is not offered by default (see the next test).
    expect(metadata.contracts).to.not.have.property('bench');
  });

  it("offers bench:put (the Fabric bench's trivial ceiling) only to a server started with TENDER_BENCH_CONTRACT=1: one new key, nothing read", async () => {
    const offered = (env: Record<string, string>) =>
      execFileSync(
        process.execPath,
        ['-e', "console.log(require('@tender-ledger/chaincode').contracts.map((c) => new c().getName()).join(' '))"],
        {
          env: { ...process.env, ...env },
          encoding: 'utf8',
        },
      ).trim();
    expect(offered({ TENDER_BENCH_CONTRACT: '' })).to.equal('tender notary');
    expect(offered({ TENDER_BENCH_CONTRACT: '1' })).to.equal('tender notary bench');
    const benchTemp = tempDir();
    const withBench = await EmbeddedLedger.open(benchTemp.dir, {
      dispatch: 'fabric-shim',
      contracts: [TenderContract, NotaryContract, BenchContract],
    });
    try {
      const { blockNumber, txId } = await withBench.submit({ identity: platformA, fn: 'bench:put', args: [] });
      const tx = (await withBench.getBlock(blockNumber))?.txs[0];
      expect(tx?.writes).to.deep.equal([{ key: `\u0000bench\u0000${txId}\u0000`, value: '1' }]);
      expect(tx?.validationParameters).to.equal(undefined);
    } finally {
      await withBench.close();
      benchTemp.remove();
    }
  });

  it('refuses a wrong argument count and an unknown function as a peer would', async () => {
    const wrongCount = await ledger.submit({ identity: platformA, fn: 'commitBid', args: ['P1'] }).catch(errorMessage);
    expect(wrongCount).to.match(/Expected 2 parameters, but 1 have been supplied/);
    const unknown = await ledger.submit({ identity: platformA, fn: 'stealDeposit', args: [] }).catch(errorMessage);
    expect(unknown).to.match(/does not exist/);
    expect(ledger.height).to.equal(0);
  });
});
