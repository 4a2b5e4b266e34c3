"""Malformed packets and protocol violations: the exact reply, then close ([MQTT-4.13])."""

import mqtt_raw as raw


def connected(port, version):
    c = raw.RawClient(port)
    c.send(raw.connect("bad-" + str(version), version=version))
    assert c.recv_packet()[0] == 0x20
    return c


def test_v311_publish_with_qos3_closes_without_reply(broker):  # [MQTT-3.3.1-4]
    c = connected(broker.port, 4)
    c.send(raw.packet(0x36, raw.string("t") + b"\x00\x01"))
    assert c.closed()


def test_v5_publish_with_qos3_gets_disconnect_malformed(broker):
    c = connected(broker.port, 5)
    c.send(raw.packet(0x36, raw.string("t") + b"\x00\x01\x00"))
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x81])
    assert c.closed()


def test_v5_wildcard_in_topic_name_is_malformed(broker):  # [MQTT-3.3.2-2]
    c = connected(broker.port, 5)
    c.send(raw.packet(0x30, raw.string("a/+") + b"\x00x"))
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x81])


def test_v5_subscribe_without_filters_is_a_protocol_error(broker):  # [MQTT-3.8.3-2]
    c = connected(broker.port, 5)
    c.send(raw.packet(0x82, b"\x00\x01\x00"))
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x82])


def test_v5_topic_alias_above_maximum_gets_0x94(broker):  # [MQTT-3.3.2-10]
    c = connected(broker.port, 5)
    c.send(raw.packet(0x30, raw.string("t") + b"\x03\x23\x00\x0B" + b"x"))  # alias 11 > 10
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x94])
    assert c.closed()


def test_v5_topic_alias_round_trip(broker):
    c = connected(broker.port, 5)
    c.send(raw.packet(0x82, b"\x00\x01\x00" + raw.string("al/#") + b"\x00"))
    assert c.recv_packet()[0] == 0x90
    c.send(raw.packet(0x30, raw.string("al/x") + b"\x03\x23\x00\x01" + b"one"))  # sets alias 1
    c.send(raw.packet(0x30, raw.string("") + b"\x03\x23\x00\x01" + b"two"))      # uses it
    first, second = c.recv_packet(), c.recv_packet()
    assert first.endswith(b"one") and b"al/x" in first
    assert second.endswith(b"two") and b"al/x" in second


def test_v311_malformed_utf8_closes(broker):  # [MQTT-1.5.4-1]
    c = connected(broker.port, 4)
    c.send(raw.packet(0x30, raw.string(b"\xc0\x80") + b"x"))
    assert c.closed()


def test_packet_above_max_packet_size_gets_0x95(make_broker):  # [MQTT-3.2.2-15]
    broker = make_broker("max_packet_size = 100\n")
    c = connected(broker.port, 5)
    c.send(raw.packet(0x30, raw.string("t") + b"\x00" + b"x" * 200))
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x95])
    assert c.closed()


def test_broker_uses_no_more_outbound_aliases_than_max_topic_alias(make_broker):
    b = make_broker("max_topic_alias = 2\n")
    c = raw.RawClient(b.port)
    c.send(raw.connect("many-aliases", version=5, properties=b"\x22\x00\x64"))  # the client allows 100
    assert c.recv_packet()[0] == 0x20
    c.send(raw.packet(0x82, b"\x00\x01\x00" + raw.string("ma/#") + b"\x00"))
    assert c.recv_packet()[0] == 0x90
    for topic in ("ma/1", "ma/2", "ma/3"):
        c.send(raw.packet(0x30, raw.string(topic) + b"\x00" + b"x"))
    got = [c.recv_packet() for _ in range(3)]
    # Aliases 1 and 2 are assigned; the third topic goes without one.
    assert b"\x23\x00\x01" in got[0] and b"\x23\x00\x02" in got[1]
    assert got[2] == raw.packet(0x30, raw.string("ma/3") + b"\x00" + b"x")
