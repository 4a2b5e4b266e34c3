"""The Home Assistant add-on's flow on the real binary, against a fake
Supervisor as strict as the real one (fake_supervisor.py):

  roost addon init -> roost serve (ready on a pipe, as s6's notification-fd)
  -> roost addon register -> clients -> roost addon unregister -> SIGTERM

The generated configuration is used as written, but for its ports: the
add-on's fixed 1883/1884/8883/8884 become ephemeral ones here. Each test
names the item of the reference's checklist it covers."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from clients import Paho
from conftest import ROOST_BIN, free_port
from fake_supervisor import FakeSupervisor

HOSTNAME = "local-roost"


class Addon:
    """One add-on installation: its folders, options, the broker it runs."""

    def __init__(self, tmp_path, supervisor, options=None):
        self.root = tmp_path
        self.supervisor = supervisor
        for d in ("data", "ssl", "share", "config", "etc"):
            (tmp_path / d).mkdir(exist_ok=True)
        self.ports = {p: free_port() for p in (1883, 1884, 8883, 8884)}
        self.options = options if options is not None else {
            "logins": [], "log_dest": [], "log_type": [], "require_certificate": False,
            "certfile": "fullchain.pem", "keyfile": "privkey.pem",
            "customize": {"active": False, "folder": "mosquitto"}}
        self.process = None
        self.log_path = tmp_path / "roost.log"

    @property
    def port(self):
        return self.ports[1883]

    def env(self):
        return dict(os.environ, SUPERVISOR_TOKEN=self.supervisor.token)

    def step(self, command, check=True):
        """roost addon COMMAND with this add-on's folders; returns the CompletedProcess."""
        r = subprocess.run(
            [ROOST_BIN, "addon", command, "--data", str(self.root / "data"), "--ssl", str(self.root / "ssl"),
             "--share", str(self.root / "share"), "--config-dir", str(self.root / "config"),
             "--out", str(self.root / "etc"), "--supervisor", self.supervisor.url, "--hostname", HOSTNAME],
            capture_output=True, text=True, timeout=30, env=self.env())
        if check:
            assert r.returncode == 0, r.stdout + r.stderr
        return r

    def init(self):
        (self.root / "data" / "options.json").write_text(json.dumps(self.options))
        r = self.step("init")
        toml = (self.root / "etc" / "roost.toml").read_text()
        for fixed, port in self.ports.items():
            toml = toml.replace(f"port = {fixed}\n", f"port = {port}\n")
        (self.root / "etc" / "roost.toml").write_text(toml)
        return r

    def serve(self):
        read_fd, write_fd = os.pipe()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [ROOST_BIN, "serve", "--config", str(self.root / "etc" / "roost.toml"), "--ready-fd", str(write_fd)],
            pass_fds=(write_fd,), stdout=log, stderr=subprocess.STDOUT, env=self.env())
        log.close()
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as ready:
            assert ready.readline() == b"\n", "roost did not become ready:\n" + self.log()
        self.ready_at = time.monotonic()
        return self

    def start(self):
        self.init()
        self.serve()
        self.step("register")
        return self

    def stop(self, timeout=10):
        """As s6 at container stop: the register oneshot's down script, then SIGTERM."""
        self.step("unregister")
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def system_users(self):
        return json.loads((self.root / "data" / "system_user.json").read_text())

    def password(self, user):
        return self.system_users()[user]["password"]

    def client(self, user=None, password=None, client_id="", **kwargs):
        c = Paho(self.port, client_id=client_id, **kwargs)
        if user is not None:
            c.client.username_pw_set(user, password if password is not None else self.password(user))
        return c


@pytest.fixture
def supervisor():
    with FakeSupervisor(slug="local_roost", auth_users={"jane": "jane-secret"}) as s:
        yield s


@pytest.fixture
def addon(tmp_path, supervisor, request):
    started = []

    def make(options=None, start=True):
        a = Addon(tmp_path, supervisor, options)
        started.append(a)
        return a.start() if start else a

    yield make
    for a in started:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            print("--- add-on log ---\n" + a.log()[-6000:])
        a.kill()


def connack_code(port, user, password, client_id="", version=mqtt.MQTTv311, host="127.0.0.1"):
    """Connects once; returns the CONNACK's return code (0 is success)."""
    result = {}
    done = threading.Event()
    c = mqtt.Client(client_id=client_id, protocol=version)
    if user is not None:
        c.username_pw_set(user, password)

    def on_connect(client, userdata, flags, rc, properties=None):
        result["rc"] = rc
        done.set()

    c.on_connect = on_connect
    c.connect(host, port)
    c.loop_start()
    try:
        assert done.wait(10), "no CONNACK"
    finally:
        c.disconnect()
        c.loop_stop()
    return result["rc"]


