"""Persistence ([persistence] in sqlite): what was acknowledged survives a
restart and a crash; a bad database never stops the broker, a newer one is
left alone."""

import glob
import os
import sqlite3
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

import mqtt_raw as raw
from clients import Paho, finish, mosquitto_pub, mosquitto_sub
from conftest import ROOST_BIN, Broker

FLUSH = 1  # seconds: flush_interval of these brokers


def persistence(tmp_path, extra=""):
    os.makedirs(tmp_path, exist_ok=True)
    # Queues long enough for the crash tests' load (the default keeps 1 000).
    return (f'max_queued_messages = 100000\n[persistence]\npath = "{tmp_path}/roost.db"\n'
            f'flush_interval = {FLUSH}\n{extra}')


def wait_flush():
    """Past one flush interval: what the broker holds is committed."""
    time.sleep(FLUSH + 0.5)


def raw_connect(port, client_id, version=4, clean=False, properties=b""):
    c = raw.RawClient(port)
    c.send(raw.connect(client_id, version=version, clean=clean, properties=properties))
    ack = c.recv_packet()
    assert ack[0] == 0x20, ack
    return c, ack


def test_retained_messages_survive_a_restart(make_broker, tmp_path):
    b = make_broker(persistence(tmp_path))
    mosquitto_pub(b.port, "-t", "home/a", "-m", "one", "-r", "-q", "1")
    mosquitto_pub(b.port, "-t", "home/b", "-m", "two", "-r", "-q", "1")
    mosquitto_pub(b.port, "-t", "home/b", "-m", "two again", "-r", "-q", "1")
    mosquitto_pub(b.port, "-t", "home/c", "-m", "gone", "-r", "-q", "1")
    mosquitto_pub(b.port, "-t", "home/c", "-n", "-r", "-q", "1")  # deleted
    # 5.0 properties are kept with the message, user properties in order.
    props = Properties(PacketTypes.PUBLISH)
    props.ContentType = "text/plain"
    props.UserProperty = [("b", "1"), ("a", "2")]
    props.ResponseTopic = "reply/here"
    props.CorrelationData = b"\x00\x01"
    pub = Paho(b.port, version=mqtt.MQTTv5).connect()
    pub.client.publish("home/d", b"with properties", qos=1, retain=True, properties=props).wait_for_publish(5)
    pub.stop()
    assert b.stop() == 0
    b.start()
    sub = mosquitto_sub(b.port, "-t", "home/#", "-v", count=3)
    lines, code, err = finish(sub)
    assert code == 0, err
    assert sorted(lines) == ["home/a one", "home/b two again", "home/d with properties"]
    client = Paho(b.port, version=mqtt.MQTTv5).connect()
    client.subscribe("home/d", qos=1)
    got = client.wait_for(1)
    client.stop()
    assert len(got) == 1 and got[0].retain
    p = got[0].properties
    assert p.ContentType == "text/plain"
    assert p.UserProperty == [("b", "1"), ("a", "2")]
    assert p.ResponseTopic == "reply/here" and p.CorrelationData == b"\x00\x01"
    assert "restored 3 retained messages" in b.log()


def session_kwargs(version):
    """connect() arguments for a session that outlives its connection (5.0: 300 s)."""
    if version != mqtt.MQTTv5:
        return {}
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 300
    return {"properties": props}


def queue_for_offline(port, client_id, version, count):
    """A durable session subscribed to q/# at QoS 2, offline, with `count`
    QoS 1 and `count` QoS 2 messages queued."""
    kwargs = session_kwargs(version)
    sub = Paho(port, client_id=client_id, version=version, clean=False).connect(**kwargs)
    sub.subscribe("q/#", qos=2)
    sub.stop()
    for i in range(count):
        mosquitto_pub(port, "-t", f"q/1/{i}", "-m", f"one-{i}", "-q", "1")
        mosquitto_pub(port, "-t", f"q/2/{i}", "-m", f"two-{i}", "-q", "2")


def resume(port, client_id, version, count):
    kwargs = session_kwargs(version)
    sub = Paho(port, client_id=client_id, version=version, clean=False).connect(**kwargs)
    got = sub.wait_for(count)
    time.sleep(0.3)  # nothing more comes
    got = sub.wait_for(count + 1, timeout=0.1)
    flags = sub.connect_result[0]
    sub.stop()
    return got, flags


