"""TLS listeners (wolfSSL): real clients over TLS, client certificates and
certificate names as user names, what is refused (old versions, weak
ciphers), ALPN, encrypted keys, and certificates reloaded on SIGHUP while
connections stay up."""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest

import mqtt_raw as raw
from clients import Paho, finish
from conftest import ROOT, ROOST_BIN, Broker, free_port
from test_reload import wait_for


def tls_listener(certs, port, **extra):
    """A [[listener]] with TLS; `extra` adds keys (strings are quoted, booleans lowercase)."""
    lines = ["[[listener]]", 'address = "127.0.0.1"', f"port = {port}",
             f'certfile = "{certs}/server.pem"', f'keyfile = "{certs}/server.key"']
    for key, value in extra.items():
        lines.append(f"{key} = " + (str(value).lower() if isinstance(value, bool) else f'"{value}"'))
    return "\n".join(lines) + "\n"


def mosquitto_tls(command, port, certs, *args, timeout=10):
    return subprocess.run([command, "-h", "localhost", "-p", str(port), "--cafile", f"{certs}/ca.pem", *args],
                          capture_output=True, text=True, timeout=timeout)


def mosquitto_tls_sub(port, certs, *args, count=1):
    """Starts mosquitto_sub over TLS (-v, 10 s at most); read it with finish()."""
    sub = subprocess.Popen(["mosquitto_sub", "-h", "localhost", "-p", str(port), "--cafile", f"{certs}/ca.pem", *args,
                            "-C", str(count), "-W", "10", "-v"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    time.sleep(0.5)  # let it subscribe
    return sub


def s_client(port, *args):
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args], input="",
                       capture_output=True, text=True, timeout=15)
    return r.stdout + r.stderr


def negotiated(output):
    """The cipher s_client agreed on, or None when the handshake failed."""
    for line in output.splitlines():
        if "Cipher is" in line:
            cipher = line.split("Cipher is")[1].strip()
            return None if cipher == "(NONE)" else cipher
    return None


def test_mosquitto_clients_over_tls(make_broker, certs):
    port = free_port()
    make_broker(tls_listener(certs, port))
    sub = mosquitto_tls_sub(port, certs, "-t", "secure/#", count=2)
    for message in ["one", "two"]:
        r = mosquitto_tls("mosquitto_pub", port, certs, "-t", "secure/x", "-m", message, "-q", "1")
        assert r.returncode == 0, r.stderr
    lines, code, err = finish(sub)
    assert (lines, code) == (["secure/x one", "secure/x two"], 0), err
    # Without the CA the client refuses the server, as it should.
    r = subprocess.run(["mosquitto_pub", "-h", "localhost", "-p", str(port), "--capath", "/nonexistent",
                        "-t", "x", "-m", "y"], capture_output=True, text=True, timeout=10)
    assert r.returncode != 0


def test_paho_over_tls_with_both_versions(make_broker, certs):
    port = free_port()
    make_broker(tls_listener(certs, port))
    for version in [mqtt.MQTTv311, mqtt.MQTTv5]:
        c = Paho(port, f"paho-tls-{version}", version=version)
        c.client.tls_set(ca_certs=f"{certs}/ca.pem")
        c.client.connect("localhost", port)
        c.client.loop_start()
        assert c.connected.wait(5)
        c.subscribe("tls/echo", qos=2)
        c.client.publish("tls/echo", b"\x00\x01binary" * 1000, qos=2)
        got = c.wait_for(1)
        assert [m.payload for m in got] == [b"\x00\x01binary" * 1000]
        c.stop()


def test_old_versions_and_weak_ciphers_are_refused(make_broker, certs):
    port = free_port()
    make_broker(tls_listener(certs, port))
    # TLS 1.0 and 1.1 are not offered (the client is allowed to try them).
    for version in ["-tls1", "-tls1_1"]:
        assert negotiated(s_client(port, version, "-cipher", "DEFAULT@SECLEVEL=0")) is None
    # NULL (no encryption) suites, even when the client asks for nothing else.
    for cipher in ["NULL-SHA256", "ECDHE-ECDSA-NULL-SHA", "ECDHE-RSA-NULL-SHA"]:
        assert negotiated(s_client(port, "-tls1_2", "-cipher", f"{cipher}@SECLEVEL=0")) is None
    # Debian's openssl cannot offer RC4 at all: the unit test Tls.WeakSuitesAreNeverNegotiated
    # proves RC4 refused with a wolfSSL client that can.
    assert negotiated(s_client(port, "-tls1_2")) is not None
    assert negotiated(s_client(port, "-tls1_3")) is not None


