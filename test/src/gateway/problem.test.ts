import { expect } from 'chai';
import { toProblem } from '@tender-ledger/gateway';

/** An error shaped as body-parser and raw-body raise them (http-errors: `status`, `statusCode`, `expose`, `type`). */
const httpError = (status: number, type?: string, message = 'x') =>
  Object.assign(new Error(message), { status, statusCode: status, expose: true, ...(type ? { type } : {}) });

describe('toProblem', () => {
  describe('when Express or body-parser raise a client error', () => {
    const cases: [string, Error, number, string][] = [
      ['entity.parse.failed', httpError(400, 'entity.parse.failed'), 400, 'INVALID_ARGUMENT'],
      ['entity.too.large', httpError(413, 'entity.too.large'), 413, 'PAYLOAD_TOO_LARGE'],
      ['entity.verify.failed', httpError(403, 'entity.verify.failed'), 403, 'FORBIDDEN'],
      ['encoding.unsupported', httpError(415, 'encoding.unsupported'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['charset.unsupported', httpError(415, 'charset.unsupported'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['request.aborted', httpError(400, 'request.aborted'), 400, 'INVALID_ARGUMENT'],
      ['request.size.invalid', httpError(400, 'request.size.invalid'), 400, 'INVALID_ARGUMENT'],
      ['parameters.too.many', httpError(413, 'parameters.too.many'), 413, 'PAYLOAD_TOO_LARGE'],
      [
        'a router URIError',
        Object.assign(new URIError('Failed to decode param'), { status: 400, statusCode: 400 }),
        400,
        'INVALID_ARGUMENT',
      ],
      [
        'a zlib error marked 400',
        Object.assign(new Error('incorrect header check'), { status: 400, code: 'Z_DATA_ERROR', errno: -3 }),
        400,
        'INVALID_ARGUMENT',
      ],
      ['an untyped 404 (statusCode only)', Object.assign(new Error('nope'), { statusCode: 404 }), 404, 'NOT_FOUND'],
      ['an untyped 416', httpError(416), 400, 'INVALID_ARGUMENT'],
    ];
    for (const [name, error, status, code] of cases) {
      it(`answers ${name} with ${String(status)} ${code}`, () => {
        const problem = toProblem(error);
        expect([problem.status, problem.code]).to.deep.equal([status, code]);
      });
    }
  });

  describe('when the error carries no client status', () => {
    it('answers 500 INTERNAL, also for a 5xx status', () => {
      expect(toProblem(new Error('boom')).code).to.equal('INTERNAL');
      expect(toProblem(httpError(500, 'stream.not.readable')).code).to.equal('INTERNAL');
    });
  });
});
