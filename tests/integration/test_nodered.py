"""Node-RED (npm `node-red`, installed by scripts/setup into
nodered/node_modules) with an MQTT flow, logged in as the `nodered` user the
add-on provisions: a message published by Home Assistant's user goes
through Node-RED's mqtt in -> change -> mqtt out nodes and comes back."""

import json
import os
import subprocess
import time

import pytest

from conftest import free_port
from test_addon import Addon
from fake_supervisor import FakeSupervisor

NODERED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nodered")
RED = os.path.join(NODERED_DIR, "node_modules", "node-red", "red.js")


def flow(port):
    """mqtt in (nodered/in) -> change (append to the payload) -> mqtt out (nodered/out)."""
    return [
        {"id": "tab1", "type": "tab", "label": "roost"},
        {"id": "broker1", "type": "mqtt-broker", "name": "roost", "broker": "127.0.0.1", "port": str(port),
         "clientid": "node-red-test", "protocolVersion": "4", "keepalive": "60", "cleansession": True,
         "autoConnect": True, "usetls": False},
        {"id": "in1", "type": "mqtt in", "z": "tab1", "topic": "nodered/in", "qos": "1", "datatype": "utf8",
         "broker": "broker1", "nl": False, "rap": False, "inputs": 0, "wires": [["change1"]]},
        {"id": "change1", "type": "change", "z": "tab1", "rules": [
            {"t": "set", "p": "payload", "pt": "msg", "to": "payload & ' via node-red'", "tot": "jsonata"}],
         "wires": [["out1"]]},
        {"id": "out1", "type": "mqtt out", "z": "tab1", "topic": "nodered/out", "qos": "1", "retain": "false",
         "broker": "broker1", "wires": []},
    ]


def test_a_message_goes_round_through_node_red_as_the_nodered_user(tmp_path):
    assert os.path.isfile(RED), "Node-RED missing: run scripts/setup"
    with FakeSupervisor(slug="local_roost") as supervisor:
        (tmp_path / "addon").mkdir()
        addon = Addon(tmp_path / "addon", supervisor, {"provision_nodered": True}).start()
        user_dir = tmp_path / "nodered"
        user_dir.mkdir()
        (user_dir / "flows.json").write_text(json.dumps(flow(addon.port)))
        # credentialSecret false: the broker node's credentials are read as plain JSON.
        (user_dir / "flows_cred.json").write_text(json.dumps(
            {"broker1": {"user": "nodered", "password": addon.password("nodered")}}))
        (user_dir / "settings.js").write_text(
            "module.exports = {uiHost: '127.0.0.1', uiPort: %d, httpAdminRoot: false, httpNodeRoot: false,\n"
            "  credentialSecret: false, flowFile: 'flows.json', logging: {console: {level: 'info'}}};\n"
            % free_port())
        red = subprocess.Popen(["node", RED, "--userDir", str(user_dir), "--settings", str(user_dir / "settings.js")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        watcher = addon.client("homeassistant").connect()
        try:
            watcher.subscribe("nodered/out", qos=1)
            deadline = time.monotonic() + 30
            got = []
            while not got and time.monotonic() < deadline and red.poll() is None:
                watcher.client.publish("nodered/in", "hello", qos=1)
                got = watcher.wait_for(1, timeout=1)
            assert [m.payload for m in got[:1]] == [b"hello via node-red"]
            assert "u'nodered'" in addon.log()
        finally:
            watcher.stop()
            red.terminate()
            try:
                red.wait(timeout=10)
            except subprocess.TimeoutExpired:
                red.kill()
                red.wait()
            addon.stop()
            addon.kill()
