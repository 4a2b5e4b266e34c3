"""Limits and their policies: max_connections, topic limits, max_queued_messages,
message_size_limit, upgrade_outgoing_qos; each hit logged and counted in
$SYS/broker/limits/<setting>. Listeners on IPv6 and IPv4 side by side."""

import socket
import time

import paho.mqtt.client as mqtt
import pytest

import mqtt_raw as raw


def reason_string(text):
    """The property list holding one Reason String (0x1F), as the broker sends it."""
    prop = bytes([0x1F]) + raw.string(text)
    return raw.varint(len(prop)) + prop
from clients import Paho, finish, mosquitto_pub, mosquitto_sub
from test_sys import sys_values


def limit_counts(broker, names):
    sub = Paho(broker.port, "limits-monitor").connect()
    sub.subscribe("$SYS/broker/limits/#")
    wanted = [f"$SYS/broker/limits/{n}" for n in names]
    got = sys_values(sub, wanted)
    sub.stop()
    return {n: int(got.get(f"$SYS/broker/limits/{n}", "-1")) for n in names}


def test_max_connections_refuses_and_counts(make_broker):
    b = make_broker("max_connections = 2\nsys_interval = 1\n")
    first, second = raw.RawClient(b.port), raw.RawClient(b.port)
    for i, c in enumerate((first, second)):
        c.send(raw.connect(f"mc{i}", version=4))
        assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x00])
    third = raw.RawClient(b.port)
    assert third.closed(), "a third connection was kept open"
    assert "max_connections reached" in b.log()
    first.close()
    second.close()
    time.sleep(1.2)
    assert limit_counts(b, ["max_connections"])["max_connections"] >= 1


def test_topic_limits_refuse_publish_and_subscribe(make_broker):
    # Loose enough for the monitor's "$SYS/broker/limits/#" to pass.
    b = make_broker("max_topic_length = 40\nmax_topic_levels = 4\nsys_interval = 1\n")
    c = raw.RawClient(b.port)
    c.send(raw.connect("tl", version=5))
    c.recv_packet()
    # SUBSCRIBE with a filter of 5 levels: 0x8F Topic Filter invalid, with a Reason String.
    c.send(raw.subscribe(1, "a/b/c/d/e", options=1, version=5))
    assert c.recv_packet() == raw.packet(
        0x90, raw.u16(1) + reason_string("max_topic_levels exceeded by a/b/c/d/e") + b"\x8F")
    # PUBLISH QoS 1 with a topic of 41 bytes: PUBACK 0x90 Topic Name invalid.
    topic = "x" * 41
    c.send(raw.packet(0x32, raw.string(topic) + raw.u16(7) + b"\x00" + b"payload"))
    assert c.recv_packet() == raw.packet(0x40, raw.u16(7) + b"\x90" + reason_string("max_topic_length exceeded"))
    log = b.log()
    assert "max_topic_levels exceeded" in log and "max_topic_length exceeded" in log
    time.sleep(1.2)
    counts = limit_counts(b, ["max_topic_length", "max_topic_levels"])
    assert counts == {"max_topic_length": 1, "max_topic_levels": 1}


def test_message_size_limit_is_quota_exceeded(make_broker):
    b = make_broker("message_size_limit = 10\n")
    sub = mosquitto_sub(b.port, "-t", "ms/#", count=1)
    c = raw.RawClient(b.port)
    c.send(raw.connect("ms", version=5))
    c.recv_packet()
    c.send(raw.packet(0x32, raw.string("ms/big") + raw.u16(3) + b"\x00" + b"y" * 11))
    assert c.recv_packet() == raw.packet(0x40, raw.u16(3) + b"\x97" + reason_string("message_size_limit exceeded"))
    # A client that asks for no problem information gets the code alone [MQTT-3.1.2-29].
    quiet = raw.RawClient(b.port)
    quiet.send(raw.connect("ms-quiet", version=5, properties=bytes([0x17, 0x00])))
    quiet.recv_packet()
    quiet.send(raw.packet(0x32, raw.string("ms/big") + raw.u16(4) + b"\x00" + b"y" * 11))
    assert quiet.recv_packet() == bytes([0x40, 0x03, 0x00, 0x04, 0x97])
    mosquitto_pub(b.port, "-t", "ms/ok", "-m", "tiny")
    lines, code, err = finish(sub)
    assert lines == ["tiny"], err


