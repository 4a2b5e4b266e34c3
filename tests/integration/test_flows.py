"""Exact packet flows with the raw client: QoS 2 exactly once, DUP on
resumption, Receive Maximum towards the broker, overlapping subscriptions,
No Local, UNSUBACK codes, wills after DISCONNECT 0x04, extended
authentication without a method, client identifiers
([MQTT-4.3], [MQTT-4.4], [MQTT-3.8], [MQTT-3.10], [MQTT-3.14], [MQTT-4.12])."""

import socket
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

import mqtt_raw as raw
from clients import Paho, finish, mosquitto_pub, mosquitto_sub


def publish(topic, payload, qos=0, packet_id=0, dup=False, retain=False, version=4, properties=b""):
    first = 0x30 | (qos << 1) | (0x08 if dup else 0) | (0x01 if retain else 0)
    body = raw.string(topic) + (raw.u16(packet_id) if qos else b"")
    if version == 5:
        body += raw.varint(len(properties)) + properties
    return raw.packet(first, body + payload)


def connected(port, client_id, version=4, clean=True, properties=b""):
    c = raw.RawClient(port)
    c.send(raw.connect(client_id, version=version, clean=clean, properties=properties))
    ack = c.recv_packet()
    assert ack[0] == 0x20 and ack[3] == 0x00, ack
    return c


def nothing_arrives(client, seconds=0.4):
    client.sock.settimeout(seconds)
    try:
        return client.recv_packet() is None
    except socket.timeout:
        return True
    finally:
        client.sock.settimeout(5)


def test_qos2_retransmission_is_not_delivered_twice(broker):  # [MQTT-4.3.3-10]
    watcher = mosquitto_sub(broker.port, "-t", "x2/t", "-v", count=2, timeout=2)
    c = connected(broker.port, "q2-pub")
    c.send(publish("x2/t", b"once", qos=2, packet_id=9))
    assert c.recv_packet() == bytes([0x50, 0x02, 0x00, 0x09])  # PUBREC
    c.send(publish("x2/t", b"once", qos=2, packet_id=9, dup=True))  # the client did not see PUBREC
    assert c.recv_packet() == bytes([0x50, 0x02, 0x00, 0x09])
    c.send(raw.packet(0x62, raw.u16(9)))  # PUBREL
    assert c.recv_packet() == bytes([0x70, 0x02, 0x00, 0x09])  # PUBCOMP
    # The same packet id after PUBCOMP is a new message [MQTT-4.3.3-9].
    c.send(publish("x2/t", b"again", qos=2, packet_id=9))
    assert c.recv_packet() == bytes([0x50, 0x02, 0x00, 0x09])
    c.send(raw.packet(0x62, raw.u16(9)))
    c.recv_packet()
    lines, _, err = finish(watcher)
    assert lines == ["x2/t once", "x2/t again"], err


def test_unacknowledged_messages_are_resent_with_dup_on_resumption(broker):  # [MQTT-4.4.0-1]
    c = connected(broker.port, "dup-sub", clean=False)
    c.send(raw.subscribe(1, "dup/t", options=1))
    assert c.recv_packet()[0] == 0x90
    mosquitto_pub(broker.port, "-q", "1", "-t", "dup/t", "-m", "hello")
    first = c.recv_packet()
    assert first[0] == 0x32  # QoS 1, DUP clear
    _, packet_id, _, payload = raw.parse_publish(first)
    c.close()  # no PUBACK
    again = raw.RawClient(broker.port)
    again.send(raw.connect("dup-sub", version=4, clean=False))
    assert again.recv_packet() == bytes([0x20, 0x02, 0x01, 0x00])  # session present
    resent = again.recv_packet()
    assert resent[0] == 0x3A  # QoS 1 with DUP
    assert raw.parse_publish(resent)[1:] == (packet_id, 1, payload)
    again.send(raw.puback(packet_id))
    assert nothing_arrives(again)


def test_receive_maximum_exceeded_by_the_client_is_0x93(make_broker):  # [MQTT-3.3.4-7]
    b = make_broker("receive_maximum = 2\n")
    c = connected(b.port, "greedy", version=5)
    for packet_id in (1, 2, 3):  # QoS 2 without PUBREL: each stays unacknowledged
        c.send(publish("rm/in", b"x", qos=2, packet_id=packet_id, version=5))
    assert c.recv_packet()[0] == 0x50
    assert c.recv_packet()[0] == 0x50
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x93])
    assert c.closed()


