"""Integration tests: the real `roost` binary on an ephemeral loopback port,
driven by real clients (mosquitto_pub/sub, paho-mqtt) and a raw-bytes client.

Run with /usr/bin/python3 (Debian's paho-mqtt and pytest live there):
    ROOST_BIN=build/release/broker/app/roost /usr/bin/python3 -m pytest tests/integration
"""

import itertools
import os
import random
import shlex
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOST_BIN = os.environ.get("ROOST_BIN", os.path.join(ROOT, "build", "release", "broker", "app", "roost"))
# I/O threads of every broker started here (empty: the broker's default, the CPUs it may use).
ROOST_TEST_THREADS = os.environ.get("ROOST_TEST_THREADS", "")
# A command that runs ROOST_BIN for another architecture, e.g.
# "qemu-arm-static -cpu arm1176" (scripts/test-cross); empty: run it directly.
ROOST_EMULATOR = shlex.split(os.environ.get("ROOST_EMULATOR", ""))

# test_deb.py installs a .deb into a Debian root: only scripts/test-packages
# runs it (it sets both variables).
if not (os.environ.get("ROOST_DEB") and os.environ.get("ROOST_DEBIAN_ROOT")):
    collect_ignore = ["test_deb.py"]

# Ports for brokers come from below the kernel's ephemeral range (where every
# client's own port comes from), each pytest-xdist worker from its own slice,
# so that no client and no other worker takes a port between the check and
# the broker's bind.
_PORT_LOW, _PORT_SLICE = 20000, 1500
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_slice = int(_worker[2:]) if _worker[2:].isdigit() else 0
_next_port = itertools.cycle(range(_PORT_SLICE))
for _ in range(random.randrange(_PORT_SLICE)):
    next(_next_port)


def free_port():
    """A port nothing uses now (the broker binds it right after), from this
    worker's slice below the ephemeral range."""
    base = _PORT_LOW + (_slice % 8) * _PORT_SLICE
    for _ in range(_PORT_SLICE):
        port = base + next(_next_port)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or in TIME_WAIT from an earlier test
            return port
    raise RuntimeError(f"no free port in {base}..{base + _PORT_SLICE - 1}")


class Broker:
    """A running `roost serve` with its own config, port and log file."""

    def __init__(self, extra_config="", port=None, log_destinations=("file",), log_settings=""):
        self.dir = tempfile.TemporaryDirectory(prefix="roost-test-")
        self.port = port or free_port()
        self.config_path = os.path.join(self.dir.name, "roost.toml")
        self.log_path = os.path.join(self.dir.name, "roost.log")
        with open(self.config_path, "w") as f:
            if ROOST_TEST_THREADS and "threads =" not in extra_config:
                f.write(f"threads = {int(ROOST_TEST_THREADS)}\n")
            f.write(extra_config)
            f.write(f'\n[[listener]]\naddress = "127.0.0.1"\nport = {self.port}\n')
            destinations = ", ".join(f'"{d}"' for d in log_destinations)
            f.write('\n[log]\ndestinations = [%s]\nfile = "%s"\ntypes = ["all"]\n' % (destinations, self.log_path))
            f.write(log_settings)
        self.process = None

    def start(self):
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()  # a restart: the previous run's output is gone
        read_fd, write_fd = os.pipe()
        # Not the systemd of a CI runner: readiness comes by the pipe.
        env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
        self.process = subprocess.Popen(
            [*ROOST_EMULATOR, ROOST_BIN, "serve", "--config", self.config_path, "--ready-fd", str(write_fd)],
            pass_fds=(write_fd,), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        os.close(write_fd)
        # Ready once a newline arrives on the pipe (s6's notification-fd protocol).
        with os.fdopen(read_fd, "rb") as ready:
            line = ready.readline()
        if line != b"\n":
            out = self.process.communicate(timeout=5)[0].decode(errors="replace")
            raise RuntimeError(f"roost did not become ready: {out}")
        return self

    def stop(self, timeout=5):
        """SIGTERM, and the exit code (which must come within `timeout` s)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def kill(self):
        """SIGKILL: a crash, nothing flushed."""
        self.process.kill()
        self.process.wait()

    def output(self):
        """What the broker wrote to stdout and stderr (after it exited): sanitizer reports."""
        if self.process is None or self.process.poll() is None or not self.process.stdout:
            return ""
        return self.process.stdout.read().decode(errors="replace")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def cleanup(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()
        self.dir.cleanup()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test, so fixtures can tell a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)


def show_log_if_failed(request, brokers):
    """After a failed test, the end of each broker's log (shown with the failure)."""
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    for b in brokers:
        try:
            lines = b.log().splitlines()
        except OSError:
            continue
        print(f"--- last lines of the log of the broker on port {b.port} ---")
        print("\n".join(lines[-80:]))


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """A CA, server and client certificates from scripts/make-test-certs (once per run)."""
    directory = tmp_path_factory.mktemp("certs")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-certs"), str(directory)], check=True,
                   capture_output=True, timeout=60)
    return directory


@pytest.fixture
def broker(request):
    b = Broker().start()
    yield b
    show_log_if_failed(request, [b])
    code = b.stop()
    output = b.output()
    b.cleanup()
    assert code == 0, "roost did not exit cleanly on SIGTERM:\n" + output


@pytest.fixture
def make_broker(request):
    """Starts brokers with extra configuration; stops them all afterwards."""
    started = []

    def make(extra_config="", **kwargs):
        b = Broker(extra_config, **kwargs).start()
        started.append(b)
        return b

    yield make
    show_log_if_failed(request, started)
    failures = []
    for b in started:
        code = b.stop()
        if code != 0:
            failures.append(f"exit code {code}:\n{b.output()}")
        b.cleanup()
    assert not failures, "roost did not exit cleanly on SIGTERM: " + "\n".join(failures)