def test_alpn_mqtt_is_agreed(make_broker, certs):
    port = free_port()
    make_broker(tls_listener(certs, port))
    assert "ALPN protocol: mqtt" in s_client(port, "-alpn", "mqtt")
    assert negotiated(s_client(port)) is not None  # and clients without ALPN connect too


def test_tls_version_minimum_13(make_broker, certs):
    port = free_port()
    make_broker(tls_listener(certs, port, tls_version="tlsv1.3"))
    assert negotiated(s_client(port, "-tls1_2")) is None
    assert negotiated(s_client(port, "-tls1_3")) is not None


def test_client_certificates_required_and_checked(make_broker, certs):
    port = free_port()
    make_broker(tls_listener(certs, port, cafile=f"{certs}/ca.pem", require_certificate=True))
    ok = mosquitto_tls("mosquitto_pub", port, certs, "--cert", f"{certs}/client.pem", "--key", f"{certs}/client.key",
                       "-t", "x", "-m", "with cert")
    assert ok.returncode == 0, ok.stderr
    assert mosquitto_tls("mosquitto_pub", port, certs, "-t", "x", "-m", "no cert").returncode != 0
    bad = mosquitto_tls("mosquitto_pub", port, certs, "--cert", f"{certs}/untrusted-client.pem", "--key",
                        f"{certs}/untrusted-client.key", "-t", "x", "-m", "wrong CA")
    assert bad.returncode != 0


def test_certificate_names_as_user_names_meet_the_acl(make_broker, certs, tmp_path):
    port = free_port()
    acl = tmp_path / "acl"
    acl.write_text("user test-client\ntopic readwrite devices/#\n")
    make_broker(f'acl_file = "{acl}"\n' +
                tls_listener(certs, port, cafile=f"{certs}/ca.pem", use_identity_as_username=True))
    base = ["--cert", f"{certs}/client.pem", "--key", f"{certs}/client.key"]
    sub = mosquitto_tls_sub(port, certs, *base, "-t", "#")
    # No password: the certificate's CN (test-client) is the user name.
    assert mosquitto_tls("mosquitto_pub", port, certs, *base, "-t", "elsewhere", "-m", "denied").returncode == 0
    assert mosquitto_tls("mosquitto_pub", port, certs, *base, "-t", "devices/a", "-m", "granted").returncode == 0
    lines, code, _ = finish(sub)
    assert lines == ["devices/a granted"]


def test_an_encrypted_key_with_its_password(make_broker, certs):
    port = free_port()
    listener = tls_listener(certs, port).replace("server.key", "server-encrypted.key")
    make_broker(listener + 'keyfile_password = "secret"\n')
    assert mosquitto_tls("mosquitto_pub", port, certs, "-t", "x", "-m", "y").returncode == 0


def test_a_missing_or_mismatched_key_stops_the_start_with_a_clear_error(tmp_path, certs):
    port = free_port()
    for keyfile, why in [(f"{certs}/client.key", "does not belong to the certificate"),
                         (f"{certs}/nothing.key", "cannot load the private key")]:
        b = Broker(tls_listener(certs, port).replace(f"{certs}/server.key", keyfile))
        try:
            with pytest.raises(RuntimeError) as e:
                b.start()
            assert why in str(e.value)
            check = subprocess.run([ROOST_BIN, "check", "--config", b.config_path],
                                   capture_output=True, text=True, timeout=10)
            assert check.returncode == 1 and why in check.stderr
        finally:
            b.cleanup()


def peer_serial(port):
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-showcerts"], input="",
                         capture_output=True, text=True, timeout=15).stdout
    pem = out[out.index("-----BEGIN CERTIFICATE-----"):out.index("-----END CERTIFICATE-----") + 25]
    return subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem, capture_output=True, text=True).stdout


