import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';

/** Scripts, styles, data and connections only from this origin; QR codes are data: images. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "manifest-src 'self'",
].join('; ');

const pageHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  next();
};

/** The pages (verify, certificate, bidder, regulator): same origin, every asset served here. */
export function pagesRouter(web = path.resolve(__dirname, '../../web/dist')): Router {
  const router = express.Router();
  router.use('/assets', pageHeaders, express.static(web, { index: false, maxAge: '1h' }));
  for (const page of ['/', '/verify', '/bidder', '/regulator', '/certificate/:recordId']) {
    router.get(page, pageHeaders, (_req, res) => {
      res.sendFile(path.join(web, 'index.html'));
    });
  }
  return router;
}
