// A Node socket.io 4.8 server with trivial handlers for the live chat's `sendMessage`: the point of
// comparison for the `live` part of `python -m benchmarks`.
//
//   node benchmarks/socketio/server.mjs --shape shape.json [--port 0]
//
// The shape file, written by the benchmark, holds the conversation's id, each member's token and user id,
// and one `messageReceived` payload roqmock sent for the same conversation. On `sendMessage` the server
// copies that payload with a fresh id, the sent body, the sender as author and the current time, and emits
// it as `messageReceived` to the conversation's room: the same event, of the same shape and size, to the
// same 50 sockets. Nothing else: no permissions, no validation, no store, no read state.
//
// Same namespace, path and query token as roqmock's message center, so one driver connects to both.
// The first line printed is "socket.io listening at http://127.0.0.1:PORT".

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import { Server } from 'socket.io';

const { values: options } = parseArgs({
  options: {
    shape: { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});
if (!options.shape) {
  console.error('usage: server.mjs --shape shape.json [--port 0]');
  process.exit(2);
}

const shape = JSON.parse(readFileSync(options.shape, 'utf8'));
const members = new Map(Object.entries(shape.members)); // token -> user id

const http = createServer();
const io = new Server(http, { path: '/socket.io', serveClient: false });
const center = io.of('/messageCenter');

center.use((socket, next) => {
  const userId = members.get(String(socket.handshake.query.platformtoken ?? ''));
  if (userId === undefined) {
    next(new Error('unknown token'));
    return;
  }
  socket.data.userId = userId;
  next();
});

center.on('connection', (socket) => {
  socket.join(shape.conversationId);
  socket.on('sendMessage', (payload) => {
    const now = new Date().toISOString();
    const message = {
      ...shape.message,
      id: randomUUID(),
      conversationId: payload.conversationId,
      body: payload.body,
      authorId: socket.data.userId,
      createdAt: now,
      updatedAt: now,
    };
    center.to(payload.conversationId).emit('messageReceived', message);
  });
});

http.listen(Number(options.port), '127.0.0.1', () => {
  console.log(`socket.io listening at http://127.0.0.1:${http.address().port}`);
});
