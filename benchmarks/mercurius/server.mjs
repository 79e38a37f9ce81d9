// Fastify + Mercurius with graphql-jit answering roqmock's own SDL (schema/roq.graphql) from trivial
// in-memory resolvers: the quick fake a team that wants speed would write, and the point of comparison
// `python -m benchmarks` holds roqmock's throughput and latency to.
//
//   node benchmarks/mercurius/server.mjs --schema schema/roq.graphql --shape shape.json [--port 0]
//
// Fairness: the records are built once, at start-up, from the same shape file Apollo's mocks read
// (written by the benchmark from roqmock's own answers to the same documents): as many conversations,
// each with as many members and the same tags, the same titles and message bodies, the same users with
// their tenant and roles, null where roqmock answers null. Ids are UUIDs and dates ISO-8601 strings with
// milliseconds, as roqmock writes them. The resolvers are what a quick fake has: no tokens, no
// permissions, no filtering or ordering, a page is a slice of an array, createMessage appends to it.
// Every document is compiled by graphql-jit from its first use (`jit: 1`).
//
// The first line printed is "mercurius listening at http://127.0.0.1:PORT".

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Fastify from 'fastify';
import mercurius from 'mercurius';

const { values: options } = parseArgs({
  options: {
    schema: { type: 'string' },
    shape: { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});
if (!options.schema || !options.shape) {
  console.error('usage: server.mjs --schema roq.graphql --shape shape.json [--port 0]');
  process.exit(2);
}

const schema = readFileSync(options.schema, 'utf8');
const shape = JSON.parse(readFileSync(options.shape, 'utf8'));

let moment = Date.parse('2024-03-01T09:00:00.000Z');
const isoDate = () => {
  moment += 60_000 + Math.floor(Math.random() * 5_400_000);
  return new Date(moment).toISOString();
};
const stamped = (record) => {
  const at = isoDate();
  return { ...record, createdAt: at, updatedAt: at };
};
const maybeId = (present) => (present ? randomUUID() : null);

const conversations = shape.conversations.items.map((sample) => {
  const id = randomUUID();
  const members = Array.from({ length: sample.users }, () => stamped({ id: randomUUID(), conversationId: id }));
  const tags = sample.tags.map((tag) => ({ id: randomUUID(), conversationId: id, tag }));
  return stamped({
    id,
    title: sample.title,
    ownerId: randomUUID(),
    isGroup: sample.isGroup,
    archived: sample.archived,
    active: sample.active,
    users: { data: members, totalCount: members.length },
    tags: { data: tags, totalCount: tags.length },
  });
});

const conversationId = randomUUID();
const messages = shape.messages.items.map((sample) =>
  stamped({
    id: randomUUID(),
    body: sample.body,
    conversationId,
    authorId: maybeId(sample.authorId),
    fileId: maybeId(sample.fileId),
    messageStatusId: maybeId(sample.messageStatusId),
  }),
);
const storedMessages = messages.length;

const users = (shape.users?.items ?? []).map((sample) => {
  const tenant = sample.tenant && stamped({ id: randomUUID(), ...sample.tenant });
  const roles = sample.roles.map((role) => ({ id: randomUUID(), ...role }));
  return stamped({
    ...sample.fields,
    id: randomUUID(),
    tenantId: tenant ? tenant.id : null,
    tenant,
    roles: { data: roles, totalCount: roles.length },
  });
});

const page = (records, totalCount, { offset, limit }) => {
  const start = offset ?? 0;
  return { data: records.slice(start, start + (limit ?? records.length)), totalCount };
};

const resolvers = {
  Query: {
    conversations: (_, args) => page(conversations, shape.conversations.totalCount, args),
    messages: (_, args) =>
      page(messages, shape.messages.totalCount + messages.length - storedMessages, args),
    users: (_, args) => page(users, shape.users?.totalCount ?? users.length, args),
  },
  Mutation: {
    createMessage: (_, { message }) => {
      messages.push(stamped({ id: randomUUID(), ...message, fileId: message.fileId ?? null, messageStatusId: null }));
      return true;
    },
  },
};

const app = Fastify({ logger: false });
app.register(mercurius, { schema, resolvers, jit: 1, path: '/v01/server/graphql' });
await app.listen({ host: '127.0.0.1', port: Number(options.port) });
console.log(`mercurius listening at http://127.0.0.1:${app.server.address().port}`);
