#!/usr/bin/env node
'use strict';
// A socket.io-client 4.8 socket with ROQ's UI's options (reconnection on, as in @roq/ui-react 1.0.13's
// dist/utils/socket-client.util.js, with a short delay), for the reset test: it prints {"ready": true}
// once connected, then waits to be disconnected and to reconnect, and prints what it saw.
//
//   node ui_reconnect.js '<json>'   with {url, token}

const { io } = require('socket.io-client');

const WAIT_MS = 10_000;
const { url, token } = JSON.parse(process.argv[2]);
const socket = io(`${new URL(url + '/socket.io').origin}/messageCenter`, {
  path: '/socket.io',
  transports: ['websocket'],
  autoConnect: false,
  forceNew: true,
  reconnection: true,
  reconnectionDelay: 100,
  reconnectionAttempts: 20,
  query: { platformtoken: token },
});
const seen = { connects: 0, disconnects: [] };
const timer = setTimeout(() => finish({ ok: false, error: 'no reconnection within 10 s', seen }), WAIT_MS);

function finish(outcome) {
  clearTimeout(timer);
  const line = JSON.stringify(outcome);
  socket.disconnect();
  console.log(line);
  process.exit(0);
}

socket.on('disconnect', (reason) => seen.disconnects.push(reason));
socket.on('connect', async () => {
  seen.connects += 1;
  const ack = await socket.timeout(WAIT_MS).emitWithAck('userConnected', {});
  if (seen.connects === 1) {
    console.log(JSON.stringify({ ready: true }));
  } else {
    finish({ ok: true, seen: { ...seen, unreadCount: ack.unreadCount } });
  }
});
socket.connect();
