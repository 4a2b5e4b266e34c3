"""The Debian package, installed: scripts/test-packages unpacks a Debian
root (the add-on tests' debootstrap image), and this installs the .deb in it
with dpkg, checks what the package put there, runs the smoke test against
the broker started as the systemd unit starts it (its ExecStartPre and
ExecStart, as its User, readiness by $NOTIFY_SOCKET) and purges it.

Collected only when ROOST_DEB (the .deb) and ROOST_DEBIAN_ROOT (the root,
which this changes) are set; conftest.py leaves it out otherwise."""

import os
import shlex
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import free_port
from test_smoke import SLOW, run_smoke

DEB = os.environ.get("ROOST_DEB", "")
ROOT = os.environ.get("ROOST_DEBIAN_ROOT", "")


def chroot(*args, check=True, **kwargs):
    r = subprocess.run(["chroot", ROOT, *args], capture_output=True, text=True, timeout=120, **kwargs)
    if check:
        assert r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
    return r


def deb_field(name):
    return subprocess.run(["dpkg-deb", "-f", DEB, name], capture_output=True, text=True, check=True).stdout.strip()


def unit():
    """The installed roost.service, as sections of key: [values]."""
    for d in ("lib", "usr/lib"):
        path = os.path.join(ROOT, d, "systemd/system/roost.service")
        if os.path.exists(path):
            break
    values = {}
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
            elif line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values.setdefault((section, key), []).append(value)
    return values


@pytest.fixture
def mounts():
    """/dev and /proc inside the root (the random source, /proc/self), unmounted after."""
    done = []
    for d in ("dev", "proc"):
        target = os.path.join(ROOT, d)
        os.makedirs(target, exist_ok=True)
        if d == "proc":
            subprocess.run(["mount", "-t", "proc", "proc", target], check=True)
        else:
            subprocess.run(["mount", "--bind", "/dev", target], check=True)
        done.append(target)
    yield
    for target in reversed(done):
        subprocess.run(["umount", "-l", target], check=False)


class UnitBroker:
    """roost as roost.service runs it: ExecStartPre, then ExecStart as User,
    ready when READY=1 arrives on $NOTIFY_SOCKET."""

    def __init__(self, service):
        self.user = service[("Service", "User")][0]
        self.group = service[("Service", "Group")][0]
        self.pre = [shlex.split(v) for v in service[("Service", "ExecStartPre")]]
        self.start_argv = shlex.split(service[("Service", "ExecStart")][0])
        self.socket_path = "/run/roost-notify.sock"
        host_path = os.path.join(ROOT, self.socket_path.lstrip("/"))
        os.makedirs(os.path.dirname(host_path), exist_ok=True)
        if os.path.exists(host_path):
            os.unlink(host_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(host_path)
        os.chmod(host_path, 0o777)
        self.process = None

    def as_user(self, argv):
        return ["chroot", f"--userspec={self.user}:{self.group}", ROOT, *argv]

    def start(self):
        for argv in self.pre:
            r = subprocess.run(self.as_user(argv), capture_output=True, text=True, timeout=SLOW)
            assert r.returncode == 0, f"ExecStartPre {argv}: {r.stdout}{r.stderr}"
        env = dict(os.environ, NOTIFY_SOCKET=self.socket_path)
        self.process = subprocess.Popen(self.as_user(self.start_argv), env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        assert self.wait_for("READY=1"), "no READY=1 from the broker"

    def wait_for(self, state):
        self.notify.settimeout(SLOW)
        try:
            while True:
                message = self.notify.recv(4096).decode()
                if state in message.split("\n"):
                    return True
        except socket.timeout:
            return False

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        stopping = self.wait_for("STOPPING=1")
        code = self.process.wait(timeout=SLOW)
        output = self.process.stdout.read().decode(errors="replace")
        self.process.stdout.close()
        return code, stopping, output

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_the_package_installs_serves_and_purges(certs, mounts):
    assert deb_field("Package") == "roost"
    assert deb_field("Architecture") == os.environ.get("ROOST_DEB_ARCH", "amd64")
    assert "adduser" in deb_field("Depends")
    conffiles = subprocess.run(["dpkg-deb", "-I", DEB, "conffiles"], capture_output=True, text=True).stdout
    assert conffiles.split() == ["/etc/roost/roost.toml"]

    shutil.copy(DEB, os.path.join(ROOT, "tmp", "roost.deb"))
    chroot("dpkg", "-i", "/tmp/roost.deb")
    assert os.access(os.path.join(ROOT, "usr/bin/roost"), os.X_OK)
    assert chroot("getent", "passwd", "roost").stdout.startswith("roost:")
    state = os.stat(os.path.join(ROOT, "var/lib/roost"))
    uid = int(chroot("id", "-u", "roost").stdout)
    assert (state.st_uid, oct(state.st_mode & 0o777)) == (uid, "0o750")
    wants = os.path.join(ROOT, "etc/systemd/system/multi-user.target.wants/roost.service")
    assert os.path.islink(wants), "the service was not enabled"
    service = unit()
    for key, value in [("Type", "notify"), ("User", "roost"), ("Restart", "on-failure"),
                       ("ProtectSystem", "strict"), ("NoNewPrivileges", "true"), ("StateDirectory", "roost")]:
        assert service.get(("Service", key)) == [value], key

    # Configured as a user would: the packaged file, its ports moved off
    # 1883, and a TLS listener with the test certificates.
    config_path = os.path.join(ROOT, "etc/roost/roost.toml")
    port, tls_port = free_port(), free_port()
    with open(config_path) as f:
        config = f.read()
    assert config.count("port = 1883") == 2 and "/var/lib/roost/roost.db" in config
    ssl = os.path.join(ROOT, "etc/roost/ssl")
    os.makedirs(ssl)
    for name in ("server.pem", "server.key"):
        shutil.copy(os.path.join(certs, name), ssl)
    chroot("chgrp", "-R", "roost", "/etc/roost/ssl")
    chroot("chmod", "0750", "/etc/roost/ssl")
    chroot("chmod", "0640", "/etc/roost/ssl/server.key", "/etc/roost/ssl/server.pem")
    with open(config_path, "w") as f:
        f.write(config.replace("port = 1883", f"port = {port}").replace(
            "[persistence]", f'[[listener]]\naddress = "127.0.0.1"\nport = {tls_port}\n'
            'certfile = "/etc/roost/ssl/server.pem"\nkeyfile = "/etc/roost/ssl/server.key"\n\n[persistence]'))

    broker = UnitBroker(service)
    try:
        broker.start()

        def restart():
            code, stopping, output = broker.stop()
            assert (code, stopping) == (0, True), output
            broker.start()

        run_smoke(port, tls_port, os.path.join(certs, "ca.pem"), restart)
        assert os.path.exists(os.path.join(ROOT, "var/lib/roost/roost.db"))
        code, stopping, output = broker.stop()
        assert (code, stopping) == (0, True), output
    finally:
        broker.kill()

    chroot("dpkg", "--purge", "roost")
    assert not os.path.exists(os.path.join(ROOT, "usr/bin/roost"))
    assert not os.path.exists(os.path.join(ROOT, "var/lib/roost"))
    assert chroot("getent", "passwd", "roost", check=False).returncode != 0
    assert not os.path.lexists(wants), "purge left the service enabled"
