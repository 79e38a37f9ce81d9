#!/usr/bin/env bash
# A CI job that uses roqmock only through its command line and documented HTTP calls:
#
#   1. export a scenario (a seeded world as a state file) with `roqmock export`
#   2. start `roqmock serve --state scenario.json` on a free loopback port, read its URL from its first line
#   3. wait on GET /__roqmock/health
#   4. run a suite in another language: ROQ's own Node SDK (@roq/nodejs) writes a message as a scenario user
#   5. verify from the journal: POST /__roqmock/requests/verify, GET /__roqmock/requests
#   6. reset with POST /__roqmock/reset and check through GET /__roqmock/state that the message is gone
#
# Needs bash, curl, node, base64 and the `roqmock` command (or ROQMOCK="python -m roqmock"). The SDK is looked
# up in NODE_MODULES (default: tests/node_modules, where `npm ci --prefix tests` puts it).
# Prints "CI job OK" last when every step passed; the server is stopped on any exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
read -r -a ROQMOCK_COMMAND <<<"${ROQMOCK:-roqmock}"
NODE_MODULES="${NODE_MODULES:-$HERE/../node_modules}"
ENVIRONMENT_ID="0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
API_KEY="ci-job-api-key"
SEED=42
BODY="Hello from the CI job"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "CI job FAILED: $*" >&2
  if [[ -s "$WORK/server.log" ]]; then
    echo "--- roqmock's output:" >&2
    cat "$WORK/server.log" >&2
  fi
  exit 1
}

# `json EXPRESSION`: evaluate a JavaScript expression over the JSON on stdin, bound to `d`; print the result.
json() {
  node -e '
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => {
      const value = new Function("d", `return (${process.argv[1]});`)(JSON.parse(text));
      process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
    });' "$1"
}

# 1. The scenario.
"${ROQMOCK_COMMAND[@]}" export --seed "$SEED" --users 4 --conversations 3 --messages 12 -o "$WORK/scenario.json"
SCENARIO_MESSAGES="$(json 'd.messages.length' <"$WORK/scenario.json")"
# A member of a conversation of the scenario, who may write in it.
read -r USER_ID CONVERSATION_ID < <(
  json '`${d.conversationUsers[0].userId} ${d.conversationUsers[0].conversationId}`' <"$WORK/scenario.json"
)
[[ -n "${CONVERSATION_ID:-}" ]] || fail "the scenario has no conversation member to act as"
echo "scenario: seed $SEED, $SCENARIO_MESSAGES messages; acting as $USER_ID in $CONVERSATION_ID"

# 2. The server, on a free loopback port; its first line names its URL.
"${ROQMOCK_COMMAND[@]}" serve --host 127.0.0.1 --port 0 --state "$WORK/scenario.json" \
  --environment-id "$ENVIRONMENT_ID" --api-key "$API_KEY" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
echo "roqmock serve pid $SERVER_PID"
URL=""
for _ in $(seq 1 200); do
  if [[ "$(head -n 1 "$WORK/server.log")" =~ (http://127\.0\.0\.1:[0-9]+) ]]; then
    URL="${BASH_REMATCH[1]}"
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || fail "roqmock serve exited before printing its URL"
  sleep 0.1
done
[[ -n "$URL" ]] || fail "roqmock serve printed no URL within 20 s"
echo "roqmock at $URL"

# 3. Healthy?
healthy=""
for _ in $(seq 1 100); do
  if curl -fsS --max-time 2 "$URL/__roqmock/health" >"$WORK/health.json" 2>/dev/null; then
    healthy=yes
    break
  fi
  sleep 0.1
done
[[ -n "$healthy" ]] || fail "GET /__roqmock/health never answered 200"
echo "health: $(cat "$WORK/health.json")"

AUTH="roq-platform-server-authorization: Basic $(printf '%s:%s' "$ENVIRONMENT_ID" "$API_KEY" | base64 | tr -d '\n')"
# `control METHOD PATH [curl options...]`: a control API call with the server header; fails on an error status.
control() {
  local method="$1" path="$2"
  shift 2
  curl -sS --fail-with-body --max-time 10 -X "$method" -H "$AUTH" -H "content-type: application/json" \
    "$@" "$URL/__roqmock/$path"
}

# 4. The suite, in Node, with ROQ's own SDK.
cat >"$WORK/suite.js" <<'JS'
'use strict';
const assert = require('node:assert/strict');
const { Platform } = require('@roq/nodejs');

async function main() {
  const env = process.env;
  const platform = new Platform({ environmentId: env.ROQ_ENVIRONMENT_ID, apiKey: env.ROQ_API_KEY, host: env.ROQ_HOST });
  const user = platform.asUser(env.USER_ID);
  const message = { authorId: env.USER_ID, body: env.BODY, conversationId: env.CONVERSATION_ID, isSystem: false };
  const { createMessage } = await user.createMessage({ message });
  assert.equal(createMessage, true, 'createMessage answers true');
  const { messages } = await user.messages({ filter: { conversationId: { equalTo: env.CONVERSATION_ID } } });
  assert.ok(
    messages.data.some((m) => m.body === env.BODY && m.authorId === env.USER_ID),
    'the new message is listed in its conversation',
  );
  console.log(`suite: 2 checks passed (${messages.totalCount} messages in the conversation)`);
}

main().catch((error) => {
  console.error(`suite failed: ${error.message} [statusCode=${error.statusCode} errorCode=${error.errorCode}]`);
  process.exit(1);
});
JS
NODE_PATH="$NODE_MODULES" ROQ_HOST="$URL" ROQ_ENVIRONMENT_ID="$ENVIRONMENT_ID" ROQ_API_KEY="$API_KEY" \
  USER_ID="$USER_ID" CONVERSATION_ID="$CONVERSATION_ID" BODY="$BODY" \
  node "$WORK/suite.js" || fail "the Node suite failed"

# 5. Verify from the journal: createMessage ran once, as that user, with that body.
VERIFY="{\"operation\":\"createMessage\",\"times\":1,\"asUser\":\"$USER_ID\",\"variables\":{\"message\":{\"body\":\"$BODY\"}}}"
verdict="$(control POST requests/verify --data "$VERIFY")" || fail "POST /__roqmock/requests/verify: $verdict"
if [[ "$(json 'd.ok' <<<"$verdict")" != "true" ]]; then
  fail "createMessage was not called once as $USER_ID: $(json 'd.explanation' <<<"$verdict")"
fi
echo "verify: createMessage ran once as $USER_ID"
calls="$(control GET "requests?operation=createMessage&caller=$USER_ID&ok=true")"
[[ "$(json 'd.count' <<<"$calls")" == "1" ]] || fail "the journal does not hold one createMessage: $calls"
[[ "$(json 'd.calls[0].variables.message.body' <<<"$calls")" == "$BODY" ]] || fail "wrong body: $calls"

count_body() {
  control GET state | BODY="$BODY" json 'd.messages.filter((m) => m.body === process.env.BODY).length'
}
[[ "$(count_body)" == "1" ]] || fail "the new message is not in GET /__roqmock/state"

# 6. Reset, and the message is gone: the world is the scenario's again.
control POST reset >/dev/null
[[ "$(count_body)" == "0" ]] || fail "the message is still there after POST /__roqmock/reset"
[[ "$(control GET state | json 'd.messages.length')" == "$SCENARIO_MESSAGES" ]] ||
  fail "after the reset the world does not hold the scenario's $SCENARIO_MESSAGES messages"
[[ "$(control GET requests | json 'd.count')" == "0" ]] || fail "the journal is not empty after the reset"
echo "reset: back to the scenario"

echo "CI job OK"
