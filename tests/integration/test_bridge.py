"""Bridges: Roost to Roost and Roost to Mosquitto (and Mosquitto's bridge to Roost), in each
direction and both at once, with prefixes, over TLS, through a remote outage and restart,
failing over to a second address; the bridge state on $SYS; no loops."""

import os
import subprocess
import time

import pytest

from conftest import ROOST_BIN, free_port
from mosquitto_broker import MosquittoBroker
from test_tls import tls_listener


def bridge_config(name, port, topics, host="127.0.0.1", **keys):
    """A [[bridge]] table: `topics` is a list of (pattern, direction, qos, local_prefix, remote_prefix)."""
    addresses = keys.pop("addresses", [f"{host}:{port}"])
    lines = ["[[bridge]]", f'name = "{name}"', "address = [" + ", ".join(f'"{a}"' for a in addresses) + "]",
             "restart_timeout = 1", "restart_timeout_max = 2"]
    for key, value in keys.items():
        lines.append(f"{key} = " + (str(value).lower() if isinstance(value, bool) else
                                    str(value) if isinstance(value, int) else f'"{value}"'))
    for pattern, direction, qos, local, remote in topics:
        lines += ["[[bridge.topic]]", f'pattern = "{pattern}"', f'direction = "{direction}"', f"qos = {qos}",
                  f'local_prefix = "{local}"', f'remote_prefix = "{remote}"']
    return "\n".join(lines) + "\n"


def sub(port, *args, count=1, timeout=10, client_id=None, tls=()):
    cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-C", str(count), "-W", str(timeout), *tls, *args]
    if client_id:
        cmd += ["-i", client_id]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def pub(port, *args):
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), *args], capture_output=True, text=True,
                       timeout=15)
    assert r.returncode == 0, r.stderr
    return r


def finish(p, timeout=20):
    out, err = p.communicate(timeout=timeout)
    return out.splitlines(), p.returncode, err


def wait_for(predicate, timeout=10, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def state(port, name):
    """The bridge's retained state on the broker at `port` ("1", "0" or None)."""
    r = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t",
                        f"$SYS/broker/connection/{name}/state", "-C", "1", "-W", "1"], capture_output=True, text=True)
    return r.stdout.strip() or None


def wait_up(broker_port, name, up=True, timeout=15):
    wait_for(lambda: state(broker_port, name) == ("1" if up else "0"), timeout, f"bridge {name} {'up' if up else 'down'}")


