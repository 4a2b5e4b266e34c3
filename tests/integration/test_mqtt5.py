"""MQTT 5 session and flow features with paho-mqtt and the raw client:
Receive Maximum, Server Keep Alive, Session Expiry, Will Delay, Message
Expiry, Maximum Packet Size, Request Response Information
([MQTT-3.1.2], [MQTT-3.2.2], [MQTT-3.3.2], [MQTT-4.9])."""

import socket
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

import mqtt_raw as raw
from clients import Paho, mosquitto_pub


def props(kind, **values):
    p = Properties(kind)
    for name, value in values.items():
        setattr(p, name, value)
    return p


def quiet_for(client, seconds):
    """True when nothing arrives on the raw client for `seconds`."""
    client.sock.settimeout(seconds)
    try:
        return client.recv_packet() is None and False
    except socket.timeout:
        return True
    finally:
        client.sock.settimeout(5)


def test_receive_maximum_bounds_unacknowledged_deliveries(broker):  # [MQTT-3.3.4-9]
    c = raw.RawClient(broker.port)
    c.send(raw.connect("slow-acker", version=5, properties=bytes([0x21]) + raw.u16(2)))
    assert c.recv_packet()[0] == 0x20
    c.send(raw.subscribe(1, "rm/t", options=1, version=5))
    assert c.recv_packet()[0] == 0x90
    for i in range(5):
        mosquitto_pub(broker.port, "-q", "1", "-t", "rm/t", "-m", f"m{i}")
    first = raw.parse_publish(c.recv_packet(), version=5)
    second = raw.parse_publish(c.recv_packet(), version=5)
    assert [first[3], second[3]] == [b"m0", b"m1"]
    assert quiet_for(c, 0.5), "a third PUBLISH came before any PUBACK"
    c.send(raw.puback(first[1]))
    third = raw.parse_publish(c.recv_packet(), version=5)
    assert third[3] == b"m2"
    assert quiet_for(c, 0.3)


def test_server_keep_alive_for_v5_and_refusal_for_v311(make_broker):  # [MQTT-3.2.2-21]
    b = make_broker("max_keepalive = 30\n")
    c = Paho(b.port, "ka5", mqtt.MQTTv5, keepalive=120).connect()
    assert c.connect_result[2].ServerKeepAlive == 30
    c.stop()
    raw_client = raw.RawClient(b.port)
    raw_client.send(raw.connect("ka311", version=4, keep_alive=120))
    assert raw_client.recv_packet() == bytes([0x20, 0x02, 0x00, 0x02])  # identifier rejected, as Mosquitto
    assert "max_keepalive exceeded" in b.log()


def test_session_expiry_interval(broker):  # [MQTT-3.1.2-23]
    def session_present(client_id, expiry):
        c = Paho(broker.port, client_id, mqtt.MQTTv5, clean=False,
                 properties=props(PacketTypes.CONNECT, SessionExpiryInterval=expiry)).connect()
        present = c.connect_result[0]["session present"]
        c.subscribe("se/t", qos=1)
        c.stop()
        return present

    assert session_present("short", 1) == 0
    assert session_present("long", 60) == 0
    time.sleep(2.5)
    assert session_present("short", 1) == 0, "a session with expiry 1 s survived 2.5 s"
    assert session_present("long", 60) == 1


def test_will_delay_interval(broker):  # [MQTT-3.1.3-9]
    watcher = Paho(broker.port, "wd-watch", mqtt.MQTTv5).connect()
    watcher.subscribe("wd/#", qos=1)
    connect_props = bytes([0x11]) + raw.u32(60)  # session outlives the connection
    will_props = bytes([0x18]) + raw.u32(2)      # Will Delay Interval 2 s

    def doomed():
        c = raw.RawClient(broker.port)
        c.send(raw.connect("wd-client", version=5, clean=False, properties=connect_props,
                           will=("wd/gone", "bye", 1, False), will_properties=will_props))
        assert c.recv_packet()[0] == 0x20
        return c

    # Back within the delay: the will is not sent.
    doomed().close()
    time.sleep(0.5)
    back = doomed()
    time.sleep(2.5)
    assert watcher.messages == []
    # Gone for good: the will comes after the delay, not before.
    back.close()
    dropped = time.monotonic()
    got = watcher.wait_for(1, timeout=6)
    assert [m.payload for m in got] == [b"bye"]
    assert time.monotonic() - dropped >= 1.5
    watcher.stop()


def test_message_expiry_for_retained_and_queued_messages(broker):  # [MQTT-3.3.2-5]
    sub = Paho(broker.port, "me-sub", mqtt.MQTTv5, clean=False,
               properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60)).connect()
    sub.subscribe("me/q", qos=1)
    sub.stop()
    pub = Paho(broker.port, "me-pub", mqtt.MQTTv5).connect()
    short = props(PacketTypes.PUBLISH, MessageExpiryInterval=1)
    long_ = props(PacketTypes.PUBLISH, MessageExpiryInterval=60)
    pub.client.publish("me/q", "expires", qos=1, properties=short).wait_for_publish(5)
    pub.client.publish("me/q", "stays", qos=1, properties=long_).wait_for_publish(5)
    pub.client.publish("me/r", "retained-expires", qos=1, retain=True, properties=short).wait_for_publish(5)
    pub.client.publish("me/r2", "retained-stays", qos=1, retain=True, properties=long_).wait_for_publish(5)
    pub.stop()
    time.sleep(2.2)
    back = Paho(broker.port, "me-sub", mqtt.MQTTv5, clean=False,
                properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60)).connect()
    back.subscribe("me/+", qos=1)
    got = back.wait_for(2)
    time.sleep(0.3)
    payloads = sorted(m.payload for m in back.messages)
    assert payloads == [b"retained-stays", b"stays"]
    for m in back.messages:
        # The remaining lifetime is passed on [MQTT-3.3.2-6].
        assert 50 <= m.properties.MessageExpiryInterval < 60, m.properties.MessageExpiryInterval
    assert got
    back.stop()


def test_client_maximum_packet_size_is_never_exceeded(broker):  # [MQTT-3.1.2-25]
    small = Paho(broker.port, "mps-small", mqtt.MQTTv5,
                 properties=props(PacketTypes.CONNECT, MaximumPacketSize=128)).connect()
    small.subscribe("mps/#", qos=1)
    big = Paho(broker.port, "mps-big", mqtt.MQTTv5).connect()
    big.subscribe("mps/#", qos=1)
    mosquitto_pub(broker.port, "-q", "1", "-t", "mps/a", "-m", "x" * 1000)
    mosquitto_pub(broker.port, "-q", "1", "-t", "mps/a", "-m", "small")
    assert [m.payload for m in big.wait_for(2)] == [b"x" * 1000, b"small"]
    time.sleep(0.2)
    assert [m.payload for m in small.messages] == [b"small"]
    small.stop()
    big.stop()


def test_request_response_information(make_broker):  # [MQTT-3.1.2-28]
    b = make_broker('response_topic_prefix = "replies/"\n')
    asking = Paho(b.port, "asker", mqtt.MQTTv5,
                  properties=props(PacketTypes.CONNECT, RequestResponseInformation=1)).connect()
    assert asking.connect_result[2].ResponseInformation == "replies/asker"
    asking.stop()
    plain = Paho(b.port, "plain", mqtt.MQTTv5).connect()
    assert not hasattr(plain.connect_result[2], "ResponseInformation")
    plain.stop()
