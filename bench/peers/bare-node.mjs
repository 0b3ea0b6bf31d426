// The bare Node peer for `npm run bench`: node:http and better-sqlite3, no framework, doing the
// same work as a Parley turn minus Parley (validate, two inserts in one transaction, JSON reply).
// It is the practical ceiling of one Node process on this machine.
// Usage: node bench/peers/bare-node.mjs <port> <sqlite file>

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';

const port = Number(process.argv[2] ?? 3100);
const file = process.argv[3] ?? ':memory:';
const MAX_MESSAGES = 100;
const DUMMY_REPLY = 'This is a dummy reply from the bare Node peer. '.repeat(27).trim();

const db = new Database(file);
// The same settings as Parley's SQLite store.
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.exec(`create table if not exists messages (
  id text primary key, role text not null, content text not null, created_at text not null)`);
const insert = db.prepare('insert into messages (id, role, content, created_at) values (?, ?, ?, ?)');
const turn = db.transaction((message, at) => {
  insert.run(randomUUID(), 'user', message, at);
  insert.run(randomUUID(), 'assistant', DUMMY_REPLY, at);
});
const newest = db.prepare('select role, content, created_at from messages order by rowid desc limit ?');

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/chat/message') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.message !== 'string') {
        return send(res, 400, { error: 'Invalid request format' });
      }
      if (body.message.trim() === '') return send(res, 400, { error: 'Message cannot be empty' });
      turn(body.message, new Date().toISOString());
      send(res, 200, { status: 'success', response: DUMMY_REPLY });
    });
    return;
  }
  if (req.method === 'GET' && req.url === '/chat/history') {
    const rows = newest.all(MAX_MESSAGES).reverse();
    return send(
      res,
      200,
      rows.map((row) => ({
        user: row.role === 'user' ? 'User' : 'AI',
        message: row.content,
        timestamp: row.created_at,
      })),
    );
  }
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end('<!doctype html><title>bare node peer</title><h1>Chat</h1>');
  }
  send(res, 404, { error: 'Not found' });
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
