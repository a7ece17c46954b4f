// The HTTP ceiling of `npm run bench`: an Express 5 hello-world that parses a JSON POST and
// answers 201 with a small JSON body, in its own process as the gateway is. It checks no token:
// it measures what Node + Express + JSON cost on this machine right now, nothing of ours.
// `node express-hello.js <port>`; prints "listening on" once ready.
import express from 'express';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: express-hello.js <port>');
const app = express();
app.post('/', express.json(), (req, res) => {
  res.status(201).json({ ok: true, got: Object.keys(req.body as object).length });
});
app.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${port}`);
});
