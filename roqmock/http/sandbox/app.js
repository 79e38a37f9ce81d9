// roqmock sandbox: a demo of ROQ's Chat API against roqmock, in plain JS (no build step, no CDN).
//
// It talks to the server exactly as ROQ's SDK talks to ROQ: a service-account token from
// POST /v01/authorize/serviceAccount, user tokens from POST /v01/authorize (with the service token),
// and GraphQL on /v01/server/graphql with both `roq-platform-authorization: Bearer <token>` and
// `roq-platform-server-authorization: Basic base64(environmentId:apiKey)`.
// The live journal comes from roqmock's control API (GET /__roqmock/requests, server header).
//
// Safety: no user text ever goes through innerHTML. Every node is built with createElement and
// textContent, the markdown renderer included.

const SERVICE_ACCOUNT_EMAIL = 'project-service-account@roq.tech';
const TOKEN_HEADER = 'roq-platform-authorization';
const SERVER_HEADER = 'roq-platform-server-authorization';
const BOT_REFERENCE = 'roq-bot';
const JOURNAL_POLL_MS = 1500;
const JOURNAL_ROWS = 120;

// ------------------------------------------------------------------ the SDK's documents

const CONVERSATION_FIELDS = 'id title active archived isGroup ownerId createdAt updatedAt';
const TAG_FIELDS = 'id conversationId tag';
const CONVERSATION_USER_FIELDS = 'id conversationId createdAt updatedAt';
const MESSAGE_FIELDS = 'id body conversationId fileId messageStatusId authorId createdAt updatedAt';
const FILE_FIELDS = 'id createdAt updatedAt contentType createdByUserId fileCategoryId isPublic name status url';
const USER_FIELDS = 'id reference firstName lastName active email tenantId avatarUrl createdAt updatedAt';
const LIST_ARGUMENTS = 'filter: $filter, limit: $limit, offset: $offset, order: $order, search: $search';

const DOCUMENTS = {
  users: `query users($filter: UserFilterArgType, $limit: Int, $offset: Int, $order: UserOrderArgType,
  $search: UserSearchArgType, $withTenant: Boolean = false) {
  users(${LIST_ARGUMENTS}) {
    data { ${USER_FIELDS} tenant @include(if: $withTenant) { id name } }
    totalCount
  }
}`,
  conversations: `query conversations($filter: ConversationFilterArgType, $limit: Int, $offset: Int,
  $order: ConversationOrderArgType, $search: ConversationSearchArgType,
  $withUsers: Boolean = false, $withTags: Boolean = false) {
  conversations(${LIST_ARGUMENTS}) {
    data {
      ${CONVERSATION_FIELDS}
      users @include(if: $withUsers) { data { ${CONVERSATION_USER_FIELDS} } totalCount }
      tags @include(if: $withTags) { data { ${TAG_FIELDS} } totalCount }
    }
    totalCount
  }
}`,
  messages: `query messages($filter: MessageFilterArgType, $limit: Int, $offset: Int, $order: MessageOrderArgType,
  $search: MessageSearchArgType, $withFile: Boolean = false) {
  messages(${LIST_ARGUMENTS}) {
    data { ${MESSAGE_FIELDS} file @include(if: $withFile) { ${FILE_FIELDS} } }
    totalCount
  }
}`,
  messageFileUrl: 'query messageFileUrl($id: ID!, $fileId: ID!) { messageFileUrl(id: $id, fileId: $fileId) }',
  createConversation: `mutation createConversation($conversation: ConversationCreateDto!) {
  createConversation(conversation: $conversation) { ${CONVERSATION_FIELDS} }
}`,
  deleteConversation: 'mutation deleteConversation($id: ID!) { deleteConversation(id: $id) }',
  assignTagsToConversation: `mutation assignTagsToConversation($tags: [String!]!, $conversationId: ID!) {
  assignTagsToConversation(conversationId: $conversationId, tags: $tags)
}`,
  unassignTagsFromConversation: `mutation unassignTagsFromConversation($tags: [String!]!, $conversationId: ID!) {
  unassignTagsFromConversation(conversationId: $conversationId, tags: $tags)
}`,
  createMessage: 'mutation createMessage($message: MessageCreateDto!) { createMessage(message: $message) }',
  // ROQ's chat UI's own file documents (@roq/ui-react, lib/graphql/files/mutations.js), named as the keys.
  createFileUpload: `mutation createFileUpload($createFileDto: FileCreateDto!) {
  createFileUpload(createFileDto: $createFileDto) { id name formFields uploadUrl contentType }
}`,
  updateFileStatus: `mutation updateFileStatus($id: ID!, $status: FileStatusEnum!) {
  updateFileStatus(id: $id, status: $status) { id name url createdAt }
}`,
};
const CHAT_FILES = 'CHAT_FILES'; // the category ROQ's chat UI uploads into

// ------------------------------------------------------------------ state

const state = {
  config: null,
  serverHeader: '',
  serviceToken: null,
  userTokens: new Map(),
  users: [], // the people, bot excluded
  usersById: new Map(),
  bot: null,
  me: null,
  conversations: [],
  memberUserIds: new Map(), // conversationUser row id -> user id (see loadConversations)
  openId: null,
  view: 'welcome', // 'welcome' | 'conversation' | 'new'
  journalKey: '',
  journalSeen: 0,
};

