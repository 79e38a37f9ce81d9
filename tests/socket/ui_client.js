#!/usr/bin/env node
'use strict';
// Drives roqmock's message center with socket.io-client 4.8, connected exactly as ROQ's UI
// (@roq/ui-react 1.0.13, dist/utils/socket-client.util.js) connects, and prints what it saw.
//
//   node ui_client.js '<json>'   with {url, alice, bob, carol, aliceId, bobId, pair, carolOwn, forged}
//
// Prints one JSON object on the last line of stdout: {ok: true, seen: {...}} or {ok: false, error}.

const { io } = require('socket.io-client');

const WAIT_MS = 10_000;

function connect(url, token) {
  // The UI's options, but secure/withCredentials (meaningless on loopback http) and reconnection
  // (a refused test socket must not retry).
  return io(`${new URL(url + '/socket.io').origin}/messageCenter`, {
    path: '/socket.io',
    transports: ['websocket'],
    autoConnect: false,
    forceNew: true,
    reconnection: false,
    extraHeaders: { PlatformToken: token },
    query: { platformtoken: token },
  });
}

function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${WAIT_MS} ms`)), WAIT_MS);
    socket.once(event, (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

function ack(socket, event, payload) {
  return socket.timeout(WAIT_MS).emitWithAck(event, payload);
}

async function opened(url, token) {
  const socket = connect(url, token);
  const connected = once(socket, 'connect');
  socket.connect();
  await connected;
  return socket;
}

async function main(options) {
  const seen = {};
  // A forged token: connect_error with the server's reason, as the UI's ChatProvider receives it.
  const refused = connect(options.url, options.forged);
  const failure = once(refused, 'connect_error');
  refused.connect();
  seen.refusal = (await failure).message;
  refused.close();

  const alice = await opened(options.url, options.alice);
  const bob = await opened(options.url, options.bob);
  const carol = await opened(options.url, options.carol);
  const carolHeard = [];
  carol.onAny((event, data) => carolHeard.push([event, data && data.conversationId]));
  try {
    seen.userConnected = await ack(alice, 'userConnected', { userId: options.aliceId });
    seen.conversationList = await ack(alice, 'conversationList', {
      includeArchived: true,
      limit: 6,
      offset: 0,
      filter: '',
    });
    seen.messageList = await ack(alice, 'messageList', { limit: 20, offset: 0, conversationId: options.pair });

    const aliceGot = once(alice, 'messageReceived');
    const bobGot = once(bob, 'messageReceived');
    alice.emit('sendMessage', { body: 'Hello from the UI', conversationId: options.pair, type: 'text' });
    seen.aliceReceived = await aliceGot;
    seen.bobReceived = await bobGot;

    // Carol's own message is her barrier: the server sends in order, so had she been told of the
    // pair's message, it would have arrived before this one.
    const carolGot = once(carol, 'messageReceived');
    carol.emit('sendMessage', { body: 'Just me', conversationId: options.carolOwn, type: 'text' });
    await carolGot;
    seen.carolHeard = carolHeard;

    const problem = once(carol, 'exception');
    carol.emit('sendMessage', { body: 'let me in', conversationId: options.pair, type: 'text' });
    seen.exception = JSON.parse(await problem); // as ROQ's UI reads it: a JSON string

    const read = once(bob, 'messagesRead');
    bob.emit('markAsReadUnreadMessages', {
      conversationId: options.pair,
      lastTimestamp: seen.bobReceived.createdAt,
    });
    seen.bobRead = await read;

    // The write events beyond sending, as the UI emits them (no ack: each answers with its event).
    const mine = seen.aliceReceived.id;
    const updated = once(bob, 'messageUpdated');
    alice.emit('editMessage', { id: mine, body: 'Hello, edited' });
    seen.bobUpdated = await updated;

    const reply = once(alice, 'messageReceived');
    bob.emit('sendMessage', {
      body: 'Replying',
      conversationId: options.pair,
      type: 'text',
      replyId: mine,
      mentionedIds: [options.aliceId],
    });
    seen.aliceReply = await reply;

    const flagged = once(alice, 'conversationUpdated');
    alice.emit('markConversationAsReadUnread', { conversationId: options.pair, userId: options.aliceId, unread: true });
    seen.aliceFlagged = await flagged;

    const renamed = once(bob, 'conversationTitleChanged');
    alice.emit('renameConversation', { conversationId: options.pair, title: 'Renamed by the UI' });
    seen.bobRenamed = await renamed;

    const deleted = once(bob, 'messageDeleted');
    alice.emit('deleteMessage', { id: mine });
    seen.bobDeleted = await deleted;

    const refusal = once(bob, 'exception');
    bob.emit('leaveConversation', { conversationId: options.pair });
    seen.leaveRefused = JSON.parse(await refusal);
  } finally {
    for (const socket of [alice, bob, carol]) socket.close();
  }
  return seen;
}

main(JSON.parse(process.argv[2]))
  .then((seen) => {
    process.stdout.write(JSON.stringify({ ok: true, seen }) + '\n');
    process.exit(0);
  })
  .catch((error) => {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.stack) }) + '\n');
    process.exit(1);
  });
