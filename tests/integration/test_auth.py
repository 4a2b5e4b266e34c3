"""Users and ACLs: password files (Mosquitto's and `roost passwd`'s, both
ways), anonymous access, the login throttle, hashing off the I/O threads,
ACL rules of every kind against real clients, and SIGHUP reloads."""

import os
import pty
import signal
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest

import mqtt_raw as raw
from clients import Paho, finish, mosquitto_sub
from conftest import ROOST_BIN, free_port
from test_reload import wait_for


def roost_passwd(*args, check=True):
    r = subprocess.run([ROOST_BIN, "passwd", *args], capture_output=True, text=True, timeout=60)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def password_file(directory, users, iterations=1000):
    """A password file made by `roost passwd` -b for {user: password}."""
    path = os.path.join(directory, "passwd")
    first = True
    for user, password in users.items():
        roost_passwd(*(["-c"] if first else []), "-I", str(iterations), "-b", path, user, password)
        first = False
    return path


def auth_broker(make_broker, tmp_path, users, acl=None, extra=""):
    config = f'password_file = "{password_file(str(tmp_path), users)}"\n'
    if acl is not None:
        acl_path = tmp_path / "acl"
        acl_path.write_text(acl)
        config += f'acl_file = "{acl_path}"\n'
    return make_broker(config + extra)


def connack(port, version=4, client_id="c", **kwargs):
    """The CONNACK return/reason code the raw client gets."""
    c = raw.RawClient(port)
    c.send(raw.connect(client_id, version=version, **kwargs))
    p = c.recv_packet()
    c.close()
    assert p is not None and p[0] == 0x20, p
    return p[3]


def test_password_file_logins_succeed_and_fail_with_each_versions_code(make_broker, tmp_path):
    b = auth_broker(make_broker, tmp_path, {"alice": "wonder land"})
    assert connack(b.port, 4, username="alice", password="wonder land") == 0
    assert connack(b.port, 4, username="alice", password="wrong") == 4   # bad user name or password
    assert connack(b.port, 5, client_id="c5", username="nobody", password="x") == 0x86
    assert connack(b.port, 4, client_id="anon") == 5                     # anonymous: not authorised
    assert connack(b.port, 5, client_id="anon5") == 0x87
    log = b.log()
    assert "Refused connection from" in log and "bad user name or password" in log
    assert "wonder land" not in log and "wrong" not in log  # never a password


def test_mosquitto_clients_log_in_with_u_and_P(make_broker, tmp_path):
    b = auth_broker(make_broker, tmp_path, {"alice": "s3cret"})
    sub = mosquitto_sub(b.port, "-u", "alice", "-P", "s3cret", "-t", "t/x", count=1)
    subprocess.run(["mosquitto_pub", "-p", str(b.port), "-u", "alice", "-P", "s3cret", "-t", "t/x", "-m", "hi"],
                   check=True, timeout=10)
    lines, code, _ = finish(sub)
    assert (lines, code) == (["hi"], 0)
    r = subprocess.run(["mosquitto_pub", "-p", str(b.port), "-u", "alice", "-P", "nope", "-t", "t/x", "-m", "hi"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode != 0 and "bad user name or password" in r.stderr.lower()


def test_a_mosquitto_passwd_file_is_read_as_it_is(make_broker, tmp_path):
    path = tmp_path / "mosquitto.pw"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(path), "pbkdf2user", "pw7"], check=True)
    subprocess.run(["mosquitto_passwd", "-H", "sha512", "-b", str(path), "sha512user", "pw6"], check=True)
    b = make_broker(f'password_file = "{path}"\n')
    assert connack(b.port, 4, client_id="a", username="pbkdf2user", password="pw7") == 0
    assert connack(b.port, 4, client_id="b", username="sha512user", password="pw6") == 0
    assert connack(b.port, 4, client_id="c", username="sha512user", password="pw7") == 4


def test_mosquitto_accepts_a_roost_passwd_file(tmp_path):
    path = tmp_path / "roost.pw"
    roost_passwd("-c", "-b", "-I", "1000", str(path), "alice", "from roost")
    roost_passwd("-H", "sha512", "-b", str(path), "oldtimer", "sha")
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {path}\nuser root\n")
    mosquitto = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: try_connect(port))
        assert connack(port, 4, client_id="a", username="alice", password="from roost") == 0
        assert connack(port, 4, client_id="b", username="oldtimer", password="sha") == 0
        assert connack(port, 4, client_id="c", username="alice", password="nope") == 5  # Mosquitto says 5
    finally:
        mosquitto.terminate()
        mosquitto.wait(timeout=10)