// ------------------------------------------------------------------ DOM helpers (no innerHTML)

/** An element: `attrs` are attributes (`on*` functions become listeners), children are nodes or text. */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'style') {
      for (const [property, styleValue] of Object.entries(value)) element.style.setProperty(property, styleValue);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ markdown, safely

const INLINE = new RegExp(
  [
    '`([^`\\n]+)`', // 1 code
    '\\*\\*(.+?)\\*\\*', // 2 bold
    '\\[([^\\]\\n]+)\\]\\((https?:\\/\\/[^\\s()]+)\\)', // 3 text, 4 url
    '(?<![\\w])_([^_\\n]+?)_(?![\\w])', // 5 italic with underscores
    '(?<![\\w*])\\*([^*\\n]+?)\\*(?![\\w*])', // 6 italic with one star
  ].join('|'),
  'g',
);

/** Inline markdown as DOM nodes: `code`, **bold**, _italic_ or *italic*, [links](http...). */
export function renderInline(text) {
  const nodes = [];
  let last = 0;
  INLINE.lastIndex = 0;
  for (let match = INLINE.exec(text); match !== null; match = INLINE.exec(text)) {
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    const [whole, code, bold, linkText, url, italic, starItalic] = match;
    if (code !== undefined) {
      nodes.push(h('code', {}, code));
    } else if (bold !== undefined) {
      nodes.push(h('strong', {}, renderInline(bold)));
    } else if (linkText !== undefined) {
      nodes.push(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow' }, renderInline(linkText)));
    } else {
      nodes.push(h('em', {}, renderInline(italic ?? starItalic)));
    }
    last = match.index + whole.length;
    INLINE.lastIndex = last;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/** A message body as a fragment: paragraphs (blank lines apart), `- ` or `* ` lists, and inline markdown. */
export function renderMarkdown(source) {
  const fragment = document.createDocumentFragment();
  const blocks = String(source).replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    let paragraph = [];
    let list = null;
    const flushParagraph = () => {
      if (paragraph.length === 0) return;
      const p = h('p');
      paragraph.forEach((line, index) => {
        if (index > 0) p.append(h('br'));
        append(p, renderInline(line));
      });
      fragment.append(p);
      paragraph = [];
    };
    for (const line of lines) {
      const item = /^\s*[-*]\s+(.*)$/.exec(line);
      if (item) {
        flushParagraph();
        if (list === null) {
          list = h('ul');
          fragment.append(list);
        }
        list.append(h('li', {}, renderInline(item[1])));
      } else {
        list = null;
        paragraph.push(line.trim());
      }
    }
    flushParagraph();
  }
  return fragment;
}

// ------------------------------------------------------------------ talking to roqmock

/** ROQ's error envelope, from a GraphQL answer or a REST one. */
export class RoqError extends Error {
  constructor({ statusCode, errorCode, message, code, operation, answer }) {
    super(message || 'Request failed');
    this.statusCode = statusCode;
    this.errorCode = errorCode;
    this.code = code;
    this.operation = operation;
    this.answer = answer;
  }
}

function errorFrom(httpStatus, body, operation) {
  const first = body && Array.isArray(body.errors) ? body.errors[0] : null;
  if (first) {
    const extensions = first.extensions || {};
    const response = extensions.response || {};
    return new RoqError({
      statusCode: response.statusCode ?? httpStatus,
      errorCode: response.errorCode ?? extensions.code ?? 'UNKNOWN',
      message: response.message ?? first.message,
      code: extensions.code,
      operation,
      answer: body,
    });
  }
  return new RoqError({
    statusCode: (body && body.statusCode) ?? httpStatus,
    errorCode: (body && body.errorCode) ?? `HTTP_${httpStatus}`,
    message: (body && body.message) ?? `HTTP ${httpStatus}`,
    operation,
    answer: body,
  });
}

async function request(method, url, { headers = {}, body, operation } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new RoqError({ statusCode: 0, errorCode: 'NETWORK_ERROR', message: String(error), operation });
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text };
  }
  if (!response.ok || (parsed && Array.isArray(parsed.errors) && parsed.errors.length)) {
    throw errorFrom(response.status, parsed, operation);
  }
  return parsed;
}

const control = (method, path, body) =>
  request(method, `/__roqmock/${path}`, { headers: { [SERVER_HEADER]: state.serverHeader }, body, operation: path });

async function serviceToken() {
  if (!state.serviceToken) {
    const answer = await request('POST', '/v01/authorize/serviceAccount', {
      body: {
        email: SERVICE_ACCOUNT_EMAIL,
        environmentId: state.config.environmentId,
        apiKey: state.config.apiKey,
      },
      operation: 'authorize/serviceAccount',
    });
    state.serviceToken = answer.accessToken;
  }
  return state.serviceToken;
}

async function userToken(userId) {
  if (!state.userTokens.has(userId)) {
    const answer = await request('POST', '/v01/authorize', {
      headers: { [TOKEN_HEADER]: `Bearer ${await serviceToken()}` },
      body: { environmentId: state.config.environmentId, apiKey: state.config.apiKey, userId },
      operation: 'authorize',
    });
    state.userTokens.set(userId, answer.accessToken);
  }
  return state.userTokens.get(userId);
}

/** One GraphQL operation on the server graph, as `asUser` (a user id) or as the super admin (null). */
async function graphql(operationName, variables, asUser, retried = false) {
  const token = asUser ? await userToken(asUser) : await serviceToken();
  try {
    const answer = await request('POST', state.config.graphqlUrl, {
      headers: { [TOKEN_HEADER]: `Bearer ${token}`, [SERVER_HEADER]: state.serverHeader },
      body: { query: DOCUMENTS[operationName], variables, operationName },
      operation: operationName,
    });
    return answer.data;
  } catch (error) {
    // Tokens expire (an hour by default): forget them and ask again, once, as the SDK's cache would.
    if (!retried && error.statusCode === 401 && error.errorCode === 'UNAUTHORIZED_EXCEPTION') {
      state.serviceToken = null;
      state.userTokens.clear();
      return graphql(operationName, variables, asUser, true);
    }
    throw error;
  }
}

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// ------------------------------------------------------------------ people

const fullName = (user) =>
  user ? [user.firstName, user.lastName].filter(Boolean).join(' ') || user.email : 'Unknown user';

function nameOf(userId) {
  if (userId === 'super-admin') return 'super admin';
  const user = state.usersById.get(userId);
  return user ? fullName(user) : `${String(userId).slice(0, 8)}…`;
}

function hueOf(text) {
  let hash = 0;
  for (const char of String(text)) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return String(hash);
}

function initials(user) {
  if (!user) return '?';
  const first = (user.firstName || user.email || '?').charAt(0);
  const last = (user.lastName || '').charAt(0);
  return (first + last).toUpperCase();
}

function avatar(user, size = '') {
  return h(
    'span',
    { class: `avatar ${size}`.trim(), 'aria-hidden': 'true', style: { '--hue': hueOf(user ? user.id : '?') } },
    initials(user),
  );
}

// ------------------------------------------------------------------ notifications

function showError(error, context) {
  if (!(error instanceof RoqError)) console.error(error); // a bug of the page, not an answer of ROQ's
  const roq = error instanceof RoqError ? error : new RoqError({ statusCode: 0, errorCode: 'CLIENT_ERROR', message: String(error) });
  const toast = h(
    'div',
    { class: 'toast error', role: 'alert', 'data-testid': 'error-toast', 'data-error-code': roq.errorCode },
    h(
      'div',
      { class: 'toast-head' },
      h('strong', {}, context || `ROQ refused ${roq.operation || 'the call'}`),
      h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', onclick: () => toast.remove() }, '×'),
    ),
    h(
      'dl',
      { class: 'envelope' },
      h('dt', {}, 'statusCode'),
      h('dd', { 'data-testid': 'error-status' }, String(roq.statusCode)),
      h('dt', {}, 'errorCode'),
      h('dd', { 'data-testid': 'error-code' }, h('code', {}, roq.errorCode)),
      h('dt', {}, 'message'),
      h('dd', { 'data-testid': 'error-message' }, roq.message),
    ),
    roq.answer
      ? h('details', {}, h('summary', {}, 'Full answer'), h('pre', {}, JSON.stringify(roq.answer, null, 2)))
      : null,
  );
  const box = $('toasts');
  box.append(toast);
  while (box.querySelectorAll('.toast.error').length > 3) box.querySelector('.toast.error').remove();
  return toast;
}

function showOk(text) {
  const toast = h('div', { class: 'toast ok', role: 'status', 'data-testid': 'ok-toast' }, text);
  $('toasts').append(toast);
  setTimeout(() => toast.remove(), 3500);
}

/** Run an action with its button disabled; errors end up in a toast. */
async function act(button, action, context) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    showError(error, context);
    return undefined;
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
}

