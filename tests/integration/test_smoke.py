"""The smoke test every build must pass: start; publish and subscribe at
QoS 1; a retained message; a TLS handshake; a restart with persisted state.

scripts/test-cross runs it for each architecture's binary under qemu-user
(ROOST_EMULATOR); the other integration runs include it natively. The
deadlines are generous: an emulated ARMv6 runs many times slower."""

import time

from clients import Paho
from conftest import free_port
from test_tls import tls_listener

SLOW = 30  # seconds: any one step under emulation


def publish(client, topic, payload, retain=False):
    info = client.client.publish(topic, payload, qos=1, retain=retain)
    info.wait_for_publish(SLOW)
    assert info.is_published(), f"no PUBACK for {topic}"


def payloads(messages):
    return sorted((m.topic, m.payload.decode(), m.qos) for m in messages)


def run_smoke(port, tls_port, cafile, restart):
    """The smoke test against a broker with a plain listener on `port`, a TLS
    one on `tls_port` (certificate for 127.0.0.1 from `cafile`'s CA) and
    persistence; `restart()` stops it (expecting exit code 0) and starts it."""
    # QoS 1 both ways, and a retained message, over TCP.
    sub = Paho(port, client_id="smoke-sub", clean=False)
    sub.connect()
    sub.subscribe("smoke/#", qos=1)
    pub = Paho(port, client_id="smoke-pub").connect()
    publish(pub, "smoke/q1", "hello")
    publish(pub, "smoke/retained", "kept", retain=True)

    # The TLS listener: a verified handshake (the test CA) and a message.
    secure = Paho(tls_port, client_id="smoke-tls")
    secure.client.tls_set(ca_certs=cafile)
    secure.connect()
    publish(secure, "smoke/tls", "secret")
    secure.stop()
    assert payloads(sub.wait_for(3, timeout=SLOW)) == [
        ("smoke/q1", "hello", 1), ("smoke/retained", "kept", 1), ("smoke/tls", "secret", 1)]

    # A message for the persistent session while it is away, then a restart.
    # paho sends each PUBACK after its on_message returns: give it a moment,
    # or the broker rightly sends an unacknowledged message again.
    time.sleep(0.5)
    sub.stop()
    publish(pub, "smoke/queued", "waiting")
    pub.stop()
    restart()

    # After the restart: the retained message, and the queued one for the session.
    fresh = Paho(port, client_id="smoke-fresh").connect()
    fresh.subscribe("smoke/retained", qos=1)
    got = fresh.wait_for(1, timeout=SLOW)
    fresh.stop()
    assert [(m.payload.decode(), m.retain) for m in got] == [("kept", True)]
    back = Paho(port, client_id="smoke-sub", clean=False)
    back.connect()
    got = back.wait_for(1, timeout=SLOW)
    back.stop()
    assert payloads(got) == [("smoke/queued", "waiting", 1)]
    assert back.connect_result[0]["session present"] == 1


def test_smoke(make_broker, certs, tmp_path):
    tls_port = free_port()
    b = make_broker(f'[persistence]\npath = "{tmp_path}/roost.db"\nflush_interval = 1\n' +
                    tls_listener(certs, tls_port))

    def restart():
        assert b.stop(timeout=SLOW) == 0, b.output()
        b.start()

    run_smoke(b.port, tls_port, f"{certs}/ca.pem", restart)