def test_full_offline_queue_drops_new_messages_and_counts_them(make_broker):
    b = make_broker("max_queued_messages = 3\nmax_inflight_messages = 1\nsys_interval = 1\n")
    away = Paho(b.port, "away", clean=False).connect()
    away.subscribe("q/t", qos=1)
    away.stop()
    for i in range(6):
        mosquitto_pub(b.port, "-q", "1", "-t", "q/t", "-m", f"m{i}")
    back = Paho(b.port, "away", clean=False).connect()
    got = back.wait_for(4, timeout=2)
    time.sleep(0.3)
    # The policy: when an offline session's queue is full, the new message is dropped.
    assert [m.payload.decode() for m in back.messages][:3] == ["m0", "m1", "m2"]
    assert len(back.messages) <= 4  # the queue, plus one inflight slot
    back.stop()
    time.sleep(1.2)
    monitor = Paho(b.port, "drop-monitor").connect()
    monitor.subscribe("$SYS/broker/publish/messages/dropped")
    values = sys_values(monitor, ["$SYS/broker/publish/messages/dropped"])
    monitor.stop()
    assert int(values["$SYS/broker/publish/messages/dropped"]) >= 2
    assert got


def test_upgrade_outgoing_qos(make_broker):
    b = make_broker("upgrade_outgoing_qos = true\n")
    sub = Paho(b.port, "upgraded").connect()
    sub.subscribe("up/t", qos=2)
    mosquitto_pub(b.port, "-q", "0", "-t", "up/t", "-m", "was qos 0")
    [m] = sub.wait_for(1)
    assert m.qos == 2 and m.payload == b"was qos 0"
    sub.stop()


def test_without_upgrade_the_lower_qos_wins(broker):  # [MQTT-3.8.4-8]
    sub = Paho(broker.port, "not-upgraded").connect()
    sub.subscribe("up/t", qos=2)
    mosquitto_pub(broker.port, "-q", "1", "-t", "up/t", "-m", "qos 1")
    [m] = sub.wait_for(1)
    assert m.qos == 1
    sub.stop()


def ipv6_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_and_ipv4_listeners_share_one_broker(make_broker):
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.bind(("::1", 0))
        port6 = s.getsockname()[1]
    b = make_broker(f'[[listener]]\naddress = "::1"\nport = {port6}\n')
    sub = mosquitto_sub(port6, "-h", "::1", "-t", "v6/t", "-V", "mqttv5", count=1)
    r = mosquitto_pub(b.port, "-t", "v6/t", "-m", "from v4")
    lines, code, err = finish(sub)
    assert code == 0, err + r.stderr
    assert lines == ["from v4"]
    assert f"Listening on [::1]:{port6}" in b.log()


def test_max_queued_bytes_bounds_an_offline_queue(make_broker):
    b = make_broker("max_queued_bytes = 10\n")
    away = Paho(b.port, "bytes-away", clean=False).connect()
    away.subscribe("qb/t", qos=1)
    away.stop()
    for i in range(5):
        mosquitto_pub(b.port, "-q", "1", "-t", "qb/t", "-m", f"m{i}xx")  # 4 bytes each
    back = Paho(b.port, "bytes-away", clean=False).connect()
    back.wait_for(3, timeout=1)
    # 10 bytes hold two 4-byte messages; the newer ones were dropped.
    assert [m.payload.decode() for m in back.messages] == ["m0xx", "m1xx"]
    back.stop()