def test_overlapping_subscriptions_deliver_once_at_the_highest_qos_with_every_identifier(broker):  # [MQTT-3.3.4-2]
    sub = Paho(broker.port, "overlap", mqtt.MQTTv5).connect()
    for filter_, qos, identifier in (("ov/#", 0, 1), ("ov/+/x", 2, 2), ("ov/a/x", 1, 3)):
        p = Properties(PacketTypes.SUBSCRIBE)
        p.SubscriptionIdentifier = identifier
        sub.subscribe(filter_, qos=qos, properties=p)
    mosquitto_pub(broker.port, "-q", "2", "-t", "ov/a/x", "-m", "one")
    [m] = sub.wait_for(1)
    assert m.qos == 2
    assert sorted(m.properties.SubscriptionIdentifier) == [1, 2, 3]
    assert nothing_more(sub, 1)
    sub.stop()


def nothing_more(paho_client, count):
    time.sleep(0.3)
    return len(paho_client.messages) == count


def test_no_local(broker):  # [MQTT-3.8.3-3]
    c = connected(broker.port, "self-talk", version=5)
    c.send(raw.subscribe(1, "nl/t", options=0x04 | 1, version=5))  # No Local, QoS 1
    assert c.recv_packet()[0] == 0x90
    c.send(publish("nl/t", b"mine", qos=1, packet_id=4, version=5))
    # Its only subscriber is itself, which No Local skips: 0x10 No matching subscribers.
    assert c.recv_packet() == bytes([0x40, 0x03, 0x00, 0x04, 0x10])
    assert nothing_arrives(c)
    mosquitto_pub(broker.port, "-t", "nl/t", "-m", "theirs")
    assert raw.parse_publish(c.recv_packet(), version=5)[3] == b"theirs"


def test_unsuback_reason_codes(broker):  # [MQTT-3.11.3-1]
    c = connected(broker.port, "unsub5", version=5)
    c.send(raw.subscribe(1, "u/a", version=5))
    c.recv_packet()
    body = raw.u16(2) + b"\x00" + raw.string("u/a") + raw.string("u/never")
    c.send(raw.packet(0xA2, body))
    # Success for the first, 0x11 No subscription existed for the second.
    assert c.recv_packet() == bytes([0xB0, 0x05, 0x00, 0x02, 0x00, 0x00, 0x11])
    old = connected(broker.port, "unsub311")
    old.send(raw.packet(0xA2, raw.u16(3) + raw.string("u/never")))
    assert old.recv_packet() == bytes([0xB0, 0x02, 0x00, 0x03])


def test_will_is_sent_after_disconnect_with_will_message(broker):  # [MQTT-3.14.4-3]
    watcher = mosquitto_sub(broker.port, "-t", "w4/t", "-v", count=1, timeout=3)
    c = raw.RawClient(broker.port)
    c.send(raw.connect("w4", version=5, will=("w4/t", "asked for", 0, False)))
    c.recv_packet()
    c.send(raw.packet(0xE0, b"\x04\x00"))  # DISCONNECT 0x04 Disconnect with Will Message
    lines, _, err = finish(watcher)
    assert lines == ["w4/t asked for"], err


def test_unknown_authentication_method_is_0x8c(broker):  # [MQTT-4.12.0-1]
    c = raw.RawClient(broker.port)
    c.send(raw.connect("auth", version=5, properties=bytes([0x15]) + raw.string("SCRAM-SHA-256")))
    ack = c.recv_packet()
    assert ack[:4] == bytes([0x20, ack[1], 0x00, 0x8C])
    assert c.closed()


def test_auth_packet_without_a_method_is_a_protocol_error(broker):  # [MQTT-4.12.0-7]
    c = connected(broker.port, "no-method", version=5)
    c.send(raw.packet(0xF0, b"\x19\x00"))  # AUTH Re-authenticate
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x82])
    assert c.closed()


def test_client_identifiers_with_slashes_and_punctuation(broker):  # [MQTT-3.1.3-5]: servers MAY allow more
    for client_id in ("zigbee2mqtt/bridge", "shelly-plus:1.2", "node red #1"):
        c = connected(broker.port, client_id)
        c.close()


def test_max_client_id_length(make_broker):
    b = make_broker("max_client_id_length = 8\n")
    connected(b.port, "eightchr").close()
    c = raw.RawClient(b.port)
    c.send(raw.connect("ninechars", version=4))
    assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x02])  # identifier rejected
    c5 = raw.RawClient(b.port)
    c5.send(raw.connect("ninechars", version=5))
    assert c5.recv_packet()[3] == 0x85  # Client Identifier not valid
    assert "max_client_id_length exceeded" in b.log()
