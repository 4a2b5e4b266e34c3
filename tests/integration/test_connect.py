"""CONNECT and CONNACK for every protocol version, exact bytes ([MQTT-3.1], [MQTT-3.2])."""

import threading
import time

import paho.mqtt.client as mqtt

import mqtt_raw as raw


def test_mqtt31_connect_gets_connack_accepted(broker):
    c = raw.RawClient(broker.port)
    c.send(raw.connect("old-client", version=3))
    assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x00])


def test_mqtt311_connect_gets_connack_accepted(broker):
    c = raw.RawClient(broker.port)
    c.send(raw.connect("c311", version=4))
    assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x00])


def test_mqtt5_connect_gets_connack_with_properties(broker):
    c = raw.RawClient(broker.port)
    c.send(raw.connect("c5", version=5))
    ack = c.recv_packet()
    assert ack[0] == 0x20 and ack[2] == 0x00 and ack[3] == 0x00  # session present 0, success
    # Topic Alias Maximum 10 (0x22) is announced.
    assert bytes([0x22, 0x00, 0x0A]) in ack


def test_unsupported_protocol_level_gets_return_code_1(broker):  # [MQTT-3.1.2-2]
    c = raw.RawClient(broker.port)
    c.send(raw.packet(0x10, raw.string("MQTT") + bytes([6, 0x02, 0, 60]) + raw.string("x")))
    assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x01])
    assert c.closed()


def test_empty_client_id_without_clean_session_is_rejected_in_311(broker):  # [MQTT-3.1.3-8]
    c = raw.RawClient(broker.port)
    c.send(raw.connect("", version=4, clean=False))
    assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x02])
    assert c.closed()


def test_first_packet_must_be_connect(broker):  # [MQTT-3.1.0-1]
    c = raw.RawClient(broker.port)
    c.send(raw.packet(0xC0))  # PINGREQ
    assert c.closed()


def test_second_connect_closes_the_connection(broker):  # [MQTT-3.1.0-2]
    c = raw.RawClient(broker.port)
    c.send(raw.connect("twice", version=4))
    assert c.recv_packet()[0] == 0x20
    c.send(raw.connect("twice", version=4))
    assert c.closed()


def test_mqtt5_second_connect_gets_disconnect_protocol_error(broker):
    c = raw.RawClient(broker.port)
    c.send(raw.connect("twice5", version=5))
    assert c.recv_packet()[0] == 0x20
    c.send(raw.connect("twice5", version=5))
    assert c.recv_packet() == bytes([0xE0, 0x01, 0x82])
    assert c.closed()


def test_pingreq_gets_pingresp(broker):
    c = raw.RawClient(broker.port)
    c.send(raw.connect("pinger"))
    c.recv_packet()
    c.send(raw.packet(0xC0))
    assert c.recv_packet() == bytes([0xD0, 0x00])


def test_paho_v5_empty_client_id_gets_assigned_identifier(broker):  # [MQTT-3.2.2-16]
    got = {}
    done = threading.Event()

    def on_connect(client, userdata, flags, reason, properties):
        got["reason"] = reason
        got["assigned"] = getattr(properties, "AssignedClientIdentifier", None)
        done.set()

    client = mqtt.Client(client_id="", protocol=mqtt.MQTTv5)
    client.on_connect = on_connect
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    assert done.wait(5)
    client.disconnect()
    client.loop_stop()
    assert got["reason"] == 0
    assert got["assigned"]


def test_session_takeover_closes_the_first_connection_with_0x8e(broker):  # [MQTT-3.1.4-3]
    first = raw.RawClient(broker.port)
    first.send(raw.connect("same-id", version=5))
    first.recv_packet()
    second = raw.RawClient(broker.port)
    second.send(raw.connect("same-id", version=5))
    assert second.recv_packet()[0] == 0x20
    assert first.recv_packet() == bytes([0xE0, 0x01, 0x8E])
    assert first.closed()


def test_persistent_session_reports_session_present(broker):  # [MQTT-3.2.2-2]
    c = raw.RawClient(broker.port)
    c.send(raw.connect("keeper", version=4, clean=False))
    assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x00])
    c.close()
    time.sleep(0.1)
    c = raw.RawClient(broker.port)
    c.send(raw.connect("keeper", version=4, clean=False))
    assert c.recv_packet() == bytes([0x20, 0x02, 0x01, 0x00])


def test_keep_alive_expiry_closes_the_connection(broker):  # [MQTT-3.1.2-24]: 1.5 x keep alive
    c = raw.RawClient(broker.port, timeout=10)
    c.send(raw.connect("sleepy", version=4, keep_alive=1))
    c.recv_packet()
    start = time.monotonic()
    assert c.closed()
    assert 1.4 < time.monotonic() - start < 4


def test_bare_connect_and_close_is_not_logged_above_debug(broker):
    import socket
    s = socket.create_connection(("127.0.0.1", broker.port))
    peer = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    time.sleep(0.2)
    log = broker.log()
    assert "debug: New connection from " + peer in log  # seen, at debug
    assert [l for l in log.splitlines() if peer in l and "debug:" not in l] == []