// ------------------------------------------------------------------ users

async function loadUsers() {
  const data = await graphql(
    'users',
    { order: { order: 'ASC', sort: 'firstName' }, withTenant: true },
    null, // as the super admin: a user may only read themselves under the default role
  );
  const all = data.users.data;
  state.usersById = new Map(all.map((user) => [user.id, user]));
  state.bot = all.find((user) => user.reference === BOT_REFERENCE) || null;
  state.users = all.filter((user) => user.reference !== BOT_REFERENCE);
  if (state.me) state.me = state.usersById.get(state.me.id) || null;
  renderUsers();
}

function renderUsers() {
  const list = $('user-list');
  list.replaceChildren();
  $('users-count').textContent = `${state.users.length} users`;
  if (state.users.length === 0) {
    list.append(h('li', { class: 'empty', 'data-testid': 'users-empty' }, 'This world has no users. Seed one with POST /__roqmock/seed.'));
    return;
  }
  for (const user of state.users) {
    const selected = state.me && state.me.id === user.id;
    list.append(
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `user-item${selected ? ' selected' : ''}`,
            'data-testid': 'user-item',
            'data-user-id': user.id,
            'data-reference': user.reference,
            'aria-pressed': selected ? 'true' : 'false',
            onclick: () => selectUser(user.id),
          },
          avatar(user),
          h(
            'span',
            { class: 'user-text' },
            h(
              'span',
              { class: 'user-line' },
              h('span', { class: 'user-name', 'data-testid': 'user-name', title: fullName(user) }, fullName(user)),
              user.tenant ? h('span', { class: 'tenant', title: `Tenant: ${user.tenant.name}` }, user.tenant.name) : null,
            ),
            h('span', { class: 'user-email' }, user.email),
          ),
        ),
        h(
          'a',
          {
            class: 'chat-link',
            'data-testid': 'chat-link',
            href: `${chatOrigin()}/chat/?user=${encodeURIComponent(user.id)}`,
            target: '_blank',
            rel: 'noopener',
            title: `Open ROQ's own chat UI as ${fullName(user)}`,
            'aria-label': `Open ROQ's chat as ${fullName(user)}`,
          },
          "ROQ's chat UI ↗",
        ),
      ),
    );
  }
  if (state.bot) {
    list.append(h('li', { class: 'footnote' }, `${fullName(state.bot)} posts the system messages and is not listed.`));
  }
}