def try_connect(port):
    try:
        raw.RawClient(port, timeout=1).close()
        return True
    except OSError:
        return False


def test_roost_passwd_deletes_upgrades_and_refuses_what_mosquitto_passwd_refuses(tmp_path):
    path = str(tmp_path / "pw")
    roost_passwd("-c", "-b", "-I", "100", path, "alice", "a")
    roost_passwd("-b", "-I", "100", path, "bob", "b")
    roost_passwd("-D", path, "alice")
    text = open(path).read()
    assert "alice" not in text and text.startswith("bob:$7$100$")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert roost_passwd("-D", path, "nobody", check=False).returncode == 1
    assert roost_passwd("-b", path, "with:colon", "x", check=False).returncode == 1
    assert roost_passwd("-b", str(tmp_path / "missing"), "u", "p", check=False).returncode == 1
    plain = tmp_path / "plain"
    plain.write_text("carol:plain text\n")
    roost_passwd("-U", str(plain))
    upgraded = plain.read_text()
    assert upgraded.startswith("carol:$7$") and "plain text" not in upgraded
    assert roost_passwd("--help").stdout.startswith("Usage: roost passwd")


def test_roost_passwd_prompts_twice_without_echo(tmp_path):
    path = str(tmp_path / "pw")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(ROOST_BIN, [ROOST_BIN, "passwd", "-c", "-I", "100", path, "typed"])
    seen = b""

    def expect(text):
        nonlocal seen
        deadline = time.monotonic() + 10
        while text not in seen and time.monotonic() < deadline:
            try:
                seen += os.read(fd, 1024)
            except OSError:
                break
        assert text in seen, seen

    expect(b"Password: ")
    os.write(fd, b"hidden pw\n")
    expect(b"Reenter password: ")
    os.write(fd, b"hidden pw\n")
    _, status = os.waitpid(pid, 0)
    try:
        seen += os.read(fd, 1024)
    except OSError:
        pass
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"hidden pw" not in seen  # not echoed
    assert open(path).read().startswith("typed:$7$100$")


def test_anonymous_access_is_a_listener_setting(make_broker, tmp_path):
    open_port = free_port()
    b = auth_broker(make_broker, tmp_path, {"alice": "a"},
                    extra=f'[[listener]]\naddress = "127.0.0.1"\nport = {open_port}\nallow_anonymous = true\n')
    assert connack(b.port, 4, client_id="anon") == 5
    assert connack(open_port, 4, client_id="anon") == 0


def test_failed_logins_are_slowed_down_per_address_without_stalling_others(make_broker, tmp_path):
    b = auth_broker(make_broker, tmp_path, {"alice": "right"})
    # Another client keeps working while the refusals are held back.
    worker = Paho(b.port, "bystander")
    worker.client.username_pw_set("alice", "right")
    worker.connect()
    worker.subscribe("echo", qos=1)
    delays = []
    for _ in range(3):
        start = time.monotonic()
        assert connack(b.port, 4, client_id="guess", username="alice", password="wrong") == 4
        delays.append(time.monotonic() - start)
        worker.client.publish("echo", "still here", qos=1)
    assert worker.wait_for(3, timeout=5) and len(worker.messages) == 3
    # 250 ms, 500 ms, 1 s, then more for the next attempt (a lower bound: a slow machine only adds).
    assert delays[1] >= 0.45 and delays[2] >= 0.95, delays
    worker.stop()


def test_a_slow_hash_does_not_stall_other_clients(make_broker, tmp_path):
    # About a second of PBKDF2 on this machine for one login.
    path = tmp_path / "slow.pw"
    roost_passwd("-c", "-b", "-I", "2000000", str(path), "slow", "pw")
    roost_passwd("-b", "-I", "1000", str(path), "fast", "pw")
    b = make_broker(f'password_file = "{path}"\n')
    fast = Paho(b.port, "fast")
    fast.client.username_pw_set("fast", "pw")
    fast.connect()
    fast.subscribe("ping", qos=1)
    result = {}

    def slow_login():
        result["code"] = connack(b.port, 4, client_id="slow", username="slow", password="pw")
        result["at"] = time.monotonic()

    t = threading.Thread(target=slow_login)
    t.start()
    time.sleep(0.05)
    fast.client.publish("ping", "while hashing", qos=1)
    got = fast.wait_for(1, timeout=5)
    delivered_at = time.monotonic()
    t.join(timeout=60)
    assert got and result["code"] == 0
    # The fast client's round trip finished before the slow login did.
    assert delivered_at < result["at"]
    fast.stop()
    # The verified pair is cached: the second login does not hash again.
    assert connack(b.port, 4, client_id="slow2", username="slow", password="pw") == 0
    assert wait_for(lambda: "Password of user 'slow'" in b.log() and "verified (cached)" in b.log())


