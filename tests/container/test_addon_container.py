"""The add-on image as Home Assistant runs it: /init as PID 1 (here the
s6-overlay stand-in, tests/container/standin), /data, /ssl, /share and
/config mounted, SUPERVISOR_TOKEN in the environment and `supervisor` in
/etc/hosts, pointing at a fake Supervisor on this host's loopback (reached
from the container through slirp4netns). Clients connect from the host to
the published port, on 127.0.0.1 only. Built and started by
scripts/test-addon-image."""

import json
import os
import secrets
import socket
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from fake_supervisor import FakeSupervisor

IMAGE = os.environ.get("ROOST_ADDON_IMAGE", "localhost/roost-addon:test")
JS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration", "js")
OFFICIAL_DEFAULTS = {"logins": [], "log_dest": [], "log_type": [], "require_certificate": False,
                     "certfile": "fullchain.pem", "keyfile": "privkey.pem",
                     "customize": {"active": False, "folder": "mosquitto"}}


def podman(*args, check=True, timeout=60):
    r = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert r.returncode == 0, f"podman {' '.join(args)}: {r.stdout}{r.stderr}"
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Container:
    """One installation of the add-on: its folders on the host, one container."""

    def __init__(self, tmp_path, supervisor, options):
        self.root = tmp_path
        self.supervisor = supervisor
        for d in ("data", "ssl", "share", "config"):
            (tmp_path / d).mkdir()
        (tmp_path / "data" / "options.json").write_text(json.dumps(options))
        self.port = free_port()
        self.name = "roost-test-" + secrets.token_hex(4)

    def run(self):
        podman("run", "-d", "--name", self.name, "--hostname", "local-roost",
               "--network", "slirp4netns:allow_host_loopback=true", "--add-host", "supervisor:10.0.2.2",
               "-p", f"127.0.0.1:{self.port}:1883",
               "-e", f"SUPERVISOR_TOKEN={self.supervisor.token}",
               "-e", f"ROOST_SUPERVISOR_URL=http://supervisor:{self.supervisor.port}",
               "-v", f"{self.root / 'data'}:/data", "-v", f"{self.root / 'ssl'}:/ssl:ro",
               "-v", f"{self.root / 'share'}:/share:ro", "-v", f"{self.root / 'config'}:/config",
               IMAGE)
        return self

    def start(self):
        podman("start", self.name)

    def stop(self, timeout=15):
        podman("stop", "-t", str(timeout), self.name, timeout=timeout + 30)
        return self.exit_code()

    def wait_exit(self, timeout=30):
        podman("wait", self.name, timeout=timeout)
        return self.exit_code()

    def exit_code(self):
        return int(podman("inspect", self.name, "--format", "{{.State.ExitCode}}").stdout.strip())

    def logs(self):
        r = podman("logs", self.name, check=False)
        return r.stdout + r.stderr

    def remove(self):
        podman("rm", "-f", "-t", "0", self.name, check=False)

    def registered(self, timeout=20):
        """Waits for the service registration this container makes."""
        def ours():
            s = self.supervisor.service
            return s if s and s.get("addon") == self.supervisor.slug else None
        service = self.supervisor.wait_for(ours, timeout=timeout)
        assert service, "no mqtt service registration:\n" + self.logs()
        return service


@pytest.fixture
def supervisor():
    with FakeSupervisor(slug="local_roost", auth_users={"jane": "jane-secret"}) as s:
        yield s


@pytest.fixture
def container(tmp_path, supervisor):
    made = []

    def make(options=OFFICIAL_DEFAULTS):
        c = Container(tmp_path, supervisor, options)
        made.append(c)
        return c.run()

    yield make
    for c in made:
        c.remove()


