"""SIGHUP: the configuration is read again and applied whole, or kept."""

import signal
import socket
import time

import mqtt_raw as raw
from conftest import free_port


def can_connect(port):
    try:
        c = raw.RawClient(port, timeout=2)
        c.send(raw.connect("probe", version=4))
        ok = c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x00])
        c.close()
        return ok
    except OSError:
        return False


def wait_for(predicate, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sighup_adds_and_removes_listeners_without_dropping_clients(broker):
    first = broker.port
    second = free_port()
    kept = raw.RawClient(first)
    kept.send(raw.connect("stays", version=4))
    kept.recv_packet()
    with open(broker.config_path) as f:
        original = f.read()
    # Replace the listener on the first port by one on the second.
    with open(broker.config_path, "w") as f:
        f.write(original.replace(f"port = {first}", f"port = {second}"))
    broker.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: can_connect(second))
    assert wait_for(lambda: not can_connect(first))
    # The connection made before the reload is still served.
    kept.send(raw.packet(0xC0))
    assert kept.recv_packet() == bytes([0xD0, 0x00])
    assert "Configuration reloaded" in broker.log()


def test_sighup_with_a_bad_file_keeps_the_running_configuration(broker):
    with open(broker.config_path, "a") as f:
        f.write("\nnot_a_setting = 1\n")
    broker.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "Reload failed, keeping the current configuration" in broker.log())
    assert "not_a_setting" in broker.log()
    assert can_connect(broker.port)


def test_reload_raising_max_topic_alias_applies_to_new_connections_only(make_broker):
    b = make_broker("max_topic_alias = 2\n")
    old = raw.RawClient(b.port)
    old.send(raw.connect("alias-old", version=5))
    assert old.recv_packet()[0] == 0x20
    old.send(raw.packet(0x30, raw.string("a/1") + b"\x03\x23\x00\x01" + b"x"))  # alias 1: fine
    with open(b.config_path) as f:
        config = f.read()
    with open(b.config_path, "w") as f:
        f.write(config.replace("max_topic_alias = 2", "max_topic_alias = 20"))
    b.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "Configuration reloaded" in b.log())
    # The old connection keeps what its CONNACK said: alias 5 is above it.
    old.send(raw.packet(0x30, raw.string("a/5") + b"\x03\x23\x00\x05" + b"x"))
    assert old.recv_packet() == bytes([0xE0, 0x01, 0x94])
    new = raw.RawClient(b.port)
    new.send(raw.connect("alias-new", version=5))
    assert bytes([0x22, 0x00, 0x14]) in new.recv_packet()  # Topic Alias Maximum 20
    new.send(raw.packet(0x82, b"\x00\x01\x00" + raw.string("a/#") + b"\x00"))
    assert new.recv_packet()[0] == 0x90
    new.send(raw.packet(0x30, raw.string("a/5") + b"\x03\x23\x00\x05" + b"y"))
    assert new.recv_packet().endswith(b"y")