def requests_of(supervisor, *paths):
    return [(r["method"], r["path"]) for r in supervisor.requests if r["path"] in paths]


def test_register_publishes_service_and_discovery_after_listening_and_withdraws_at_stop(addon, supervisor):
    """Checklist: registration after 1883 accepts; DELETE then POST /services/mqtt with exactly host,
    port 1883 (int), ssl false, protocol 3.1.1, addons; POST /discovery as homeassistant; SIGTERM ->
    DELETE and exit 0 within 10 s."""
    a = addon(start=False)
    a.init()
    assert supervisor.requests == []  # init talks to nobody
    a.serve()
    a.step("register")
    records = supervisor.requests
    assert all(r["time"] >= a.ready_at for r in records)
    assert requests_of(supervisor, "/services/mqtt", "/discovery") == [
        ("GET", "/services/mqtt"), ("POST", "/services/mqtt"), ("POST", "/discovery")]
    posted = next(r for r in records if r["method"] == "POST" and r["path"] == "/services/mqtt")
    assert posted["status"] == 200
    assert posted["json"] == {"host": HOSTNAME, "port": 1883, "ssl": False, "protocol": "3.1.1",
                              "username": "addons", "password": a.password("addons")}
    assert posted["headers"]["x-supervisor-token"] == supervisor.token
    assert supervisor.service["addon"] == "local_roost"
    (message,) = supervisor.discovery_messages.values()
    assert message["service"] == "mqtt"
    assert message["config"] == {"host": HOSTNAME, "port": 1883, "ssl": False, "protocol": "3.1.1",
                                 "username": "homeassistant", "password": a.password("homeassistant")}
    assert "Registered the mqtt service" in a.step("register").stdout  # again: replaces its own, no warning
    assert supervisor.service is not None
    started = time.monotonic()
    assert a.stop() == 0
    assert time.monotonic() - started < 10
    assert supervisor.service is None
    assert requests_of(supervisor, "/services/mqtt")[-1] == ("DELETE", "/services/mqtt")


def test_another_brokers_registration_is_replaced_with_a_warning(tmp_path):
    """Checklist: GET /services/mqtt shows core_mosquitto -> a warning; ours replaces it. At stop a
    registration that is no longer ours is left alone."""
    theirs = {"host": "core-mosquitto", "port": 1883, "ssl": False, "protocol": "3.1.1",
              "username": "addons", "password": "x", "addon": "core_mosquitto"}
    with FakeSupervisor(slug="local_roost", preexisting_service=theirs) as s:
        a = Addon(tmp_path, s)
        try:
            a.init()
            a.serve()
            out = a.step("register").stdout
            assert "Another MQTT broker (core_mosquitto) had registered the mqtt service" in out
            assert s.service["addon"] == "local_roost"
            assert requests_of(s, "/services/mqtt") == [
                ("GET", "/services/mqtt"), ("DELETE", "/services/mqtt"), ("POST", "/services/mqtt")]
            # Someone else registers while we run (the fake lets anybody delete and post).
            s._service = dict(theirs)  # noqa: SLF001 - simulating the other add-on
            out = a.step("unregister").stdout
            assert "belongs to core_mosquitto now" in out
            assert s.service["addon"] == "core_mosquitto"
            a.process.send_signal(signal.SIGTERM)
            assert a.process.wait(timeout=10) == 0
        finally:
            a.kill()


def test_a_supervisor_that_refuses_is_logged_and_the_broker_keeps_running(tmp_path):
    """Checklist: registration failures are logged, the broker keeps running."""
    with FakeSupervisor(slug="local_roost", services_provide=False, discovery_allowed=False) as s:
        a = Addon(tmp_path, s)
        try:
            a.init()
            a.serve()
            r = a.step("register")
            assert "refused the mqtt service registration" in r.stdout
            assert "Discovery message refused" in r.stdout
            assert connack_code(a.port, "addons", a.password("addons")) == 0
        finally:
            a.kill()
    # No Supervisor at all (stopped): register still exits 0, saying why.
    r = a.step("register")
    assert r.returncode == 0 and "error" in r.stdout