def settle(subscriber_port, topic, publish_port, timeout=10):
    """Publishes probes on `publish_port` until one arrives at `subscriber_port`: the whole path
    (subscriptions on both brokers) is in place."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = sub(subscriber_port, "-t", topic, timeout=1)
        time.sleep(0.15)
        pub(publish_port, "-t", topic, "-m", "probe")
        lines, rc, _ = finish(s)
        if rc == 0:
            return
    raise AssertionError(f"nothing crossed the bridge on {topic}")


def test_roost_to_roost_out_in_and_both_with_prefixes(make_broker):
    remote = make_broker()
    local = make_broker(bridge_config("cloud", remote.port, [
        ("sensors/#", "out", 1, "", ""),
        ("cmd/#", "in", 1, "", ""),
        ("#", "both", 2, "home/", "site1/"),
    ]))
    wait_up(local.port, "cloud")
    settle(remote.port, "sensors/probe", local.port)
    settle(local.port, "cmd/probe", remote.port)
    # out
    s = sub(remote.port, "-t", "sensors/#", "-v", "-q", "1", count=2)
    time.sleep(0.2)
    pub(local.port, "-t", "sensors/temp", "-m", "21.5", "-q", "1")
    pub(local.port, "-t", "sensors/hum", "-m", "40", "-q", "0")
    assert finish(s)[0] == ["sensors/temp 21.5", "sensors/hum 40"]
    # in
    s = sub(local.port, "-t", "cmd/#", "-v", count=1)
    time.sleep(0.2)
    pub(remote.port, "-t", "cmd/light", "-m", "on", "-q", "1")
    assert finish(s)[0] == ["cmd/light on"]
    # both, with prefixes: home/x here is site1/x there, and back
    s_remote = sub(remote.port, "-t", "site1/#", "-v", count=1)
    s_local = sub(local.port, "-t", "home/#", "-v", count=1)
    time.sleep(0.3)
    pub(local.port, "-t", "home/door", "-m", "open", "-q", "2")
    assert finish(s_remote)[0] == ["site1/door open"]
    pub(remote.port, "-t", "site1/window", "-m", "shut", "-q", "2")
    lines = finish(s_local)[0]
    assert lines == ["home/door open"] or lines == ["home/window shut"]


@pytest.mark.parametrize("protocol", ["mqttv311", "mqttv5"])
def test_a_bidirectional_hash_bridge_does_not_loop(make_broker, protocol):
    """`#` both ways between two Roosts: one message is seen once on each side, never echoed."""
    remote = make_broker()
    local = make_broker(bridge_config("loop", remote.port, [("#", "both", 1, "", "")], protocol=protocol))
    wait_up(local.port, "loop")
    settle(remote.port, "probe/a", local.port)
    s_local = sub(local.port, "-t", "room/#", "-v", count=100, timeout=2)
    s_remote = sub(remote.port, "-t", "room/#", "-v", count=100, timeout=2)
    time.sleep(0.3)
    pub(local.port, "-t", "room/one", "-m", "from local", "-q", "1")
    pub(remote.port, "-t", "room/two", "-m", "from remote", "-q", "1")
    local_lines, _, _ = finish(s_local)
    remote_lines, _, _ = finish(s_remote)
    assert sorted(local_lines) == ["room/one from local", "room/two from remote"]
    assert sorted(remote_lines) == ["room/one from local", "room/two from remote"]


def test_retained_messages_cross_the_bridge_retained(make_broker):
    remote = make_broker()
    local = make_broker(bridge_config("ret", remote.port, [("status/#", "out", 1, "", "")]))
    wait_up(local.port, "ret")
    settle(remote.port, "status/probe", local.port)
    pub(local.port, "-t", "status/boiler", "-m", "ok", "-r", "-q", "1")
    wait_for(lambda: subprocess.run(["mosquitto_sub", "-p", str(remote.port), "-h", "127.0.0.1", "-t",
                                     "status/boiler", "-C", "1", "-W", "1", "-F", "%r %p"],
                                    capture_output=True, text=True).stdout == "1 ok\n", what="retained at remote")


def test_remote_outage_queues_qos1_and_qos2_and_loses_none(make_broker, tmp_path):
    """The remote broker goes away; 40 QoS 1 and 40 QoS 2 messages wait (persisted) at the
    local one, then arrive after the remote comes back: none lost, QoS 2 not duplicated. The
    local broker is restarted meanwhile too: the queue is in its store."""
    remote = make_broker(f'[persistence]\npath = "{tmp_path}/remote.db"\n')
    local = make_broker(bridge_config("q", remote.port, [("q/#", "out", 2, "", "")]) +
                        f'[persistence]\npath = "{tmp_path}/local.db"\n')
    wait_up(local.port, "q")
    settle(remote.port, "q/probe", local.port)
    # A persistent subscriber at the remote, to collect everything after the restart.
    finish(sub(remote.port, "-t", "q/#", "-q", "2", "-c", "-E", client_id="collector"))
    remote.stop()
    wait_up(local.port, "q", up=False)
    for i in range(40):
        pub(local.port, "-t", "q/one", "-m", f"qos1-{i}", "-q", "1")
        pub(local.port, "-t", "q/two", "-m", f"qos2-{i}", "-q", "2")
    local.stop()
    local.start()
    remote.start()
    wait_up(local.port, "q", timeout=20)
    s = sub(remote.port, "-t", "q/#", "-q", "2", "-c", "-v", client_id="collector", count=80, timeout=15)
    lines, rc, err = finish(s)
    assert rc == 0, (len(lines), err)
    qos1 = [line for line in lines if line.startswith("q/one")]
    qos2 = [line for line in lines if line.startswith("q/two")]
    assert sorted(set(qos1)) == sorted(f"q/one qos1-{i}" for i in range(40))
    assert sorted(qos2) == sorted(f"q/two qos2-{i}" for i in range(40))  # exactly once


def test_failover_to_the_second_address(make_broker):
    remote = make_broker()
    dead = free_port()
    local = make_broker(bridge_config("fo", remote.port, [("f/#", "out", 1, "", "")],
                                      addresses=[f"127.0.0.1:{dead}", f"127.0.0.1:{remote.port}"]))
    wait_up(local.port, "fo", timeout=20)
    settle(remote.port, "f/x", local.port)
    assert f"127.0.0.1:{dead}" in local.log()  # it tried the first one


def test_lazy_bridge_connects_at_the_threshold_and_leaves_when_idle(make_broker):
    remote = make_broker()
    local = make_broker(bridge_config("lazy", remote.port, [("z/#", "out", 1, "", "")], start_type="lazy",
                                      threshold=3, idle_timeout=2))
    wait_for(lambda: state(local.port, "lazy") == "0", what="the lazy bridge's state")
    s = sub(remote.port, "-t", "z/#", "-v", "-q", "1", count=3, timeout=15)
    time.sleep(0.3)
    pub(local.port, "-t", "z/1", "-m", "a", "-q", "1")
    pub(local.port, "-t", "z/2", "-m", "b", "-q", "1")
    time.sleep(1.5)
    assert state(local.port, "lazy") == "0", "connected before the threshold"
    pub(local.port, "-t", "z/3", "-m", "c", "-q", "1")
    lines, rc, err = finish(s)
    assert (lines, rc) == (["z/1 a", "z/2 b", "z/3 c"], 0), err
    wait_up(local.port, "lazy", up=False, timeout=10)  # idle for 2 s: disconnected again
    assert "lazy idle: disconnecting" in local.log()


def test_tls_bridge(make_broker, certs):
    tls_port = free_port()
    remote = make_broker(tls_listener(certs, tls_port))
    local = make_broker(bridge_config("secure", tls_port, [("s/#", "both", 1, "", "")], host="localhost",
                                      cafile=f"{certs}/ca.pem"))
    wait_up(local.port, "secure")
    settle(remote.port, "s/probe", local.port)
    settle(local.port, "s/back", remote.port)
    # A wrong CA: never up, and the log says why.
    other = make_broker(bridge_config("wrongca", tls_port, [("s/#", "out", 1, "", "")], host="localhost",
                                      cafile=f"{certs}/other-ca.pem"))
    wait_for(lambda: "wrongca" in other.log() and "certificate" in other.log().lower(), what="a certificate error")
    assert state(other.port, "wrongca") == "0"


def test_remote_state_and_will_on_the_remote_broker(make_broker):
    remote = make_broker()
    local = make_broker(bridge_config("st", remote.port, [("x/#", "out", 0, "", "")]))
    wait_up(local.port, "st")
    assert state(remote.port, "st") == "1"
    local.kill()  # no goodbye: the remote publishes the bridge's will
    wait_for(lambda: state(remote.port, "st") == "0", what="the will")
    local.start()
    wait_up(remote.port, "st")
    local.stop()  # a clean stop says "0" itself
    assert state(remote.port, "st") == "0"


@pytest.mark.parametrize("protocol", ["mqttv311", "mqttv5"])
def test_roost_bridge_to_mosquitto_both_ways(make_broker, tmp_path, protocol):
    with MosquittoBroker(tmp_path) as m:
        local = make_broker(bridge_config("mq", m.port, [("#", "both", 1, "", "")], protocol=protocol))
        wait_up(local.port, "mq")
        settle(m.port, "probe/m", local.port)
        s_local = sub(local.port, "-t", "t/#", "-v", count=100, timeout=2)
        s_remote = sub(m.port, "-t", "t/#", "-v", count=100, timeout=2)
        time.sleep(0.3)
        pub(local.port, "-t", "t/a", "-m", "roost", "-q", "1")
        pub(m.port, "-t", "t/b", "-m", "mosquitto", "-q", "1")
        assert sorted(finish(s_local)[0]) == ["t/a roost", "t/b mosquitto"]
        assert sorted(finish(s_remote)[0]) == ["t/a roost", "t/b mosquitto"]


def test_mosquitto_bridge_to_roost_is_not_looped(make_broker, tmp_path):
    """Mosquitto's own bridge (try_private: the 3.1.1 bridge flag) into Roost, `#` both ways:
    Roost gives the bridge's subscriptions No Local and Retain As Published, as Mosquitto does."""
    roost_broker = make_broker()
    with MosquittoBroker(tmp_path, f"""
connection roost
address 127.0.0.1:{roost_broker.port}
topic # both 1
restart_timeout 1
""") as m:
        settle(roost_broker.port, "probe/r", m.port)
        s_roost = sub(roost_broker.port, "-t", "u/#", "-v", count=100, timeout=2)
        s_mosq = sub(m.port, "-t", "u/#", "-v", count=100, timeout=2)
        time.sleep(0.3)
        pub(roost_broker.port, "-t", "u/a", "-m", "r", "-q", "1")
        pub(m.port, "-t", "u/b", "-m", "m", "-q", "1")
        assert sorted(finish(s_roost)[0]) == ["u/a r", "u/b m"]
        assert sorted(finish(s_mosq)[0]) == ["u/a r", "u/b m"]


