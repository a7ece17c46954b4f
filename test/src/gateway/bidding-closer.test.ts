import { expect } from 'chai';
import { LedgerError, type Actor, type LedgerRecord, type ProjectState } from '@tender-ledger/domain';
import { BiddingCloser, type Committed, type LedgerBackend } from '@tender-ledger/gateway';
import { present } from '../helpers/assert.js';
import { SECOND } from '../helpers/clock.js';
import { startTestGateway, testBackends, type TestGateway } from '../helpers/gateway.js';
import { DEPOSIT, ESTIMATED_PRICE, doc } from '../helpers/tender.js';

const OWNER: Actor = { mspId: 'TradingCentreMSP', clientId: 'platform::owner' };
const RUN = Date.now().toString(36);

/** A ledger that records what it is sent and answers from a script. */
function fakeBackend(answers: (() => Committed)[] = [], projects: Partial<ProjectState>[] = []) {
  const sent: { owner: Actor; fn: string; args: string[]; at: number }[] = [];
  const backend = {
    kind: 'embedded',
    async submitAsOwner(owner: Actor, fn: string, args: string[]) {
      sent.push({ owner, fn, args, at: Date.now() });
      const answer = answers.shift();
      return answer ? answer() : { result: '{}', txId: 't', blockNumber: 1, blockHash: 'h' };
    },
    async evaluate(_reader: unknown, fn: string) {
      if (fn !== 'listProjects') throw new Error(`unexpected ${fn}`);
      return JSON.stringify(projects);
    },
  } as unknown as LedgerBackend;
  return { backend, sent };
}

async function eventually(check: () => void | Promise<void>, ms = 60 * SECOND): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('BiddingCloser (the gateway closes bidding at each deadline)', function () {
  this.timeout(30_000);
  it("sends closeBidding as the project's owner once the deadline has passed, not before", async () => {
    const { backend, sent } = fakeBackend();
    const closer = new BiddingCloser(backend, { graceMs: 100 });
    const deadline = Date.now() + 300;
    closer.schedule({ projectId: 'P1', bidDeadline: new Date(deadline).toISOString(), owner: OWNER });
    expect(closer.scheduled).to.deep.equal(['P1']);
    await eventually(() => {
      expect(sent).to.have.length(1);
    }, 5 * SECOND);
    const [close] = sent;
    expect(close).to.deep.include({ owner: OWNER, fn: 'closeBidding', args: ['P1'] });
    expect(present(close, 'the closeBidding call').at).to.be.at.least(deadline + 100);
    expect(closer.scheduled).to.deep.equal([]);
    await closer.close();
  });

  it('schedules at start every project still bidding whose bidding nobody closed', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    // The public's view of each project, in the shape listProjects documents (the gateway checks it).
    const project = (projectId: string, status: ProjectState['status']): Partial<ProjectState> => ({
      projectId,
      name: projectId,
      category: 'works',
      estimatedPrice: ESTIMATED_PRICE,
      depositAmount: DEPOSIT,
      bidDeadline: later,
      openingTime: later,
      tenderDocSha256: doc('t'),
      owner: OWNER,
      status,
      registeredAt: new Date(0).toISOString(),
    });
    const { backend } = fakeBackend(
      [],
      [project('OPEN', 'bidding'), { ...project('CLOSED', 'bidding'), biddingClosedAt: later }, project('OPENED', 'opened')],
    );
    const closer = new BiddingCloser(backend);
    await closer.start();
    expect(closer.scheduled).to.deep.equal(['OPEN']);
    await closer.close();
    expect(closer.scheduled).to.deep.equal([]);
  });

  it("tries again while a peer's clock is not yet past the deadline, and stops at BIDDING_ALREADY_CLOSED", async () => {
    const refuse = (code: 'BIDDING_STILL_OPEN' | 'BIDDING_ALREADY_CLOSED') => () => {
      throw new LedgerError(code, 'test');
    };
    const { backend, sent } = fakeBackend([refuse('BIDDING_STILL_OPEN'), refuse('BIDDING_STILL_OPEN'), refuse('BIDDING_ALREADY_CLOSED')]);
    const logged: string[] = [];
    const closer = new BiddingCloser(backend, { graceMs: 0, retryMs: 20, log: (m) => logged.push(m) });
    closer.schedule({ projectId: 'P2', bidDeadline: new Date(Date.now() - 1000).toISOString(), owner: OWNER });
    await eventually(() => {
      expect(sent).to.have.length(3);
    }, 5 * SECOND);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent).to.have.length(3);
    expect(logged).to.deep.equal([]);
    await closer.close();
  });

  for (const backend of testBackends()) {
    describe(`in a gateway on the ${backend} ledger`, function () {
      this.timeout(120_000);
      let t: TestGateway;
      beforeEach(async () => {
        t = await startTestGateway({ CLOSE_BIDDING_AT_DEADLINE: 'true' }, backend);
      });
      afterEach(() => t.close());

      it('closes bidding of a project registered through it at the deadline, as the owning platform', async () => {
        const platform = await t.client('platform', 'gz-etrading');
        const projectId = `CLOSE-${RUN}-${backend}`;
        // On Fabric as far ahead as steps take here lately (one step to take first); on the moved clock, moved past below.
        const bidDeadline = t.time.iso(backend === 'fabric' ? t.time.deadlineLead() : SECOND);
        const { record: registered } = await platform.registerProject({
          projectId,
          name: 'Closed on time',
          category: 'construction',
          estimatedPrice: ESTIMATED_PRICE,
          depositAmount: DEPOSIT,
          bidDeadline,
          openingTime: new Date(Date.parse(bidDeadline) + 3_600_000).toISOString(),
          tenderDocSha256: doc(`tender ${projectId}`),
        });
        expect(t.gateway.closer?.scheduled).to.include(projectId);
        // Past the deadline and the closer's 1 s grace (on the moved clock, its timer then finds it due).
        await t.time.reach(Date.parse(bidDeadline) + 2 * SECOND);
        let records: LedgerRecord[] = [];
        await eventually(async () => {
          records = (await platform.getTrail(projectId)).records as LedgerRecord[];
          expect(records.map((r) => r.step)).to.deep.equal(['ProjectRegistered', 'BiddingClosed']);
        });
        const closed = present(records[1], 'the BiddingClosed record');
        expect(closed.actor).to.deep.equal(registered.actor);
        expect(Date.parse(closed.txTime)).to.be.at.least(Date.parse(bidDeadline));
      });
    });
  }
});