def test_system_users_connect_and_use_every_topic_anonymous_is_refused(addon):
    """Checklist: homeassistant and addons connect with the system passwords and can pub/sub #,
    retained included; anonymous CONNECT refused; client id and user name with '/' accepted."""
    a = addon({"logins": [{"username": "dev/one", "password": "pw"}]})
    ha = a.client("homeassistant", client_id="homeassistant-core").connect()
    ha.subscribe("#", qos=1)
    z = a.client("addons", client_id="govee2mqtt/abc").connect()
    z.client.publish("homeassistant/sensor/x/config", b'{"name": "x"}', qos=1, retain=True).wait_for_publish(5)
    d = a.client("dev/one", "pw", client_id="dev/one/c").connect()
    d.client.publish("tele/dev/STATE", b"on", qos=1).wait_for_publish(5)
    got = {m.topic: m.payload for m in ha.wait_for(2)}
    assert got == {"homeassistant/sensor/x/config": b'{"name": "x"}', "tele/dev/STATE": b"on"}
    late = a.client("homeassistant").connect()
    late.subscribe("homeassistant/#", qos=1)
    assert [m.retain for m in late.wait_for(1)] == [True]
    for c in (ha, z, d, late):
        c.stop()
    assert connack_code(a.port, None, None) == 5  # not authorised
    assert connack_code(a.port, "homeassistant", "wrong") != 0


