#!/usr/bin/env node
'use strict';
// Sends refused events with an ack through socket.io-client 4.8 and counts the acks that came before
// their `exception` event (a client that awaits the ack then reads its exceptions must find it there).
//
//   node ack_order.js '<json>'   with {url, token, rounds}
//
// Prints one JSON object on the last line of stdout: {ok: true, early, rounds} or {ok: false, error}.

const { io } = require('socket.io-client');

async function main() {
  const { url, token, rounds } = JSON.parse(process.argv[2]);
  const socket = io(`${url}/messageCenter`, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    query: { platformtoken: token },
  });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  let exceptions = 0;
  socket.on('exception', () => {
    exceptions += 1;
  });
  let early = 0;
  for (let round = 0; round < rounds; round += 1) {
    const before = exceptions;
    const answer = await socket.timeout(10_000).emitWithAck('conversationDetails', { conversationId: 'nope' });
    if (!answer.error) throw new Error(`not refused: ${JSON.stringify(answer)}`);
    if (exceptions === before) early += 1;
  }
  socket.close();
  return { early, rounds };
}

main().then(
  (result) => console.log(JSON.stringify({ ok: true, ...result })),
  (error) => console.log(JSON.stringify({ ok: false, error: String(error && error.stack) })),
);