def check_queue(got, count):
    payloads = [m.payload.decode() for m in got]
    assert sorted(payloads) == sorted([f"one-{i}" for i in range(count)] + [f"two-{i}" for i in range(count)])
    # In order per topic level (the order they were published).
    assert [p for p in payloads if p.startswith("one")] == [f"one-{i}" for i in range(count)]
    assert [p for p in payloads if p.startswith("two")] == [f"two-{i}" for i in range(count)]


@pytest.mark.parametrize("version", [mqtt.MQTTv311, mqtt.MQTTv5], ids=["3.1.1", "5.0"])
def test_persistent_session_restart(make_broker, tmp_path, version):
    b = make_broker(persistence(tmp_path))
    queue_for_offline(b.port, "keeper", version, 10)
    assert b.stop() == 0
    b.start()
    got, flags = resume(b.port, "keeper", version, 20)
    assert flags["session present"] == 1
    check_queue(got, 10)
    assert {m.qos for m in got} == {1, 2}


def test_queued_messages_survive_kill_9_after_the_flush_window(make_broker, tmp_path):
    b = make_broker(persistence(tmp_path))
    queue_for_offline(b.port, "crash-5", mqtt.MQTTv5, 5)
    wait_flush()
    b.kill()
    b.start()
    got, flags = resume(b.port, "crash-5", mqtt.MQTTv5, 10)
    assert flags["session present"] == 1
    check_queue(got, 5)


def test_session_expiry_counts_while_the_broker_is_down(make_broker, tmp_path):
    b = make_broker(persistence(tmp_path))
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 1
    sub = Paho(b.port, client_id="short", version=mqtt.MQTTv5, clean=False).connect(properties=props)
    sub.subscribe("q/#", qos=1)
    sub.stop()
    mosquitto_pub(b.port, "-t", "q/x", "-m", "late", "-q", "1")
    assert b.stop() == 0
    time.sleep(1.5)
    b.start()
    sub = Paho(b.port, client_id="short", version=mqtt.MQTTv5, clean=False).connect(properties=props)
    assert sub.connect_result[0]["session present"] == 0
    assert sub.wait_for(1, timeout=0.5) == []
    sub.stop()


def test_inflight_message_resent_with_dup_after_restart(make_broker, tmp_path):
    b = make_broker(persistence(tmp_path))
    c, _ = raw_connect(b.port, "unacked")
    c.send(raw.subscribe(1, "t/#", options=1))
    assert c.recv_packet()[0] == 0x90
    mosquitto_pub(b.port, "-t", "t/1", "-m", "hello", "-q", "1")
    first = c.recv_packet()
    topic, packet_id, qos, payload = raw.parse_publish(first)
    assert (topic, qos, payload) == ("t/1", 1, b"hello") and not first[0] & 0x08
    c.close()  # no PUBACK
    wait_flush()
    b.kill()
    b.start()
    c, ack = raw_connect(b.port, "unacked")
    assert ack[2] & 0x01  # session present
    again = c.recv_packet()
    assert again[0] & 0x08, "DUP must be set on the resent PUBLISH"
    assert raw.parse_publish(again) == ("t/1", packet_id, 1, b"hello")
    c.send(raw.puback(packet_id))
    c.close()


def test_qos2_exactly_once_across_a_crash(make_broker, tmp_path):
    b = make_broker(persistence(tmp_path))
    sub = Paho(b.port, client_id="once-sub", clean=False).connect()
    sub.subscribe("x/#", qos=2)
    sub.stop()
    pub, _ = raw_connect(b.port, "once-pub")
    publish = raw.packet(0x34, raw.string("x/1") + raw.u16(7) + b"exactly once")
    pub.send(publish)
    assert pub.recv_packet() == raw.packet(0x50, raw.u16(7))  # PUBREC
    pub.close()  # no PUBREL yet
    wait_flush()
    b.kill()
    b.start()
    # The publisher did not see the exchange end: it sends the PUBLISH again with DUP.
    pub, ack = raw_connect(b.port, "once-pub")
    assert ack[2] & 0x01
    pub.send(raw.packet(0x3C, raw.string("x/1") + raw.u16(7) + b"exactly once"))
    assert pub.recv_packet() == raw.packet(0x50, raw.u16(7))
    pub.send(raw.packet(0x62, raw.u16(7)))  # PUBREL
    assert pub.recv_packet() == raw.packet(0x70, raw.u16(7))  # PUBCOMP
    pub.close()
    sub = Paho(b.port, client_id="once-sub", clean=False).connect()
    got = sub.wait_for(1)
    time.sleep(0.5)
    got = sub.wait_for(2, timeout=0.1)
    sub.stop()
    assert [m.payload for m in got] == [b"exactly once"]


