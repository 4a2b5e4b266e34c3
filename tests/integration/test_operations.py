"""The roost command line: --version, --help, check, signals and readiness."""

import os
import subprocess
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
