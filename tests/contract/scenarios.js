'use strict';
// Contract scenarios: ROQ's own Node SDK (@roq/nodejs@1.0.13) driving a running roqmock.
//
// Each export is `async (ctx) => {...}` with ctx = {host, environmentId, apiKey, Platform}. A scenario
// throws (node:assert/strict) on the first deviation from /work/shared/roq-chat-contract.md. Every scenario
// creates its own users with unique references and emails, so scenarios never see each other's data on the
// shared `--empty` server, and every list it checks is narrowed to what it created.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const SERVICE_ACCOUNT_EMAIL = 'project-service-account@roq.tech';
const SERVER_GRAPH = '/v01/server/graphql';
const CLIENT_GRAPH = '/v01/graphql';

// ------------------------------------------------------------------ helpers

function suffix() {
  return crypto.randomBytes(6).toString('hex');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function platform(ctx, overrides = {}) {
  return new ctx.Platform({
    environmentId: ctx.environmentId,
    apiKey: ctx.apiKey,
    host: ctx.host,
    ...overrides,
  });
}

/** A fresh Platform, its super admin client, and one new user per label. */
async function setup(ctx, ...labels) {
  const p = platform(ctx);
  const admin = p.asSuperAdmin();
  const users = [];
  for (const label of labels) {
    users.push(await newUser(admin, label));
  }
  return { p, admin, users, as: (user) => p.asUser(user.id) };
}

async function newUser(admin, label) {
  const s = suffix();
  const { createUser } = await admin.createUser({
    user: {
      reference: `contract-${label}-${s}`,
      email: `contract-${label}-${s}@roqmock.test`,
      firstName: label,
      lastName: 'Contract',
    },
  });
  assert.match(createUser.id, UUID_RE, 'createUser returns a UUID id');
  return createUser;
}

async function conversation(client, title, owner, members, extra = {}) {
  const { createConversation } = await client.createConversation({
    conversation: { title, ownerId: owner.id, memberIds: members.map((m) => m.id), ...extra },
  });
  return createConversation;
}

async function message(client, author, conv, body, isSystem = false) {
  const { createMessage } = await client.createMessage({
    message: { authorId: author.id, body, conversationId: conv.id, isSystem },
  });
  assert.equal(createMessage, true, 'createMessage answers true');
  return createMessage;
}

async function convPage(client, args = {}) {
  return (await client.conversations(args)).conversations;
}

async function msgPage(client, args = {}) {
  return (await client.messages(args)).messages;
}

async function messagesOf(client, conv, args = {}) {
  const filter = { ...(args.filter || {}), conversationId: { equalTo: conv.id } };
  return msgPage(client, { ...args, filter });
}

const ids = (page) => page.data.map((item) => item.id);
const bodies = (page) => page.data.map((item) => item.body);
const sorted = (values) => [...values].sort();

function describe(err) {
  if (!err) return 'nothing';
  const name = err.constructor ? err.constructor.name : typeof err;
  return `${name}(statusCode=${err.statusCode}, errorCode=${err.errorCode}, message=${JSON.stringify(err.message)})`;
}

/**
 * Run `fn`, expect it to throw the SDK's HttpException with this status and errorCode. An undefined
 * statusCode accepts any 4xx (the contract names the code only); an undefined errorCode is not checked.
 */
async function expectHttp(fn, statusCode, errorCode, what = 'the call') {
  let err = null;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected HttpException ${statusCode} ${errorCode || ''}, but it succeeded`);
  assert.equal(
    err.constructor && err.constructor.name,
    'HttpException',
    `${what}: expected an HttpException, got ${describe(err)}`,
  );
  if (statusCode === undefined) {
    assert.ok(err.statusCode >= 400 && err.statusCode < 500, `${what}: a 4xx statusCode, got ${describe(err)}`);
  } else {
    assert.equal(err.statusCode, statusCode, `${what}: statusCode, got ${describe(err)}`);
  }
  if (errorCode !== undefined) {
    assert.equal(err.errorCode, errorCode, `${what}: errorCode, got ${describe(err)}`);
  }
  return err;
}

function assertIso(value, what) {
  assert.equal(typeof value, 'string', `${what} is a string`);
  assert.match(value, ISO_RE, `${what} is ISO-8601`);
  assert.ok(!Number.isNaN(Date.parse(value)), `${what} parses as a date`);
}

// -- raw HTTP, for what the SDK cannot send

function basic(environmentId, apiKey) {
  return `Basic ${Buffer.from(`${environmentId}:${apiKey}`).toString('base64')}`;
}

async function post(ctx, path, body, headers = {}) {
  const response = await fetch(ctx.host + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json, text };
}

async function serviceToken(ctx) {
  const res = await post(ctx, '/v01/authorize/serviceAccount', {
    email: SERVICE_ACCOUNT_EMAIL,
    environmentId: ctx.environmentId,
    apiKey: ctx.apiKey,
  });
  assert.equal(res.status < 300, true, `service token: HTTP ${res.status} ${res.text}`);
  return res.json.accessToken;
}

async function userToken(ctx, userId, expiresIn) {
  const body = { environmentId: ctx.environmentId, apiKey: ctx.apiKey, userId };
  if (expiresIn !== undefined) body.expiresIn = expiresIn;
  const res = await post(ctx, '/v01/authorize', body, {
    'roq-platform-authorization': `Bearer ${await serviceToken(ctx)}`,
  });
  assert.equal(res.status < 300, true, `user token: HTTP ${res.status} ${res.text}`);
  return res.json.accessToken;
}

function serverHeaders(ctx, token) {
  return {
    'roq-platform-authorization': `Bearer ${token}`,
    'roq-platform-server-authorization': basic(ctx.environmentId, ctx.apiKey),
  };
}

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function signHs256(payload, secret) {
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url(payload);
  const signature = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

function decodeJwt(token) {
  const parts = String(token).split('.');
  assert.equal(parts.length, 3, `a JWT has three parts: ${token}`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

function firstError(res) {
  assert.ok(res.json, `expected a JSON body, got HTTP ${res.status}: ${res.text}`);
  assert.ok(
    Array.isArray(res.json.errors) && res.json.errors.length > 0,
    `expected errors, got HTTP ${res.status}: ${res.text}`,
  );
  return res.json.errors[0];
}

function assertRefused(res, status, errorCode, what) {
  assert.equal(res.status, status, `${what}: HTTP status (body ${res.text})`);
  const ext = firstError(res).extensions;
  assert.ok(ext && ext.response, `${what}: errors[0].extensions.response present (body ${res.text})`);
  assert.equal(ext.response.statusCode, status, `${what}: extensions.response.statusCode`);
  assert.equal(ext.response.errorCode, errorCode, `${what}: extensions.response.errorCode`);
}

const CONVERSATIONS_QUERY = 'query { conversations { totalCount data { id title } } }';

// ------------------------------------------------------------------ the docs page, through the SDK

const docs = {
  async docs_createConversation_returns_fields(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const title = `Project kickoff ${suffix()}`;
    const before = Date.now();
    const c = await conversation(as(a), title, a, [a, b]);
    assert.match(c.id, UUID_RE);
    assert.equal(c.title, title);
    assert.equal(c.ownerId, a.id);
    assert.equal(c.isGroup, false, 'isGroup defaults to false for two members');
    assert.equal(c.archived, false, 'archived defaults to false');
    assert.equal(c.active, true, 'a new conversation is active');
    assertIso(c.createdAt, 'createdAt');
    assertIso(c.updatedAt, 'updatedAt');
    assert.ok(Math.abs(Date.parse(c.createdAt) - before) < 60_000, 'createdAt is now');
    // The other member sees exactly what createConversation answered.
    const page = await convPage(as(b), { filter: { id: { equalTo: c.id } } });
    assert.equal(page.totalCount, 1);
    assert.deepEqual(page.data[0], c);
  },

  async docs_createConversation_archived_isGroup_tags(ctx) {
    const { admin, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const c = await conversation(admin, `Support ${suffix()}`, a, [a, b], {
      isGroup: true,
      archived: true,
      tags: ['support', 'urgent'],
    });
    assert.equal(c.isGroup, true, 'isGroup as given');
    assert.equal(c.archived, true, 'archived as given');
    assert.equal(c.active, true);
    assert.equal(c.ownerId, a.id);
    const page = await convPage(admin, { filter: { id: { equalTo: c.id } }, withTags: true });
    assert.equal(page.totalCount, 1);
    assert.deepEqual(sorted(page.data[0].tags.data.map((t) => t.tag)), ['support', 'urgent']);
    assert.equal(page.data[0].tags.totalCount, 2);
  },

  async docs_createMessage_visible_in_messages(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'author', 'reader');
    const c = await conversation(as(a), `Chat ${suffix()}`, a, [a, b]);
    const body = `Hello **team** ${suffix()}`;
    const result = await as(a).createMessage({
      message: { authorId: a.id, body, conversationId: c.id, isSystem: false },
    });
    assert.deepEqual(result, { createMessage: true });
    const page = await messagesOf(as(b), c);
    assert.equal(page.totalCount, 1);
    assert.equal(page.data.length, 1);
    const m = page.data[0];
    assert.match(m.id, UUID_RE);
    assert.equal(m.body, body);
    assert.equal(m.authorId, a.id);
    assert.equal(m.conversationId, c.id);
    assert.strictEqual(m.fileId, null);
    assert.strictEqual(m.messageStatusId, null);
    assertIso(m.createdAt, 'createdAt');
    assertIso(m.updatedAt, 'updatedAt');
  },

  async docs_createMessage_isSystem_by_super_admin(ctx) {
    const { admin, as, users: [a, b] } = await setup(ctx, 'bot', 'human');
    const c = await conversation(admin, `System ${suffix()}`, a, [a, b]);
    await message(admin, a, c, 'Conversation created', true);
    await message(admin, b, c, 'hi', false);
    const page = await messagesOf(as(b), c, { order: { order: 'ASC', sort: 'createdAt' } });
    assert.equal(page.totalCount, 2);
    assert.deepEqual(bodies(page), ['Conversation created', 'hi']);
    assert.deepEqual(
      page.data.map((m) => m.authorId),
      [a.id, b.id],
    );
  },

  async docs_conversations_withUsers_withTags(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    const conv = await conversation(as(a), `Team ${suffix()}`, a, [a, b, c], { tags: ['alpha', 'beta'] });
    const page = await convPage(as(b), {
      filter: { id: { equalTo: conv.id } },
      withUsers: true,
      withTags: true,
    });
    assert.equal(page.totalCount, 1);
    const got = page.data[0];
    assert.equal(got.id, conv.id);
    assert.equal(got.users.totalCount, 3, 'three members');
    assert.equal(got.users.data.length, 3);
    for (const row of got.users.data) {
      assert.match(row.id, UUID_RE);
      assert.equal(row.conversationId, conv.id);
      assertIso(row.createdAt, 'member createdAt');
      assertIso(row.updatedAt, 'member updatedAt');
    }
    assert.equal(new Set(got.users.data.map((row) => row.id)).size, 3, 'member rows have distinct ids');
    assert.equal(got.tags.totalCount, 2);
    assert.deepEqual(sorted(got.tags.data.map((t) => t.tag)), ['alpha', 'beta']);
    for (const tag of got.tags.data) {
      assert.match(tag.id, UUID_RE);
      assert.equal(tag.conversationId, conv.id);
    }
  },

  async docs_conversations_without_includes_omit_users_and_tags(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `Plain ${suffix()}`, a, [a, b], { tags: ['x'] });
    const page = await convPage(as(a), { filter: { id: { equalTo: conv.id } } });
    assert.equal(page.totalCount, 1);
    assert.equal('users' in page.data[0], false, '@include(if: false) leaves users out');
    assert.equal('tags' in page.data[0], false, '@include(if: false) leaves tags out');
    assert.deepEqual(sorted(Object.keys(page.data[0])), sorted([
      'id', 'title', 'active', 'archived', 'isGroup', 'ownerId', 'createdAt', 'updatedAt',
    ]));
  },

  async docs_messages_for_one_conversation(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const c1 = await conversation(as(a), `One ${suffix()}`, a, [a, b]);
    const c2 = await conversation(as(a), `Two ${suffix()}`, a, [a, b]);
    await message(as(a), a, c1, 'first in one');
    await message(as(b), b, c2, 'only in two');
    await message(as(b), b, c1, 'second in one');
    const one = await messagesOf(as(a), c1, { order: { order: 'ASC', sort: 'createdAt' } });
    assert.equal(one.totalCount, 2);
    assert.deepEqual(bodies(one), ['first in one', 'second in one']);
    assert.ok(one.data.every((m) => m.conversationId === c1.id));
    const two = await messagesOf(as(b), c2);
    assert.equal(two.totalCount, 1);
    assert.deepEqual(bodies(two), ['only in two']);
    // Without a filter the caller sees the messages of both its conversations, and no one else's.
    const all = await msgPage(as(a));
    assert.equal(all.totalCount, 3);
  },

  async docs_messages_withFile_is_null_without_file(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const c = await conversation(as(a), `Files ${suffix()}`, a, [a, b]);
    await message(as(a), a, c, 'no attachment');
    const page = await messagesOf(as(a), c, { withFile: true });
    assert.equal(page.totalCount, 1);
    assert.ok('file' in page.data[0], 'withFile selects file');
    assert.strictEqual(page.data[0].file, null);
    const without = await messagesOf(as(a), c);
    assert.equal('file' in without.data[0], false, 'without withFile, file is not selected');
  },

  async docs_assignTags_idempotent(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const c = await conversation(as(a), `Tags ${suffix()}`, a, [a, b]);
    const tagsOf = async () => {
      const page = await convPage(as(a), { filter: { id: { equalTo: c.id } }, withTags: true });
      return page.data[0].tags;
    };
    assert.equal((await tagsOf()).totalCount, 0, 'no tags at first');
    assert.deepEqual(
      await as(a).assignTagsToConversation({ conversationId: c.id, tags: ['red', 'green'] }),
      { assignTagsToConversation: true },
    );
    const first = await tagsOf();
    assert.deepEqual(sorted(first.data.map((t) => t.tag)), ['green', 'red']);
    // Assigning a tag that is already there is a no-op, and so is a repeat inside one call.
    assert.deepEqual(
      await as(a).assignTagsToConversation({ conversationId: c.id, tags: ['red', 'blue', 'blue'] }),
      { assignTagsToConversation: true },
    );
    const second = await tagsOf();
    assert.equal(second.totalCount, 3);
    assert.deepEqual(sorted(second.data.map((t) => t.tag)), ['blue', 'green', 'red']);
    const redIds = (tags) => tags.data.filter((t) => t.tag === 'red').map((t) => t.id);
    assert.deepEqual(redIds(second), redIds(first), 'the existing tag row is kept');
  },

  async docs_unassignTags_idempotent(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const c = await conversation(as(a), `Untag ${suffix()}`, a, [a, b], { tags: ['one', 'two', 'three'] });
    const tagsOf = async () => {
      const page = await convPage(as(b), { filter: { id: { equalTo: c.id } }, withTags: true });
      return sorted(page.data[0].tags.data.map((t) => t.tag));
    };
    assert.deepEqual(await tagsOf(), ['one', 'three', 'two']);
    assert.deepEqual(
      await as(a).unassignTagsFromConversation({ conversationId: c.id, tags: ['two', 'absent'] }),
      { unassignTagsFromConversation: true },
    );
    assert.deepEqual(await tagsOf(), ['one', 'three']);
    // Unassigning tags that are not there is a no-op that still answers true.
    assert.deepEqual(
      await as(a).unassignTagsFromConversation({ conversationId: c.id, tags: ['two', 'never'] }),
      { unassignTagsFromConversation: true },
    );
    assert.deepEqual(await tagsOf(), ['one', 'three']);
  },

  async docs_deleteConversation_removes_everything(ctx) {
    const { admin, as, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const c = await conversation(as(a), `Doomed ${suffix()}`, a, [a, b], { tags: ['t'] });
    const keep = await conversation(as(a), `Kept ${suffix()}`, a, [a, b]);
    await message(as(a), a, c, 'bye');
    await message(as(b), b, c, 'bye bye');
    await message(as(b), b, keep, 'still here');
    const messageIds = ids(await messagesOf(as(a), c));
    assert.equal(messageIds.length, 2);
    assert.deepEqual(await as(a).deleteConversation({ id: c.id }), { deleteConversation: c.id });
    assert.equal((await convPage(admin, { filter: { id: { equalTo: c.id } } })).totalCount, 0);
    assert.equal((await convPage(as(b), { filter: { id: { equalTo: c.id } } })).totalCount, 0);
    assert.equal((await messagesOf(admin, c)).totalCount, 0, 'its messages are gone');
    assert.equal((await msgPage(admin, { filter: { id: { valueIn: messageIds } } })).totalCount, 0);
    assert.equal(
      (await convPage(admin, { filter: { messageId: { valueIn: messageIds } } })).totalCount,
      0,
    );
    // The other conversation is untouched.
    assert.deepEqual(ids(await convPage(as(b))), [keep.id]);
    assert.deepEqual(bodies(await msgPage(as(b))), ['still here']);
    await expectHttp(() => as(a).deleteConversation({ id: c.id }), 404, 'CONVERSATION_NOT_FOUND', 'second delete');
    await expectHttp(
      () => admin.assignTagsToConversation({ conversationId: c.id, tags: ['x'] }),
      404,
      'CONVERSATION_NOT_FOUND',
      'tagging a deleted conversation',
    );
  },

  async users_createUser_user_and_users(ctx) {
    const { admin, as } = await setup(ctx);
    const s = suffix();
    const { createUser: u } = await admin.createUser({
      user: {
        reference: `ref-${s}`,
        email: `user-${s}@roqmock.test`,
        firstName: 'Ada',
        lastName: 'Lovelace',
        customData: { plan: 'pro' },
      },
    });
    assert.match(u.id, UUID_RE);
    assert.equal(u.reference, `ref-${s}`);
    assert.equal(u.email, `user-${s}@roqmock.test`);
    assert.equal(u.firstName, 'Ada');
    assert.equal(u.lastName, 'Lovelace');
    assert.deepEqual(u.customData, { plan: 'pro' });
    assertIso(u.createdAt, 'user createdAt');
    assert.deepEqual((await admin.user({ id: u.id })).user, u);
    assert.deepEqual((await as(u).user({ id: u.id })).user, u, 'a user reads itself');
    const page = (await admin.users({ filter: { email: { equalTo: u.email } } })).users;
    assert.equal(page.totalCount, 1);
    assert.equal(page.data[0].id, u.id);
  },

  async users_duplicate_email_is_refused(ctx) {
    const { admin, users: [a] } = await setup(ctx, 'original');
    await expectHttp(
      () => admin.createUser({ user: { reference: `other-${suffix()}`, email: a.email } }),
      undefined,
      'UNIQUE_CONSTRAINT_VIOLATED',
      'createUser with a taken email',
    );
    const page = (await admin.users({ filter: { email: { equalTo: a.email } } })).users;
    assert.equal(page.totalCount, 1, 'no second user was created');
  },
};

// ------------------------------------------------------------------ tokens

const tokens = {
  async token_payload_claims(ctx) {
    const { as, users: [a] } = await setup(ctx, 'claims');
    const payload = await as(a).getTokenPayload();
    assert.equal(payload.roqEnvironmentId, ctx.environmentId);
    assert.equal(payload.roqUserId, a.id);
    assert.equal(typeof payload.notificationToken, 'string');
    assert.ok(payload.notificationToken.length > 0);
    assert.equal(typeof payload.exp, 'number', 'exp is numeric');
    assert.equal(typeof payload.iat, 'number', 'iat is numeric');
    assert.ok(payload.exp > payload.iat, 'exp after iat');
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60, 'iat is now');
    const admin = await platform(ctx).asSuperAdmin().getTokenPayload();
    assert.equal(admin.roqEnvironmentId, ctx.environmentId);
    assert.equal(typeof admin.exp, 'number');
    assert.ok(admin.exp > admin.iat);
    assert.notEqual(admin.roqUserId, a.id);
  },

  async token_expiresIn_honoured(ctx) {
    const { users: [a] } = await setup(ctx, 'ttl');
    const sixty = await platform(ctx).asUser(a.id, '60s').getTokenPayload();
    assert.equal(sixty.exp - sixty.iat, 60, 'expiresIn "60s"');
    assert.equal(sixty.roqUserId, a.id);
    const twoHours = await platform(ctx).asUser(a.id, '2h').getTokenPayload();
    assert.equal(twoHours.exp - twoHours.iat, 7200, 'expiresIn "2h"');
  },

  async token_cache_second_call_works(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `Cache ${suffix()}`, a, [a, b]);
    const client = as(a);
    const first = await convPage(client);
    const second = await convPage(client); // a cache hit: the SDK decodes exp
    const third = await msgPage(client);
    assert.deepEqual(ids(first), [conv.id]);
    assert.deepEqual(second, first);
    assert.equal(third.totalCount, 0);
    const p1 = await client.getTokenPayload();
    const p2 = await client.getTokenPayload();
    assert.deepEqual(p2, p1, 'the cached token is reused');
  },

  async token_cache_refreshes_expired_token(ctx) {
    const { users: [a, b], as } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `Refresh ${suffix()}`, a, [a, b]);
    // Two seconds, not one: exp counts whole seconds from a floored iat, so a one-second token issued late in a
    // second lives for only what is left of it, and a loaded machine can spend that before the request arrives.
    const client = platform(ctx).asUser(a.id, '2s');
    const before = await client.getTokenPayload();
    assert.equal(before.exp - before.iat, 2);
    assert.deepEqual(ids(await convPage(client)), [conv.id]);
    await sleep(Math.max(0, before.exp * 1000 - Date.now()) + 100);
    // The cached token has expired: the SDK sees it from exp and fetches a new one.
    assert.deepEqual(ids(await convPage(client)), [conv.id]);
    const after = await client.getTokenPayload();
    assert.ok(after.exp > before.exp, 'a fresh token was issued');
  },

  async token_wrong_api_key_401(ctx) {
    const { users: [a] } = await setup(ctx, 'a');
    const wrong = platform(ctx, { apiKey: `wrong-${suffix()}` });
    await expectHttp(() => wrong.asSuperAdmin().conversations({}), 401, 'INVALID_API_KEY', 'super admin, wrong key');
    const wrongToo = platform(ctx, { apiKey: `wrong-${suffix()}` });
    await expectHttp(() => wrongToo.asUser(a.id).conversations({}), 401, 'INVALID_API_KEY', 'user, wrong key');
    const res = await post(ctx, '/v01/authorize/serviceAccount', {
      email: SERVICE_ACCOUNT_EMAIL,
      environmentId: ctx.environmentId,
      apiKey: 'wrong',
    });
    assert.equal(res.status, 401, `service token with a wrong key: ${res.text}`);
    assert.ok(!res.json || !res.json.accessToken, 'no token for a wrong key');
  },

  async token_unknown_user_is_refused(ctx) {
    const p = platform(ctx);
    const ghost = crypto.randomUUID();
    // ROQ answers no token for an unknown user; the SDK then sends a request without a usable token.
    await expectHttp(() => p.asUser(ghost).conversations({}), 401, 'UNAUTHORIZED_EXCEPTION', 'asUser(unknown)');
    const res = await post(
      ctx,
      '/v01/authorize',
      { environmentId: ctx.environmentId, apiKey: ctx.apiKey, userId: ghost },
      { 'roq-platform-authorization': `Bearer ${await serviceToken(ctx)}` },
    );
    assert.equal(res.status, 404, `user token for an unknown user: ${res.text}`);
    assert.ok(!res.json.accessToken);
    assert.equal(res.json.errorCode, 'USER_NOT_FOUND');
  },

  async token_service_account_endpoint(ctx) {
    const token = await serviceToken(ctx);
    const claims = decodeJwt(token);
    assert.equal(claims.roqEnvironmentId, ctx.environmentId);
    assert.equal(typeof claims.exp, 'number');
    assert.equal(typeof claims.iat, 'number');
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
    assert.equal(header.alg, 'HS256');
    const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, serverHeaders(ctx, token));
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json.data.conversations.totalCount, 'number');
  },
};

// ------------------------------------------------------------------ permissions

const permissions = {
  async perm_user_sees_only_member_conversations(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    const ab = await conversation(as(a), `AB ${suffix()}`, a, [a, b]);
    const bc = await conversation(as(b), `BC ${suffix()}`, b, [b, c]);
    assert.deepEqual(ids(await convPage(as(a))), [ab.id]);
    assert.deepEqual(ids(await convPage(as(c))), [bc.id]);
    assert.deepEqual(ids(await convPage(as(b))), [bc.id, ab.id]);
    // Asking for another's conversation by id is filtered, not refused.
    const foreign = await convPage(as(a), { filter: { id: { equalTo: bc.id } } });
    assert.equal(foreign.totalCount, 0);
    assert.deepEqual(foreign.data, []);
  },

  async perm_totalCount_counts_only_visible(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    await conversation(as(a), `1 ${suffix()}`, a, [a, b]);
    await conversation(as(a), `2 ${suffix()}`, a, [a, b]);
    await conversation(as(a), `3 ${suffix()}`, a, [a, c]);
    const page = await convPage(as(b), { limit: 1 });
    assert.equal(page.totalCount, 2, 'b is a member of two conversations');
    assert.equal(page.data.length, 1);
    assert.equal((await convPage(as(c))).totalCount, 1);
    assert.equal((await convPage(as(a))).totalCount, 3);
  },

  async perm_messages_of_foreign_conversation_invisible(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'outsider');
    const conv = await conversation(as(a), `Secret ${suffix()}`, a, [a, b]);
    await message(as(a), a, conv, 'secret');
    assert.equal((await messagesOf(as(b), conv)).totalCount, 1);
    const page = await messagesOf(as(c), conv);
    assert.equal(page.totalCount, 0, 'a non-member sees no messages');
    assert.deepEqual(page.data, []);
    assert.equal((await msgPage(as(c))).totalCount, 0);
  },

  async perm_non_owner_cannot_delete(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const conv = await conversation(as(a), `Mine ${suffix()}`, a, [a, b]);
    await expectHttp(() => as(b).deleteConversation({ id: conv.id }), 403, 'FORBIDDEN', 'member deletes');
    assert.deepEqual(ids(await convPage(as(b))), [conv.id], 'still there');
    assert.deepEqual(await as(a).deleteConversation({ id: conv.id }), { deleteConversation: conv.id });
    assert.equal((await convPage(as(b))).totalCount, 0);
  },

  async perm_non_owner_cannot_tag(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const conv = await conversation(as(a), `Tagged ${suffix()}`, a, [a, b], { tags: ['keep'] });
    await expectHttp(
      () => as(b).assignTagsToConversation({ conversationId: conv.id, tags: ['mine'] }),
      403,
      'FORBIDDEN',
      'member assigns tags',
    );
    await expectHttp(
      () => as(b).unassignTagsFromConversation({ conversationId: conv.id, tags: ['keep'] }),
      403,
      'FORBIDDEN',
      'member unassigns tags',
    );
    const page = await convPage(as(a), { filter: { id: { equalTo: conv.id } }, withTags: true });
    assert.deepEqual(page.data[0].tags.data.map((t) => t.tag), ['keep'], 'tags unchanged');
  },

  async perm_createMessage_as_someone_else_403(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `Spoof ${suffix()}`, a, [a, b]);
    await expectHttp(
      () => as(a).createMessage({ message: { authorId: b.id, body: 'not me', conversationId: conv.id, isSystem: false } }),
      403,
      'FORBIDDEN',
      'authorId != caller',
    );
    assert.equal((await messagesOf(as(a), conv)).totalCount, 0, 'nothing was written');
  },

  async perm_createMessage_non_member_403(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'outsider');
    const conv = await conversation(as(a), `Closed ${suffix()}`, a, [a, b]);
    await expectHttp(
      () => as(c).createMessage({ message: { authorId: c.id, body: 'let me in', conversationId: conv.id, isSystem: false } }),
      403,
      'FORBIDDEN',
      'non-member writes',
    );
    assert.equal((await messagesOf(as(a), conv)).totalCount, 0, 'nothing was written');
  },

  async perm_createConversation_foreign_owner_403(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const title = `Not yours ${suffix()}`;
    await expectHttp(() => conversation(as(a), title, b, [a, b]), 403, 'FORBIDDEN', 'ownerId != caller');
    assert.equal((await convPage(as(a))).totalCount, 0);
    assert.equal((await convPage(as(b))).totalCount, 0);
  },

  async perm_createConversation_owner_not_member_403(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    await expectHttp(
      () => conversation(as(a), `Outside ${suffix()}`, a, [b, c]),
      403,
      'FORBIDDEN',
      'owner not among memberIds',
    );
    assert.equal((await convPage(as(b))).totalCount, 0);
  },

  async perm_without_role_sees_nothing(ctx) {
    const { admin, as, users: [a, b] } = await setup(ctx, 'demoted', 'b');
    const conv = await conversation(as(a), `Before ${suffix()}`, a, [a, b]);
    await message(as(a), a, conv, 'while I could');
    assert.equal((await convPage(as(a))).totalCount, 1);
    assert.deepEqual(
      await admin.unassignRolesFromUser({ roleKeys: ['user'], userId: a.id }),
      { unassignRolesFromUser: true },
    );
    const page = await convPage(as(a));
    assert.equal(page.totalCount, 0, 'lists are filtered, not refused');
    assert.deepEqual(page.data, []);
    assert.equal((await msgPage(as(a))).totalCount, 0, 'no messages either');
    await expectHttp(
      () => conversation(as(a), `After ${suffix()}`, a, [a, b]),
      403,
      'FORBIDDEN',
      'createConversation without the create permission',
    );
    assert.equal((await convPage(as(b))).totalCount, 1, 'the other member is unaffected');
    assert.deepEqual(await admin.assignRolesToUser({ roleKeys: ['user'], userId: a.id }), { assignRolesToUser: true });
    assert.deepEqual(ids(await convPage(as(a))), [conv.id], 'the role is back');
  },

  async perm_super_admin_sees_all(ctx) {
    const { admin, as, users: [a, b, c, d] } = await setup(ctx, 'a', 'b', 'c', 'd');
    const ab = await conversation(as(a), `AB ${suffix()}`, a, [a, b]);
    const cd = await conversation(as(c), `CD ${suffix()}`, c, [c, d]);
    await message(as(a), a, ab, 'from ab');
    await message(as(c), c, cd, 'from cd');
    const page = await convPage(admin, { filter: { id: { valueIn: [ab.id, cd.id] } } });
    assert.equal(page.totalCount, 2);
    assert.deepEqual(ids(page), [cd.id, ab.id]);
    const msgs = await msgPage(admin, {
      filter: { conversationId: { valueIn: [ab.id, cd.id] } },
      order: { order: 'ASC', sort: 'createdAt' },
    });
    assert.deepEqual(bodies(msgs), ['from ab', 'from cd']);
    assert.ok((await convPage(admin)).totalCount >= 2);
    // The super admin may delete anyone's conversation.
    assert.deepEqual(await admin.deleteConversation({ id: cd.id }), { deleteConversation: cd.id });
    assert.equal((await convPage(as(c))).totalCount, 0);
  },

  async perm_user_cannot_manage_roles(ctx) {
    const { admin, as, users: [a, b] } = await setup(ctx, 'a', 'b');
    await expectHttp(
      () => as(a).assignRolesToUser({ roleKeys: ['user'], userId: b.id }),
      403,
      'FORBIDDEN',
      'a user assigns roles',
    );
    await expectHttp(
      () => as(a).unassignRolesFromUser({ roleKeys: ['user'], userId: b.id }),
      403,
      'FORBIDDEN',
      'a user unassigns roles',
    );
    // b keeps its role: it can still start a conversation.
    const conv = await conversation(as(b), `Still allowed ${suffix()}`, b, [a, b]);
    assert.equal(conv.ownerId, b.id);
    assert.equal((await admin.user({ id: b.id })).user.id, b.id);
  },

  async perm_owner_manages_own_conversation(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'owner', 'member');
    const conv = await conversation(as(a), `Own ${suffix()}`, a, [a, b]);
    assert.deepEqual(
      await as(a).assignTagsToConversation({ conversationId: conv.id, tags: ['ok'] }),
      { assignTagsToConversation: true },
    );
    await message(as(b), b, conv, 'member writes');
    const page = await convPage(as(b), { withTags: true });
    assert.deepEqual(page.data[0].tags.data.map((t) => t.tag), ['ok']);
    assert.deepEqual(bodies(await messagesOf(as(a), conv)), ['member writes']);
  },
};

// ------------------------------------------------------------------ filters

const filters = {
  async filter_conversation_id_operators(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const c1 = await conversation(as(a), `c1 ${suffix()}`, a, [a, b]);
    const c2 = await conversation(as(a), `c2 ${suffix()}`, a, [a, b]);
    const c3 = await conversation(as(a), `c3 ${suffix()}`, a, [a, b]);
    const q = async (id) => ids(await convPage(as(a), { filter: { id } }));
    assert.deepEqual(await q({ equalTo: c2.id }), [c2.id]);
    assert.deepEqual(await q({ notEqualTo: c2.id }), [c3.id, c1.id]);
    assert.deepEqual(await q({ valueIn: [c1.id, c3.id] }), [c3.id, c1.id]);
    assert.deepEqual(await q({ valueNotIn: [c1.id] }), [c3.id, c2.id]);
    // Operators inside one field are ANDed.
    assert.deepEqual(await q({ valueIn: [c1.id, c2.id, c3.id], notEqualTo: c2.id }), [c3.id, c1.id]);
    assert.deepEqual(await q({ equalTo: c1.id, notEqualTo: c1.id }), []);
  },

  async filter_conversation_ownerId(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const byA = await conversation(as(a), `by a ${suffix()}`, a, [a, b]);
    const byB = await conversation(as(b), `by b ${suffix()}`, b, [a, b]);
    assert.deepEqual(ids(await convPage(as(a), { filter: { ownerId: { equalTo: b.id } } })), [byB.id]);
    assert.deepEqual(ids(await convPage(as(a), { filter: { ownerId: { equalTo: a.id } } })), [byA.id]);
    assert.deepEqual(ids(await convPage(as(b), { filter: { ownerId: { notEqualTo: a.id } } })), [byB.id]);
    assert.deepEqual(
      ids(await convPage(as(b), { filter: { ownerId: { valueIn: [a.id, b.id] } } })),
      [byB.id, byA.id],
    );
  },

  async filter_conversation_memberId(ctx) {
    const { as, admin, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    const ab = await conversation(as(a), `ab ${suffix()}`, a, [a, b]);
    const ac = await conversation(as(a), `ac ${suffix()}`, a, [a, c]);
    const abc = await conversation(as(a), `abc ${suffix()}`, a, [a, b, c]);
    assert.deepEqual(ids(await convPage(as(a), { filter: { memberId: { equalTo: c.id } } })), [abc.id, ac.id]);
    assert.deepEqual(ids(await convPage(as(a), { filter: { memberId: { equalTo: b.id } } })), [abc.id, ab.id]);
    const page = await convPage(admin, { filter: { memberId: { equalTo: a.id } } });
    assert.equal(page.totalCount, 3);
    assert.deepEqual(ids(page), [abc.id, ac.id, ab.id]);
  },

  async filter_conversation_isGroup(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    const g1 = await conversation(as(a), `g1 ${suffix()}`, a, [a, b, c], { isGroup: true });
    const d = await conversation(as(a), `d ${suffix()}`, a, [a, b], { isGroup: false });
    const g2 = await conversation(as(a), `g2 ${suffix()}`, a, [a, c], { isGroup: true });
    const q = async (isGroup) => ids(await convPage(as(a), { filter: { isGroup } }));
    assert.deepEqual(await q({ equalTo: true }), [g2.id, g1.id]);
    assert.deepEqual(await q({ notEqualTo: true }), [d.id]);
    assert.deepEqual(await q({ equalTo: false }), [d.id]);
    assert.deepEqual(await q({ notEqualTo: false }), [g2.id, g1.id]);
  },

  async filter_conversation_messageId(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const c1 = await conversation(as(a), `c1 ${suffix()}`, a, [a, b]);
    const c2 = await conversation(as(a), `c2 ${suffix()}`, a, [a, b]);
    await conversation(as(a), `c3 ${suffix()}`, a, [a, b]);
    await message(as(a), a, c1, 'in c1');
    await message(as(b), b, c2, 'in c2');
    const [m1] = ids(await messagesOf(as(a), c1));
    const [m2] = ids(await messagesOf(as(a), c2));
    assert.deepEqual(ids(await convPage(as(a), { filter: { messageId: { equalTo: m2 } } })), [c2.id]);
    assert.deepEqual(ids(await convPage(as(a), { filter: { messageId: { equalTo: m1 } } })), [c1.id]);
    assert.deepEqual(
      ids(await convPage(as(a), { filter: { messageId: { valueIn: [m1, m2] } } })),
      [c2.id, c1.id],
    );
  },

  async filter_conversation_conversationUserId(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    const c1 = await conversation(as(a), `c1 ${suffix()}`, a, [a, b]);
    const c2 = await conversation(as(a), `c2 ${suffix()}`, a, [a, c]);
    const rows = async (conv) =>
      (await convPage(as(a), { filter: { id: { equalTo: conv.id } }, withUsers: true })).data[0].users.data;
    const [row1] = await rows(c1);
    const rows2 = await rows(c2);
    assert.deepEqual(
      ids(await convPage(as(a), { filter: { conversationUserId: { equalTo: row1.id } } })),
      [c1.id],
    );
    assert.deepEqual(
      ids(await convPage(as(a), { filter: { conversationUserId: { valueIn: rows2.map((r) => r.id) } } })),
      [c2.id],
    );
  },

  async filter_messages_conversationUserId_and_id(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `rows ${suffix()}`, a, [a, b]);
    await message(as(a), a, conv, 'a1');
    await message(as(b), b, conv, 'b1');
    await message(as(a), a, conv, 'a2');
    const all = await messagesOf(as(a), conv, { order: { order: 'ASC', sort: 'createdAt' } });
    assert.deepEqual(bodies(all), ['a1', 'b1', 'a2']);
    const [ma1, mb1, ma2] = ids(all);
    assert.deepEqual(bodies(await msgPage(as(a), { filter: { id: { equalTo: mb1 } } })), ['b1']);
    assert.deepEqual(
      bodies(await msgPage(as(a), { filter: { id: { valueNotIn: [ma1, ma2] }, conversationId: { equalTo: conv.id } } })),
      ['b1'],
    );
    const rows = (await convPage(as(a), { filter: { id: { equalTo: conv.id } }, withUsers: true })).data[0].users.data;
    const counts = [];
    for (const row of rows) {
      counts.push((await msgPage(as(a), { filter: { conversationUserId: { equalTo: row.id } } })).totalCount);
    }
    assert.deepEqual(sorted(counts), [1, 2], "each member row matches its author's messages");
  },

  async filter_messages_body_like(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `like ${suffix()}`, a, [a, b]);
    for (const body of ['Hello World', 'hello world', 'Help', 'Hx_lo', '100% sure']) {
      await message(as(a), a, conv, body);
    }
    const like = async (pattern) => sorted(bodies(await messagesOf(as(b), conv, { filter: { body: { like: pattern } } })));
    assert.deepEqual(await like('Hel%'), ['Hello World', 'Help']);
    assert.deepEqual(await like('hel%'), ['hello world'], 'like is case-sensitive');
    assert.deepEqual(await like('%world'), ['hello world']);
    assert.deepEqual(await like('%World'), ['Hello World']);
    assert.deepEqual(await like('H_l%'), ['Hello World', 'Help'], '_ is one character');
    assert.deepEqual(await like('H____'), ['Hx_lo'], 'four _ are exactly four characters');
    assert.deepEqual(await like('Hel_'), ['Help']);
    assert.deepEqual(await like('Help'), ['Help'], 'without wildcards like is equality');
    assert.deepEqual(await like('Hel'), [], 'the pattern must match the whole value');
    assert.deepEqual(await like('%sure'), ['100% sure']);
    assert.deepEqual(await like('%'), sorted(['Hello World', 'hello world', 'Help', 'Hx_lo', '100% sure']));
  },

  async filter_messages_body_iLike(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `ilike ${suffix()}`, a, [a, b]);
    for (const body of ['Hello World', 'hello world', 'Help', 'HELLO']) {
      await message(as(a), a, conv, body);
    }
    const ilike = async (pattern) => sorted(bodies(await messagesOf(as(b), conv, { filter: { body: { iLike: pattern } } })));
    assert.deepEqual(await ilike('hello%'), ['HELLO', 'Hello World', 'hello world']);
    assert.deepEqual(await ilike('%WORLD'), ['Hello World', 'hello world']);
    assert.deepEqual(await ilike('h_LP'), ['Help']);
    assert.deepEqual(await ilike('hello'), ['HELLO']);
    assert.deepEqual(await ilike('xyz%'), []);
  },

  async filter_messages_body_equality_and_lists(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `eq ${suffix()}`, a, [a, b]);
    for (const body of ['Help', 'help', 'hello world', 'Hx_lo']) {
      await message(as(a), a, conv, body);
    }
    const q = async (body) => sorted(bodies(await messagesOf(as(b), conv, { filter: { body } })));
    assert.deepEqual(await q({ equalTo: 'Help' }), ['Help']);
    assert.deepEqual(await q({ equalTo: 'HELP' }), []);
    assert.deepEqual(await q({ notEqualTo: 'Help' }), ['Hx_lo', 'hello world', 'help']);
    assert.deepEqual(await q({ valueIn: ['Help', 'hello world', 'absent'] }), ['Help', 'hello world']);
    assert.deepEqual(await q({ valueNotIn: ['Help', 'Hx_lo'] }), ['hello world', 'help']);
    assert.deepEqual(await q({ like: 'H%', notEqualTo: 'Help' }), ['Hx_lo'], 'operators are ANDed');
    const page = await messagesOf(as(b), conv, { filter: { body: { valueIn: ['Help', 'help'] } } });
    assert.equal(page.totalCount, 2);
  },

  async filter_messages_fileId_null(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `nulls ${suffix()}`, a, [a, b]);
    for (const body of ['one', 'two', 'three']) await message(as(a), a, conv, body);
    const isNull = await messagesOf(as(a), conv, { filter: { fileId: { equalTo: null } } });
    assert.equal(isNull.totalCount, 3, 'equalTo: null is IS NULL');
    const notNull = await messagesOf(as(a), conv, { filter: { fileId: { notEqualTo: null } } });
    assert.equal(notNull.totalCount, 0, 'notEqualTo: null is IS NOT NULL');
    assert.deepEqual(notNull.data, []);
    const status = await messagesOf(as(a), conv, { filter: { messageStatusId: { equalTo: null } } });
    assert.equal(status.totalCount, 3);
    // null on any other operator is ignored.
    const ignored = await messagesOf(as(a), conv, { filter: { fileId: { valueIn: null }, body: { like: null } } });
    assert.equal(ignored.totalCount, 3);
    const combined = await messagesOf(as(a), conv, { filter: { fileId: { equalTo: null }, body: { equalTo: 'two' } } });
    assert.deepEqual(bodies(combined), ['two']);
  },

  async filter_conversation_search_title(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const s = suffix();
    const alpha = await conversation(as(a), `Alpha ${s}`, a, [a, b]);
    const beta = await conversation(as(a), `alpha beta ${s}`, a, [a, b]);
    const gamma = await conversation(as(a), `Gamma ${s}`, a, [a, b]);
    const search = async (value, extra = {}) => ids(await convPage(as(a), { search: { key: 'title', value }, ...extra }));
    assert.deepEqual(await search('Alpha'), [alpha.id], 'search is case-sensitive');
    assert.deepEqual(await search('lpha'), [beta.id, alpha.id], 'search is a substring match');
    assert.deepEqual(await search('gamma'), []);
    assert.deepEqual(await search('Gamma'), [gamma.id]);
    assert.deepEqual(await search(s), [gamma.id, beta.id, alpha.id]);
    assert.deepEqual(await search('lpha', { filter: { id: { notEqualTo: alpha.id } } }), [beta.id], 'ANDed with the filter');
    const page = await convPage(as(a), { search: { key: 'title', value: 'lpha' }, limit: 1 });
    assert.equal(page.totalCount, 2);
  },

  async filter_conversation_and_of_fields(ctx) {
    const { as, users: [a, b, c] } = await setup(ctx, 'a', 'b', 'c');
    const c1 = await conversation(as(a), `c1 ${suffix()}`, a, [a, b, c], { isGroup: true });
    await conversation(as(a), `c2 ${suffix()}`, a, [a, b], { isGroup: false });
    await conversation(as(b), `c3 ${suffix()}`, b, [a, b, c], { isGroup: true });
    const c4 = await conversation(as(a), `c4 ${suffix()}`, a, [a, c], { isGroup: true });
    await conversation(as(a), `c5 ${suffix()}`, a, [a, c], { isGroup: false });
    const filter = { ownerId: { equalTo: a.id }, memberId: { equalTo: c.id }, isGroup: { equalTo: true } };
    const page = await convPage(as(a), { filter });
    assert.equal(page.totalCount, 2);
    assert.deepEqual(ids(page), [c4.id, c1.id]);
    assert.deepEqual(ids(await convPage(as(a), { filter: { ...filter, id: { notEqualTo: c4.id } } })), [c1.id]);
    assert.deepEqual(ids(await convPage(as(b), { filter })), [c1.id], "b sees only its own of those");
  },
};

// ------------------------------------------------------------------ order and pages

const order = {
  async order_conversations_default_createdAt_desc(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const made = [];
    for (const n of [1, 2, 3, 4]) made.push(await conversation(as(a), `n${n} ${suffix()}`, a, [a, b]));
    const page = await convPage(as(a));
    assert.deepEqual(ids(page), made.map((c) => c.id).reverse(), 'newest first');
    const times = page.data.map((c) => Date.parse(c.createdAt));
    for (let i = 1; i < times.length; i += 1) assert.ok(times[i - 1] >= times[i], 'createdAt descending');
    assert.deepEqual(ids(await convPage(as(a), { order: { order: 'DESC', sort: 'createdAt' } })), ids(page));
    assert.deepEqual(
      ids(await convPage(as(a), { order: { order: 'ASC', sort: 'createdAt' } })),
      made.map((c) => c.id),
    );
  },

  async order_conversations_by_title(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const s = suffix();
    const cb = await conversation(as(a), `b-${s}`, a, [a, b]);
    const ca = await conversation(as(a), `a-${s}`, a, [a, b]);
    const cc = await conversation(as(a), `c-${s}`, a, [a, b]);
    const asc = await convPage(as(a), { order: { order: 'ASC', sort: 'title' } });
    assert.deepEqual(asc.data.map((c) => c.title), [`a-${s}`, `b-${s}`, `c-${s}`]);
    assert.deepEqual(ids(asc), [ca.id, cb.id, cc.id]);
    const desc = await convPage(as(a), { order: { order: 'DESC', sort: 'title' } });
    assert.deepEqual(ids(desc), [cc.id, cb.id, ca.id]);
  },

  async order_conversations_by_isGroup_and_archived(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const group = await conversation(as(a), `g ${suffix()}`, a, [a, b], { isGroup: true });
    const direct = await conversation(as(a), `d ${suffix()}`, a, [a, b], { isGroup: false, archived: true });
    assert.deepEqual(ids(await convPage(as(a), { order: { order: 'ASC', sort: 'isGroup' } })), [direct.id, group.id]);
    assert.deepEqual(ids(await convPage(as(a), { order: { order: 'DESC', sort: 'isGroup' } })), [group.id, direct.id]);
    assert.deepEqual(ids(await convPage(as(a), { order: { order: 'ASC', sort: 'archived' } })), [group.id, direct.id]);
  },

  async order_messages_createdAt(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `order ${suffix()}`, a, [a, b]);
    for (const body of ['one', 'two', 'three']) await message(as(a), a, conv, body);
    assert.deepEqual(bodies(await messagesOf(as(b), conv)), ['three', 'two', 'one'], 'default createdAt DESC');
    assert.deepEqual(
      bodies(await messagesOf(as(b), conv, { order: { order: 'ASC', sort: 'createdAt' } })),
      ['one', 'two', 'three'],
    );
    assert.deepEqual(
      bodies(await messagesOf(as(b), conv, { order: { order: 'DESC', sort: 'createdAt' } })),
      ['three', 'two', 'one'],
    );
  },

  async order_messages_bad_sort_or_direction_400(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `bad ${suffix()}`, a, [a, b]);
    await message(as(a), a, conv, 'x');
    await expectHttp(
      () => as(a).messages({ order: { order: 'ASC', sort: 'nonsense' } }),
      400,
      undefined,
      'messages order with a bad sort',
    );
    await expectHttp(
      () => as(a).messages({ order: { order: 'SIDEWAYS', sort: 'createdAt' } }),
      400,
      undefined,
      'messages order with a bad direction',
    );
  },

  async pages_conversations_cover_everything_once(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    for (const n of [1, 2, 3, 4, 5]) await conversation(as(a), `p${n} ${suffix()}`, a, [a, b]);
    const full = ids(await convPage(as(a)));
    assert.equal(full.length, 5);
    const seen = [];
    const sizes = [];
    for (const offset of [0, 2, 4]) {
      const page = await convPage(as(a), { limit: 2, offset });
      assert.equal(page.totalCount, 5, `totalCount ignores limit/offset (offset ${offset})`);
      sizes.push(page.data.length);
      seen.push(...ids(page));
    }
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(seen, full, 'pages cover every item exactly once, in order');
    const past = await convPage(as(a), { limit: 2, offset: 5 });
    assert.deepEqual(past.data, []);
    assert.equal(past.totalCount, 5);
    const offsetOnly = await convPage(as(a), { offset: 3 });
    assert.deepEqual(ids(offsetOnly), full.slice(3));
  },

  async pages_messages_cover_everything_once(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `mp ${suffix()}`, a, [a, b]);
    for (let n = 1; n <= 7; n += 1) await message(as(a), a, conv, `m${n}`);
    const seen = [];
    for (const offset of [0, 3, 6]) {
      const page = await messagesOf(as(b), conv, { limit: 3, offset, order: { order: 'ASC', sort: 'createdAt' } });
      assert.equal(page.totalCount, 7);
      seen.push(...bodies(page));
    }
    assert.deepEqual(seen, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
  },

  async pages_limit_zero_means_maximum(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    for (const n of [1, 2, 3, 4, 5]) await conversation(as(a), `z${n} ${suffix()}`, a, [a, b]);
    const zero = await convPage(as(a), { limit: 0 });
    assert.equal(zero.data.length, 5, 'limit 0 gives everything');
    assert.equal(zero.totalCount, 5);
    const huge = await convPage(as(a), { limit: 100000 });
    assert.equal(huge.data.length, 5, 'a limit above the maximum gives the maximum');
    const conv = zero.data[0];
    for (let n = 0; n < 3; n += 1) await message(as(a), a, conv, `x${n}`);
    assert.equal((await messagesOf(as(a), conv, { limit: 0 })).data.length, 3);
  },
};

// ------------------------------------------------------------------ errors

const errors = {
  async err_filter_not_a_uuid_IS_UUID(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    await conversation(as(a), `u ${suffix()}`, a, [a, b]);
    const err = await expectHttp(
      () => as(a).conversations({ filter: { id: { equalTo: 'not-a-uuid' } } }),
      400,
      'IS_UUID',
      'conversations id equalTo not-a-uuid',
    );
    assert.match(err.message, /must be a UUID$/);
    await expectHttp(
      () => as(a).messages({ filter: { conversationId: { valueIn: ['nope'] } } }),
      400,
      'IS_UUID',
      'messages conversationId valueIn [nope]',
    );
    // The envelope carries the validation variables.
    const token = await userToken(ctx, a.id);
    const res = await post(
      ctx,
      SERVER_GRAPH,
      { query: 'query { conversations(filter: {ownerId: {equalTo: "x"}}) { totalCount } }' },
      serverHeaders(ctx, token),
    );
    const ext = firstError(res).extensions;
    assert.equal(ext.code, 'IS_UUID', 'for a 400, code is the errorCode');
    assert.equal(ext.response.statusCode, 400);
    assert.equal(ext.response.errorCode, 'IS_UUID');
    assert.equal(ext.response.message, `${ext.response.variables.property} must be a UUID`);
    assert.equal(ext.response.variables.isValidationError, true);
  },

  async err_argument_not_a_uuid_INVALID_UUID(ctx) {
    const { as, users: [a] } = await setup(ctx, 'a');
    const err = await expectHttp(() => as(a).deleteConversation({ id: 'x' }), 400, 'INVALID_UUID', 'deleteConversation(x)');
    assert.equal(err.message, 'Provided argument should have been a valid uuid');
    await expectHttp(
      () => as(a).assignTagsToConversation({ conversationId: 'x', tags: ['t'] }),
      400,
      'INVALID_UUID',
      'assignTags(x)',
    );
  },

  async err_unknown_conversation_404(ctx) {
    const { admin, as, users: [a] } = await setup(ctx, 'a');
    const ghost = crypto.randomUUID();
    await expectHttp(() => admin.deleteConversation({ id: ghost }), 404, 'CONVERSATION_NOT_FOUND', 'delete');
    await expectHttp(() => as(a).deleteConversation({ id: ghost }), 404, 'CONVERSATION_NOT_FOUND', 'delete as user');
    await expectHttp(
      () => as(a).assignTagsToConversation({ conversationId: ghost, tags: ['t'] }),
      404,
      'CONVERSATION_NOT_FOUND',
      'assign tags',
    );
    await expectHttp(
      () => admin.unassignTagsFromConversation({ conversationId: ghost, tags: ['t'] }),
      404,
      'CONVERSATION_NOT_FOUND',
      'unassign tags',
    );
  },

  async err_createMessage_unknown_conversation_404(ctx) {
    const { admin, as, users: [a] } = await setup(ctx, 'a');
    const ghost = crypto.randomUUID();
    const send = (client) =>
      client.createMessage({ message: { authorId: a.id, body: 'void', conversationId: ghost, isSystem: false } });
    await expectHttp(() => send(admin), 404, 'CONVERSATION_NOT_FOUND', 'as super admin');
    await expectHttp(() => send(as(a)), 404, 'CONVERSATION_NOT_FOUND', 'as user');
    assert.equal((await msgPage(admin, { filter: { conversationId: { equalTo: ghost } } })).totalCount, 0);
  },

  async err_negative_limit_or_offset_400(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    await conversation(as(a), `neg ${suffix()}`, a, [a, b]);
    await expectHttp(() => as(a).conversations({ limit: -1 }), 400, undefined, 'conversations limit -1');
    await expectHttp(() => as(a).conversations({ offset: -1 }), 400, undefined, 'conversations offset -1');
    await expectHttp(() => as(a).messages({ limit: -5 }), 400, undefined, 'messages limit -5');
  },

  async err_query_deeper_than_4(ctx) {
    const { as, users: [a] } = await setup(ctx, 'a');
    const client = as(a);
    // data levels do not count: messages, file, createdByUser, id = 4 levels.
    const ok = await client.graphqlRequest('query { messages(limit: 1) { data { file { createdByUser { id } } } } }', {});
    assert.ok(ok && ok.data && ok.data.messages, 'a query of depth 4 runs');
    await expectHttp(
      () => client.graphqlRequest('query { messages(limit: 1) { data { file { createdByUser { tenant { id } } } } } }', {}),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      'a query of depth 5',
    );
  },

  async err_graphql_validation_failed(ctx) {
    const { as, users: [a] } = await setup(ctx, 'a');
    await expectHttp(
      () => as(a).graphqlRequest('query { conversations { data { noSuchField } } }', {}),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      'an unknown field',
    );
    // ConversationUserModel has no userId since 2023.
    await expectHttp(
      () => as(a).graphqlRequest('query { conversations { data { users { data { userId } } } } }', {}),
      400,
      'GRAPHQL_VALIDATION_FAILED',
      'ConversationUserModel.userId',
    );
  },

  async err_failed_createConversation_changes_nothing(ctx) {
    const { admin, as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const title = `Half made ${suffix()}`;
    await expectHttp(
      () => conversation(as(a), title, a, [a, b, { id: crypto.randomUUID() }]),
      404,
      'USER_NOT_FOUND',
      'createConversation with an unknown member',
    );
    assert.equal((await convPage(as(a))).totalCount, 0);
    assert.equal((await convPage(as(b))).totalCount, 0);
    assert.equal((await convPage(admin, { search: { key: 'title', value: title } })).totalCount, 0);
    assert.equal((await convPage(admin, { filter: { memberId: { equalTo: b.id } } })).totalCount, 0);
  },

  async err_failed_createMessage_changes_nothing(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `File ${suffix()}`, a, [a, b]);
    await expectHttp(
      () => as(a).createMessage({
        message: { authorId: a.id, body: 'attached', conversationId: conv.id, isSystem: false, fileId: crypto.randomUUID() },
      }),
      404,
      'FILE_NOT_FOUND',
      'createMessage with an unknown file',
    );
    assert.equal((await messagesOf(as(a), conv)).totalCount, 0);
  },

  async err_deletedAt_of_live_message_is_internal_error(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `deletedAt ${suffix()}`, a, [a, b]);
    await message(as(a), a, conv, 'alive');
    const query = 'query m($f: MessageFilterArgType) { messages(filter: $f) { data { id deletedAt } } }';
    const err = await expectHttp(
      () => as(a).graphqlRequest(query, { f: { conversationId: { equalTo: conv.id } } }),
      500,
      'INTERNAL_ERROR',
      'selecting deletedAt (non-null) of a live message',
    );
    assert.equal(err.message, 'Something Went Wrong. Please Try Later');
  },

  async err_envelope_shape(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `env ${suffix()}`, a, [a, b]);
    const token = await userToken(ctx, b.id);
    const headers = serverHeaders(ctx, token);
    const ghost = crypto.randomUUID();
    const notFound = await post(
      ctx,
      SERVER_GRAPH,
      { query: 'mutation d($id: ID!) { deleteConversation(id: $id) }', variables: { id: ghost } },
      headers,
    );
    const nf = firstError(notFound).extensions;
    assert.equal(nf.code, 'NOT_FOUND');
    assert.equal(nf.response.statusCode, 404);
    assert.equal(nf.response.errorCode, 'CONVERSATION_NOT_FOUND');
    assert.equal(nf.response.error, 'Not Found');
    assert.equal(typeof nf.response.message, 'string');
    assert.equal(typeof nf.response.variables, 'object');
    const forbidden = await post(
      ctx,
      SERVER_GRAPH,
      { query: 'mutation d($id: ID!) { deleteConversation(id: $id) }', variables: { id: conv.id } },
      headers,
    );
    const fb = firstError(forbidden).extensions;
    assert.equal(fb.code, 'FORBIDDEN');
    assert.equal(fb.response.statusCode, 403);
    assert.equal(fb.response.errorCode, 'FORBIDDEN');
    assert.equal(fb.response.error, 'Forbidden');
  },
};

// ------------------------------------------------------------------ transport and headers (plain fetch)

const transport = {
  async http_both_headers_accepted(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `http ${suffix()}`, a, [a, b]);
    const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, serverHeaders(ctx, await userToken(ctx, b.id)));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.errors, undefined);
    assert.deepEqual(res.json.data.conversations, { totalCount: 1, data: [{ id: conv.id, title: conv.title }] });
  },

  async session_per_environment_id(ctx) {
    // A Platform with an environment id of its own works in a world of its own: no custom header needed.
    const environmentId = crypto.randomUUID();
    const own = new ctx.Platform({ environmentId, apiKey: ctx.apiKey, host: ctx.host });
    const admin = own.asSuperAdmin();
    const [a, b] = [await newUser(admin, 'env-a'), await newUser(admin, 'env-b')];
    const conv = await conversation(own.asUser(a.id), `env ${suffix()}`, a, [a, b]);
    await message(own.asUser(b.id), b, conv, 'in my own world');
    assert.equal((await own.asUser(a.id).getTokenPayload()).roqEnvironmentId, environmentId);
    assert.deepEqual(ids(await convPage(own.asUser(a.id))), [conv.id], 'the user acts through the SDK');
    assert.deepEqual(bodies(await messagesOf(own.asUser(a.id), conv)), ['in my own world']);
    const mine = (await admin.users({ filter: { email: { equalTo: a.email } } })).users;
    assert.equal(mine.totalCount, 1);
    // The server's own environment does not see that world, and that world sees nothing else.
    const shared = platform(ctx).asSuperAdmin();
    assert.equal((await shared.users({ filter: { email: { equalTo: a.email } } })).users.totalCount, 0);
    assert.deepEqual(ids(await convPage(admin)), [conv.id], 'only its own conversations');
    await expectHttp(() => platform(ctx).asUser(a.id).conversations({}), 401, 'UNAUTHORIZED_EXCEPTION', 'its user elsewhere');
    const control = { 'roq-platform-server-authorization': basic(environmentId, ctx.apiKey) };
    const journal = await (await fetch(`${ctx.host}/__roqmock/requests?operation=createMessage`, { headers: control })).json();
    assert.equal(journal.count, 1, 'the journal of that world has the message');
    const ended = await fetch(`${ctx.host}/__roqmock/sessions?name=${environmentId}`, { method: 'DELETE', headers: control });
    assert.deepEqual(await ended.json(), { ended: 1 });
  },

  async http_missing_server_header_MISSING_AUTH(ctx) {
    const { users: [a] } = await setup(ctx, 'a');
    const token = await userToken(ctx, a.id);
    const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, { 'roq-platform-authorization': `Bearer ${token}` });
    assertRefused(res, 401, 'MISSING_AUTH', 'no server header');
    assert.equal(firstError(res).extensions.code, 'UNAUTHORIZED');
  },

  async http_malformed_server_header_INVALID_AUTH_HEADER(ctx) {
    const { users: [a] } = await setup(ctx, 'a');
    const token = await userToken(ctx, a.id);
    const bearer = { 'roq-platform-authorization': `Bearer ${token}` };
    for (const header of [
      'Basic %%%not-base64%%%',
      `Bearer ${Buffer.from(`${ctx.environmentId}:${ctx.apiKey}`).toString('base64')}`,
      `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
    ]) {
      const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, { ...bearer, 'roq-platform-server-authorization': header });
      assertRefused(res, 401, 'INVALID_AUTH_HEADER', `server header ${JSON.stringify(header)}`);
    }
  },

  async http_wrong_api_key_INVALID_API_KEY(ctx) {
    const { users: [a] } = await setup(ctx, 'a');
    const token = await userToken(ctx, a.id);
    const bearer = { 'roq-platform-authorization': `Bearer ${token}` };
    for (const header of [basic(ctx.environmentId, 'wrong-key'), basic(crypto.randomUUID(), ctx.apiKey)]) {
      const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, { ...bearer, 'roq-platform-server-authorization': header });
      assertRefused(res, 401, 'INVALID_API_KEY', 'wrong credentials in the server header');
    }
  },

  async http_missing_bearer_401(ctx) {
    const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, {
      'roq-platform-server-authorization': basic(ctx.environmentId, ctx.apiKey),
    });
    assertRefused(res, 401, 'UNAUTHORIZED_EXCEPTION', 'no bearer token');
  },

  async http_forged_token_401(ctx) {
    const { users: [a] } = await setup(ctx, 'a');
    const now = Math.floor(Date.now() / 1000);
    const forged = signHs256(
      {
        roqEnvironmentId: ctx.environmentId,
        roqUserId: a.id,
        notificationToken: suffix(),
        iat: now,
        exp: now + 3600,
      },
      `not-the-secret-${suffix()}`,
    );
    const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, serverHeaders(ctx, forged));
    assertRefused(res, 401, 'UNAUTHORIZED_EXCEPTION', 'a token signed with another secret');
    const garbage = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, serverHeaders(ctx, 'not.a.jwt'));
    assertRefused(garbage, 401, 'UNAUTHORIZED_EXCEPTION', 'a token that is no JWT');
  },

  async http_expired_token_401(ctx) {
    const { users: [a] } = await setup(ctx, 'a');
    const token = await userToken(ctx, a.id, '2s'); // two seconds: see token_cache_refreshes_expired_token
    const claims = decodeJwt(token);
    assert.equal(claims.exp - claims.iat, 2);
    const fresh = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, serverHeaders(ctx, token));
    assert.equal(fresh.status, 200, `a fresh token works: ${fresh.text}`);
    await sleep(Math.max(0, (claims.exp + 1) * 1000 - Date.now()) + 100);
    const res = await post(ctx, SERVER_GRAPH, { query: CONVERSATIONS_QUERY }, serverHeaders(ctx, token));
    assertRefused(res, 401, 'UNAUTHORIZED_EXCEPTION', 'an expired token');
  },

  async http_client_graph_queries_only(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const conv = await conversation(as(a), `client ${suffix()}`, a, [a, b]);
    const token = await userToken(ctx, a.id);
    const headers = { 'roq-platform-authorization': `Bearer ${token}` };
    const read = await post(ctx, CLIENT_GRAPH, { query: CONVERSATIONS_QUERY }, headers);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.json.data.conversations, { totalCount: 1, data: [{ id: conv.id, title: conv.title }] });
    const write = await post(
      ctx,
      CLIENT_GRAPH,
      {
        query: 'mutation m($m: MessageCreateDto!) { createMessage(message: $m) }',
        variables: { m: { authorId: a.id, body: 'via client graph', conversationId: conv.id, isSystem: false } },
      },
      headers,
    );
    assert.ok(write.status >= 400, `a mutation on the client graph is refused (HTTP ${write.status}: ${write.text})`);
    assert.ok(write.json && Array.isArray(write.json.errors) && write.json.errors.length > 0, write.text);
    assert.ok(!write.json.data || !write.json.data.createMessage, 'the mutation did not run');
    const made = await post(
      ctx,
      CLIENT_GRAPH,
      {
        query: 'mutation c($c: ConversationCreateDto!) { createConversation(conversation: $c) { id } }',
        variables: { c: { title: 'via client graph', ownerId: a.id, memberIds: [a.id, b.id] } },
      },
      headers,
    );
    assert.ok(made.status >= 400, `createConversation on the client graph is refused (HTTP ${made.status})`);
    assert.equal((await messagesOf(as(a), conv)).totalCount, 0, 'no message was written');
    assert.deepEqual(ids(await convPage(as(a))), [conv.id], 'no conversation was created');
  },
};