def test_an_imported_mosquitto_conf_runs_its_bridge(make_broker, tmp_path):
    """`roost import` turns a mosquitto.conf with a `connection` block into TOML that serves."""
    remote = make_broker()
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"""
listener {port} 127.0.0.1
allow_anonymous true
log_dest stderr
log_type all
user mosquitto

connection imported
address 127.0.0.1:{remote.port}
topic up/# out 1
restart_timeout 1
""")
    r = subprocess.run([ROOST_BIN, "import", str(conf)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    toml = tmp_path / "roost.toml"
    toml.write_text(r.stdout)
    proc = subprocess.Popen([ROOST_BIN, "serve", "--config", str(toml)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_up(port, "imported")
        settle(remote.port, "up/x", port)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_bad_bridge_configuration_is_refused_with_the_line(tmp_path):
    config = tmp_path / "roost.toml"
    config.write_text('[[bridge]]\nname = "x"\naddress = "h:notaport"\n[[bridge.topic]]\npattern = "a/#"\n'
                      'direction = "sideways"\n')
    r = subprocess.run([ROOST_BIN, "check", "--config", str(config)], capture_output=True, text=True, timeout=10)
    assert r.returncode != 0
    assert "bridge.address" in r.stderr and "bridge.topic.direction" in r.stderr, r.stderr
    assert f"{config}:" in r.stderr
