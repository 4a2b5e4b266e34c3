"""MQTT.js 5 (npm `mqtt`, installed by scripts/setup into js/node_modules)
against Roost: MQTT 5 properties, topic aliases, QoS 2 over 3.1.1, assigned
client ids, persistent sessions, wills and retain options. Each scenario is in
js/scenarios.mjs and checks its own results; here each runs on a fresh broker."""

import os
import subprocess

import pytest

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
SCENARIOS = ["v5-properties", "topic-aliases", "v311-qos2", "assigned-client-id", "session-resume", "will",
             "retain-options"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_mqttjs(broker, scenario):
    assert os.path.isdir(os.path.join(JS_DIR, "node_modules", "mqtt")), "MQTT.js missing: run scripts/setup"
    r = subprocess.run(["node", os.path.join(JS_DIR, "scenarios.mjs"), str(broker.port), scenario],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
