import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { callerKey, type Caller } from '../auth.js';
import { Problem, sendProblem } from '../problem.js';

/**
 * The gateway's two request limits, `perMinute` each. Before authentication, per client address:
 * a made-up bearer string is no way around it (keying on the raw header let every random string
 * start a fresh count). After authentication, per verified caller (issuer, sub): a platform
 * behind one NAT is still itself, so its requests are given back to the address once they
 * authenticate.
 */
export function rateLimits(perMinute: number): { byAddress: RequestHandler; byCaller: RequestHandler } {
  const limits = {
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req: Request, res: Response, _next: NextFunction, options: { windowMs: number; limit: unknown }) => {
      const retryAfter = Math.ceil(options.windowMs / 1000);
      sendProblem(
        res,
        new Problem('RATE_LIMITED', `more than ${String(options.limit)} requests a minute`, {
          headers: { 'retry-after': String(retryAfter) },
        }),
        req.originalUrl,
      );
    },
  } as const;
  return {
    byAddress: rateLimit({
      ...limits,
      keyGenerator: (req) => ipKeyGenerator(req.ip ?? ''),
      skipSuccessfulRequests: true,
      requestWasSuccessful: (req) => req.caller !== undefined,
    }),
    byCaller: rateLimit({ ...limits, keyGenerator: (req) => `caller:${callerKey(req.caller as Caller)}` }),
  };
}
