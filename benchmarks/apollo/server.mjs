// Apollo Server answering roqmock's own SDL (schema/roq.graphql) from @graphql-tools/mock: the point
// of comparison for `python -m benchmarks`.
//
//   node benchmarks/apollo/server.mjs --schema schema/roq.graphql --shape shape.json [--port 0]
//
// Fairness: the mocks are configured from a shape file the benchmark writes from roqmock's own answers
// to the same documents, so that both servers send answers of the same shape and size: as many
// conversations per page, each with the same number of members and the same tags, as many messages
// per page, the same titles and message bodies, the same users with their tenant and roles, and null
// where roqmock answers null. Ids are fresh UUIDs and dates ISO-8601 strings with milliseconds, as
// roqmock writes them. Everything else is
// @graphql-tools/mock's default behaviour: values are generated once per root field and arguments,
// kept in its MockStore, and every request runs through Apollo's full request pipeline.
//
// The first line printed is "apollo listening at http://127.0.0.1:PORT".

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { addMocksToSchema } from '@graphql-tools/mock';
import { makeExecutableSchema } from '@graphql-tools/schema';

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

const typeDefs = readFileSync(options.schema, 'utf8');
const shape = JSON.parse(readFileSync(options.shape, 'utf8'));

const cycle = (items) => {
  let next = 0;
  return () => items[next++ % items.length];
};

let moment = Date.parse('2024-03-01T09:00:00.000Z');
const isoDate = () => {
  moment += 60_000 + Math.floor(Math.random() * 5_400_000);
  return new Date(moment).toISOString();
};

const nextConversation = cycle(shape.conversations.items);
const nextMessage = cycle(shape.messages.items);
const userItems = shape.users?.items ?? [];
const nextUser = userItems.length ? cycle(userItems) : () => ({ fields: {}, tenant: null, roles: [] });

const mocks = {
  ID: () => randomUUID(),
  String: () => 'text',
  Date: isoDate,
  JsonObject: () => ({}),
  Boolean: () => true,
  Float: () => 0,
  Int: () => 0,
  ConversationPageModel: () => ({
    data: [...new Array(shape.conversations.items.length)],
    totalCount: shape.conversations.totalCount,
  }),
  ConversationModel: () => {
    const sample = nextConversation();
    return {
      id: randomUUID(),
      title: sample.title,
      ownerId: randomUUID(),
      isGroup: sample.isGroup,
      archived: sample.archived,
      active: sample.active,
      users: { data: [...new Array(sample.users)], totalCount: sample.users },
      tags: { data: sample.tags.map((tag) => ({ tag })), totalCount: sample.tags.length },
    };
  },
  ConversationUserModel: () => ({ id: randomUUID(), conversationId: randomUUID() }),
  ConversationTagModel: () => ({ id: randomUUID(), conversationId: randomUUID() }),
  MessagePageModel: () => ({
    data: [...new Array(shape.messages.items.length)],
    totalCount: shape.messages.totalCount,
  }),
  MessageModel: () => {
    const sample = nextMessage();
    return {
      id: randomUUID(),
      body: sample.body,
      conversationId: randomUUID(),
      authorId: sample.authorId ? randomUUID() : null,
      fileId: sample.fileId ? randomUUID() : null,
      messageStatusId: sample.messageStatusId ? randomUUID() : null,
    };
  },
  UserPageModel: () => ({
    data: [...new Array(userItems.length)],
    totalCount: shape.users?.totalCount ?? userItems.length,
  }),
  UserModel: () => {
    const sample = nextUser();
    const tenant = sample.tenant && { id: randomUUID(), ...sample.tenant };
    const roles = sample.roles.map((role) => ({ id: randomUUID(), ...role }));
    return {
      ...sample.fields,
      id: randomUUID(),
      tenantId: tenant ? tenant.id : null,
      tenant,
      roles: { data: roles, totalCount: roles.length },
    };
  },
};

const schema = addMocksToSchema({ schema: makeExecutableSchema({ typeDefs }), mocks });
const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(options.port) },
});
console.log(`apollo listening at ${url.replace(/\/$/, '')}`);
