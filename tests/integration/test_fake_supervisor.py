"""The fake Supervisor is as strict as the real one (reference home-assistant-addon.md,
sections 5 and 9). No broker here: plain http.client against the fake."""

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from fake_supervisor import FakeSupervisor

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD_SERVICE = {"host": "local-roost", "port": 1883, "ssl": False, "protocol": "3.1.1",
                "username": "addons", "password": "p" * 64}


def call(sup, method, path, body=None, headers=None, token="default", content_type="application/json"):
    """(status, parsed JSON or text, response headers). token="default": X-Supervisor-Token."""
    hdrs = dict(headers or {})
    if token == "default":
        hdrs["X-Supervisor-Token"] = sup.token
    elif token is not None:
        hdrs["X-Supervisor-Token"] = token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if content_type is not None:
            hdrs["Content-Type"] = content_type
    conn = http.client.HTTPConnection("127.0.0.1", sup.port, timeout=10)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        if resp.getheader("Content-Type", "").startswith("application/json"):
            payload = json.loads(raw)
        else:
            payload = raw.decode()
        return resp.status, payload, dict(resp.getheaders())
    finally:
        conn.close()


@pytest.fixture
def sup():
    with FakeSupervisor(auth_users={"alice": "wonder land"}) as s:
        yield s


# -- the token ---------------------------------------------------------------------------------

def test_missing_token_is_401(sup):
    status, body, _ = call(sup, "GET", "/services/mqtt", token=None)
    assert status == 401
    assert sup.requests[-1]["status"] == 401


def test_wrong_token_is_refused(sup):
    status, _, _ = call(sup, "GET", "/services/mqtt", token="0" * 64)
    assert status == 403  # the real middleware: unknown token -> HTTPForbidden
    status, _, _ = call(sup, "GET", "/services/mqtt", token=None, headers={"Authorization": "Bearer nope"})
    assert status == 403


def test_all_three_token_headers_are_accepted_on_services(sup):
    for headers in ({"X-Supervisor-Token": sup.token}, {"X-Hassio-Key": sup.token},
                    {"Authorization": f"Bearer {sup.token}"}):
        status, body, hdrs = call(sup, "GET", "/services/mqtt", token=None, headers=headers)
        assert status == 400 and body == {"result": "error", "message": "Service not enabled"}, headers
        assert hdrs["Content-Type"].startswith("application/json")


def test_unknown_paths_and_methods(sup):
    assert call(sup, "GET", "/supervisor/info")[0] == 403  # not open to an add-on without hassio_api
    assert call(sup, "GET", "/services/mqtt/extra")[0] == 404
    status, body, _ = call(sup, "GET", "/services/zigbee")
    assert status == 404 and body["result"] == "error"
    status, _, hdrs = call(sup, "PUT", "/services/mqtt", body=GOOD_SERVICE)
    assert status == 405 and "POST" in hdrs["Allow"]
    assert call(sup, "DELETE", "/auth")[0] == 405


def test_info_endpoints(sup):
    status, body, _ = call(sup, "GET", "/addons/self/info")
    assert status == 200 and body["result"] == "ok"
    assert body["data"]["hostname"] == "local-roost" and body["data"]["slug"] == "local_roost"
    status, body, _ = call(sup, "GET", "/info")
    assert status == 200 and body["data"]["hostname"]


# -- /auth (section 5.4) ---------------------------------------------------------------------------

def test_auth_good_pair_with_exact_json_content_type(sup):
    status, body, _ = call(sup, "POST", "/auth", {"username": "alice", "password": "wonder land"})
    assert (status, body) == (200, {"result": "ok", "data": {}})
    assert sup.auth_calls()[-1]["json"] == {"username": "alice", "password": "wonder land"}


def test_auth_user_alias_and_extra_keys_ignored(sup):
    status, _, _ = call(sup, "POST", "/auth", {"user": "alice", "password": "wonder land", "clientid": "c1"})
    assert status == 200


def test_auth_bad_pair_is_401(sup):
    assert call(sup, "POST", "/auth", {"username": "alice", "password": "wrong"})[0] == 401
    assert call(sup, "POST", "/auth", {"username": "bob", "password": "wonder land"})[0] == 401


