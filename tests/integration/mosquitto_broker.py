"""A real Mosquitto broker (Debian's /usr/sbin/mosquitto) on an ephemeral loopback port, as a
peer for Roost's tools and bridges."""

import getpass
import os
import re
import subprocess
import time

from conftest import free_port

MOSQUITTO = "/usr/sbin/mosquitto"


class MosquittoBroker:
    """`with MosquittoBroker(directory, extra) as m:` runs mosquitto with `extra` config lines
    (anonymous access allowed unless `extra` says otherwise) and stops it afterwards."""

    def __init__(self, directory, extra="", port=None):
        self.port = port or free_port()
        self.directory = str(directory)
        self.config = os.path.join(self.directory, f"mosquitto-{self.port}.conf")
        self.log_path = os.path.join(self.directory, f"mosquitto-{self.port}.log")
        with open(self.config, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\n")
            # Started as root, mosquitto would switch to its own user, which cannot write here.
            f.write(f"user {getpass.getuser()}\n")
            if "allow_anonymous" not in extra:
                f.write("allow_anonymous true\n")
            f.write(f"log_dest file {self.log_path}\nlog_type all\n")
            f.write(extra)
        self.process = None

    def start(self):
        self.process = subprocess.Popen([MOSQUITTO, "-c", self.config], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "Opening ipv4 listen socket" in self.log() and "running" in self.log():
                return self
            if self.process.poll() is not None:
                raise RuntimeError("mosquitto did not start:\n" + self.log())
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("mosquitto did not start in time:\n" + self.log())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_subscribed(self, client_id, timeout=5):
        """Until mosquitto logged a SUBSCRIBE from `client_id` (log_type all: "Received SUBSCRIBE from ID")."""
        pattern = re.compile(rf"Received SUBSCRIBE from {re.escape(client_id)}\b")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pattern.search(self.log()):
                time.sleep(0.05)  # the log line comes before the subscription is added
                return
            time.sleep(0.02)
        raise AssertionError(f"{client_id} did not subscribe at mosquitto:\n{self.log()[-2000:]}")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
