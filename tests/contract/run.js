#!/usr/bin/env node
'use strict';
// Runs the contract scenarios of ./scenarios.js with ROQ's Node SDK.
//
//   node run.js --list                  names of all scenarios, as one JSON array
//   node run.js --all                   run every scenario, one after another
//   node run.js --only a,b              run the named scenarios
//
// --all and --only read ROQMOCK_URL, ROQMOCK_ENVIRONMENT_ID and ROQMOCK_API_KEY, report progress on stderr
// and print {name: {ok, error}} as one JSON object on the last line of stdout. Exit status: 0 when every
// scenario passed, 1 when one failed, 2 when the runner itself could not run.

let Platform;
try {
  ({ Platform } = require('@roq/nodejs'));
} catch (error) {
  process.stderr.write(
    `ROQ's Node SDK @roq/nodejs is not installed (run \`npm ci --prefix tests\`): ${error.message}\n`,
  );
  process.exit(2);
}
if (typeof Platform !== 'function') {
  process.stderr.write('@roq/nodejs does not export Platform: is it version 1.0.13?\n');
  process.exit(2);
}

const scenarios = require('./scenarios');

const SCENARIO_TIMEOUT_MS = 30_000;

function formatError(error) {
  if (error === null || error === undefined) return String(error);
  const head = error.constructor ? error.constructor.name : 'Error';
  let text = `${head}: ${error.message}`;
  if (error.statusCode !== undefined || error.errorCode !== undefined) {
    text += ` [statusCode=${error.statusCode} errorCode=${error.errorCode}]`;
  }
  if (error.stack) {
    const frames = String(error.stack)
      .split('\n')
      .filter((line) => line.trim().startsWith('at ') && line.includes('scenarios.js'));
    if (frames.length) text += `\n${frames.slice(0, 3).join('\n')}`;
  }
  return text;
}

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runAll(names) {
  const host = process.env.ROQMOCK_URL;
  const environmentId = process.env.ROQMOCK_ENVIRONMENT_ID;
  const apiKey = process.env.ROQMOCK_API_KEY;
  if (!host || !environmentId || !apiKey) {
    process.stderr.write('set ROQMOCK_URL, ROQMOCK_ENVIRONMENT_ID and ROQMOCK_API_KEY\n');
    process.exit(2);
  }
  const ctx = Object.freeze({ host: host.replace(/\/+$/, ''), environmentId, apiKey, Platform });
  const results = {};
  for (const name of names) {
    const started = Date.now();
    try {
      await withTimeout(Promise.resolve().then(() => scenarios[name](ctx)), SCENARIO_TIMEOUT_MS, name);
      results[name] = { ok: true, error: null };
    } catch (error) {
      results[name] = { ok: false, error: formatError(error) };
    }
    const mark = results[name].ok ? 'ok  ' : 'FAIL';
    process.stderr.write(`${mark} ${name} (${Date.now() - started} ms)\n`);
    if (!results[name].ok) process.stderr.write(`     ${results[name].error.replace(/\n/g, '\n     ')}\n`);
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
  return Object.values(results).every((result) => result.ok) ? 0 : 1;
}

async function main(argv) {
  const names = Object.keys(scenarios);
  if (argv[0] === '--list') {
    process.stdout.write(`${JSON.stringify(names)}\n`);
    return 0;
  }
  if (argv[0] === '--all') return runAll(names);
  if (argv[0] === '--only' && argv[1]) {
    const wanted = argv[1].split(',').filter(Boolean);
    const unknown = wanted.filter((name) => !names.includes(name));
    if (unknown.length) {
      process.stderr.write(`unknown scenarios: ${unknown.join(', ')}\n`);
      return 2;
    }
    return runAll(wanted);
  }
  process.stderr.write('usage: node run.js --list | --all | --only name[,name...]\n');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`run.js crashed: ${formatError(error)}\n`);
    process.exitCode = 2;
  },
);
