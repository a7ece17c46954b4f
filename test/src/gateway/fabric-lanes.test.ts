import { expect } from 'chai';
import { laneOf } from '@tender-ledger/gateway';

// The Fabric backend sends a project's writes one after another, and a bidder's bidding steps in
// that bidder's own lane. The lane is read from the step's argument before the contract sees it,
// so it is a client's input like any other.
describe("laneOf (the Fabric backend's order of writes)", () => {
  const project = 'GZ-2026-0042';
  const bidderLane = (bidderId: string) => `${project}\u0000bidder\u0000${bidderId}`;

  it("puts a project step in the project's lane and a bidding step in its bidder's", () => {
    expect(laneOf('openBids', [project, '{"reveals":[]}'], project)).to.equal(project);
    expect(laneOf('commitBid', [project, JSON.stringify({ bidderId: 'B1', commitment: 'a'.repeat(64) })], project)).to.equal(
      bidderLane('B1'),
    );
    expect(
      laneOf('registerBidder', [project, JSON.stringify({ bidderId: 'B.2', deposit: { form: 'cash', amount: 1 } })], project),
    ).to.equal(bidderLane('B.2'));
    expect(laneOf('withdrawBid', [project, 'B3'], project)).to.equal(bidderLane('B3'));
  });

  describe('when the argument is malformed or names a bidder id the contract refuses', () => {
    it("waits in the project's shared bidder lane (the contract then refuses it with INVALID_ARGUMENT), never in a lane the input names", () => {
      for (const argument of [
        '{not json',
        '[]',
        'null',
        '"B1"',
        '{}',
        '{"bidderId": 5}',
        '{"bidderId": ""}',
        JSON.stringify({ bidderId: 'B1\u0000bidder\u0000B2' }),
        JSON.stringify({ bidderId: 'x'.repeat(65) }),
      ]) {
        expect(laneOf('commitBid', [project, argument], project), argument).to.equal(bidderLane(''));
      }
      expect(laneOf('commitBid', [project], project)).to.equal(bidderLane(''));
      for (const bidderId of ['B 1', 'B1\u0000bidder\u0000B2', '', '../B1']) {
        expect(laneOf('withdrawBid', [project, bidderId], project), bidderId).to.equal(bidderLane(''));
      }
    });
  });
});
