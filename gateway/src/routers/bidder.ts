import express, { type RequestHandler } from 'express';
import { isResultDecided, must, schemaErrors, type LedgerRecord, type OpenedBidOutcome, type ProjectState } from '@tender-ledger/domain';
import type { Caller } from '../auth.js';
import type { LedgerBackend } from '../backend.js';
import { Problem } from '../problem.js';
import type { ReceiptSigner } from '../receipts.js';
import { PATH_PARAMS } from '../routes.js';
import { evaluateJson } from './http.js';

const BIDDER_ID = must(PATH_PARAMS['bidderId'], "the bidderId path parameter's schema");

export interface BidderRoutesDeps {
  backend: LedgerBackend;
  receipts: ReceiptSigner;
  signedIn: RequestHandler;
}

/** One project as its bidder sees it: its own records (each with a receipt) and the outcome. */
export interface BidderTender {
  projectId: string;
  name: string;
  category: string;
  status: string;
  bidDeadline: string;
  openingTime: string;
  depositRequired: number;
  registration?: { recordId: string; at: string; deposit: LedgerRecord<'BidderRegistered'>['payload']['deposit'] };
  /** Every commitment in order; `live` is the one that counts (BL art. 29). */
  commitments: { recordId: string; at: string; commitment: string; live: boolean; supersededBy?: string; withdrawn: boolean }[];
  withdrawal?: { recordId: string; at: string };
  /** This bidder's entry of the opening, once the bids are opened. */
  opening?: { recordId: string; at: string; outcome: OpenedBidOutcome; price?: number };
  /** `won`, `lost` (awarded to another bidder) once the award is made. */
  award?: { result: 'won' | 'lost'; at: string; price?: number; recordId?: string };
  contract?: { recordId: string; at: string };
  release?: { recordId: string; at: string; amount: number; interest?: number; basis: string };
  /** A receipt for each of this bidder's records (by record id). */
  receipts: Record<string, string>;
}

/**
 * `GET /v1/bidders/{bidderId}/tenders`: a bidder's tenders for its page — registration and
 * deposit, commitments, whether its bid was opened and valid, the award, the contract, the
 * deposit's release, and a receipt per record. Only that bidder (or a regulator) reads it;
 * nothing of another bidder is passed on.
 */
export function bidderRouter(deps: BidderRoutesDeps): express.Router {
  const { backend, receipts } = deps;
  const router = express.Router();

  router.get('/v1/bidders/:bidderId/tenders', deps.signedIn, async (req, res) => {
    const bidderId = (req.params as Record<string, string>).bidderId ?? '';
    const [error] = schemaErrors(BIDDER_ID, bidderId);
    if (error)
      throw new Problem('INVALID_ARGUMENT', `/params/bidderId ${error.message}`, {
        errors: [{ field: '/params/bidderId', message: error.message }],
      });
    const caller = req.caller as Caller;
    if (caller.role === 'platform') throw new Problem('FORBIDDEN', "a platform reads a bidder's records per project");
    // The contract gives a bidder (or a regulator) exactly that bidder's records across projects.
    const found = await evaluateJson<{ bids: { projectId: string; records: LedgerRecord[] }[] }>(
      backend,
      { kind: 'caller', caller },
      'getBidderBids',
      bidderId,
    );
    const tenders: BidderTender[] = [];
    for (const bid of found.bids) {
      const projectId = bid.projectId;
      const status = await evaluateJson<ProjectState>(backend, { kind: 'caller', caller }, 'getProjectStatus', projectId);
      // Once awarded, the award is public: whom it went to says whether this bidder won or lost.
      const award = isResultDecided(status.status)
        ? (await evaluateJson<{ records: LedgerRecord[] }>(backend, { kind: 'caller', caller }, 'getTrail', projectId)).records.filter(
            (r) => r.step === 'BidAwarded',
          )
        : [];
      const records = [...bid.records.filter((r) => r.step !== 'BidAwarded'), ...award].sort((a, b) => a.seq - b.seq);
      const { tender, own } = bidderTender(bidderId, status, records);
      // A receipt states a fact about the ledger; issuing it again for the bidder states the same fact.
      // The opening's receipt names the whole opening record, which is public once opened.
      for (const record of own) {
        const landed = await backend.transaction(record.txId);
        if (landed) tender.receipts[record.recordId] = await receipts.sign(record, { txId: record.txId, ...landed });
      }
      tenders.push(tender);
    }
    res.json({ bidderId, tenders });
  });
  return router;
}

/**
 * What one tender's records say about one bidder: its registration and deposit, commitments
 * (which one is live), withdrawal, its place in the opening, the award (won or lost), the
 * contract and the deposit's release; and the records it gets a receipt for.
 */
function bidderTender(bidderId: string, status: ProjectState, records: LedgerRecord[]): { tender: BidderTender; own: LedgerRecord[] } {
  const tender: BidderTender = {
    projectId: status.projectId,
    name: status.name,
    category: status.category,
    status: status.status,
    bidDeadline: status.bidDeadline,
    openingTime: status.openingTime,
    depositRequired: status.depositAmount,
    commitments: [],
    receipts: {},
  };
  const own: LedgerRecord[] = [];
  for (const record of records) {
    const payload = record.payload as { bidderId?: string };
    if (payload.bidderId === bidderId) own.push(record);
    switch (record.step) {
      case 'BidderRegistered':
        if (payload.bidderId === bidderId)
          tender.registration = {
            recordId: record.recordId,
            at: record.txTime,
            deposit: (record as LedgerRecord<'BidderRegistered'>).payload.deposit,
          };
        break;
      case 'BidCommitted':
        if (payload.bidderId === bidderId) {
          const { supersedes, commitment } = (record as LedgerRecord<'BidCommitted'>).payload;
          // `supersedes` sits on the newer record and names the older one.
          for (const earlier of tender.commitments) {
            if (earlier.recordId === supersedes || earlier.live) {
              earlier.live = false;
              earlier.supersededBy = record.recordId;
            }
          }
          tender.commitments.push({ recordId: record.recordId, at: record.txTime, commitment, live: true, withdrawn: false });
        }
        break;
      case 'BidWithdrawn':
        if (payload.bidderId === bidderId) {
          tender.withdrawal = { recordId: record.recordId, at: record.txTime };
          for (const c of tender.commitments) if (c.live) c.withdrawn = true;
        }
        break;
      case 'BidsOpened': {
        const mine = (record as LedgerRecord<'BidsOpened'>).payload.bids.find((b) => b.bidderId === bidderId);
        if (mine) {
          own.push(record);
          tender.opening = {
            recordId: record.recordId,
            at: record.txTime,
            outcome: mine.outcome,
            ...(mine.price !== undefined ? { price: mine.price } : {}),
          };
        }
        break;
      }
      case 'BidAwarded': {
        const award = (record as LedgerRecord<'BidAwarded'>).payload;
        tender.award =
          award.bidderId === bidderId
            ? { result: 'won', at: record.txTime, price: award.price, recordId: record.recordId }
            : { result: 'lost', at: record.txTime };
        break;
      }
      case 'ContractSigned':
        if (payload.bidderId === bidderId) tender.contract = { recordId: record.recordId, at: record.txTime };
        break;
      case 'DepositReleased':
        if (payload.bidderId === bidderId) {
          const r = (record as LedgerRecord<'DepositReleased'>).payload;
          tender.release = {
            recordId: record.recordId,
            at: record.txTime,
            amount: r.amount,
            ...(r.interest !== undefined ? { interest: r.interest } : {}),
            basis: r.basis,
          };
        }
        break;
      default:
        break;
    }
  }
  return { tender, own };
}