def test_username_as_client_id(make_broker, tmp_path):
    port = free_port()
    b = auth_broker(make_broker, tmp_path, {"sensor": "s"},
                    extra=f'[[listener]]\naddress = "127.0.0.1"\nport = {port}\nuse_username_as_clientid = true\n')
    first = raw.RawClient(port)
    first.send(raw.connect("one", version=5, username="sensor", password="s"))
    assert first.recv_packet()[3] == 0
    second = raw.RawClient(port)
    second.send(raw.connect("two", version=5, username="sensor", password="s"))
    assert second.recv_packet()[3] == 0
    # Same user, so same client id: the first connection was taken over (0x8E).
    assert first.recv_packet() == bytes([0xE0, 0x01, 0x8E])
    assert connack(port, 4, client_id="nouser") == 5
    assert "as sensor" in b.log()


ACL = """
# anonymous
topic read public/#

user writer
topic write data/#
topic write wills/#
topic readwrite $SYS/nothing

user reader
topic read data/#
topic deny data/private/#
topic read $SYS/broker/uptime

user nosys
topic read #

pattern readwrite clients/%c/#
pattern read users/%u/#
"""


def paho_login(port, user, client_id, version=mqtt.MQTTv5, will=None):
    c = Paho(port, client_id, version=version)
    if user:
        c.client.username_pw_set(user, "pw")
    if will:
        c.client.will_set(*will)
    return c.connect()


def test_acl_matrix_with_real_clients(make_broker, tmp_path):
    b = auth_broker(make_broker, tmp_path, {"writer": "pw", "reader": "pw", "nosys": "pw"}, acl=ACL,
                    extra="sys_interval = 1\nallow_anonymous = true\n")
    reader5 = paho_login(b.port, "reader", "r5")
    reader3 = paho_login(b.port, "reader", "r3", version=mqtt.MQTTv311)
    nosys = paho_login(b.port, "nosys", "ns")
    anon = paho_login(b.port, None, "anon1")
    granted = {}

    def sub(client, topic):
        done = threading.Event()

        def on_subscribe(c, u, mid, codes, *rest):
            granted[(client, topic)] = [getattr(x, "value", x) for x in codes]
            done.set()

        client.client.on_subscribe = on_subscribe
        client.client.subscribe(topic, 1)
        assert done.wait(5)
        return granted[(client, topic)][0]

    # SUBSCRIBE: read access decides; 0x87 in 5.0, 0x80 in 3.1.1.
    assert sub(reader5, "data/#") == 1
    assert sub(reader5, "elsewhere/#") == 0x87
    assert sub(reader3, "elsewhere/#") == 0x80
    assert sub(reader5, "data/private/#") == 0x87  # deny covers it
    assert sub(reader5, "$SYS/broker/uptime") == 1
    assert sub(nosys, "#") == 1
    assert sub(nosys, "$SYS/#") == 0x87  # '#' never grants $SYS
    assert sub(anon, "public/#") == 1
    assert sub(reader5, "users/reader/#") == 1  # pattern %u
    assert sub(reader5, "clients/r5/#") == 1    # pattern %c
    assert sub(reader5, "clients/other/#") == 0x87

    writer = paho_login(b.port, "writer", "w1")
    acks = {}
    writer.client.on_publish = lambda c, u, mid, *rest: acks.setdefault(mid, True)
    for topic in ["data/a", "data/private/x", "public/news", "clients/w1/state", "users/reader/msg"]:
        writer.client.publish(topic, topic, qos=1, retain=True).wait_for_publish(5)
    # Deliveries: what each may read of what was written; writer may not write
    # public/news or users/reader/msg (read-only patterns), so those never appear.
    time.sleep(0.5)
    reader_topics = sorted(m.topic for m in reader5.wait_for(2) if not m.topic.startswith("$SYS"))
    assert reader_topics == ["data/a"], reader_topics
    assert sorted(m.topic for m in nosys.wait_for(1)) == ["clients/w1/state", "data/a", "data/private/x"]
    assert [m.topic for m in anon.messages] == []
    # Retained messages on subscribe are filtered the same way.
    late = paho_login(b.port, "reader", "late")
    late.subscribe("data/#", qos=1)
    assert [m.topic for m in late.wait_for(1)] == ["data/a"]
    assert all(m.retain for m in late.messages)
    # $SYS: readable where granted, and never writable by a client.
    assert wait_for(lambda: any(m.topic == "$SYS/broker/uptime" for m in reader5.messages))
    for c in [reader5, reader3, nosys, anon, writer, late]:
        c.stop()