def test_auth_charset_suffix_is_401(sup):
    status, _, hdrs = call(sup, "POST", "/auth", {"username": "alice", "password": "wonder land"},
                           content_type="application/json; charset=utf-8")
    assert status == 401 and "Basic realm" in hdrs["WWW-Authenticate"]


def test_auth_non_string_values_are_401(sup):
    for body in ({"username": "alice", "password": 123}, {"username": ["alice"], "password": "wonder land"},
                 {"username": "alice", "password": None}, {"password": "wonder land"}):
        status, reply, _ = call(sup, "POST", "/auth", body)
        assert status == 401, body
        assert reply["message"] == "Username and password must be strings"


def test_auth_with_any_authorization_header_is_401(sup):
    # The Bearer token is accepted as the API token, then decoded as Basic credentials -> 401.
    good = {"username": "alice", "password": "wonder land"}
    assert call(sup, "POST", "/auth", good, token=None, headers={"Authorization": f"Bearer {sup.token}"})[0] == 401
    assert call(sup, "POST", "/auth", good, headers={"Authorization": f"Bearer {sup.token}"})[0] == 401
    basic = "Basic " + base64.b64encode(b"alice:wrong").decode()
    assert call(sup, "POST", "/auth", good, headers={"Authorization": basic})[0] == 401


def test_auth_form_urlencoded(sup):
    form = b"username=alice&password=wonder+land"
    assert call(sup, "POST", "/auth", form, content_type="application/x-www-form-urlencoded")[0] == 200
    form = b"username=alice&password=nope"
    assert call(sup, "POST", "/auth", form, content_type="application/x-www-form-urlencoded")[0] == 401


def test_auth_other_content_type_malformed_json_and_core_token(sup):
    good = json.dumps({"username": "alice", "password": "wonder land"}).encode()
    assert call(sup, "POST", "/auth", good, content_type="text/plain")[0] == 401
    assert call(sup, "POST", "/auth", good, content_type=None)[0] == 401
    assert call(sup, "POST", "/auth", b"{not json")[0] == 400
    assert call(sup, "POST", "/auth", good, token=sup.core_token)[0] == 403  # not an add-on


def test_auth_api_off_and_forced_status():
    with FakeSupervisor(auth_users={"alice": "pw"}, auth_api=False) as sup:
        status, body, _ = call(sup, "POST", "/auth", {"username": "alice", "password": "pw"})
        assert status == 403 and body["message"] == "Can't use Home Assistant auth!"
    with FakeSupervisor(auth_users={"alice": "pw"}, auth_status=500) as sup:
        status, body, _ = call(sup, "POST", "/auth", {"username": "alice", "password": "pw"})
        assert status == 500 and body["result"] == "error"
        sup.auth_status = None  # knobs are read per request
        assert call(sup, "POST", "/auth", {"username": "alice", "password": "pw"})[0] == 200


def test_slow_auth_does_not_block_other_requests():
    with FakeSupervisor(auth_users={"alice": "pw"}, auth_delay=1.0) as sup:
        result = {}

        def slow_auth():
            start = time.monotonic()
            result["status"] = call(sup, "POST", "/auth", {"username": "alice", "password": "pw"})[0]
            result["elapsed"] = time.monotonic() - start

        t = threading.Thread(target=slow_auth)
        t.start()
        try:
            assert sup.wait_for(lambda: sup.auth_calls(), timeout=5), "the /auth request never arrived"
            start = time.monotonic()
            status = call(sup, "GET", "/services/mqtt")[0]
            elapsed = time.monotonic() - start
            auth_pending = sup.auth_calls()[0]["status"] is None
        finally:
            t.join(10)
        assert status == 400  # answered (nobody registered the service)
        assert elapsed < 0.5, f"GET took {elapsed:.2f} s while /auth was sleeping"
        assert auth_pending, "/auth had already answered: the check proved nothing"
        assert result["status"] == 200 and result["elapsed"] >= 0.9