def test_roost_passwd_writes_go_auth_hashes_that_pre_hashed_logins_take(addon):
    """Checklist: our `pw`-like output (roost passwd -H pbkdf2 -p, as go-auth's `pw -p`) has go-auth's
    format (sha512, 16-byte salt, 64-byte key) and logs in as a pre-hashed login."""
    r = subprocess.run([ROOST_BIN, "passwd", "-H", "pbkdf2", "-I", "1000", "-p", "s3cret"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    hashed = r.stdout.strip()
    assert re.fullmatch(r"PBKDF2\$sha512\$1000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{86}==", hashed), hashed
    a = addon({"logins": [{"username": "esp", "password": hashed, "password_pre_hashed": True}]})
    assert connack_code(a.port, "esp", "s3cret") == 0
    assert connack_code(a.port, "esp", "wrong") in (4, 5)


def test_home_assistant_users_log_in_through_auth_and_are_cached(addon, supervisor):
    """Checklist: POST /auth with X-Supervisor-Token, Content-Type exactly application/json, no
    Authorization header; 200 -> success; 401 -> refused; success cached (second CONNECT makes no
    HTTP call); any Home Assistant user may use any topic."""
    a = addon()
    assert connack_code(a.port, "jane", "jane-secret") == 0
    assert "New client connected from 127.0.0.1:" in a.log()  # IPv4 on the dual-stack listener, unmapped
    (call,) = supervisor.auth_calls()
    assert call["headers"]["content-type"] == "application/json"
    assert call["headers"]["x-supervisor-token"] == supervisor.token
    assert "authorization" not in call["headers"]
    assert call["json"] == {"username": "jane", "password": "jane-secret"}
    assert call["status"] == 200
    assert connack_code(a.port, "jane", "jane-secret") == 0
    assert len(supervisor.auth_calls()) == 1  # remembered
    assert connack_code(a.port, "jane", "wrong") in (4, 5)
    assert supervisor.auth_calls()[-1]["status"] == 401
    jane = a.client("jane", "jane-secret").connect()
    jane.subscribe("anything/#", qos=1)
    jane.client.publish("anything/at/all", b"x", qos=1).wait_for_publish(5)
    assert [m.payload for m in jane.wait_for(1)] == [b"x"]
    jane.stop()
    # Local users never reach the Supervisor.
    assert connack_code(a.port, "homeassistant", a.password("homeassistant")) == 0
    assert len(supervisor.auth_calls()) == 2


def test_a_password_that_is_not_utf8_is_refused_without_asking(addon, supervisor):
    """MQTT passwords are binary; the Supervisor's JSON cannot carry one that is not UTF-8. Such a
    login is refused at once and the broker carries on."""
    a = addon()
    assert connack_code(a.port, "jane", b"\xff\xfe") in (4, 5)
    assert supervisor.auth_calls() == []
    assert connack_code(a.port, "jane", "jane-secret") == 0
    assert a.process.poll() is None


def test_supervisor_errors_refuse_the_login_and_are_not_cached(addon, supervisor):
    """Checklist: 500/timeout -> refused, not cached."""
    a = addon()
    supervisor.auth_status = 500
    assert connack_code(a.port, "jane", "jane-secret") != 0
    supervisor.auth_status = None
    assert connack_code(a.port, "jane", "jane-secret") == 0  # asked again
    assert [c["status"] for c in supervisor.auth_calls()] == [500, 200]


def test_a_slow_auth_does_not_stall_other_clients(addon, supervisor):
    """Checklist: a slow /auth (2 s) does not stall other clients' traffic."""
    a = addon()
    supervisor.auth_delay = 2.0
    ha = a.client("homeassistant").connect()
    ha.subscribe("flow/#", qos=1)
    result = {}
    login = threading.Thread(target=lambda: result.update(rc=connack_code(a.port, "jane", "jane-secret")))
    login.start()
    assert supervisor.wait_for(lambda: supervisor.auth_calls(), timeout=5)
    # While the Supervisor sits on the login, 50 messages go round.
    for i in range(50):
        ha.client.publish(f"flow/{i}", b"x", qos=1)
    assert len(ha.wait_for(50, timeout=5)) == 50
    assert supervisor.auth_calls()[0]["status"] is None  # still unanswered when they all arrived
    login.join(10)
    assert result["rc"] == 0
    ha.stop()


def test_ipv6_websocket_and_a_bare_probe(addon):
    """Checklist: listens on IPv6 as well as IPv4 on 1883; WebSocket MQTT on 1884 with the mqtt
    subprotocol; a bare TCP connect+close (the watchdog) is not logged at info level."""
    a = addon()
    assert connack_code(a.port, "addons", a.password("addons"), host="::1") == 0
    ws = mqtt.Client(client_id="ws", transport="websockets")
    ws.username_pw_set("addons", a.password("addons"))
    connected = threading.Event()
    ws.on_connect = lambda *args: connected.set()
    ws.connect("127.0.0.1", a.ports[1884])
    ws.loop_start()
    try:
        assert connected.wait(5)
    finally:
        ws.disconnect()
        ws.loop_stop()
    before = a.log()
    with socket.create_connection(("127.0.0.1", a.port), timeout=5):
        pass
    time.sleep(0.3)
    assert a.log()[len(before):] == ""  # default log types: nothing at all for a probe
    assert subprocess.run([ROOST_BIN, "health", "--config", str(a.root / "etc" / "roost.toml")],
                          timeout=10).returncode == 0
    a.kill()
    assert subprocess.run([ROOST_BIN, "health", "--config", str(a.root / "etc" / "roost.toml")],
                          capture_output=True, timeout=10).returncode == 1


def test_provisioned_zigbee2mqtt_user_is_scoped(addon):
    """Checklist: a provisioned zigbee2mqtt user can use zigbee2mqtt/# and homeassistant/# but is
    denied elsewhere; its password is in the credentials file, never in the log."""
    a = addon({"provision_zigbee2mqtt": True, "provision_nodered": True})
    credentials = (a.root / "config" / "credentials").read_text()
    password = a.password("zigbee2mqtt")
    assert f"zigbee2mqtt: {password}\n" in credentials
    assert password not in a.log()
    watcher = a.client("homeassistant").connect()
    watcher.subscribe("#", qos=1)
    z = a.client("zigbee2mqtt", version=mqtt.MQTTv5).connect()
    for topic in ("zigbee2mqtt/bridge/state", "homeassistant/light/z/config", "tele/elsewhere"):
        z.client.publish(topic, b"1", qos=1).wait_for_publish(5)
    time.sleep(0.3)
    topics = sorted(m.topic for m in watcher.wait_for(2))
    assert topics == ["homeassistant/light/z/config", "zigbee2mqtt/bridge/state"]
    granted = []
    done = threading.Event()
    z.client.on_subscribe = lambda client, userdata, mid, codes, properties=None: (granted.extend(codes),
                                                                                   done.set())
    z.client.subscribe("frigate/#", qos=1)
    assert done.wait(5)
    assert granted[0].value == 0x87  # not authorised
    n = a.client("nodered").connect()
    n.client.publish("nodered/anything", b"1", qos=1).wait_for_publish(5)
    assert "nodered/anything" in [m.topic for m in watcher.wait_for(3)]
    for c in (watcher, z, n):
        c.stop()


def test_state_and_passwords_survive_a_restart_and_queues_hold_a_startup_burst(addon):
    """Checklist: retained messages and persistent sessions survive a restart (/data); system
    passwords unchanged; 8192 queued QoS 1 messages to an offline subscriber are not dropped."""
    a = addon()
    users = (a.root / "data" / "system_user.json").read_bytes()
    sub = a.client("addons", client_id="slow-consumer", clean=False).connect()
    sub.subscribe("burst/#", qos=1)
    sub.stop()
    pub = a.client("homeassistant").connect()
    pub.client.publish("homeassistant/status", b"online", qos=1, retain=True).wait_for_publish(5)
    for i in range(8192):
        info = pub.client.publish(f"burst/{i}", b"x", qos=1)
    info.wait_for_publish(30)
    pub.stop()
    assert a.stop() == 0
    a.start()
    assert (a.root / "data" / "system_user.json").read_bytes() == users
    back = a.client("addons", client_id="slow-consumer", clean=False).connect()
    assert len(back.wait_for(8192, timeout=30)) == 8192
    back.stop()
    late = a.client("homeassistant").connect()
    late.subscribe("homeassistant/status", qos=1)
    assert [(m.payload, m.retain) for m in late.wait_for(1)] == [(b"online", True)]
    late.stop()