def test_acl_applies_to_wills(make_broker, tmp_path):
    b = auth_broker(make_broker, tmp_path, {"writer": "pw", "nosys": "pw"}, acl=ACL)
    watcher = paho_login(b.port, "nosys", "watch")
    watcher.subscribe("#", qos=1)
    for client_id, topic in [("w-ok", "wills/ok"), ("w-denied", "data2/denied")]:
        c = raw.RawClient(b.port)
        c.send(raw.connect(client_id, version=4, username="writer", password="pw",
                           will=(topic, b"gone", 1, False)))
        assert c.recv_packet()[3] == 0
        c.close()  # no DISCONNECT: the will is due
    time.sleep(0.5)
    assert [m.topic for m in watcher.wait_for(1)] == ["wills/ok"]
    assert "may not publish its will" in b.log()
    watcher.stop()


def test_sighup_reloads_users_and_acl_and_applies_them_to_connected_clients(make_broker, tmp_path):
    b = auth_broker(make_broker, tmp_path, {"keep": "pw", "drop": "pw", "change": "pw"},
                    acl="user keep\ntopic read a/#\nuser drop\ntopic read #\nuser change\ntopic read #\n")
    keep = raw.RawClient(b.port)
    keep.send(raw.connect("keep", version=5, username="keep", password="pw"))
    assert keep.recv_packet()[3] == 0
    keep.send(raw.subscribe(1, "#", 0, version=5))
    assert keep.recv_packet()[0] == 0x90
    clients = {}
    for user in ["drop", "change"]:
        c = raw.RawClient(b.port)
        c.send(raw.connect(user, version=5, username=user, password="pw"))
        assert c.recv_packet()[3] == 0
        clients[user] = c
    # New files: drop is removed, change gets a new password, keep may read b/# too.
    roost_passwd("-D", str(tmp_path / "passwd"), "drop")
    roost_passwd("-b", "-I", "1000", str(tmp_path / "passwd"), "change", "new")
    (tmp_path / "acl").write_text("user keep\ntopic read a/#\ntopic read b/#\nuser change\ntopic write #\n")
    b.process.send_signal(signal.SIGHUP)
    # 0x87 Not authorized, then the connection closes.
    for user in ["drop", "change"]:
        assert clients[user].recv_packet() == bytes([0xE0, 0x01, 0x87])
        assert clients[user].closed()
    assert wait_for(lambda: "Configuration reloaded" in b.log())
    publisher = raw.RawClient(b.port)
    publisher.send(raw.connect("pub", version=4, username="change", password="new"))
    assert publisher.recv_packet()[3] == 0
    publisher.send(raw.packet(0x30, raw.string("b/x") + b"after reload"))
    p = keep.recv_packet()
    assert p is not None and p[0] & 0xF0 == 0x30 and p.endswith(b"after reload")
    assert connack(b.port, 4, client_id="d", username="drop", password="pw") == 4


def test_roost_passwd_keeps_an_existing_files_mode_and_follows_symlinks(tmp_path):
    real = tmp_path / "real.pw"
    roost_passwd("-c", "-b", "-I", "100", str(real), "alice", "a")
    assert os.stat(real).st_mode & 0o777 == 0o600  # a new file
    os.chmod(real, 0o640)
    link = tmp_path / "link.pw"
    os.symlink(real, link)
    roost_passwd("-b", "-I", "100", str(link), "bob", "b")
    assert os.path.islink(link)  # the link stays; its target changed
    assert os.stat(real).st_mode & 0o777 == 0o640
    assert "bob:" in real.read_text() and "alice:" in real.read_text()
    assert not [p for p in os.listdir(tmp_path) if ".pw." in p]  # no temporary file left


def test_a_name_taken_as_given_is_disconnected_once_users_exist(make_broker, tmp_path):
    b = make_broker("")  # no users: user names are taken as given
    named = raw.RawClient(b.port)
    named.send(raw.connect("named", version=5, username="admin", password="anything"))
    assert named.recv_packet()[3] == 0
    anon = raw.RawClient(b.port)
    anon.send(raw.connect("anon", version=5))
    assert anon.recv_packet()[3] == 0
    # A reload adds users (and so, by default, refuses anonymous clients).
    with open(b.config_path) as f:
        config = f.read()
    with open(b.config_path, "w") as f:
        f.write(f'password_file = "{password_file(str(tmp_path), {"admin": "real"})}"\n' + config)
    b.process.send_signal(signal.SIGHUP)
    assert named.recv_packet() == bytes([0xE0, 0x01, 0x87])
    assert anon.recv_packet() == bytes([0xE0, 0x01, 0x87])
    assert wait_for(lambda: "Configuration reloaded" in b.log())