class HomeAssistant:
    """paho as Home Assistant's MQTT integration: birth and will on
    homeassistant/status, subscribed to discovery and the states it reads."""

    def __init__(self, port, config):
        self.client = mqtt.Client(client_id="homeassistant-core", protocol=mqtt.MQTTv311)
        self.client.username_pw_set(config["username"], config["password"])
        self.client.will_set("homeassistant/status", "offline", qos=1, retain=True)
        self.messages = {}
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client.on_connect = self._connected
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.ready.wait(10), "Home Assistant did not connect"

    def _connected(self, client, userdata, flags, rc):
        assert rc == 0, f"CONNACK {rc}"
        client.subscribe([("homeassistant/#", 1), ("zigbee2mqtt/#", 1)])
        client.publish("homeassistant/status", "online", qos=1, retain=True)
        self.ready.set()

    def _message(self, client, userdata, message):
        with self.lock:
            self.messages[message.topic] = (message.payload, bool(message.retain))

    def wait_for(self, topic, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if topic in self.messages:
                    return self.messages[topic]
            time.sleep(0.05)
        raise AssertionError(f"Home Assistant never got {topic}; it has {sorted(self.messages)}")

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def test_home_assistant_and_zigbee2mqtt_work_through_restart_and_stop(container, supervisor):
    """init -> broker -> register in the real image; Home Assistant (paho, from the discovery message)
    and Zigbee2MQTT (MQTT.js, from the service record) exchange messages; a restart keeps retained
    messages and the system passwords; a stop withdraws the service and exits 0."""
    c = container()
    service = c.registered()
    # /init is PID 1 and the image has no CMD of its own.
    assert "/init" in podman("exec", c.name, "cat", "/proc/1/cmdline").stdout.split("\0")[:2]  # (a script)
    assert podman("image", "inspect", IMAGE, "--format", "{{.Config.Cmd}}").stdout.strip() in ("[]", "<nil>", "")
    assert podman("healthcheck", "run", c.name, check=False).returncode == 0
    assert service == {"host": "local-roost", "port": 1883, "ssl": False, "protocol": "3.1.1",
                       "username": "addons", "password": service["password"], "addon": "local_roost"}
    (discovery,) = supervisor.discovery_messages.values()
    ha = HomeAssistant(c.port, discovery["config"])
    z2m = subprocess.Popen(["node", os.path.join(JS_DIR, "zigbee2mqtt.mjs"), f"mqtt://127.0.0.1:{c.port}",
                            service["username"], service["password"]], stdout=subprocess.PIPE, text=True)
    try:
        assert z2m.stdout.readline().strip() == "ready"
        assert ha.wait_for("zigbee2mqtt/bridge/state")[0] == b'{"state":"online"}'
        config = json.loads(ha.wait_for("homeassistant/light/0x00124b0001/light/config")[0])
        ha.client.publish(config["command_topic"], json.dumps({"state": "ON"}), qos=1)
        assert json.loads(ha.wait_for("zigbee2mqtt/lamp")[0]) == {"state": "ON"}
        out, _ = z2m.communicate(timeout=20)
        assert z2m.returncode == 0 and out.strip() == "ok", out
    finally:
        if z2m.poll() is None:
            z2m.kill()
            z2m.wait()
        ha.stop()
    users = (c.root / "data" / "system_user.json").read_bytes()
    assert c.stop() == 0
    assert supervisor.service is None  # withdrawn at stop
    assert "Withdrew the mqtt service" in c.logs()

    c.start()
    c.registered()
    assert (c.root / "data" / "system_user.json").read_bytes() == users
    ha = HomeAssistant(c.port, discovery["config"])
    try:
        assert ha.wait_for("homeassistant/light/0x00124b0001/light/config")[1] is True  # retained, from /data
        assert ha.wait_for("zigbee2mqtt/lamp") == (b'{"state":"ON"}', True)
    finally:
        ha.stop()
    assert c.stop() == 0
    assert supervisor.service is None


def test_home_assistant_users_log_in_through_the_supervisor(container, supervisor):
    """From inside the image, /auth reaches the Supervisor by the name `supervisor` (/etc/hosts)."""
    c = container()
    c.registered()
    result = {}
    done = threading.Event()
    client = mqtt.Client(client_id="jane-phone")
    client.username_pw_set("jane", "jane-secret")
    client.on_connect = lambda cl, u, f, rc: (result.setdefault("rc", rc), done.set())
    client.connect("127.0.0.1", c.port)
    client.loop_start()
    try:
        assert done.wait(10)
    finally:
        client.disconnect()
        client.loop_stop()
    assert result["rc"] == 0
    assert [call["status"] for call in supervisor.auth_calls()] == [200]
    assert c.stop() == 0


def test_bad_options_stop_the_container_with_the_reason(container, supervisor):
    """A bad option: init fails, the container stops (non-zero), nothing is registered."""
    c = container({**OFFICIAL_DEFAULTS, "logins": [{"username": "tasmota", "password": ""}]})
    assert c.wait_exit() != 0
    assert "option `logins[0].password`: is missing or empty" in c.logs()
    assert supervisor.service is None


def test_a_broker_that_fails_halts_the_container_and_withdraws(container, supervisor):
    """The longrun's finish: the broker exits non-zero (its configuration is gone when s6 restarts
    it) -> the service is withdrawn and the container halts with that exit code, for the watchdog."""
    c = container()
    c.registered()
    podman("exec", c.name, "rm", "/etc/roost/roost.toml")
    podman("exec", c.name, "s6-svc", "-t", "/run/service/roost")  # SIGTERM: exits 0, s6 restarts it
    assert c.wait_exit() == 1
    assert supervisor.service is None
    assert "cannot read the file" in c.logs()


def connect_when_up(port, client_id, timeout=20):
    """A paho client connected to the published port once the broker is up."""
    deadline = time.monotonic() + timeout
    while True:
        client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv311)
        connected = threading.Event()
        client.on_connect = lambda c, u, f, rc: rc == 0 and connected.set()
        try:
            client.connect("127.0.0.1", port)
            client.loop_start()
            if connected.wait(2):
                return client
            client.loop_stop()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"no broker on port {port}")
        time.sleep(0.3)


