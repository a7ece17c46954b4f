// A whole tender through the SDK: `node examples/whole-tender.mjs`
// with TENDER_URL (default http://127.0.0.1:8080) and TENDER_TOKEN (a platform token).
// The bid deadline is TENDER_DEADLINE_SECONDS (default 6) from now; the script waits for it.
import { createHash } from 'node:crypto';
import { TenderLedgerClient, commitBid, verifyReceipt } from '@tender-ledger/client-sdk';

const client = new TenderLedgerClient({
  baseUrl: process.env.TENDER_URL ?? 'http://127.0.0.1:8080',
  token: process.env.TENDER_TOKEN,
});
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const sleepUntil = (iso) => new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(iso) - Date.now() + 500)));

const projectId = `GZ-${Date.now().toString(36)}`;
const deposit = 2_000_000;                     // money is integer fen: ¥20,000.00
const lead = Number(process.env.TENDER_DEADLINE_SECONDS ?? 6) * 1000;
const bidDeadline = new Date(Date.now() + lead).toISOString();
const openingTime = new Date(Date.now() + lead + 1000).toISOString();
const receipts = [];
const keep = (result) => { receipts.push(result.receipt); return result; };

// 1. The project and its bidders, each with its bid deposit.
keep(await client.registerProject({
  projectId, name: '市政道路改造工程', category: 'construction', estimatedPrice: 100_000_000, depositAmount: deposit,
  bidDeadline, openingTime, tenderDocSha256: sha256('the tender documents'),
}));
const prices = { B1: 98_500_000, B2: 99_000_000, B3: 99_800_000 };
for (const bidderId of Object.keys(prices)) {
  keep(await client.registerBidder(projectId, { bidderId, deposit: { form: 'cash', amount: deposit } }));
}

// 2. Sealed bids: each bidder seals its bid on its own side; only the commitment is sent.
//    The reveal (price, bid-file hash, salt) stays with the bidder until the opening.
const reveals = [];
for (const [bidderId, price] of Object.entries(prices)) {
  const { commitment, reveal } = commitBid({ projectId, bidderId, bidFileSha256: sha256(`bid file of ${bidderId}`), price });
  keep(await client.submitBid(projectId, { bidderId, commitment }));
  reveals.push(reveal);
}

// 3. Before the opening: the evaluation committee drawn from the expert database (IR 46).
const committee = ['E1', 'E2', 'E3', 'E4', 'E5'];
keep(await client.appointCommittee(projectId, { members: committee, appointmentDocSha256: sha256('expert draw record') }));

// 4. At the opening time: the reveals, as commitBid returned them.
await sleepUntil(openingTime);
const { record: opening } = keep(await client.openBids(projectId, { reveals }));
console.log(`opened: ${opening.payload.bids.map((b) => `${b.bidderId} ${b.outcome}`).join(', ')}`);

// 5. Every member scores every valid bid, in integer hundredths of a point (9150 is 91.50).
for (const evaluatorId of committee) {
  keep(await client.recordScores(projectId, {
    evaluatorId, reportSha256: sha256(`report of ${evaluatorId}`),
    scores: [{ bidderId: 'B1', score: 9_150 }, { bidderId: 'B2', score: 8_850 }, { bidderId: 'B3', score: 8_125 }],
  }));
}

// 6. Award to the first-ranked bid, the losers' deposits back, the contract, the winner's deposit.
keep(await client.awardBid(projectId, { bidderId: 'B1', noticeSha256: sha256('award notice') }));
for (const bidderId of ['B2', 'B3']) keep(await client.releaseDeposit(projectId, bidderId, { amount: deposit }));
keep(await client.signContract(projectId, { contractSha256: sha256('the signed contract') }));
keep(await client.releaseDeposit(projectId, 'B1', { amount: deposit, interest: 1_234 }));

// Every receipt verifies offline; the trail's hash chain holds.
const jwks = await client.jwks();
for (const receipt of receipts) await verifyReceipt(receipt, jwks);
const trail = await client.getTrail(projectId);
const { status } = await client.getProject(projectId);
console.log(`${projectId}: ${trail.records.length} records, ${receipts.length} receipts verified, chain ${trail.chainValid ? 'intact' : 'BROKEN'}, status ${status}`);