// ------------------------------------------------------------------ files: the SDK's uploadFile

async function filesOf(client, user) {
  return (await client.files({ filter: { createdByUserId: { equalTo: user.id } } })).files;
}

async function download(url) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

/** uploadFile, then the file read back ready with a url whose GET gives the same bytes. */
async function uploadAndCheck(client, fileInfo, options) {
  const result = await client.uploadFile({ fileInfo, options });
  assert.ok(result && result.fileUploadResponse, `uploadFile resolved with ${JSON.stringify(result)}`);
  const { id, name, status } = result.fileUploadResponse;
  assert.match(id, UUID_RE);
  assert.equal(name, fileInfo.name);
  assert.equal(status, 'ready');
  const { file } = await client.file({ id, withFileCategory: true, withFileAssociations: true });
  assert.equal(file.status, 'ready', 'the server holds the file as ready');
  assert.equal(file.fileCategory.key, fileInfo.fileCategory);
  assert.ok(file.url, 'a ready file answers a url');
  const got = await download(file.url);
  assert.equal(got.status, 200, `GET url answered ${got.status}`);
  assert.equal(got.type, fileInfo.contentType);
  assert.deepEqual(got.bytes, Buffer.from(fileInfo.file), 'the url serves the uploaded bytes');
  return file;
}

