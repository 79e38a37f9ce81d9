// The client side of the `live` part of `python -m benchmarks`: the conversation's members as
// socket.io-client 4.8 sockets in one process, the same driver for roqmock and for the Node server.
//
//   node benchmarks/socketio/driver.mjs config.json
//
// config: {url, conversationId, tokens: [one per member, the sender first], mode, ...}
//   mode "latency":    {warmup, messages}: one `sendMessage` at a time; each member's `messageReceived`
//                      is timed from the emit; the next message leaves once every member has the last one.
//   mode "throughput": {warmupMs, durationMs, window}: the sender keeps `window` messages in flight (sent,
//                      not yet heard by every member) for the whole run; messages/s counts those heard by
//                      every member during the timed stretch, deliveries/s every arrival.
//
// Prints one JSON object on its last line: {ok: true, ...figures} or {ok: false, error}. `cpu` is the
// driver's own CPU time over the timed stretch's wall time: near 1.0, the driver is the bottleneck.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { io } from 'socket.io-client';

const TIMEOUT_MS = 10_000;
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function connect(token) {
  const socket = io(`${config.url}/messageCenter`, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    query: { platformtoken: token },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(new Error(`connect_error: ${error.message}`)));
  });
}

function percentile(sorted, fraction) {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

// Every member's arrivals, by the sequence number the body carries; `failure` is the first thing that
// went wrong on any socket (an exception event, a disconnection).
class Room {
  constructor(sockets) {
    this.sockets = sockets;
    this.heard = new Map(); // sequence -> members that heard it
    this.arrivals = 0;
    this.failure = null;
    this.onArrival = () => {};
    this.sample = null;
    for (const socket of sockets) {
      socket.on('messageReceived', (message) => {
        const sequence = Number(String(message.body).split(' ', 1)[0]);
        if (this.sample === null) this.sample = message;
        this.arrivals += 1;
        const count = (this.heard.get(sequence) ?? 0) + 1;
        this.heard.set(sequence, count);
        this.onArrival(sequence, count);
      });
      socket.on('exception', (error) => this.fail(`exception: ${error}`));
      socket.on('disconnect', (reason) => this.fail(`disconnected: ${reason}`));
    }
  }

  fail(reason) {
    if (this.failure === null) this.failure = reason;
    this.onArrival(-1, 0);
  }

  send(sequence) {
    this.sockets[0].emit('sendMessage', {
      conversationId: config.conversationId,
      body: `${sequence} ${config.body}`,
    });
  }
}

async function latency(room) {
  const members = room.sockets.length;
  const samples = [];
  let sequence = 0;
  const one = (record) =>
    new Promise((resolve, reject) => {
      sequence += 1;
      const mine = sequence;
      const timer = setTimeout(() => reject(new Error(`message ${mine} not heard by all within 10 s`)), TIMEOUT_MS);
      const started = performance.now();
      room.onArrival = (heard, count) => {
        if (room.failure !== null) {
          clearTimeout(timer);
          reject(new Error(room.failure));
          return;
        }
        if (heard !== mine) return;
        if (record) samples.push(performance.now() - started);
        if (count === members) {
          clearTimeout(timer);
          resolve();
        }
      };
      room.send(mine);
    });
  for (let index = 0; index < config.warmup; index += 1) await one(false);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (let index = 0; index < config.messages; index += 1) await one(true);
  const cpu = cpuFraction(cpuBefore, performance.now() - wallBefore);
  samples.sort((a, b) => a - b);
  return {
    messages: config.messages,
    samples: samples.length,
    p50_ms: percentile(samples, 0.5),
    p99_ms: percentile(samples, 0.99),
    max_ms: samples[samples.length - 1],
    cpu,
  };
}

function cpuFraction(before, wallMs) {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / wallMs;
}

async function throughput(room) {
  const members = room.sockets.length;
  let sequence = 0;
  let inFlight = 0;
  let sending = true;
  let timing = false;
  let completed = 0;
  let arrivalsAtStart = 0;
  let drained = () => {};
  room.onArrival = (heard, count) => {
    if (room.failure !== null) {
      sending = false;
      drained();
      return;
    }
    if (count !== members) return;
    room.heard.delete(heard);
    inFlight -= 1;
    if (timing) completed += 1;
    if (sending) {
      sequence += 1;
      inFlight += 1;
      room.send(sequence);
    } else if (inFlight === 0) {
      drained();
    }
  };
  for (let index = 0; index < config.window; index += 1) {
    sequence += 1;
    inFlight += 1;
    room.send(sequence);
  }
  await new Promise((resolve) => setTimeout(resolve, config.warmupMs));
  timing = true;
  arrivalsAtStart = room.arrivals;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, config.durationMs));
  const elapsedMs = performance.now() - started;
  timing = false;
  const cpu = cpuFraction(cpuBefore, elapsedMs);
  const arrivals = room.arrivals - arrivalsAtStart;
  sending = false;
  // What is still in flight arrives before the sockets close: the next run starts from a quiet server.
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${inFlight} messages never heard by all`)), TIMEOUT_MS);
    drained = () => {
      clearTimeout(timer);
      resolve();
    };
    if (inFlight === 0 || room.failure !== null) drained();
  });
  if (room.failure !== null) throw new Error(room.failure);
  return {
    messages_per_s: (completed * 1000) / elapsedMs,
    deliveries_per_s: (arrivals * 1000) / elapsedMs,
    completed,
    window: config.window,
    cpu,
  };
}

async function main() {
  const sockets = [];
  try {
    for (const token of config.tokens) sockets.push(await connect(token));
    const room = new Room(sockets);
    const figures = config.mode === 'latency' ? await latency(room) : await throughput(room);
    return { ...figures, sample: room.sample };
  } finally {
    for (const socket of sockets) socket.close();
  }
}

main().then(
  (result) => {
    console.log(JSON.stringify({ ok: true, ...result }));
    process.exit(0);
  },
  (error) => {
    console.log(JSON.stringify({ ok: false, error: String((error && error.stack) || error) }));
    process.exit(0);
  },
);