# -- /services/mqtt (sections 5.1, 5.2, 5.5) --------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"protocol": "5"}, {"protocol": 5}, {"port": "1883"}, {"port": True}, {"port": 0}, {"port": 65536},
    {"ssl": "false"}, {"host": 1}, {"username": None}, {"password": 1}, {"clientid": "x"},
])
def test_service_schema_rejects(sup, change):
    status, body, _ = call(sup, "POST", "/services/mqtt", {**GOOD_SERVICE, **change})
    assert status == 400 and body["result"] == "error", change
    assert sup.service is None


@pytest.mark.parametrize("missing", ["host", "port"])
def test_service_required_keys(sup, missing):
    body = {k: v for k, v in GOOD_SERVICE.items() if k != missing}
    assert call(sup, "POST", "/services/mqtt", body)[0] == 400


def test_service_needs_json_body(sup):
    assert call(sup, "POST", "/services/mqtt", b"{bad json")[0] == 400
    assert call(sup, "POST", "/services/mqtt", GOOD_SERVICE, content_type="text/plain")[0] == 400
    assert call(sup, "POST", "/services/mqtt", GOOD_SERVICE, content_type="application/json; charset=utf-8")[0] == 200


def test_service_register_get_second_post_delete(sup):
    status, body, _ = call(sup, "POST", "/services/mqtt", {"host": "local-roost", "port": 1883})
    assert (status, body) == (200, {"result": "ok", "data": {}})
    status, body, _ = call(sup, "GET", "/services/mqtt")
    assert status == 200
    assert body["data"] == {"host": "local-roost", "port": 1883, "ssl": False, "protocol": "3.1.1",
                            "addon": "local_roost"}
    assert sup.service["addon"] == "local_roost"

    status, body, _ = call(sup, "POST", "/services/mqtt", GOOD_SERVICE)
    assert status == 400 and "local_roost" in body["message"]

    assert call(sup, "DELETE", "/services/mqtt")[0] == 200
    assert sup.service is None
    assert call(sup, "DELETE", "/services/mqtt")[0] == 400  # nothing to delete
    assert call(sup, "POST", "/services/mqtt", GOOD_SERVICE)[0] == 200
    assert sup.service == {**GOOD_SERVICE, "addon": "local_roost"}


def test_preexisting_core_mosquitto_is_visible_and_deletable():
    other = {"addon": "core_mosquitto", "host": "core-mosquitto", "port": 1883, "ssl": False,
             "protocol": "3.1.1", "username": "addons", "password": "x"}
    with FakeSupervisor(preexisting_service=other) as sup:
        status, body, _ = call(sup, "GET", "/services/mqtt")
        assert status == 200 and body["data"]["addon"] == "core_mosquitto"
        status, body, _ = call(sup, "POST", "/services/mqtt", GOOD_SERVICE)
        assert status == 400 and "core_mosquitto" in body["message"]
        assert call(sup, "DELETE", "/services/mqtt")[0] == 200  # no owner check, as the real one
        assert call(sup, "POST", "/services/mqtt", GOOD_SERVICE)[0] == 200
        assert sup.service["addon"] == "local_roost"


def test_services_provide_off_is_403():
    with FakeSupervisor(services_provide=False) as sup:
        assert call(sup, "POST", "/services/mqtt", GOOD_SERVICE)[0] == 403
        assert call(sup, "DELETE", "/services/mqtt")[0] == 403
        assert sup.service is None


# -- /discovery (section 5.3) ----------------------------------------------------------------------

def test_discovery_dedup_and_update(sup):
    msg = {"service": "mqtt", "config": {**GOOD_SERVICE, "username": "homeassistant"}}
    status, body, _ = call(sup, "POST", "/discovery", msg)
    assert status == 200
    uuid = body["data"]["uuid"]
    assert len(uuid) == 32 and int(uuid, 16) >= 0
    assert call(sup, "POST", "/discovery", msg)[1]["data"]["uuid"] == uuid
    changed = {"service": "mqtt", "config": {**msg["config"], "port": 1884}}
    assert call(sup, "POST", "/discovery", changed)[1]["data"]["uuid"] == uuid
    assert sup.discovery_messages == {uuid: {"service": "mqtt", "config": changed["config"],
                                             "addon": "local_roost"}}