// ROQ's UI reaches its notification socket on the page's port only when the host name says localhost
// (else wss://<host>:443): on 127.0.0.1 its chat opens as localhost, the same server.
function chatOrigin() {
  const { protocol, hostname, port } = window.location;
  if (hostname !== '127.0.0.1' && hostname !== '[::1]') return '';
  return `${protocol}//localhost${port ? `:${port}` : ''}`;
}

async function selectUser(userId) {
  const user = state.usersById.get(userId);
  if (!user) return;
  state.me = user;
  state.openId = null;
  state.view = 'welcome';
  renderUsers();
  $('acting-as').replaceChildren(avatar(user, 'tiny'), 'Acting as ', h('strong', {}, fullName(user)));
  $('new-conversation').disabled = false;
  $('rules-card').hidden = false;
  renderThread();
  await act(null, async () => {
    await updateGraphiqlLink();
    await loadConversations();
  }, `Could not load ${fullName(user)}'s conversations`);
}

async function updateGraphiqlLink() {
  const link = $('graphiql-link');
  const token = await userToken(state.me.id);
  const headers = { [TOKEN_HEADER]: `Bearer ${token}`, [SERVER_HEADER]: state.serverHeader };
  link.href = `${state.config.graphqlUrl}#headers=${encodeURIComponent(JSON.stringify(headers, null, 2))}`;
  link.removeAttribute('aria-disabled');
  link.title = `GraphiQL with ${fullName(state.me)}'s token and the server header`;
}

// ------------------------------------------------------------------ conversations

async function loadConversations() {
  if (!state.me) return;
  const data = await graphql(
    'conversations',
    { order: { order: 'DESC', sort: 'createdAt' }, withUsers: true, withTags: true },
    state.me.id,
  );
  // Member rows (ConversationUserModel) have no userId in ROQ's schema. The simplest way to name them is
  // roqmock's own state (GET /__roqmock/state, server header): its conversationUsers rows carry userId.
  const world = await control('GET', 'state');
  state.memberUserIds = new Map(world.conversationUsers.map((row) => [row.id, row.userId]));
  state.conversations = data.conversations.data;
  renderConversations();
  if (state.view === 'conversation') {
    if (openConversationRecord()) renderThreadHeader();
    else {
      state.view = 'welcome';
      state.openId = null;
      renderThread();
    }
  }
}

const openConversationRecord = () => state.conversations.find((c) => c.id === state.openId) || null;
const membersOf = (conversation) =>
  (conversation.users ? conversation.users.data : []).map((row) => state.memberUserIds.get(row.id)).filter(Boolean);
// Tags come newest first (ROQ's default order); a person reads them more easily sorted.
const tagsOf = (conversation) =>
  (conversation.tags ? conversation.tags.data.map((t) => t.tag) : []).sort((a, b) => a.localeCompare(b));

function badges(conversation) {
  return [
    h('span', { class: 'badge kind', 'data-testid': 'badge-kind' }, conversation.isGroup ? 'Group' : '1:1'),
    conversation.archived ? h('span', { class: 'badge archived', 'data-testid': 'badge-archived' }, 'Archived') : null,
    state.me && conversation.ownerId === state.me.id
      ? h('span', { class: 'badge owner', 'data-testid': 'badge-owner', title: 'You own this conversation' }, 'Owner')
      : null,
  ];
}

function renderConversations() {
  const list = $('conversation-list');
  list.replaceChildren();
  if (state.conversations.length === 0) {
    list.append(
      h('li', { class: 'empty', 'data-testid': 'conversations-empty' }, `${fullName(state.me)} is in no conversation yet. Start one with “+ New”.`),
    );
    return;
  }
  for (const conversation of state.conversations) {
    const current = conversation.id === state.openId;
    const members = membersOf(conversation).map(nameOf);
    list.append(
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `conversation-item${current ? ' current' : ''}`,
            'data-testid': 'conversation-item',
            'data-conversation-id': conversation.id,
            'aria-current': current ? 'true' : null,
            onclick: () => openConversation(conversation.id),
          },
          h('span', { class: 'conversation-top' }, h('span', { class: 'conversation-title', 'data-testid': 'conversation-title' }, conversation.title), badges(conversation)),
          h('span', { class: 'conversation-members', 'data-testid': 'conversation-members' }, members.join(', ')),
          tagsOf(conversation).length
            ? h('span', { class: 'chips' }, tagsOf(conversation).map((tag) => h('span', { class: 'chip', 'data-testid': 'tag-chip' }, tag)))
            : null,
        ),
      ),
    );
  }
}