def retained(port, topic):
    client = connect_when_up(port, "standalone-reader")
    got = []
    client.on_message = lambda c, u, m: got.append((m.payload.decode(), m.retain))
    client.subscribe(topic, qos=1)
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    client.disconnect()
    client.loop_stop()
    return got


def test_the_image_runs_outside_home_assistant(tmp_path):
    """`podman run -p 1883:1883 -v DATA:/data IMAGE`: no options.json and no
    Supervisor, so a default configuration with persistence in /data; then a
    roost.toml in /data wins."""
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    name = "roost-standalone-" + secrets.token_hex(4)
    try:
        podman("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:1883", "-v", f"{data}:/data", IMAGE)
        client = connect_when_up(port, "standalone-writer")
        client.publish("standalone/kept", "across restarts", qos=1, retain=True).wait_for_publish(10)
        client.disconnect()
        client.loop_stop()
        podman("stop", "-t", "15", name, timeout=45)
        podman("start", name)
        assert retained(port, "standalone/kept") == [("across restarts", True)]
        assert (data / "roost.db").exists()
        r = podman("logs", name)
        logs = r.stdout + r.stderr
        assert "Not under a Home Assistant Supervisor: the default configuration" in logs, logs
        assert "Not under a Home Assistant Supervisor: nothing to register" in logs, logs
        podman("rm", "-f", "-t", "5", name)

        # The user's own configuration: another port inside the container.
        (data / "roost.toml").write_text(
            '[[listener]]\naddress = "::"\nport = 1884\n\n[persistence]\npath = "/data/roost.db"\n')
        podman("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:1884", "-v", f"{data}:/data", IMAGE)
        assert retained(port, "standalone/kept") == [("across restarts", True)]
        r = podman("logs", name)
        assert "using /data/roost.toml" in r.stdout + r.stderr
    finally:
        podman("rm", "-f", "-t", "0", name, check=False)