def test_corrupt_database_is_moved_aside(make_broker, tmp_path):
    db = tmp_path / "roost.db"
    garbage = b"this is not a database\n" * 200
    db.write_bytes(garbage)
    b = make_broker(persistence(tmp_path))
    mosquitto_pub(b.port, "-t", "fresh", "-m", "start", "-r", "-q", "1")
    sub = mosquitto_sub(b.port, "-t", "fresh")
    assert finish(sub)[0] == ["start"]
    aside = glob.glob(str(tmp_path / "roost.db.corrupt-*"))
    assert len(aside) == 1 and open(aside[0], "rb").read() == garbage
    assert "cannot be used" in b.log() and "kept as" in b.log()


def test_database_of_a_newer_schema_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "roost.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE future(x)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    b = Broker(persistence(tmp_path))
    try:
        r = subprocess.run([ROOST_BIN, "serve", "--config", b.config_path], capture_output=True, text=True, timeout=10)
        assert r.returncode == 1
        assert "newer Roost (schema 99" in r.stderr and "left as it is" in r.stderr
        assert db.read_bytes() == before
        assert not glob.glob(str(tmp_path / "roost.db.corrupt-*"))
    finally:
        b.cleanup()


def test_backup_of_a_live_database(make_broker, tmp_path):
    b = make_broker(persistence(tmp_path))
    for i in range(50):
        mosquitto_pub(b.port, "-t", f"backup/{i}", "-m", f"value {i}", "-r", "-q", "1")
    wait_flush()
    out = tmp_path / "copy.db"
    r = subprocess.run([ROOST_BIN, "backup", "--config", b.config_path, str(out)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM retained").fetchone() == (50,)
    conn.close()
    # Another broker started from the copy has the same retained messages.
    copy = tmp_path / "restored"
    copy.mkdir()
    os.rename(out, copy / "roost.db")
    b2 = make_broker(persistence(copy))
    sub = mosquitto_sub(b2.port, "-t", "backup/#", count=50)
    lines, code, _ = finish(sub)
    assert code == 0 and len(lines) == 50


def test_backup_without_persistence_says_so(tmp_path):
    config = tmp_path / "roost.toml"
    config.write_text("threads = 1\n")
    r = subprocess.run([ROOST_BIN, "backup", "--config", str(config), str(tmp_path / "x.db")], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 1 and "nothing to back up" in r.stderr


class CountingPublisher:
    """Publishes numbered messages as fast as the broker acknowledges them,
    and records when each acknowledgement (PUBACK, or PUBCOMP) arrived."""

    def __init__(self, port, prefix, qos):
        self.prefix = prefix
        self.qos = qos
        self.client = mqtt.Client(client_id=f"crash-pub-{prefix}", clean_session=True)
        self.client.max_inflight_messages_set(20)
        self.lock = threading.Lock()
        self.acked = {}  # mid -> monotonic time of the acknowledgement
        self.mids = {}   # mid -> payload
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, client, userdata, mid):
        with self.lock:
            self.acked[mid] = time.monotonic()

    def publish(self, count):
        for i in range(count):
            info = self.client.publish(f"crash/{self.prefix}", f"{self.prefix}-{i}", qos=self.qos)
            self.mids[info.mid] = f"{self.prefix}-{i}"

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()

    def acknowledged(self):
        """(payload, ack time) of every acknowledged message."""
        with self.lock:
            return [(self.mids[mid], t) for mid, t in self.acked.items() if mid in self.mids]


def drain(port, client_id, quiet=0.7, limit=20):
    """Everything the durable session receives until it is quiet."""
    sub = Paho(port, client_id=client_id, clean=False).connect()
    deadline = time.monotonic() + limit
    seen = -1
    while time.monotonic() < deadline:
        got = sub.wait_for(10 ** 9, timeout=quiet)
        if len(got) == seen:
            break
        seen = len(got)
    sub.stop()
    return [m.payload.decode() for m in got]


def crash_loop(make_broker, tmp_path, durability, kill_points, qos):
    b = make_broker(persistence(tmp_path, f'durability = "{durability}"\n'))
    sub = Paho(b.port, client_id="crash-sub", clean=False).connect()
    sub.subscribe("crash/#", qos=qos)
    sub.stop()
    results = []
    for n, kill_after in enumerate(kill_points):
        pub = CountingPublisher(b.port, f"r{n}", qos)
        pub.publish(4000)
        time.sleep(kill_after)
        b.kill()
        killed_at = time.monotonic()
        pub.stop()
        acked = pub.acknowledged()
        b.start()
        assert "cannot be used" not in b.log(), "the database was corrupt after kill -9"
        received = drain(b.port, "crash-sub")
        results.append((acked, killed_at, received))
    assert not glob.glob(str(tmp_path / "roost.db.corrupt-*"))
    return results


def test_strict_kill_9_loses_no_acknowledged_message(make_broker, tmp_path):
    for qos in (1, 2):
        results = crash_loop(make_broker, tmp_path / f"q{qos}", "strict", [0.15, 0.3, 0.5, 0.7, 0.9, 1.2], qos)
        for acked, _, received in results:
            assert acked, "nothing was acknowledged before the kill: no load"
            missing = {p for p, _ in acked} - set(received)
            assert not missing, f"QoS {qos}: {len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:5]}"
            if qos == 2:
                assert len(received) == len(set(received)), "QoS 2 delivered a message twice"


def test_periodic_kill_9_loses_only_the_flush_window(make_broker, tmp_path):
    results = crash_loop(make_broker, tmp_path, "periodic", [1.4, 1.9, 2.5, 3.1], 1)
    for acked, killed_at, received in results:
        old_enough = {p for p, t in acked if t < killed_at - FLUSH - 0.3}
        assert old_enough, "no message was acknowledged a whole flush window before the kill"
        missing = old_enough - set(received)
        assert not missing, f"{len(missing)} messages older than the flush window lost, e.g. {sorted(missing)[:5]}"


def test_delayed_will_survives_a_restart(make_broker, tmp_path):
    b = make_broker(persistence(tmp_path))
    watcher = Paho(b.port, client_id="will-watcher", clean=False).connect()
    watcher.subscribe("wills/#", qos=1)
    watcher.stop()
    # A 5.0 client with a 3 s Will Delay and a session that outlives it.
    c = raw.RawClient(b.port)
    c.send(raw.connect("dies", version=5, clean=True, properties=b"\x11" + raw.u32(60),
                       will=("wills/dies", b"gone for good", 1, False), will_properties=b"\x18" + raw.u32(3)))
    assert c.recv_packet()[0] == 0x20
    c.close()  # no DISCONNECT: the will stands, due in 3 s
    lost_at = time.monotonic()
    wait_flush()
    assert b.stop() == 0  # the will is not due yet: it waits in the database
    b.start()
    watcher = Paho(b.port, client_id="will-watcher", clean=False).connect()
    assert watcher.wait_for(1, timeout=0.2) == [], "the will came before its delay"
    got = watcher.wait_for(1, timeout=6)
    arrived = time.monotonic() - lost_at
    time.sleep(0.3)
    got = watcher.wait_for(2, timeout=0.1)
    watcher.stop()
    assert [m.payload for m in got] == [b"gone for good"]
    assert 2.5 <= arrived <= 6, f"the will came {arrived:.1f} s after the connection was lost"


def test_a_database_path_that_cannot_be_created_stops_the_start(tmp_path):
    b = Broker(persistence(tmp_path).replace(str(tmp_path), str(tmp_path / "missing" / "dir")))
    try:
        r = subprocess.run([ROOST_BIN, "serve", "--config", b.config_path], capture_output=True, text=True, timeout=10)
        assert r.returncode == 1
        assert "cannot create the database" in r.stderr and "missing/dir/roost.db" in r.stderr
    finally:
        b.cleanup()


def test_a_newer_database_in_wal_mode_is_not_checkpointed(tmp_path):
    db = tmp_path / "roost.db"
    # A writer that dies without closing: its WAL file stays, not merged.
    subprocess.run(["/usr/bin/python3", "-c", f"""
import os, sqlite3
conn = sqlite3.connect({str(db)!r})
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("CREATE TABLE future(x)")
conn.execute("INSERT INTO future VALUES (1)")
conn.execute("PRAGMA user_version = 7")
conn.commit()
os._exit(0)
"""], check=True, timeout=10)
    wal = tmp_path / "roost.db-wal"
    assert wal.exists() and wal.stat().st_size > 0
    before = (db.read_bytes(), wal.read_bytes())
    b = Broker(persistence(tmp_path))
    try:
        r = subprocess.run([ROOST_BIN, "serve", "--config", b.config_path], capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and "newer Roost (schema 7" in r.stderr, r.stderr
        assert wal.exists() and (db.read_bytes(), wal.read_bytes()) == before
    finally:
        b.cleanup()
