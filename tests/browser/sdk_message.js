#!/usr/bin/env node
'use strict';
// Server code sending a message with ROQ's own Node SDK, as a team's backend would:
//
//   node sdk_message.js <conversationId> <authorId> <body> [--system]
//
// Reads ROQMOCK_URL, ROQMOCK_ENVIRONMENT_ID and ROQMOCK_API_KEY; prints createMessage's answer as JSON.
const { Platform } = require('@roq/nodejs');

async function main() {
  const [conversationId, authorId, body, flag] = process.argv.slice(2);
  const platform = new Platform({
    host: process.env.ROQMOCK_URL,
    environmentId: process.env.ROQMOCK_ENVIRONMENT_ID,
    apiKey: process.env.ROQMOCK_API_KEY,
  });
  const answer = await platform.asSuperAdmin().createMessage({
    message: { conversationId, authorId, body, isSystem: flag === '--system' },
  });
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.constructor.name}: ${error.message}\n`);
  process.exit(1);
});
