// MQTT.js 5 against Roost: one scenario per run, chosen by name.
//   node scenarios.mjs PORT SCENARIO [URL]
// URL defaults to mqtt://127.0.0.1:PORT; ws://, wss:// and mqtts:// run the
// same scenario over WebSocket or TLS (the CA comes from NODE_EXTRA_CA_CERTS).
// Prints "ok" and exits 0 when every check of the scenario holds; otherwise
// prints what differed and exits 1. A scenario never runs longer than 10 s.

import assert from 'node:assert/strict';
import mqtt from 'mqtt';

const [port, scenarioName] = [Number(process.argv[2]), process.argv[3]];
const url = process.argv[4] ?? `mqtt://127.0.0.1:${port}`;
const clients = [];

function connect(options) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    client.once('connect', (connack) => resolve({ client, connack }));
    client.once('error', reject);
  });
}

// Resolves with the first `count` messages `client` receives.
function collect(client, count) {
  return new Promise((resolve) => {
    const got = [];
    client.on('message', (topic, payload, packet) => {
      got.push({ topic, payload: payload.toString(), packet });
      if (got.length === count) resolve(got);
    });
  });
}

const scenarios = {
  // Every MQTT 5 publish property arrives unchanged, user properties in order,
  // with the subscriber's Subscription Identifier [MQTT-3.3.2-17], [MQTT-3.3.4-3].
  async 'v5-properties'() {
    const { client: sub } = await connect({ protocolVersion: 5, clientId: 'js-props-sub' });
    await sub.subscribeAsync('js/props/#', { qos: 1, properties: { subscriptionIdentifier: 7 } });
    const received = collect(sub, 1);
    const { client: pub } = await connect({ protocolVersion: 5, clientId: 'js-props-pub' });
    await pub.publishAsync('js/props/a', 'héllo', {
      qos: 1,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 60,
        contentType: 'text/plain; charset=utf-8',
        responseTopic: 'js/reply',
        correlationData: Buffer.from([0, 1, 2, 255]),
        userProperties: { zeta: 'last?', alpha: ['1', '2'] },
      },
    });
    const [m] = await received;
    const p = m.packet.properties;
    assert.equal(m.payload, 'héllo');
    assert.equal(m.packet.qos, 1);
    assert.equal(p.payloadFormatIndicator, true);
    assert.ok(p.messageExpiryInterval > 0 && p.messageExpiryInterval <= 60, `expiry ${p.messageExpiryInterval}`);
    assert.equal(p.contentType, 'text/plain; charset=utf-8');
    assert.equal(p.responseTopic, 'js/reply');
    assert.deepEqual([...p.correlationData], [0, 1, 2, 255]);
    assert.deepEqual({ ...p.userProperties }, { zeta: 'last?', alpha: ['1', '2'] });
    assert.deepEqual(Object.keys(p.userProperties), ['zeta', 'alpha']);
    assert.deepEqual([p.subscriptionIdentifier].flat(), [7]);
  },

  // Topic aliases both ways: the publisher assigns them, the broker assigns
  // its own to a subscriber that allows them; every topic arrives intact.
  async 'topic-aliases'() {
    const { client: sub } = await connect({
      protocolVersion: 5, clientId: 'js-alias-sub', properties: { topicAliasMaximum: 2 },
    });
    await sub.subscribeAsync('js/alias/#', { qos: 0 });
    const topics = ['js/alias/one', 'js/alias/two', 'js/alias/three'];
    const sent = Array.from({ length: 30 }, (_, i) => ({ topic: topics[i % 3], payload: `m${i}` }));
    const received = collect(sub, sent.length);
    const { client: pub, connack } = await connect({
      protocolVersion: 5, clientId: 'js-alias-pub', autoAssignTopicAlias: true,
    });
    assert.ok(connack.properties?.topicAliasMaximum > 0, 'the broker offers topic aliases');
    for (const m of sent) await pub.publishAsync(m.topic, m.payload, { qos: 1 });
    const got = await received;
    assert.deepEqual(got.map((m) => [m.topic, m.payload]), sent.map((m) => [m.topic, m.payload]));
  },

  // MQTT 3.1.1 QoS 2: 200 messages, each exactly once and in order.
  async 'v311-qos2'() {
    const { client: sub } = await connect({ protocolVersion: 4, clientId: 'js-q2-sub' });
    await sub.subscribeAsync('js/q2', { qos: 2 });
    const received = collect(sub, 200);
    const { client: pub } = await connect({ protocolVersion: 4, clientId: 'js-q2-pub' });
    await Promise.all(Array.from({ length: 200 }, (_, i) => pub.publishAsync('js/q2', `${i}`, { qos: 2 })));
    const got = await received;
    assert.deepEqual(got.map((m) => m.payload), Array.from({ length: 200 }, (_, i) => `${i}`));
    assert.ok(got.every((m) => m.packet.qos === 2));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 200, 'no duplicate after the last message');
  },

  // An empty client id gets an Assigned Client Identifier [MQTT-3.2.2-16].
  async 'assigned-client-id'() {
    const { connack } = await connect({ protocolVersion: 5, clientId: '' });
    const assigned = connack.properties?.assignedClientIdentifier;
    assert.ok(typeof assigned === 'string' && assigned.length > 0, `assigned: ${assigned}`);
  },

  // A persistent session (Session Expiry Interval) keeps subscriptions and
  // QoS 1 messages while offline; the session is present on return.
  async 'session-resume'() {
    const options = { protocolVersion: 5, clientId: 'js-resume', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await connect(options);
    await first.client.subscribeAsync('js/resume', { qos: 1 });
    await first.client.endAsync();
    const { client: pub } = await connect({ protocolVersion: 5, clientId: 'js-resume-pub' });
    for (let i = 0; i < 5; ++i) await pub.publishAsync('js/resume', `offline ${i}`, { qos: 1 });
    const again = mqtt.connect(url, { reconnectPeriod: 0, ...options });
    clients.push(again);
    const received = collect(again, 5);
    const connack = await new Promise((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    assert.equal(connack.sessionPresent, true);
    const got = await received;
    assert.deepEqual(got.map((m) => m.payload), [0, 1, 2, 3, 4].map((i) => `offline ${i}`));
  },

  // A will with properties, sent when the connection drops without DISCONNECT.
  async 'will'() {
    const { client: watcher } = await connect({ protocolVersion: 5, clientId: 'js-will-watch' });
    await watcher.subscribeAsync('js/will', { qos: 1 });
    const received = collect(watcher, 1);
    const { client: dying } = await connect({
      protocolVersion: 5,
      clientId: 'js-will-dying',
      will: {
        topic: 'js/will', payload: Buffer.from('gone'), qos: 1, retain: false,
        properties: { contentType: 'text/plain', userProperties: { why: 'test' } },
      },
    });
    dying.stream.destroy();  // no DISCONNECT: the will must go
    const [m] = await received;
    assert.equal(m.payload, 'gone');
    assert.equal(m.packet.properties.contentType, 'text/plain');
    assert.deepEqual({ ...m.packet.properties.userProperties }, { why: 'test' });
  },

  // Retain Handling 2 sends no retained message and Retain As Published keeps
  // the flag on live messages; Retain Handling 0 sends the retained message
  // with the flag, and without RAP live messages lose it [MQTT-3.3.1-12], [MQTT-3.8.3].
  async 'retain-options'() {
    const { client: pub } = await connect({ protocolVersion: 5, clientId: 'js-ret-pub' });
    await pub.publishAsync('js/ret/a', 'kept', { qos: 1, retain: true });
    const { client: rap } = await connect({ protocolVersion: 5, clientId: 'js-ret-rap' });
    const { client: plain } = await connect({ protocolVersion: 5, clientId: 'js-ret-plain' });
    const rapGot = collect(rap, 1);
    const plainGot = collect(plain, 2);
    await rap.subscribeAsync('js/ret/a', { qos: 1, rh: 2, rap: true });
    await plain.subscribeAsync('js/ret/#', { qos: 1, rh: 0 });
    await pub.publishAsync('js/ret/a', 'live', { qos: 1, retain: true });
    assert.deepEqual((await rapGot).map((m) => [m.payload, m.packet.retain]), [['live', true]]);
    assert.deepEqual((await plainGot).map((m) => [m.payload, m.packet.retain]), [['kept', true], ['live', false]]);
    await pub.publishAsync('js/ret/a', '', { qos: 1, retain: true });  // delete it
  },
};

const scenario = scenarios[scenarioName];
if (!scenario) {
  console.error(`unknown scenario ${scenarioName}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const deadline = setTimeout(() => {
  console.error(`${scenarioName}: timed out after 10 s`);
  process.exit(1);
}, 10000);
try {
  await scenario();
  console.log('ok');
  process.exitCode = 0;
} catch (error) {
  console.error(`${scenarioName}: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  for (const c of clients) c.end(true);
}