def test_discovery_validation_and_permissions(sup):
    assert call(sup, "POST", "/discovery", {"service": "mqtt"})[0] == 400
    assert call(sup, "POST", "/discovery", {"service": "mqtt", "config": {}, "uuid": "x"})[0] == 400
    assert call(sup, "POST", "/discovery", {"service": "mqtt", "config": []})[0] == 400
    assert call(sup, "POST", "/discovery", {"service": "zigbee", "config": {}})[0] == 403
    assert sup.discovery_messages == {}
    with FakeSupervisor(discovery_allowed=False) as other:
        status, body, _ = call(other, "POST", "/discovery", {"service": "mqtt", "config": {}})
        assert status == 403 and "discovery" in body["message"]


def test_discovery_list_is_core_only_and_delete(sup):
    uuid = call(sup, "POST", "/discovery", {"service": "mqtt", "config": {"host": "h"}})[1]["data"]["uuid"]
    assert call(sup, "GET", "/discovery")[0] == 401  # add-on token: Home Assistant only
    status, body, _ = call(sup, "GET", "/discovery", token=sup.core_token)
    assert status == 200
    assert body["data"]["discovery"] == [{"addon": "local_roost", "service": "mqtt", "uuid": uuid,
                                          "config": {"host": "h"}}]
    assert call(sup, "DELETE", "/discovery/" + "0" * 32)[0] == 404
    assert call(sup, "DELETE", f"/discovery/{uuid}")[0] == 200
    assert sup.discovery_messages == {}


# -- records and lifecycle ---------------------------------------------------------------------------

def test_requests_are_recorded(sup):
    call(sup, "POST", "/services/mqtt", GOOD_SERVICE, headers={"X-Extra": "1"})
    r = sup.requests[-1]
    assert (r["method"], r["path"], r["status"]) == ("POST", "/services/mqtt", 200)
    assert r["headers"]["x-supervisor-token"] == sup.token and r["headers"]["x-extra"] == "1"
    assert r["json"] == GOOD_SERVICE and json.loads(r["body"]) == GOOD_SERVICE
    assert isinstance(r["time"], float)
    assert sup.wait_for(lambda: sup.service is not None, timeout=1)
    start = time.monotonic()
    assert not sup.wait_for(lambda: len(sup.requests) > 5, timeout=0.2)
    assert time.monotonic() - start >= 0.2


def test_stop_is_idempotent_and_closes_the_port():
    sup = FakeSupervisor()
    port = sup.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # an idle keep-alive connection
    conn.request("GET", "/info", headers={"X-Supervisor-Token": sup.token})
    assert conn.getresponse().read()
    start = time.monotonic()
    sup.stop()
    sup.stop()
    conn.close()
    assert time.monotonic() - start < 3
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/info")


# -- the command line ------------------------------------------------------------------------------

def test_cli_port_file_record_and_sigterm():
    with tempfile.TemporaryDirectory(prefix="fake-supervisor-") as d:
        port_file, record = os.path.join(d, "port"), os.path.join(d, "requests.jsonl")
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fake_supervisor.py"), "--host", "127.0.0.1", "--port", "0",
             "--token", "T0K", "--slug", "local_roost", "--user", "alice:pw:with:colons", "--user", "bob:b",
             "--auth-delay", "0", "--port-file", port_file, "--record", record],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 5
            while not os.path.exists(port_file):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "no port file within 5 s"
                time.sleep(0.02)
            with open(port_file) as f:
                port = int(f.read())

            class Cli:
                token = "T0K"
            Cli.port = port
            status, _, _ = call(Cli, "POST", "/auth", {"username": "alice", "password": "pw:with:colons"})
            assert status == 200
            with open(record) as f:
                lines = [json.loads(line) for line in f]
            assert len(lines) == 1
            line = lines[0]
            assert (line["method"], line["path"], line["status"]) == ("POST", "/auth", 200)
            assert line["json"] == {"username": "alice", "password": "pw:with:colons"}
            assert line["headers"]["x-supervisor-token"] == "T0K"

            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=5)
            assert proc.returncode == 0, err
            assert out == b"" and err == b""
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