// ------------------------------------------------------------------ the thread column

function renderThread() {
  const thread = $('thread');
  thread.replaceChildren();
  if (state.view === 'new') {
    thread.append(newConversationForm());
  } else if (state.view === 'conversation' && openConversationRecord()) {
    thread.append(
      h('header', { class: 'thread-head', id: 'thread-head', 'data-testid': 'thread-head' }),
      h('ol', { class: 'messages', id: 'messages', 'data-testid': 'message-list', 'aria-label': 'Messages', 'aria-live': 'polite' },
        h('li', { class: 'empty' }, 'Loading messages…')),
      composer(),
    );
    renderThreadHeader();
  } else {
    thread.append(welcome());
  }
}

function welcome() {
  return h(
    'div',
    { class: 'welcome', 'data-testid': 'thread-empty' },
    h('h2', {}, state.me ? 'Open a conversation' : 'Start by picking a user'),
    h(
      'ol',
      {},
      h('li', {}, h('strong', {}, 'Pick a user'), ' on the left: the sandbox asks ROQ\'s token endpoints for their token.'),
      h('li', {}, h('strong', {}, 'Open a conversation'), ' to read its messages, or start a new one.'),
      h('li', {}, h('strong', {}, 'Send messages'), ', add and remove tags, delete what you own.'),
      h('li', {}, h('strong', {}, 'Try something forbidden'), ' and read ROQ\'s error envelope.'),
      h('li', {}, 'Watch each GraphQL call land in the ', h('strong', {}, 'request journal'), ' on the right.'),
    ),
  );
}

function renderThreadHeader() {
  const head = $('thread-head');
  const conversation = openConversationRecord();
  if (!head || !conversation) return;
  const mine = conversation.ownerId === state.me.id;
  const tags = tagsOf(conversation);
  const tagInput = h('input', {
    type: 'text',
    id: 'tag-input',
    'data-testid': 'tag-input',
    placeholder: 'new tag',
    'aria-label': 'New tag',
    maxlength: '40',
    autocomplete: 'off',
  });
  const addTag = async (event) => {
    event.preventDefault();
    const tag = tagInput.value.trim();
    if (!tag) return;
    await act(event.submitter, async () => {
      await graphql('assignTagsToConversation', { conversationId: conversation.id, tags: [tag] }, state.me.id);
      tagInput.value = '';
      await loadConversations();
    });
  };
  head.replaceChildren();
  append(
    head,
    [h(
      'div',
      { class: 'thread-title-row' },
      h('div', {}, h('h2', { 'data-testid': 'thread-title' }, conversation.title), h('div', { class: 'badges' }, badges(conversation))),
      mine
        ? h('button', { type: 'button', class: 'button small danger', 'data-testid': 'delete-conversation', onclick: (e) => deleteConversation(e.currentTarget, conversation) }, 'Delete conversation')
        : h(
            'button',
            {
              type: 'button',
              class: 'button small danger-outline',
              'data-testid': 'try-delete-conversation',
              title: `Owned by ${nameOf(conversation.ownerId)}: ROQ lets only the owner delete it`,
              onclick: (e) => deleteConversation(e.currentTarget, conversation),
            },
            'Try to delete',
          ),
    ),
    h(
      'div',
      { class: 'meta-row' },
      h('span', { class: 'meta-label' }, 'Members'),
      h(
        'span',
        { class: 'people', 'data-testid': 'thread-members' },
        membersOf(conversation).map((userId) =>
          h('span', { class: 'person' }, avatar(state.usersById.get(userId), 'tiny'), nameOf(userId), userId === conversation.ownerId ? h('span', { class: 'muted' }, ' (owner)') : null),
        ),
      ),
    ),
    h(
      'div',
      { class: 'meta-row' },
      h('span', { class: 'meta-label' }, 'Tags'),
      h(
        'span',
        { class: 'chips', 'data-testid': 'thread-tags' },
        tags.length === 0 ? h('span', { class: 'muted' }, 'none') : null,
        tags.map((tag) =>
          h(
            'span',
            { class: 'chip removable', 'data-testid': 'thread-tag', 'data-tag': tag },
            tag,
            h('button', {
              type: 'button',
              class: 'chip-remove',
              'aria-label': `Remove tag ${tag}`,
              'data-testid': 'tag-remove',
              onclick: (e) =>
                act(e.currentTarget, async () => {
                  await graphql('unassignTagsFromConversation', { conversationId: conversation.id, tags: [tag] }, state.me.id);
                  await loadConversations();
                }),
            }, '×'),
          ),
        ),
      ),
      h('form', { class: 'tag-form', 'data-testid': 'tag-form', onsubmit: addTag }, tagInput, h('button', { type: 'submit', class: 'button small', 'data-testid': 'tag-add' }, 'Add tag')),
    ),
    mine ? null : h('p', { class: 'hint' }, `${nameOf(conversation.ownerId)} owns this conversation: ROQ lets only the owner change its tags or delete it.`)],
  );
}

