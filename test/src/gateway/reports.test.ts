import { expect } from 'chai';
import { present } from '../helpers/assert.js';
import { startTestGateway, testBackends, type TestGateway } from '../helpers/gateway.js';
import { DEPOSIT, Tender, doc } from '../helpers/tender.js';

// Embedded only: these need days to pass, which only the embedded ledger's clock can do.
if (testBackends().includes('embedded'))
  describe('regulator reports (embedded ledger: they need days to pass)', function () {
    let t: TestGateway;
    beforeEach(async () => {
      t = await startTestGateway();
    });
    afterEach(() => t.close());

    describe('GET /v1/reports/overdue-deposits', () => {
      it('lists deposits not released within 5 days of the contract or a withdrawal, with days overdue; a platform gets 403', async () => {
        const platform = await t.client('platform', 'gz-etrading');
        const regulatorToken = await t.token('regulator', 'supervision-bureau');
        const tender = Tender.overHttp(t, platform);
        await tender.register();
        await tender.bid('B1', 90_000_000);
        await tender.bid('B2', 92_000_000);
        await tender.bid('B3', 94_000_000);
        await tender.bid('B4', 95_000_000);
        await tender.withdraw('B4');
        await tender.appointCommittee();
        await tender.reachOpening();
        await tender.open(tender.reveals(['B4']));
        await tender.scoreByCommittee();
        await platform.awardBid(tender.projectId, { bidderId: 'B1', noticeSha256: doc('notice') });
        await platform.releaseDeposit(tender.projectId, 'B2', { amount: DEPOSIT });
        await platform.signContract(tender.projectId, { contractSha256: doc('contract') });
        // Eight days and a second: steps taken at one instant of the moved clock are stamped 1 ms apart.
        t.clock.advance(8 * 86_400_000 + 1000);
        const report = (await (
          await fetch(`${t.url}/v1/reports/overdue-deposits`, { headers: { authorization: `Bearer ${regulatorToken}` } })
        ).json()) as { overdue: { bidderId: string; daysOverdue: number; dueAfter: string }[] };
        const byBidder = Object.fromEntries(report.overdue.map((o) => [o.bidderId, o]));
        expect(Object.keys(byBidder).sort()).to.deep.equal(['B1', 'B3', 'B4']);
        expect(byBidder.B4).to.include({ dueAfter: 'withdrawal' });
        expect(present(byBidder.B4, "B4's row").daysOverdue).to.be.greaterThan(present(byBidder.B1, "B1's row").daysOverdue);
        expect(byBidder.B1).to.include({ dueAfter: 'contract', daysOverdue: 3 });
        await platform.releaseDeposit(tender.projectId, 'B1', { amount: DEPOSIT });
        const after = (await (
          await fetch(`${t.url}/v1/reports/overdue-deposits`, { headers: { authorization: `Bearer ${regulatorToken}` } })
        ).json()) as { overdue: { bidderId: string }[] };
        expect(after.overdue.map((o) => o.bidderId).sort()).to.deep.equal(['B3', 'B4']);
        const refused = await fetch(`${t.url}/v1/reports/overdue-deposits`, {
          headers: { authorization: `Bearer ${await t.token('platform', 'gz-etrading')}` },
        });
        expect(refused.status).to.equal(403);
      });
    });

    describe('GET /v1/reports/projects-by-category', () => {
      it('counts projects per category per year with the year-on-year change', async () => {
        const platform = await t.client('platform', 'gz-etrading');
        const register = (category: string) => Tender.overHttp(t, platform).register({ category });
        // The years are the records' own ledger time, and each batch is registered mid-year: a run
        // on 31 December (a year on, then, was 1 January of the year after next) counts the same.
        const midYear = (year: number) => {
          t.clock.set(`${year}-06-01T00:00:00.000Z`);
        };
        const yearOf = (registered: { record: { txTime: string } }) => Number(registered.record.txTime.slice(0, 4));
        midYear(new Date(t.time.nowMs()).getUTCFullYear() + 1);
        const earlier = [await register('construction'), await register('construction'), await register('land')].map(yearOf);
        const before = present(earlier[0], "the first registration's year");
        expect(earlier).to.deep.equal([before, before, before]);
        midYear(before + 1);
        const later: number[] = [];
        for (let i = 0; i < 5; i++) later.push(yearOf(await register('construction')));
        const year = present(later[0], "the later registrations' year");
        expect({ later, year }).to.deep.equal({ later: Array(5).fill(before + 1), year: before + 1 });
        const report = (await (
          await fetch(`${t.url}/v1/reports/projects-by-category`, {
            headers: { authorization: `Bearer ${await t.token('regulator', 'r')}` },
          })
        ).json()) as {
          rows: { year: number; category: string; projects: number; change: number | null }[];
          totals: { year: number; projects: number; change: number | null }[];
        };
        expect(report.rows).to.deep.include({ year, category: 'construction', projects: 5, change: 3 });
        expect(report.rows).to.deep.include({ year: year - 1, category: 'land', projects: 1, change: null });
        expect(report.totals[0]).to.deep.equal({ year, projects: 5, change: 2 });
      });
    });
  });
