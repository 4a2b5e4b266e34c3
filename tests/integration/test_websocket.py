"""MQTT over WebSocket (RFC 6455), plain and over TLS: paho and MQTT.js as
browsers' stand-ins, and a raw WebSocket client for what libraries never
send: packets split across frames and packed into one, pings, closes,
text frames and oversized upgrade requests."""

import base64
import os
import socket
import struct
import subprocess

import paho.mqtt.client as mqtt
import pytest

import mqtt_raw as raw
from clients import Paho
from conftest import free_port
from test_mqttjs import JS_DIR


def ws_listener(port, tls_certs=None):
    text = f'[[listener]]\naddress = "127.0.0.1"\nport = {port}\nprotocol = "websockets"\n'
    if tls_certs:
        text += f'certfile = "{tls_certs}/server.pem"\nkeyfile = "{tls_certs}/server.key"\n'
    return text


@pytest.mark.parametrize("version", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_paho_over_websocket(make_broker, version):
    port = free_port()
    make_broker(ws_listener(port))
    c = Paho(port, "ws-paho", version=version)
    c.client = mqtt.Client(client_id="ws-paho", transport="websockets", protocol=version)
    c.client.on_message = c._on_message
    c.client.on_connect = c._on_connect
    c.client.ws_set_options(path="/mqtt")
    c.connect()
    c.subscribe("ws/#", qos=1)
    big = os.urandom(200_000)  # many frames' worth
    c.client.publish("ws/big", big, qos=1)
    c.client.publish("ws/small", "small", qos=1)
    got = c.wait_for(2)
    assert [(m.topic, m.payload) for m in got] == [("ws/big", big), ("ws/small", b"small")]
    c.stop()


@pytest.mark.parametrize("scheme", ["ws", "wss"])
@pytest.mark.parametrize("scenario", ["v5-properties", "will", "v311-qos2"])
def test_mqttjs_over_websocket(make_broker, certs, scheme, scenario):
    port = free_port()
    make_broker(ws_listener(port, certs if scheme == "wss" else None))
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=f"{certs}/ca.pem")
    r = subprocess.run(["node", os.path.join(JS_DIR, "scenarios.mjs"), str(port), scenario,
                        f"{scheme}://localhost:{port}/mqtt"], capture_output=True, text=True, timeout=20, env=env)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


class RawWebSocket:
    """A client that writes frames by hand."""

    def __init__(self, port, protocol="mqtt", extra_headers=""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /mqtt HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   + (f"Sec-WebSocket-Protocol: {protocol}\r\n" if protocol else "") + extra_headers + "\r\n")
        self.sock.sendall(request.encode())
        self.buffer = b""
        self.head = self._read_until(b"\r\n\r\n")

    def _read_until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head.decode(errors="replace")

    def frame(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def send(self, *frames):
        self.sock.sendall(b"".join(frames))

    def recv_frame(self):
        """(opcode, payload) of the next server frame, or None at EOF."""
        def need(n):
            while len(self.buffer) < n:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return False
                self.buffer += chunk
            return True
        if not need(2):
            return None
        b0, b1 = self.buffer[0], self.buffer[1]
        assert b1 & 0x80 == 0, "a server frame must not be masked"
        n, at = b1 & 0x7F, 2
        if n == 126:
            need(4)
            n, at = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif n == 127:
            need(10)
            n, at = struct.unpack("!Q", self.buffer[2:10])[0], 10
        need(at + n)
        payload, self.buffer = self.buffer[at:at + n], self.buffer[at + n:]
        return b0 & 0x0F, payload


def test_raw_websocket_frames(make_broker):
    port = free_port()
    make_broker(ws_listener(port))
    ws = RawWebSocket(port)
    assert ws.head.startswith("HTTP/1.1 101") and "Sec-WebSocket-Protocol: mqtt" in ws.head
    connect = raw.connect("raw-ws", version=4)
    subscribe = raw.subscribe(1, "t", 0, version=4)
    # CONNECT split over a fragmented message with a ping in between; then
    # SUBSCRIBE and a PUBLISH to itself packed into one frame.
    publish = raw.packet(0x30, raw.string("t") + b"packed")
    ws.send(ws.frame(0x2, connect[:3], fin=False), ws.frame(0x9, b"are you there"),
            ws.frame(0x0, connect[3:]), ws.frame(0x2, subscribe + publish))
    pongs, mqtt_bytes = [], b""
    while b"packed" not in mqtt_bytes:
        frame = ws.recv_frame()
        assert frame is not None, mqtt_bytes
        op, payload = frame
        if op == 0xA:
            pongs.append(payload)
        else:
            assert op == 0x2  # binary frames only
            mqtt_bytes += payload
    assert pongs == [b"are you there"]  # the pong echoes the ping
    assert mqtt_bytes.startswith(bytes([0x20, 0x02, 0x00, 0x00]))  # CONNACK
    assert bytes([0x90, 0x03, 0x00, 0x01, 0x00]) in mqtt_bytes     # SUBACK
    # The client closes: the close is echoed with its code, then the connection ends.
    ws.send(ws.frame(0x8, struct.pack("!H", 1000)))
    assert ws.recv_frame() == (0x8, struct.pack("!H", 1000))
    assert ws.recv_frame() is None


def test_text_frames_and_oversized_upgrades_are_refused(make_broker):
    port = free_port()
    b = make_broker(ws_listener(port))
    ws = RawWebSocket(port)
    ws.send(ws.frame(0x1, b"MQTT as text"))
    assert ws.recv_frame() == (0x8, struct.pack("!H", 1003))
    assert ws.recv_frame() is None
    big = RawWebSocket(port, extra_headers="X-Padding: " + "a" * 9000 + "\r\n")
    assert big.head.startswith("HTTP/1.1 431")
    bare = socket.create_connection(("127.0.0.1", port), timeout=5)
    bare.sendall(raw.connect("not-ws", version=4))  # MQTT straight onto a WebSocket port
    answer = bare.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
    assert "Closing connection from" in b.log()


def test_a_websocket_listener_keeps_acls_and_logins(make_broker, tmp_path):
    from test_auth import password_file
    port = free_port()
    make_broker(f'password_file = "{password_file(str(tmp_path), {"web": "pw"})}"\n' + ws_listener(port))
    ws = RawWebSocket(port)
    ws.send(ws.frame(0x2, raw.connect("anon-ws", version=4)))
    op, p = ws.recv_frame()
    assert p == bytes([0x20, 0x02, 0x00, 0x05])  # not authorised
    ok = RawWebSocket(port)
    ok.send(ok.frame(0x2, raw.connect("web-ws", version=4, username="web", password="pw")))
    op, p = ok.recv_frame()
    assert p == bytes([0x20, 0x02, 0x00, 0x00])
