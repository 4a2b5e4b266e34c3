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