async function openConversation(conversationId) {
  state.openId = conversationId;
  state.view = 'conversation';
  renderConversations();
  renderThread();
  await act(null, loadMessages, 'Could not load the messages');
}

async function loadMessages() {
  const conversationId = state.openId;
  const data = await graphql(
    'messages',
    { filter: { conversationId: { equalTo: conversationId } }, order: { order: 'ASC', sort: 'createdAt' }, withFile: true },
    state.me.id,
  );
  const messages = data.messages.data;
  // Attachment links come from messageFileUrl, as ROQ's chat UI gets them.
  const urls = new Map(
    await Promise.all(
      messages
        .filter((message) => message.fileId)
        .map(async (message) => {
          try {
            const answer = await graphql('messageFileUrl', { id: message.id, fileId: message.fileId }, state.me.id);
            return [message.id, answer.messageFileUrl];
          } catch {
            return [message.id, null];
          }
        }),
    ),
  );
  if (state.openId !== conversationId) return; // another conversation was opened meanwhile
  renderMessages(messages, urls);
}

function renderMessages(messages, urls) {
  const list = $('messages');
  if (!list) return;
  list.replaceChildren();
  if (messages.length === 0) {
    list.append(h('li', { class: 'empty', 'data-testid': 'messages-empty' }, 'No messages yet. Say hello below.'));
    return;
  }
  for (const message of messages) {
    const system = state.bot !== null && message.authorId === state.bot.id;
    const mine = message.authorId === state.me.id;
    const when = new Date(message.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    const body = h('div', { class: 'markdown', 'data-testid': 'message-body' }, renderMarkdown(message.body));
    if (system) {
      list.append(
        h('li', { class: 'message system', 'data-testid': 'message', 'data-message-id': message.id, 'data-system': 'true' },
          h('span', { class: 'system-label' }, 'system'), body, h('time', { datetime: message.createdAt }, when)),
      );
      continue;
    }
    const author = state.usersById.get(message.authorId);
    list.append(
      h(
        'li',
        { class: `message${mine ? ' mine' : ''}`, 'data-testid': 'message', 'data-message-id': message.id, 'data-system': 'false' },
        avatar(author),
        h(
          'div',
          { class: 'bubble' },
          h('div', { class: 'message-meta' }, h('span', { class: 'author', 'data-testid': 'message-author' }, mine ? 'You' : nameOf(message.authorId)), h('time', { datetime: message.createdAt }, when)),
          body,
          message.file ? attachment(message.file, urls.get(message.id)) : null,
        ),
      ),
    );
  }
  list.scrollTop = list.scrollHeight;
}

function attachment(file, url) {
  return h(
    'div',
    { class: 'attachment', 'data-testid': 'attachment' },
    h('span', { class: 'file-icon', 'aria-hidden': 'true' }, (file.name.split('.').pop() || 'file').slice(0, 4)),
    h('span', { class: 'file-text' }, h('span', { class: 'file-name', 'data-testid': 'attachment-name' }, file.name), h('span', { class: 'muted' }, file.contentType)),
    url
      ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', download: file.name, 'data-testid': 'attachment-link', title: 'URL from the messageFileUrl query' }, 'Open')
      : h('span', { class: 'muted' }, 'no link'),
  );
}

function composer() {
  const input = h('textarea', {
    id: 'composer-input',
    'data-testid': 'composer-input',
    rows: '2',
    placeholder: 'Write a message… (markdown: **bold**, _italic_, `code`, [link](https://…), - lists)',
    'aria-label': 'New message',
  });
  const picker = h('input', { type: 'file', id: 'composer-file', class: 'visually-hidden', 'data-testid': 'composer-file', 'aria-label': 'Attach a file' });
  const attach = h('label', { for: 'composer-file', class: 'button', 'data-testid': 'composer-attach', title: 'createFileUpload, the presigned POST, updateFileStatus(ready), createMessage with its fileId' }, 'Attach a file');
  picker.addEventListener('change', () => sendFile(attach, picker));
  const form = h(
    'form',
    { class: 'composer', 'data-testid': 'composer', onsubmit: (event) => { event.preventDefault(); sendMessage(form, input); } },
    input,
    picker,
    attach,
    h('button', { type: 'submit', class: 'button primary', 'data-testid': 'composer-send' }, 'Send'),
  );
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  return form;
}

async function sendMessage(form, input) {
  const body = input.value.trim();
  if (!body) return;
  const button = form.querySelector('button[type=submit]');
  await act(button, async () => {
    await graphql(
      'createMessage',
      { message: { authorId: state.me.id, body, conversationId: state.openId, isSystem: false } },
      state.me.id,
    );
    input.value = '';
    await loadMessages();
  });
}

/** A file message, as ROQ's chat UI sends one: createFileUpload, the bytes posted to its presigned form
 * (every field, then `file`), updateFileStatus(ready), then createMessage with the file's id. */
async function sendFile(label, picker) {
  const file = picker.files[0];
  if (!file) return;
  label.classList.add('busy');
  await act(null, async () => {
    try {
      const contentType = file.type || 'application/octet-stream';
      const created = (
        await graphql('createFileUpload', { createFileDto: { name: file.name, contentType, fileCategory: CHAT_FILES } }, state.me.id)
      ).createFileUpload;
      const maxSize = Number(created.formFields.maxSize);
      if (!maxSize) throw new Error('Max file size is missing');
      if (file.size > maxSize) throw new Error(`${file.name} is ${file.size} bytes, over the ${maxSize} bytes its category allows`);
      const form = new FormData();
      for (const [key, value] of Object.entries(created.formFields)) form.append(key, String(value));
      form.append('file', file);
      const posted = await fetch(created.uploadUrl, { method: 'POST', body: form });
      if (!posted.ok) {
        await graphql('updateFileStatus', { id: created.id, status: 'error' }, state.me.id);
        throw s3Error(posted.status, await posted.text());
      }
      await graphql('updateFileStatus', { id: created.id, status: 'ready' }, state.me.id);
      await graphql(
        'createMessage',
        { message: { authorId: state.me.id, body: file.name, conversationId: state.openId, isSystem: false, fileId: created.id } },
        state.me.id,
      );
      await loadMessages();
    } finally {
      picker.value = '';
      label.classList.remove('busy');
    }
  }, 'Could not send the file');
}

/** S3's XML error body (`<Error><Code/><Message/></Error>`), as ROQ's UI reads it. */
function s3Error(status, text) {
  const xml = new DOMParser().parseFromString(text, 'application/xml');
  const read = (tag) => (xml.querySelector(`Error > ${tag}`) || {}).textContent;
  return new RoqError({ statusCode: status, errorCode: read('Code') || 'UPLOAD_FAILED', message: read('Message') || text, operation: 'upload' });
}

async function deleteConversation(button, conversation) {
  const done = await act(button, async () => {
    await graphql('deleteConversation', { id: conversation.id }, state.me.id);
    return true;
  });
  if (done) {
    showOk(`Deleted “${conversation.title}”`);
    state.openId = null;
    state.view = 'welcome';
    renderThread();
    await act(null, loadConversations);
  }
}

// ------------------------------------------------------------------ new conversation

function newConversationForm() {
  const others = state.users.filter((user) => user.id !== state.me.id);
  const title = h('input', { type: 'text', id: 'new-title', 'data-testid': 'new-title', required: true, maxlength: '120', placeholder: 'e.g. Launch plan' });
  const tags = h('input', { type: 'text', id: 'new-tags', 'data-testid': 'new-tags', placeholder: 'support, urgent' });
  const group = h('input', { type: 'checkbox', id: 'new-group', 'data-testid': 'new-group' });
  const boxes = others.map((user) => h('input', { type: 'checkbox', name: 'member', value: user.id, 'data-testid': 'new-member', 'data-reference': user.reference }));
  const syncGroup = () => {
    group.checked = boxes.filter((box) => box.checked).length > 1;
  };
  boxes.forEach((box) => box.addEventListener('change', syncGroup));
  const form = h(
    'form',
    { class: 'new-form', 'data-testid': 'new-conversation-form', 'aria-labelledby': 'new-heading' },
    h('h2', { id: 'new-heading' }, 'Start a conversation'),
    h('p', { class: 'explain' }, 'Sends ', h('code', {}, 'createConversation'), ` as ${fullName(state.me)}, who owns it and is always a member.`),
    h('label', { for: 'new-title' }, 'Title'),
    title,
    h(
      'fieldset',
      {},
      h('legend', {}, 'Members'),
      h('div', { class: 'member-grid' },
        h('label', { class: 'member-option fixed' }, h('input', { type: 'checkbox', checked: true, disabled: true }), avatar(state.me, 'tiny'), `${fullName(state.me)} (you, owner)`),
        others.map((user, index) =>
          h('label', { class: 'member-option' }, boxes[index], avatar(user),
            h('span', { class: 'member-text' }, fullName(user), user.tenant ? h('span', { class: 'muted' }, user.tenant.name) : null)))),
    ),
    h('label', { for: 'new-tags' }, 'Tags ', h('span', { class: 'muted' }, '(comma separated, optional)')),
    tags,
    h('label', { class: 'inline' }, group, ' Group conversation ', h('span', { class: 'muted' }, '(checked for you with 3 or more members)')),
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'button ghost', 'data-testid': 'new-cancel', onclick: () => { state.view = state.openId ? 'conversation' : 'welcome'; renderThread(); if (state.openId) act(null, loadMessages); } }, 'Cancel'),
      h('button', { type: 'submit', class: 'button primary', 'data-testid': 'new-submit' }, 'Create conversation')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const memberIds = boxes.filter((box) => box.checked).map((box) => box.value);
    if (!title.value.trim() || memberIds.length === 0) {
      showError(new RoqError({ statusCode: '–', errorCode: 'FORM_INCOMPLETE', message: 'Give the conversation a title and at least one other member.' }), 'Not sent');
      return;
    }
    const conversation = {
      title: title.value.trim(),
      ownerId: state.me.id,
      memberIds: [state.me.id, ...memberIds],
      isGroup: group.checked,
      tags: tags.value.split(',').map((tag) => tag.trim()).filter(Boolean),
    };
    const created = await act(event.submitter, () => graphql('createConversation', { conversation }, state.me.id));
    if (created) {
      showOk(`Created “${created.createConversation.title}”`);
      await act(null, loadConversations);
      await openConversation(created.createConversation.id);
    }
  });
  setTimeout(() => title.focus(), 0);
  return form;
}