def test_sighup_reloads_certificates_without_dropping_connections(make_broker, certs, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    for name in ["server.pem", "server.key"]:
        shutil.copy(f"{certs}/{name}", live / name)
    port = free_port()
    b = make_broker(tls_listener(live, port))
    before = peer_serial(port)
    c = Paho(port, "stays")
    c.client.tls_set(ca_certs=f"{certs}/ca.pem")
    c.client.connect("localhost", port)
    c.client.loop_start()
    assert c.connected.wait(5)
    c.subscribe("reload/#", qos=1)
    # A new server certificate (from a new CA: only its serial matters here).
    fresh = tmp_path / "fresh"
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-certs"), str(fresh)], check=True, capture_output=True)
    shutil.copy(fresh / "server.pem", live / "server.pem")
    shutil.copy(fresh / "server.key", live / "server.key")
    b.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "Configuration reloaded" in b.log())
    after = peer_serial(port)
    assert after != before  # new connections get the new certificate
    c.client.publish("reload/x", "old connection still up", qos=1)
    assert [m.payload for m in c.wait_for(1)] == [b"old connection still up"]
    c.stop()


def test_a_stalled_handshake_does_not_stall_anyone_else(make_broker, certs):
    port = free_port()
    plain = free_port()
    make_broker(tls_listener(certs, port) + f'[[listener]]\naddress = "127.0.0.1"\nport = {plain}\n')
    # Half a ClientHello, then silence.
    stalled = socket.create_connection(("127.0.0.1", port))
    stalled.sendall(bytes([0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00]))
    c = Paho(plain, "bystander").connect()
    c.subscribe("busy", qos=1)
    for i in range(20):
        c.client.publish("busy", str(i), qos=1)
    assert len(c.wait_for(20)) == 20
    c.stop()
    stalled.close()


def test_a_last_publish_sent_with_close_notify_is_delivered(make_broker, certs):
    """CONNECT, PUBLISH and DISCONNECT and then close_notify, all in one TCP write."""
    port = free_port()
    make_broker(tls_listener(certs, port))
    watcher = Paho(port, "watcher")
    watcher.client.tls_set(ca_certs=f"{certs}/ca.pem")
    watcher.client.connect("localhost", port)
    watcher.client.loop_start()
    assert watcher.connected.wait(5)
    watcher.subscribe("last/#", qos=0)
    context = ssl.create_default_context(cafile=f"{certs}/ca.pem")
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            incoming.write(sock.recv(65536))
    sock.sendall(outgoing.read())
    tls.write(raw.connect("last-words", version=4) + raw.packet(0x30, raw.string("last/x") + b"bye") + raw.packet(0xE0))
    try:
        tls.unwrap()  # queues close_notify
    except ssl.SSLWantReadError:
        pass
    sock.sendall(outgoing.read())
    assert [m.payload for m in watcher.wait_for(1)] == [b"bye"]
    sock.close()
    watcher.stop()


def test_capath_and_the_certificate_subject_as_user_name(make_broker, certs, tmp_path):
    # A CA folder with hashed names (what c_rehash makes), and the whole subject as the user name.
    capath = tmp_path / "cas"
    capath.mkdir()
    shutil.copy(f"{certs}/ca.pem", capath / "ca.pem")
    subprocess.run(["openssl", "rehash", str(capath)], check=True, capture_output=True)
    subject = subprocess.run(["openssl", "x509", "-in", f"{certs}/client.pem", "-noout", "-subject", "-nameopt",
                              "RFC2253"], capture_output=True, text=True, check=True).stdout.strip()
    user = subject.split("=", 1)[1].strip()  # "O=Roost Tests,CN=test-client", as Mosquitto names it
    acl = tmp_path / "acl"
    acl.write_text(f"user {user}\ntopic readwrite subject/#\n")
    port = free_port()
    b = make_broker(f'acl_file = "{acl}"\n' +
                    tls_listener(certs, port, capath=str(capath), use_subject_as_username=True))
    base = ["--cert", f"{certs}/client.pem", "--key", f"{certs}/client.key"]
    sub = mosquitto_tls_sub(port, certs, *base, "-t", "#")
    assert mosquitto_tls("mosquitto_pub", port, certs, *base, "-t", "other", "-m", "denied").returncode == 0
    assert mosquitto_tls("mosquitto_pub", port, certs, *base, "-t", "subject/a", "-m", "granted").returncode == 0
    lines, code, _ = finish(sub)
    assert lines == ["subject/a granted"]
    assert f"u'{user}'" in b.log()
    untrusted = mosquitto_tls("mosquitto_pub", port, certs, "--cert", f"{certs}/untrusted-client.pem", "--key",
                              f"{certs}/untrusted-client.key", "-t", "subject/a", "-m", "x")
    assert untrusted.returncode != 0