const files = {
  async files_uploadFile_plain_resolves_ready_and_downloads(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const bytes = Buffer.from(`hello ${suffix()}`);
    const file = await uploadAndCheck(as(a), { file: bytes, contentType: 'text/plain', fileCategory: 'CHAT_FILES', name: 'hello.txt' });
    assert.equal(file.isPublic, false);
    assert.equal(file.createdByUserId, a.id);
    // It attaches to a message, and messages(withFile) and messageFileUrl lead to the same bytes.
    const conv = await conversation(as(a), `files ${suffix()}`, a, [a, b]);
    await as(a).createMessage({ message: { authorId: a.id, body: 'hello.txt', conversationId: conv.id, isSystem: false, fileId: file.id } });
    const page = await messagesOf(as(b), conv, { withFile: true });
    assert.equal(page.data[0].file.id, file.id);
    assert.deepEqual((await download(page.data[0].file.url)).bytes, bytes);
    const answer = await as(b).graphqlRequest(
      'query u($id: ID!, $fileId: ID!) { messageFileUrl(id: $id, fileId: $fileId) }',
      { id: page.data[0].id, fileId: file.id },
    );
    assert.deepEqual((await download(answer.data.messageFileUrl)).bytes, bytes);
  },

  async files_uploadFile_isPublic(ctx) {
    const { as, users: [a, b] } = await setup(ctx, 'a', 'b');
    const file = await uploadAndCheck(
      as(a),
      { file: Buffer.from('public'), contentType: 'text/csv', fileCategory: 'USER_FILES', name: 'p.csv' },
      { isPublic: true },
    );
    assert.equal(file.isPublic, true);
    assert.equal((await as(b).file({ id: file.id })).file.id, file.id, 'a public file is readable by others');
    const avatar = await uploadAndCheck(
      as(a),
      { file: Buffer.from([0x89, 0x50, 0x4e, 0x47]), contentType: 'image/png', fileCategory: 'USER_AVATAR_FILES', name: 'me.png' },
      { isPublic: false },
    );
    assert.equal(avatar.isPublic, false, 'makeFilePrivate turned the avatar category default off');
  },

  async files_uploadFile_with_associations(ctx) {
    const { as, users: [a] } = await setup(ctx, 'a');
    const reference = crypto.randomUUID();
    const file = await uploadAndCheck(
      as(a),
      { file: Buffer.from('linked'), contentType: 'application/pdf', fileCategory: 'CHAT_FILES', name: 'l.pdf' },
      { associations: [{ entityName: 'invoice', entityReference: reference }] },
    );
    assert.equal(file.fileAssociations.totalCount, 1);
    assert.equal(file.fileAssociations.data[0].entityName, 'invoice');
    assert.equal(file.fileAssociations.data[0].entityReference, reference);
  },

  async files_uploadFile_refused_category_or_type_creates_nothing(ctx) {
    const { as, users: [a] } = await setup(ctx, 'a');
    const file = Buffer.from('x');
    await expectHttp(
      () => as(a).uploadFile({ fileInfo: { file, contentType: 'text/plain', fileCategory: `NOPE_${suffix()}`, name: 'x.txt' } }),
      404,
      'FILE_CATEGORY_WITH_GIVEN_KEY_NOT_FOUND',
      'uploadFile with an unknown category key',
    );
    await expectHttp(
      () => as(a).uploadFile({ fileInfo: { file, contentType: 'text/plain', fileCategory: 'USER_AVATAR_FILES', name: 'x.txt' } }),
      400,
      'INVALID_CONTENT_TYPE_FOR_FILE_CATEGORY',
      'uploadFile with a content type the category refuses',
    );
    assert.equal((await filesOf(as(a), a)).totalCount, 0, 'no file was created');
  },

  async files_uploadFile_failed_upload_is_reverted_with_deleteFiles(ctx) {
    const { as, users: [a] } = await setup(ctx, 'a');
    // A Buffer has no .size, so the SDK posts it whatever maxSize says; roqmock refuses it (EntityTooLarge),
    // and the SDK's revert deletes the file it created. The SDK then resolves undefined (it swallows the error).
    const { fileCategories } = await as(a).fileCategories({ filter: { key: { equalTo: 'USER_AVATAR_FILES' } } });
    const maxSize = fileCategories.data[0].maxSize;
    const result = await as(a).uploadFile({
      fileInfo: { file: Buffer.alloc(maxSize + 1, 1), contentType: 'image/png', fileCategory: 'USER_AVATAR_FILES', name: 'big.png' },
    });
    assert.equal(result, undefined, 'a reverted uploadFile resolves undefined');
    assert.equal((await filesOf(as(a), a)).totalCount, 0, 'deleteFiles took the file back');
  },

  async files_updateFileStatus_ready_before_upload_is_refused(ctx) {
    const { as, users: [a] } = await setup(ctx, 'a');
    const { createFileUpload } = await as(a).createFileUpload({
      createFileDto: { name: 'n.txt', contentType: 'text/plain', fileCategory: 'CHAT_FILES' },
    });
    assert.equal(createFileUpload.status, 'upload_pending');
    assert.ok(Number(createFileUpload.formFields.maxSize) > 0 && Number(createFileUpload.formFields.expiryTime) > 0);
    await expectHttp(
      () => as(a).updateFileStatus({ id: createFileUpload.id, status: 'ready' }),
      400,
      'FILE_NOT_COMPLETELY_UPLOADED_STATUS_UPDATE_FAILED',
      'updateFileStatus(ready) before the bytes',
    );
    assert.equal((await as(a).file({ id: createFileUpload.id })).file.status, 'upload_pending');
    const { deleteFiles } = await as(a).deleteFiles({ filter: { id: { equalTo: createFileUpload.id } } });
    assert.deepEqual(deleteFiles, [createFileUpload.id]);
  },
};

module.exports = {
  ...docs,
  ...tokens,
  ...permissions,
  ...filters,
  ...order,
  ...errors,
  ...transport,
  ...files,
};
