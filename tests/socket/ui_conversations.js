#!/usr/bin/env node
'use strict';
// The rest of ROQ's message-center events through socket.io-client 4.8, connected as ROQ's UI connects
// (ui_client.js covers the start-up sequence, sending, reading and the message writes): who is online,
// the conversation list's switches, details, creating (and conversationExists), typing, members,
// archiving, what server code does over GraphQL reaching the sockets live, and every kind of refusal.
//
//   node ui_conversations.js '<json>'
//     {url, serverHeader, tokens: {alice, bob, carol, dave, expired, otherEnvironment, server},
//      ids: {alice, bob, carol, dave}, pair, tagged}
//
// Prints one JSON object on the last line of stdout: {ok: true, seen: {...}} or {ok: false, error}.

const { io } = require('socket.io-client');

const WAIT_MS = 10_000;

function connect(url, token) {
  const options = {
    path: '/socket.io',
    transports: ['websocket'],
    autoConnect: false,
    forceNew: true,
    reconnection: false,
  };
  if (token !== undefined) {
    options.extraHeaders = { PlatformToken: token };
    options.query = { platformtoken: token };
  }
  return io(`${new URL(url + '/socket.io').origin}/messageCenter`, options);
}

function once(socket, event, matching = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${WAIT_MS} ms`)), WAIT_MS);
    const listener = (data) => {
      if (!matching(data)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(data);
    };
    socket.on(event, listener);
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

async function refusal(url, token) {
  const socket = connect(url, token);
  const failure = once(socket, 'connect_error');
  socket.connect();
  const error = await failure;
  socket.close();
  return { message: error.message, data: error.data === undefined ? null : error.data };
}

async function graphql(options, query, variables) {
  const response = await fetch(`${options.url}/v01/server/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'roq-platform-server-authorization': options.serverHeader,
      'roq-platform-authorization': `Bearer ${options.tokens.server}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const answer = await response.json();
  if (answer.errors) throw new Error(`GraphQL refused ${query}: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

// A refused event: its exception (a JSON string, as ROQ's UI parses it) and its error ack.
async function refused(socket, event, payload) {
  const exception = once(socket, 'exception');
  const answer = await ack(socket, event, payload);
  return { ack: answer, exception: JSON.parse(await exception) };
}

async function main(options) {
  const { tokens, ids } = options;
  const seen = { refusals: {}, events: {} };
  seen.refusals.missing = await refusal(options.url, undefined);
  seen.refusals.expired = await refusal(options.url, tokens.expired);
  seen.refusals.otherEnvironment = await refusal(options.url, tokens.otherEnvironment);

  const alice = await opened(options.url, tokens.alice);
  const bobOnline = once(alice, 'userOnline', (data) => data.id === ids.bob);
  const bob = await opened(options.url, tokens.bob);
  const carol = await opened(options.url, tokens.carol);
  const dave = await opened(options.url, tokens.dave);
  const sockets = [alice, bob, carol, dave];
  try {
    seen.userOnline = await bobOnline;
    seen.userList = await ack(alice, 'userList', { userId: ids.alice });

    // The list's switches: search text, tags, paging; the unread count with and without tags.
    seen.listed = await ack(alice, 'conversationList', { limit: 6, offset: 0, filter: '' });
    seen.searched = await ack(alice, 'conversationList', { limit: 6, offset: 0, filter: 'Tagged' });
    seen.byTag = await ack(alice, 'conversationList', { limit: 6, offset: 0, filter: '', tags: ['support'] });
    seen.secondPage = await ack(alice, 'conversationList', { limit: 1, offset: 1, filter: '' });
    seen.unread = await ack(alice, 'conversationUnreadCount', {});
    seen.unreadTagged = await ack(alice, 'conversationUnreadCount', { tags: ['support'] });
    seen.details = await ack(alice, 'conversationDetails', { conversationId: options.pair });

    // Creating: a new one-to-one reaches both; the same one again answers conversationExists.
    const aliceCreated = once(alice, 'conversationCreated');
    const carolCreated = once(carol, 'conversationCreated');
    alice.emit('createConversation', { title: 'Alice and Carol', memberIds: [ids.carol], isGroup: false });
    seen.events.aliceCreated = await aliceCreated;
    seen.events.carolCreated = await carolCreated;
    const exists = once(alice, 'conversationExists');
    alice.emit('createConversation', { title: 'Again', memberIds: [ids.carol], isGroup: false });
    seen.events.exists = await exists;

    // A group with a first message: conversationCreated, then its first message.
    const groupCreated = once(bob, 'conversationCreated', (c) => c.title === 'Planning');
    const firstMessage = once(bob, 'messageReceived', (m) => m.body === 'Welcome, all');
    alice.emit('createConversation', {
      title: 'Planning',
      memberIds: [ids.bob, ids.carol],
      isGroup: true,
      firstMessage: 'Welcome, all',
    });
    const group = await groupCreated;
    seen.events.groupCreated = group;
    seen.events.firstMessage = await firstMessage;

    // Typing, relayed to the others only.
    const typing = once(bob, 'userTyping');
    alice.emit('userTyping', { conversationId: options.pair, userId: ids.alice, typing: true });
    seen.events.typing = await typing;

    // Members: dave joins (he hears conversationCreated, bob conversationMembersChanged), bob is removed.
    const daveJoined = once(dave, 'conversationCreated', (c) => c.id === group.id);
    const bobChanged = once(bob, 'conversationMembersChanged', (c) => c.conversationId === group.id);
    alice.emit('updateConversationMembers', { conversationId: group.id, memberIds: [ids.alice, ids.bob, ids.carol, ids.dave] });
    seen.events.daveJoined = await daveJoined;
    seen.events.bobChanged = await bobChanged;
    const bobQuit = once(bob, 'memberQuitConversation', (c) => c.conversationId === group.id);
    alice.emit('updateConversationMembers', { conversationId: group.id, memberIds: [ids.alice, ids.carol, ids.dave] });
    seen.events.bobQuit = await bobQuit;

    // Archiving: the members hear it, and the list leaves it out unless asked for archived ones.
    const archived = once(carol, 'conversationArchived', (c) => c.conversationId === group.id);
    alice.emit('archiveConversation', { conversationId: group.id });
    seen.events.archived = await archived;
    seen.withoutArchived = await ack(carol, 'conversationList', { limit: 20, offset: 0, filter: '' });
    seen.withArchived = await ack(carol, 'conversationList', { limit: 20, offset: 0, filter: '', includeArchived: true });

    // Server code over GraphQL, heard live: a system message, tags, a new conversation, a deletion.
    const system = once(bob, 'messageReceived', (m) => m.body === 'Booked by the server');
    await graphql(options, 'mutation($m: MessageCreateDto!) { createMessage(message: $m) }', {
      m: { conversationId: options.pair, authorId: ids.alice, body: 'Booked by the server', isSystem: true },
    });
    seen.events.system = await system;
    const tagged = once(bob, 'conversationUpdated', (c) => c.conversationId === options.pair && c.tags);
    await graphql(options, 'mutation($id: ID!) { assignTagsToConversation(conversationId: $id, tags: ["vip"]) }', {
      id: options.pair,
    });
    seen.events.tagged = await tagged;
    const made = once(dave, 'conversationCreated', (c) => c.title === 'From the server');
    const { createConversation } = await graphql(
      options,
      'mutation($c: ConversationCreateDto!) { createConversation(conversation: $c) { id } }',
      { c: { title: 'From the server', ownerId: ids.alice, memberIds: [ids.alice, ids.dave] } },
    );
    seen.events.made = await made;
    const gone = once(dave, 'conversationArchived', (c) => c.conversationId === createConversation.id);
    await graphql(options, 'mutation($id: ID!) { deleteConversation(id: $id) }', { id: createConversation.id });
    seen.events.gone = await gone;

    // Refusals: each answered with an exception and an error ack, never silence.
    seen.refusals.notMember = await refused(carol, 'conversationDetails', { conversationId: options.pair });
    seen.refusals.wrongType = await refused(alice, 'conversationList', { limit: 'six', offset: 0 });
    seen.refusals.notAnObject = await refused(alice, 'messageList', 'not an object');
    seen.refusals.alone = await refused(alice, 'createConversation', { title: 'Me', memberIds: [], isGroup: true });
    seen.refusals.typingElsewhere = await refused(carol, 'userTyping', { conversationId: options.pair, typing: true });
    seen.refusals.notOwner = await refused(bob, 'archiveConversation', { conversationId: options.tagged });
    seen.refusals.unserved = await refused(alice, 'shareScreen', {});

    // Presence: the last socket of a user closing tells its contacts.
    const bobOffline = once(alice, 'userOffline', (data) => data.id === ids.bob);
    bob.close();
    seen.userOffline = await bobOffline;
  } finally {
    for (const socket of sockets) socket.close();
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
