import { createRequire } from 'node:module';
import { expect } from 'chai';
import { ClientIdentity, type ChaincodeStub } from 'fabric-shim';
import '@tender-ledger/chaincode';
import type { LedgerIdentity } from '@tender-ledger/embedded-ledger';
import { bidderB1, bidderB2, platformA } from '../helpers/identities.js';

interface ParsedCertificate {
  subject: { commonName: string };
}
const { Certificate } = createRequire(require.resolve('fabric-shim'))('@fidm/x509') as {
  Certificate: { fromPEM(pem: string): ParsedCertificate };
};

/** What fabric-shim's ClientIdentity reads of a transaction: its channel, id and creator. */
function identityOf(identity: LedgerIdentity): ClientIdentity {
  const stub = {
    getChannelID: () => 'tender',
    getTxID: () => 'tx',
    getCreator: () => ({ mspid: identity.mspId, idBytes: Buffer.from(identity.certificate ?? '') }),
  };
  return new ClientIdentity(stub as unknown as ChaincodeStub);
}

// Loading the chaincode keeps each certificate's parse (chaincode/src/shim-identity.ts).
describe("the chaincode's certificate parsing through fabric-shim", () => {
  it('parses a certificate once: the same PEM text gives the very same parse', () => {
    const pem = platformA.certificate ?? '';
    const first = Certificate.fromPEM(pem);
    expect(Certificate.fromPEM(pem)).to.equal(first);
    expect(first.subject.commonName).to.equal('platform-a');
  });

  it("gives each creator its own id and attributes, whatever was parsed before (a bidder's id is its attribute)", () => {
    for (const identity of [platformA, bidderB1, bidderB2, platformA, bidderB1]) {
      const client = identityOf(identity);
      expect(client.getID()).to.equal(identity.id);
      expect(client.getMSPID()).to.equal(identity.mspId);
      expect(client.getAttributeValue('tender.bidderId')).to.equal(identity.attributes?.['tender.bidderId'] ?? null);
    }
  });

  it('still refuses a PEM that is not a certificate, every time (nothing is kept for it)', () => {
    const notACertificate = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    expect(() => Certificate.fromPEM(notACertificate)).to.throw();
    expect(() => Certificate.fromPEM(notACertificate)).to.throw();
  });
});