// ------------------------------------------------------------------ a rule to break

async function writeToForeignConversation(button) {
  await act(button, async () => {
    // The super admin sees every conversation; the user sees their own (asked afresh: the list on screen may
    // still be loading after a switch of user). Pick one the user is not in.
    const all = (await graphql('conversations', { order: { order: 'ASC', sort: 'createdAt' } }, null)).conversations.data;
    const ids = all.map((c) => c.id);
    const visible = await graphql('conversations', { filter: { id: { valueIn: ids } }, limit: ids.length }, state.me.id);
    const mine = new Set(visible.conversations.data.map((c) => c.id));
    const foreign = all.find((c) => !mine.has(c.id));
    if (!foreign) {
      showOk(`${fullName(state.me)} is a member of every conversation: nothing to try here.`);
      return;
    }
    try {
      await graphql(
        'createMessage',
        { message: { authorId: state.me.id, body: 'Can I post here?', conversationId: foreign.id, isSystem: false } },
        state.me.id,
      );
      showOk(`Unexpectedly allowed to write to “${foreign.title}”`);
    } catch (error) {
      showError(error, `createMessage into “${foreign.title}”, where ${fullName(state.me)} is no member`);
    }
  });
}

// ------------------------------------------------------------------ the journal

async function pollJournal() {
  try {
    const answer = await control('GET', 'requests');
    renderJournal(answer.calls);
    $('journal-list').removeAttribute('data-offline');
  } catch {
    $('journal-list').setAttribute('data-offline', 'true');
  } finally {
    setTimeout(pollJournal, JOURNAL_POLL_MS);
  }
}

