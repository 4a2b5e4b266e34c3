"""A raw MQTT client: exact bytes out, exact bytes in. For what real clients
never send (malformed packets, protocol violations) and exact replies."""

import socket
import struct


def varint(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        if n:
            byte |= 0x80
        out.append(byte)
        if not n:
            return bytes(out)


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def packet(first_byte, body=b""):
    return bytes([first_byte]) + varint(len(body)) + body


def connect(client_id="raw", version=4, clean=True, keep_alive=60, properties=b"", will=None, username=None,
            will_properties=b"", password=None):
    name = b"MQIsdp" if version == 3 else b"MQTT"
    flags = 0x02 if clean else 0
    payload = string(client_id)
    if will is not None:
        topic, message, qos, retain = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        if version == 5:
            payload += varint(len(will_properties)) + will_properties
        payload += string(topic) + string(message)
    if username is not None:
        flags |= 0x80
        payload += string(username)
    if password is not None:
        flags |= 0x40
        payload += string(password)
    body = string(name) + bytes([version, flags]) + struct.pack("!H", keep_alive)
    if version == 5:
        body += varint(len(properties)) + properties
    return packet(0x10, body + payload)


def u16(n):
    return struct.pack("!H", n)


def u32(n):
    return struct.pack("!I", n)


def subscribe(packet_id, filter_, options=0, version=4, properties=b""):
    body = u16(packet_id) + (varint(len(properties)) + properties if version == 5 else b"")
    return packet(0x82, body + string(filter_) + bytes([options]))


def puback(packet_id, version=4):
    return packet(0x40, u16(packet_id))


def parse_publish(data, version=4):
    """(topic, packet_id or None, qos, payload) of a PUBLISH packet's bytes."""
    qos = (data[0] >> 1) & 3
    i = 1
    while data[i] & 0x80:
        i += 1
    i += 1
    n = struct.unpack("!H", data[i:i + 2])[0]
    topic = data[i + 2:i + 2 + n].decode()
    i += 2 + n
    packet_id = None
    if qos:
        packet_id = struct.unpack("!H", data[i:i + 2])[0]
        i += 2
    if version == 5:
        length, shift = 0, 0
        while True:
            b = data[i]
            i += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        i += length
    return topic, packet_id, qos, data[i:]


class RawClient:
    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def recv_packet(self):
        """The next whole packet as bytes, or None when the server closed."""
        while True:
            if len(self.buffer) >= 2:
                length, shift, i = 0, 0, 1
                while i < len(self.buffer) and i <= 4:
                    b = self.buffer[i]
                    length += (b & 0x7F) << shift
                    shift += 7
                    i += 1
                    if not b & 0x80:
                        if len(self.buffer) >= i + length:
                            p, self.buffer = self.buffer[: i + length], self.buffer[i + length:]
                            return p
                        break
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def closed(self):
        """True when the server closes the connection (after any pending packets)."""
        try:
            while True:
                if self.recv_packet() is None:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()
