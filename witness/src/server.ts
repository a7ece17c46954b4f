import express, { type NextFunction, type Request, type Response } from 'express';
import { ERROR_CODES, LedgerError } from '@tender-ledger/domain';
import type { Witness } from './witness.js';

export interface WitnessServerOptions {
  readonly witness: Witness;
  /** Largest request body; a checkpoint with 63 proof lines and many signatures fits in 64 KiB. */
  readonly bodyLimit?: string;
}

/**
 * The witness's HTTP interface (c2sp.org/tlog-witness): `POST /add-checkpoint` and the
 * monitoring `GET /<origin hash>/checkpoint`. Answers are plain text, as the protocol says;
 * a refusal's body is `<CODE>: <detail>`.
 */
export function createWitnessServer(options: WitnessServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const raw = express.raw({ type: () => true, limit: options.bodyLimit ?? '64kb' });

  app.post('/add-checkpoint', raw, async (req: Request, res: Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await options.witness.addCheckpoint(body);
    if (result.status === 409) {
      res.status(409).type('text/x.tlog.size').send(`${result.latestSize}\n`);
      return;
    }
    res
      .status(200)
      .type('text/plain; charset=utf-8')
      .send(result.cosignatures.map((l) => `${l}\n`).join(''));
  });

  app.get('/:originHash/checkpoint', async (req: Request, res: Response) => {
    const note = await options.witness.latest(String(req.params['originHash']));
    if (note === undefined) {
      res.status(404).type('text/plain').send('NOT_FOUND: this witness has cosigned no checkpoint of that log\n');
      return;
    }
    res.status(200).type('text/plain; charset=utf-8').send(note);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('NOT_FOUND: no such resource\n');
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof LedgerError) {
      res.status(ERROR_CODES[err.code].status).type('text/plain; charset=utf-8').send(`${err.message}\n`);
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (status === 413) {
      res.status(413).type('text/plain').send('PAYLOAD_TOO_LARGE: the request body is too large\n');
      return;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(400).type('text/plain').send('TLOG_NOTE_MALFORMED: the request could not be read\n');
      return;
    }
    console.error(err);
    res.status(500).type('text/plain').send('INTERNAL: the witness failed unexpectedly\n');
  });
  return app;
}