function renderJournal(calls) {
  const key = `${calls.length}:${calls.length ? calls[calls.length - 1].sequence : 0}`;
  if (key === state.journalKey) return;
  state.journalKey = key;
  const list = $('journal-list');
  list.replaceChildren();
  if (calls.length === 0) {
    list.append(h('li', { class: 'empty', 'data-testid': 'journal-empty' }, 'No calls yet. Pick a user to make some.'));
    state.journalSeen = 0;
    return;
  }
  const newest = calls.slice(-JOURNAL_ROWS).reverse();
  for (const call of newest) {
    const fresh = call.sequence > state.journalSeen && state.journalSeen > 0;
    const time = new Date(call.at).toLocaleTimeString(undefined, { hour12: false });
    list.append(
      h(
        'li',
        {
          class: `journal-row${call.ok ? '' : ' failed'}${fresh ? ' fresh' : ''}`,
          'data-testid': 'journal-row',
          'data-operation': call.operation,
          'data-ok': String(call.ok),
          'data-caller': call.caller,
        },
        h('div', { class: 'journal-top' },
          h('code', { class: 'operation', 'data-testid': 'journal-operation' }, call.operation),
          h('span', { class: `outcome ${call.ok ? 'ok' : 'error'}`, 'data-testid': 'journal-outcome' }, call.ok ? 'ok' : call.errorCode || `HTTP ${call.status}`)),
        h('div', { class: 'journal-meta' },
          h('span', { class: 'caller', 'data-testid': 'journal-caller' }, nameOf(call.caller)),
          h('span', {}, `${call.status}`),
          h('span', {}, `${Number(call.durationMs).toFixed(1)} ms`),
          h('time', { datetime: call.at }, time)),
      ),
    );
  }
  state.journalSeen = calls[calls.length - 1].sequence;
}

// ------------------------------------------------------------------ start

async function resetWorld(button) {
  const done = await act(button, async () => {
    await control('POST', 'reset');
    return true;
  }, 'Could not reset the world');
  if (!done) return;
  state.openId = null;
  state.view = 'welcome';
  state.journalSeen = 0;
  renderThread();
  await act(null, async () => {
    await loadUsers();
    if (state.me) await loadConversations();
    else renderConversations();
  });
  showOk('The world is back to its seeded baseline');
}

async function start() {
  try {
    state.config = await request('GET', '/__roqmock/sandbox/config', { operation: 'sandbox config' });
    state.serverHeader = `Basic ${base64(`${state.config.environmentId}:${state.config.apiKey}`)}`;
    $('new-conversation').addEventListener('click', () => {
      state.view = 'new';
      renderThread();
    });
    $('try-write-foreign').addEventListener('click', (event) => writeToForeignConversation(event.currentTarget));
    $('journal-clear').addEventListener('click', (event) =>
      act(event.currentTarget, async () => {
        await control('DELETE', 'requests');
        state.journalSeen = 0;
      }),
    );
    $('reset-world').addEventListener('click', (event) => resetWorld(event.currentTarget));
    $('graphiql-link').addEventListener('click', (event) => {
      if (!state.me) event.preventDefault();
    });
    pollJournal();
    await loadUsers();
    document.body.dataset.ready = 'true';
  } catch (error) {
    $('user-list').replaceChildren(h('li', { class: 'empty error-text', 'data-testid': 'users-error' }, 'Could not load users.'));
    showError(error, 'The sandbox could not start');
  }
}

start();
