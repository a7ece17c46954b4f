import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import {
  TenderLedgerClient,
  commitBid,
  sha256File,
  verifyBidInclusion,
  verifyReceipt,
  type CommittedBid,
  type WriteResult,
} from '@tender-ledger/client-sdk';
import { checkChain, type LedgerRecord } from '@tender-ledger/domain';
import { present } from '../helpers/assert.js';
import { startTestGateway, testBackends, type TestGateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/temp.js';
import { DEPOSIT, ESTIMATED_PRICE, doc } from '../helpers/tender.js';

const RUN = Date.now().toString(36);
const CLI = path.resolve(__dirname, '../../../client-sdk/dist/cli.js');

/**
 * The README's sealed-bid flow, end to end, through the SDK only, against a real gateway over
 * HTTP: register the project and its bidders, commitBid → submitBid, openBids with the reveals
 * exactly as commitBid returned them, scores, award, contract, deposit releases.
 * The tender is a list of named steps, so a step the rules add (an evaluation committee
 * appointed before the opening, say) is one more entry where it belongs.
 */
for (const backend of testBackends())
  describe(`the README's sealed-bid flow through the SDK (${backend} ledger, over HTTP)`, function () {
    this.timeout(backend === 'fabric' ? 600_000 : 30_000);
    let t: TestGateway;
    let files: ReturnType<typeof tempDir>;
    beforeEach(async () => {
      t = await startTestGateway({}, backend);
      files = tempDir('tender-bids-');
    });
    afterEach(async () => {
      await t.close();
      files.remove();
    });

    it('runs a whole tender: reveals as returned by commitBid open every bid as valid, and the trail holds', async () => {
      const client = new TenderLedgerClient({ baseUrl: t.url, token: await t.token('platform', 'gz-etrading') });
      const projectId = `README-${RUN}`;
      const prices: Record<string, number> = { B1: 98_500_000, B2: 99_000_000, B3: 99_800_000 };
      const committee = ['E1', 'E2', 'E3', 'E4', 'E5'];
      const bidDeadline = t.time.iso(t.time.deadlineLead());
      const openingTime = new Date(Date.parse(bidDeadline) + t.time.openingGap).toISOString();
      const sealed = new Map<string, CommittedBid>();
      const written: WriteResult[] = [];
      const record = async <R extends WriteResult>(result: Promise<R>): Promise<R> => {
        const done = await result;
        written.push(done);
        return done;
      };

      const steps: [string, () => Promise<unknown>][] = [
        [
          'register the project',
          () =>
            record(
              client.registerProject({
                projectId,
                name: '市政道路改造工程',
                category: 'construction',
                estimatedPrice: ESTIMATED_PRICE,
                depositAmount: DEPOSIT,
                bidDeadline,
                openingTime,
                tenderDocSha256: doc(`tender ${projectId}`),
              }),
            ),
        ],
        [
          'register the bidders',
          async () => {
            for (const bidderId of Object.keys(prices))
              await record(client.registerBidder(projectId, { bidderId, deposit: { form: 'cash', amount: DEPOSIT } }));
          },
        ],
        [
          "seal each bid on the bidder's side and submit only the commitment",
          async () => {
            for (const [bidderId, price] of Object.entries(prices)) {
              const file = path.join(files.dir, `${bidderId}.pdf`);
              writeFileSync(file, `bid file of ${bidderId} for ${projectId}`);
              const bidFileSha256 = await sha256File(file);
              // As in the README:
              const { commitment, reveal } = commitBid({ projectId, bidderId, bidFileSha256, price });
              await record(client.submitBid(projectId, { bidderId, commitment }));
              sealed.set(bidderId, { commitment, reveal });
            }
          },
        ],
        [
          'appoint the evaluation committee before the opening (IR 46)',
          () =>
            record(
              client.appointCommittee(projectId, {
                members: [...committee],
                appointmentDocSha256: doc('expert draw record'),
              }),
            ),
        ],
        ['wait for the opening time', () => t.time.reach(Date.parse(openingTime))],
        [
          'open the bids with the reveals as commitBid returned them',
          async () => {
            const opened = await record(client.openBids(projectId, { reveals: [...sealed.values()].map(({ reveal }) => reveal) }));
            expect((opened.record as LedgerRecord<'BidsOpened'>).payload.bids.map((b) => [b.bidderId, b.outcome])).to.deep.equal([
              ['B1', 'VALID'],
              ['B2', 'VALID'],
              ['B3', 'VALID'],
            ]);
          },
        ],
        [
          'each bidder checks offline, with its receipt, that the opening included its bid',
          async () => {
            const anyone = new TenderLedgerClient({ baseUrl: t.url });
            const jwks = await anyone.jwks();
            for (const bidderId of Object.keys(prices)) {
              const bid = present(
                written.find((w) => w.record.step === 'BidCommitted' && (w.record.payload as { bidderId: string }).bidderId === bidderId),
                `${bidderId}'s commitment`,
              );
              const { claims } = await verifyReceipt(bid.receipt, jwks);
              expect(verifyBidInclusion(await anyone.bidInclusion(projectId, bidderId), claims, bidderId)).to.include({
                included: true,
                live: true,
              });
            }
            // The CLI does the same from a shell.
            const b2 = present(
              written.find((w) => w.record.step === 'BidCommitted' && (w.record.payload as { bidderId: string }).bidderId === 'B2'),
              "B2's commitment",
            );
            const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
              execFile(
                process.execPath,
                [CLI, 'bid', 'check', projectId, 'B2', b2.receipt],
                { env: { ...process.env, TENDER_URL: t.url } },
                (error, stdout) => {
                  resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout });
                },
              );
            });
            expect(out.stdout).to.match(/^included: commitment [0-9a-f]{64} is leaf 1 of 3/);
            expect(out.code).to.equal(0);
            // The registration receipt is not B1's last step: the CLI says so and exits 1.
            const reg = present(
              written.find((w) => w.record.step === 'BidderRegistered'),
              'a BidderRegistered record',
            );
            expect(
              verifyBidInclusion(await anyone.bidInclusion(projectId, 'B1'), (await verifyReceipt(reg.receipt, jwks)).claims, 'B1'),
            ).to.include({ included: false, reason: 'HEAD_DIFFERS' });
          },
        ],
        [
          'each evaluator scores every valid bid',
          async () => {
            for (const evaluatorId of committee) {
              await record(
                client.recordScores(projectId, {
                  evaluatorId,
                  reportSha256: doc(`report ${evaluatorId}`),
                  scores: [
                    { bidderId: 'B1', score: 9_200 },
                    { bidderId: 'B2', score: 8_850 },
                    { bidderId: 'B3', score: 8_125 },
                  ],
                }),
              );
            }
          },
        ],
        [
          'award the first-ranked bid',
          async () => {
            const award = await record(client.awardBid(projectId, { bidderId: 'B1', noticeSha256: doc('award notice') }));
            expect(award.record.payload.firstRanked).to.equal(true);
          },
        ],
        [
          "release the losers' deposits",
          async () => {
            for (const bidderId of ['B2', 'B3']) await record(client.releaseDeposit(projectId, bidderId, { amount: DEPOSIT }));
          },
        ],
        ['sign the contract', () => record(client.signContract(projectId, { contractSha256: doc('contract') }))],
        ["release the winner's deposit", () => record(client.releaseDeposit(projectId, 'B1', { amount: DEPOSIT, interest: 1_234 }))],
      ];

      for (const [name, step] of steps) {
        try {
          await step();
        } catch (error) {
          throw new Error(`step "${name}" failed: ${(error as Error).message}`, { cause: error });
        }
      }

      const jwks = await client.jwks();
      for (const { record: r, receipt } of written) {
        expect((await verifyReceipt(receipt, jwks)).claims).to.include({ recordId: r.recordId, recordHash: r.hash, projectId });
      }
      const trail = await client.getTrail(projectId);
      expect(trail.chainValid).to.equal(true);
      expect(checkChain(trail.records as LedgerRecord[]).valid).to.equal(true);
      expect((await client.getProject(projectId)).status).to.equal('contracted');
    });
  });
