// Behaves as Zigbee2MQTT does towards its broker: connects with the
// credentials the Supervisor's service record hands it (argv), with a will
// on zigbee2mqtt/bridge/state, publishes that state and Home Assistant
// discovery configs retained, then serves one command: a message on
// zigbee2mqtt/lamp/set is answered with the lamp's new state. Prints "ok"
// and exits 0 when done; anything else exits 1.
//   node zigbee2mqtt.mjs URL USER PASSWORD
import mqtt from "mqtt";

const [url, username, password] = process.argv.slice(2);
const fail = (why) => {
  console.log(`error: ${why}`);
  process.exit(1);
};
setTimeout(() => fail("timed out"), 20000).unref();

const client = mqtt.connect(url, {
  username,
  password,
  clientId: "zigbee2mqtt_ab12",
  protocolVersion: 4,
  reconnectPeriod: 0,
  will: { topic: "zigbee2mqtt/bridge/state", payload: '{"state":"offline"}', qos: 1, retain: true },
});
client.on("error", (e) => fail(e.message));
client.on("connect", async () => {
  await client.subscribeAsync("zigbee2mqtt/+/set", { qos: 1 });
  await client.publishAsync("zigbee2mqtt/bridge/state", '{"state":"online"}', { qos: 1, retain: true });
  const config = {
    name: "Lamp",
    unique_id: "0x00124b0001_light",
    command_topic: "zigbee2mqtt/lamp/set",
    state_topic: "zigbee2mqtt/lamp",
    schema: "json",
  };
  await client.publishAsync("homeassistant/light/0x00124b0001/light/config", JSON.stringify(config), {
    qos: 1,
    retain: true,
  });
  console.log("ready");
});
client.on("message", async (topic, payload) => {
  if (topic !== "zigbee2mqtt/lamp/set") return;
  const command = JSON.parse(payload.toString());
  await client.publishAsync("zigbee2mqtt/lamp", JSON.stringify({ state: command.state }), { qos: 1, retain: true });
  await client.endAsync();
  console.log("ok");
  process.exit(0);
});
