"""The roost command line: --version, --help, check, signals and readiness."""

import os
import subprocess
import signal
import time

import mqtt_raw as raw
from clients import finish, mosquitto_sub
from conftest import ROOST_BIN, Broker


def run(*args):
    return subprocess.run([ROOST_BIN, *args], capture_output=True, text=True, timeout=10)


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("roost ")
    r = run("--help")
    assert r.returncode == 0 and "serve" in r.stdout and "--config" in r.stdout
    r = run("bogus")
    assert r.returncode == 2 and "unknown command" in r.stderr


def test_check_accepts_a_valid_file_and_names_errors_with_lines(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('max_inflight_messages = 5\n[[listener]]\nport = 1\n')
    r = run("check", "--config", str(good))
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('max_inflight_messages = 5\nno_such_key = 1\n')
    r = run("check", "--config", str(bad))
    assert r.returncode == 1
    assert f"{bad}:2:" in r.stderr and "no_such_key" in r.stderr


def test_serve_refuses_a_bad_config_without_starting(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('max_qos = 7\n')
    r = run("serve", "--config", str(bad))
    assert r.returncode == 1 and "max_qos" in r.stderr


def test_port_already_in_use_is_a_clear_error(broker):
    r = run("serve", "-p", str(broker.port))
    assert r.returncode == 1
    assert str(broker.port) in r.stderr


def test_sigterm_publishes_wills_and_exits_zero_quickly():
    b = Broker().start()
    try:
        sub = mosquitto_sub(b.port, "-t", "status/x", "-v", count=1)
        c = raw.RawClient(b.port)
        c.send(raw.connect("x", version=4, will=("status/x", "lost", 0, False)))
        c.recv_packet()
        start = time.monotonic()
        assert b.stop() == 0
        assert time.monotonic() - start < 5
        lines, _, _ = finish(sub)
        assert lines == ["status/x lost"]
    finally:
        b.cleanup()


def test_log_to_stdout_and_stderr_with_timestamp_format_and_types(make_broker):
    b = make_broker(log_destinations=("stdout", "stderr", "file"),
                    log_settings='timestamp_format = "[%Y]"\n')
    c = raw.RawClient(b.port)
    c.send(raw.connect("log-me", version=4))
    c.recv_packet()
    c.close()
    time.sleep(0.2)
    assert b.stop() == 0
    out = b.output()
    year = time.strftime("[%Y]")
    connected = [line for line in out.splitlines() if "New client connected" in line and "log-me" in line]
    # stdout and stderr both carry the line, with the configured timestamp.
    assert len(connected) == 2, out
    assert all(line.startswith(year + " notice: ") for line in connected), connected


def test_connection_messages_off_and_types_filter(make_broker):
    b = make_broker(log_settings='connection_messages = false\n')
    c = raw.RawClient(b.port)
    c.send(raw.connect("quiet-client", version=4))
    c.recv_packet()
    c.send(raw.subscribe(1, "q/t"))
    c.recv_packet()
    c.close()
    time.sleep(0.2)
    log = b.log()
    assert "quiet-client 0 q/t" in log  # subscribe lines still come
    assert "New client connected" not in log


def test_dash_p_listens_on_loopback_and_sigint_stops_cleanly():
    from conftest import free_port
    port = free_port()
    read_fd, write_fd = os.pipe()
    p = subprocess.Popen([ROOST_BIN, "serve", "-p", str(port), "--ready-fd", str(write_fd)], pass_fds=(write_fd,),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as ready:
            assert ready.readline() == b"\n"
        c = raw.RawClient(port)
        c.send(raw.connect("dash-p", version=4))
        assert c.recv_packet() == bytes([0x20, 0x02, 0x00, 0x00])
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=5) == 0
        out = p.stdout.read().decode()
        # Loopback only, as mosquitto -p does without a configuration.
        assert f"Listening on 127.0.0.1:{port}" in out, out
        from test_limits import ipv6_available
        assert f"Listening on [::1]:{port}" in out or not ipv6_available(), out
        assert "0.0.0.0" not in out
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()


def test_syslog_destination_sends_datagrams_to_the_configured_socket(make_broker, tmp_path):
    import socket as sk
    path = str(tmp_path / "log.sock")
    daemon = sk.socket(sk.AF_UNIX, sk.SOCK_DGRAM)
    daemon.bind(path)
    daemon.settimeout(5)
    try:
        b = make_broker(log_destinations=("syslog", "file"), log_settings=f'syslog_socket = "{path}"\n')
        c = raw.RawClient(b.port)
        c.send(raw.connect("to-syslog", version=4))
        c.recv_packet()
        deadline = time.monotonic() + 5
        lines = []
        while time.monotonic() < deadline and not any("to-syslog" in line for line in lines):
            lines.append(daemon.recv(4096).decode())
        [line] = [line for line in lines if "New client connected" in line and "to-syslog" in line]
        # syslog(3)'s format: <facility daemon * 8 + notice>, time, tag with pid.
        assert line.startswith("<29>") and f" roost[{b.process.pid}]: New client connected" in line, line
        c.close()
    finally:
        daemon.close()
