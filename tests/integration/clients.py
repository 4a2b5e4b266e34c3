"""Helpers around the real clients: mosquitto_pub/mosquitto_sub and paho-mqtt."""

import subprocess
import threading
import time

import paho.mqtt.client as mqtt


def mosquitto_sub(port, *args, count=1, timeout=5):
    """Starts mosquitto_sub; returns the process (read with finish())."""
    cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-C", str(count), "-W", str(timeout), *args]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)  # let it subscribe
    return p


def finish(process, timeout=10):
    out, err = process.communicate(timeout=timeout)
    return out.splitlines(), process.returncode, err


def mosquitto_pub(port, *args):
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), *args],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r


class Paho:
    """A paho client that records messages and waits for events with deadlines."""

    def __init__(self, port, client_id="", version=mqtt.MQTTv311, clean=True, **connect_kwargs):
        kwargs = {"protocol": version}
        if version != mqtt.MQTTv5:
            kwargs["clean_session"] = clean
        self.client = mqtt.Client(client_id=client_id, **kwargs)
        self.messages = []
        self.connected = threading.Event()
        self.connect_result = None
        self.lock = threading.Lock()
        self.client.on_message = self._on_message
        self.client.on_connect = self._on_connect
        self.port = port
        self.version = version
        self.clean = clean
        self.connect_kwargs = connect_kwargs

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connect_result = (flags, rc, properties)
        self.connected.set()

    def _on_message(self, client, userdata, message):
        with self.lock:
            self.messages.append(message)

    def connect(self, **kwargs):
        if self.version == mqtt.MQTTv5:
            kwargs.setdefault("clean_start", self.clean)
        self.client.connect("127.0.0.1", self.port, **self.connect_kwargs, **kwargs)
        self.client.loop_start()
        assert self.connected.wait(5), "no CONNACK"
        return self

    def subscribe(self, *args, **kwargs):
        done = threading.Event()
        self.client.on_subscribe = lambda *a, **k: done.set()
        self.client.subscribe(*args, **kwargs)
        assert done.wait(5), "no SUBACK"

    def wait_for(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.01)
        with self.lock:
            return list(self.messages)

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()
