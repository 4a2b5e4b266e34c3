"""A fake Home Assistant Supervisor HTTP API, as strict as the real one for the
calls an MQTT broker add-on makes (docs: shared reference home-assistant-addon.md,
section 5 "Supervisor API calls" and section 9 "Checklist").

Library use (tests):

    with FakeSupervisor(auth_users={"alice": "secret"}) as sup:
        env = {"SUPERVISOR_TOKEN": sup.token, ...}   # point the broker at sup.url
        ...
        assert sup.wait_for(lambda: sup.service is not None, timeout=5)

Command line (container tests): see `main()` / `--help`. Prints nothing, writes
the bound port to --port-file, appends one JSON line per request to --record,
exits 0 on SIGTERM or SIGINT.

Where the real Supervisor's behaviour is not JSON (its web framework's own
401/403/404/405 answers), this fake answers the same way: plain text.
"""

import argparse
import base64
import binascii
import copy
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY = 16 * 1024 * 1024  # the Supervisor's client_max_size
REALM = 'Basic realm="Home Assistant Authentication"'

# Paths any add-on token may call without `hassio_api` (section 3.1: "/services*,
# /discovery*, /auth, /addons/self/*, /info bypass role checks"). Anything else
# is 403 for an add-on that, like ours, does not ask for `hassio_api`.
ADDON_OPEN_PATHS = re.compile(
    r"^/(?:info|auth|services.*|discovery.*|addons/self/options/config"
    r"|addons/self/(?!security$|update$)[^/]+)$")

HTTP_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                405: "Method Not Allowed", 413: "Request Entity Too Large", 500: "Internal Server Error"}


class _Reply(Exception):
    """Ends a request early with a finished answer."""

    def __init__(self, status, body, content_type, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


def _api_error(status, message, headers=None):
    """The Supervisor's own error envelope (section 5: result/message)."""
    return _Reply(status, {"result": "error", "message": message}, JSON_TYPE, headers)


def _http_error(status, headers=None):
    """An error raised by the web framework itself: plain text, not the JSON envelope."""
    return _Reply(status, f"{status}: {HTTP_REASONS[status]}", "text/plain", headers)


def _ok(data=None):
    return _Reply(200, {"result": "ok", "data": {} if data is None else data}, JSON_TYPE)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_mqtt_service(body):
    """Section 5.1 schema: host str, port int 1..65535, optional username/password
    str, ssl bool (default false), protocol "3.1"|"3.1.1" (default "3.1.1"),
    no other keys. Returns the stored form (defaults filled) or raises 400."""
    if not isinstance(body, dict):
        raise _api_error(400, "expected a dictionary")
    allowed = {"host", "port", "username", "password", "ssl", "protocol"}
    for key in body:
        if key not in allowed:
            raise _api_error(400, f"extra keys not allowed @ data['{key}']. Got {body[key]!r}")
    for key in ("host", "port"):
        if key not in body:
            raise _api_error(400, f"required key not provided @ data['{key}']. Got None")
    if not isinstance(body["host"], str):
        raise _api_error(400, f"expected str for dictionary value @ data['host']. Got {body['host']!r}")
    port = body["port"]
    if not _is_int(port):
        raise _api_error(400, f"expected int for dictionary value @ data['port']. Got {port!r}")
    if not 1 <= port <= 65535:
        raise _api_error(400, f"value must be at most 65535 / at least 1 @ data['port']. Got {port!r}")
    for key in ("username", "password"):
        if key in body and not isinstance(body[key], str):
            raise _api_error(400, f"expected str for dictionary value @ data['{key}']. Got {body[key]!r}")
    if "ssl" in body and not isinstance(body["ssl"], bool):
        raise _api_error(400, f"expected boolean @ data['ssl']. Got {body['ssl']!r}")
    if "protocol" in body and body["protocol"] not in ("3.1", "3.1.1"):
        raise _api_error(400, f"value must be one of ['3.1', '3.1.1'] @ data['protocol']. "
                              f"Got {body['protocol']!r}")
    stored = dict(body)
    stored.setdefault("ssl", False)
    stored.setdefault("protocol", "3.1.1")
    return stored


class FakeSupervisor:
    """The Supervisor API on 127.0.0.1:<ephemeral port>, served from a background thread.

    Knobs (all plain attributes, read at request time, so a test may change them):
      token                the add-on's SUPERVISOR_TOKEN (default: random hex)
      core_token           Home Assistant Core's token (default: random hex); only Core
                           may list or read discovery messages
      slug                 the calling add-on's slug (default "local_roost")
      auth_users           {username: password} of Home Assistant users for /auth
      auth_delay           seconds /auth sleeps before answering (Core "takes 1-2 s")
      auth_status          None, or a status /auth answers instead of checking (500, 401, ...)
      auth_api             False: the add-on lacks `auth_api` -> /auth is 403
      services_provide     False: the add-on lacks `services: [mqtt:provide]` -> 403
      discovery_allowed    False: the add-on lacks `discovery: [mqtt]` -> 403
      preexisting_service  None, or an mqtt registration owned by another add-on
    """

    def __init__(self, token=None, slug="local_roost", auth_users=None, auth_delay=0.0,
                 auth_status=None, auth_api=True, services_provide=True, discovery_allowed=True,
                 preexisting_service=None, core_token=None, host="127.0.0.1", port=0,
                 record_path=None):
        self.token = token or secrets.token_hex(32)
        self.core_token = core_token or secrets.token_hex(32)
        self.slug = slug
        self.auth_users = dict(auth_users or {})
        self.auth_delay = auth_delay
        self.auth_status = auth_status
        self.auth_api = auth_api
        self.services_provide = services_provide
        self.discovery_allowed = discovery_allowed

        self._cond = threading.Condition(threading.RLock())
        self._requests = []
        self._service = None
        if preexisting_service is not None:
            self._service = dict(preexisting_service)
            self._service.setdefault("addon", "core_mosquitto")
        self._discovery = {}  # uuid -> {service, config, addon}
        self._record_file = open(record_path, "a", encoding="utf-8") if record_path else None
        self._stopping = threading.Event()
        self._stop_lock = threading.Lock()
        self._stopped = False

        self._server = _Server((host, port), _Handler, self)
        self.host, self.port = self._server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-supervisor-{self.port}", daemon=True)
        self._thread.start()

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, timeout=5.0):
        """Stops listening, closes open connections, joins every thread. Idempotent."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()  # wakes /auth handlers sleeping on auth_delay
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections(timeout)
        self._thread.join(timeout)
        if self._record_file:
            with self._cond:
                self._record_file.close()
                self._record_file = None

    # -- records -----------------------------------------------------------------------------

    @property
    def requests(self):
        """Every request so far, in arrival order (a snapshot: a list of dict copies).
        `status` is None while a request is still being answered."""
        with self._cond:
            return [dict(r) for r in self._requests]

    @property
    def service(self):
        """The mqtt service registration (with "addon": provider slug), or None."""
        with self._cond:
            return copy.deepcopy(self._service)

    @property
    def discovery_messages(self):
        """{uuid: {"service", "config", "addon"}} of the discovery messages stored now."""
        with self._cond:
            return copy.deepcopy(self._discovery)

    def auth_calls(self):
        """The /auth requests so far (snapshot)."""
        return [r for r in self.requests if r["path"] == "/auth"]

    def wait_for(self, predicate, timeout=5.0):
        """Calls predicate() until it returns a true value or `timeout` s pass; returns
        its last value. Woken at once by every new request, answer or state change."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                remaining = deadline - time.monotonic()
                if value or remaining <= 0:
                    return value
                self._cond.wait(min(remaining, 0.05))

    def _record_arrival(self, record):
        with self._cond:
            self._requests.append(record)
            self._cond.notify_all()

    def _record_answer(self, record, status):
        with self._cond:
            record["status"] = status
            if self._record_file:
                line = {k: record[k] for k in ("method", "path", "query", "headers", "json", "status")}
                line["body"] = record["body"].decode("utf-8", errors="backslashreplace")
                self._record_file.write(json.dumps(line, sort_keys=True) + "\n")
                self._record_file.flush()
            self._cond.notify_all()

    # -- request handling (called from the handler threads) -----------------------------------

    def _caller(self, headers):
        """The security middleware (section 5: token in X-Supervisor-Token, X-Hassio-Key or
        Authorization). No token -> 401, unknown token -> 403, both plain text."""
        token = headers.get("x-supervisor-token") or headers.get("x-hassio-key")
        if not token and headers.get("authorization"):
            token = headers["authorization"].split(" ")[-1]
        if not token:
            raise _http_error(401)
        if secrets.compare_digest(token.encode(), self.core_token.encode()):
            return "core"
        if secrets.compare_digest(token.encode(), self.token.encode()):
            return "addon"
        raise _http_error(403)

    def _route(self, method, path):
        """(handler, path parameter). Unknown path -> 404, wrong method -> 405 (plain text)."""
        table = [
            (r"/info", {"GET": self._info}),
            (r"/addons/self/info", {"GET": self._addon_info}),
            (r"/auth", {"GET": self._auth, "POST": self._auth}),
            (r"/services", {"GET": self._services_list}),
            (r"/services/([^/]+)", {"GET": self._service_get, "POST": self._service_set,
                                    "DELETE": self._service_delete}),
            (r"/discovery", {"GET": self._discovery_list, "POST": self._discovery_send}),
            (r"/discovery/([^/]+)", {"GET": self._discovery_get, "DELETE": self._discovery_delete}),
        ]
        for pattern, methods in table:
            m = re.fullmatch(pattern, path)
            if not m:
                continue
            lookup = "GET" if method == "HEAD" else method
            if lookup not in methods:
                allowed = sorted(set(methods) | ({"HEAD"} if "GET" in methods else set()))
                raise _http_error(405, {"Allow": ",".join(allowed)})
            return methods[lookup], (m.group(1) if m.groups() else None)
        raise _http_error(404)

    def handle(self, method, path, headers, body):
        """Returns a _Reply for one request."""
        try:
            caller = self._caller(headers)
            if caller == "addon" and not ADDON_OPEN_PATHS.match(path):
                raise _http_error(403)  # no `hassio_api` role: only the open paths
            handler, param = self._route(method, path)
            return handler(caller, method, headers, body, param)
        except _Reply as reply:
            return reply

    @staticmethod
    def _json_body(body):
        """The Supervisor parses the body as JSON whatever its Content-Type; an empty body is {}."""
        if not body:
            return {}
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _api_error(400, "Invalid json") from None

    # /info and /addons/self/info ---------------------------------------------------------------

    def _hostname(self):
        return self.slug.replace("_", "-")  # section 6 step 1: hostname = slug with _ -> -

    def _info(self, caller, method, headers, body, param):
        return _ok({"supervisor": "2026.08.0", "homeassistant": "2026.8.0", "hassos": None,
                    "docker": "28.3.3", "hostname": "homeassistant", "operating_system": "Debian GNU/Linux",
                    "features": ["hostname", "network"], "machine": "qemux86-64", "arch": "amd64",
                    "supported_arch": ["amd64", "aarch64"], "supported": True, "channel": "stable",
                    "logging": "info", "state": "running", "timezone": "UTC"})

    def _addon_info(self, caller, method, headers, body, param):
        if caller != "addon":
            raise _api_error(400, "Self is not an App")
        return _ok({"name": "Roost MQTT broker", "slug": self.slug, "hostname": self._hostname(),
                    "dns": [f"{self._hostname()}.local.hass.io"], "state": "started", "version": "1.0.0",
                    "ip_address": "172.30.33.2", "auth_api": bool(self.auth_api),
                    "discovery": ["mqtt"] if self.discovery_allowed else [],
                    "services_role": ["mqtt:provide"] if self.services_provide else [],
                    "hassio_api": False, "homeassistant_api": False})

    # /auth (section 5.4) ------------------------------------------------------------------------

    def _auth(self, caller, method, headers, body, param):
        if caller != "addon" or not self.auth_api:
            raise _api_error(403, "Can't use Home Assistant auth!")
        if self.auth_delay:
            self._stopping.wait(self.auth_delay)  # this handler thread only; others keep serving
        if "authorization" in headers:
            # Any Authorization header is decoded as Basic credentials (a Bearer token -> 401).
            username, password = self._basic_credentials(headers["authorization"])
            return self._check_login(username, password)
        content_type = headers.get("content-type")
        if content_type == JSON_TYPE:  # exact equality: "; charset=utf-8" falls through to 401
            if method == "GET":
                raise _Reply(400, "json auth requires HTTP POST instead of GET", "text/plain")
            data = self._json_body(body)
            if not isinstance(data, dict):
                raise _api_error(400, "Invalid json")
        elif content_type == FORM_TYPE:
            if method == "GET":
                raise _Reply(400, "URL encoded auth requires HTTP POST instead of GET", "text/plain")
            try:
                pairs = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise _api_error(400, "Invalid form data") from None
            data = {k: v[-1] for k, v in pairs.items()}
        else:
            raise _http_error(401, {"WWW-Authenticate": REALM})
        username = data.get("username") or data.get("user")  # extra keys are ignored
        password = data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise _api_error(401, "Username and password must be strings", {"WWW-Authenticate": REALM})
        return self._check_login(username, password)

    @staticmethod
    def _basic_credentials(value):
        scheme, _, encoded = value.strip().partition(" ")
        if scheme.lower() != "basic":
            raise _http_error(401, {"WWW-Authenticate": REALM})
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("latin-1")
        except (binascii.Error, ValueError):
            raise _http_error(401, {"WWW-Authenticate": REALM}) from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise _http_error(401, {"WWW-Authenticate": REALM})
        return username, password

    def _check_login(self, username, password):
        status = self.auth_status
        if status is not None and status != 200:
            if status == 500:
                raise _api_error(500, "Unable to validate authentication details with Home Assistant. "
                                      "Check supervisor logs for details (check with 'ha supervisor logs')")
            raise _api_error(status, f"Forced status {status}")
        known = self.auth_users.get(username)
        if status == 200 or (known is not None and secrets.compare_digest(known.encode(), password.encode())):
            return _ok()
        raise _api_error(401, "Username or password is incorrect")

    # /services (sections 5.1, 5.2, 5.5) -------------------------------------------------------

    def _services_list(self, caller, method, headers, body, param):
        with self._cond:
            enabled = self._service is not None
        providers = [self.slug] if self.services_provide else []
        return _ok({"services": [{"slug": "mqtt", "available": enabled, "providers": providers}]})

    @staticmethod
    def _known_service(name):
        if name != "mqtt":
            raise _api_error(404, "Service does not exist")

    def _check_service_access(self, caller):
        if caller != "addon" or not self.services_provide:
            raise _api_error(403, "No access to mqtt service!")

    def _service_get(self, caller, method, headers, body, param):
        self._known_service(param)
        if caller != "core":
            self._check_service_access(caller)
        with self._cond:
            if self._service is None:
                raise _api_error(400, "Service not enabled")
            return _ok(copy.deepcopy(self._service))

    def _service_set(self, caller, method, headers, body, param):
        self._known_service(param)
        # Stricter than the real one (it parses any body as JSON): the request must say JSON.
        content_type = headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != JSON_TYPE:
            raise _api_error(400, f"Content-Type must be application/json, got {content_type!r}")
        stored = _validate_mqtt_service(self._json_body(body))  # validation comes before access
        self._check_service_access(caller)
        with self._cond:
            if self._service is not None:  # ServiceAlreadyProvided, whoever provides it
                raise _api_error(400, f"There is already a MQTT service in use from {self._service['addon']}")
            stored["addon"] = self.slug
            self._service = stored
            self._cond.notify_all()
        return _ok()

    def _service_delete(self, caller, method, headers, body, param):
        self._known_service(param)
        self._check_service_access(caller)
        with self._cond:
            if self._service is None:
                raise _api_error(400, "Can't remove not exists services")
            self._service = None  # no owner check: removes another add-on's registration too
            self._cond.notify_all()
        return _ok()

    # /discovery (section 5.3) ---------------------------------------------------------------

    def _discovery_entry(self, uuid, msg):
        return {"addon": msg["addon"], "service": msg["service"], "uuid": uuid,
                "config": copy.deepcopy(msg["config"])}

    def _discovery_list(self, caller, method, headers, body, param):
        if caller != "core":
            raise _http_error(401)  # only Home Assistant may read discovery messages
        with self._cond:
            entries = [self._discovery_entry(u, m) for u, m in self._discovery.items()]
        services = {"mqtt": [self.slug]} if self.discovery_allowed else {}
        return _ok({"discovery": entries, "services": services})

    def _discovery_get(self, caller, method, headers, body, param):
        if caller != "core":
            raise _http_error(401)
        with self._cond:
            if param not in self._discovery:
                raise _api_error(404, "Discovery message not found")
            return _ok(self._discovery_entry(param, self._discovery[param]))

    def _discovery_send(self, caller, method, headers, body, param):
        data = self._json_body(body)
        if not isinstance(data, dict):
            raise _api_error(400, "expected a dictionary")
        for key in data:
            if key not in ("service", "config"):
                raise _api_error(400, f"extra keys not allowed @ data['{key}']. Got {data[key]!r}")
        for key in ("service", "config"):
            if key not in data:
                raise _api_error(400, f"required key not provided @ data['{key}']. Got None")
        if not isinstance(data["service"], str):
            raise _api_error(400, f"expected str for dictionary value @ data['service']. Got {data['service']!r}")
        if not isinstance(data["config"], dict):
            raise _api_error(400, f"expected dict for dictionary value @ data['config']. Got {data['config']!r}")
        if caller != "addon" or not self.discovery_allowed or data["service"] != "mqtt":
            raise _api_error(403, "Apps must list services they provide via discovery in their config!")
        with self._cond:
            # One message per (add-on, service): identical -> same uuid; changed config -> same
            # uuid, config replaced.
            for uuid, msg in self._discovery.items():
                if msg["addon"] == self.slug and msg["service"] == data["service"]:
                    msg["config"] = copy.deepcopy(data["config"])
                    break
            else:
                uuid = secrets.token_hex(16)
                self._discovery[uuid] = {"service": data["service"], "config": copy.deepcopy(data["config"]),
                                         "addon": self.slug}
            self._cond.notify_all()
        return _ok({"uuid": uuid})

    def _discovery_delete(self, caller, method, headers, body, param):
        with self._cond:
            msg = self._discovery.get(param)
            if msg is None:
                raise _api_error(404, "Discovery message not found")
            if caller != "addon" or msg["addon"] != self.slug:
                raise _api_error(403, "Can't remove discovery message")
            del self._discovery[param]
            self._cond.notify_all()
        return _ok()


class _Server(ThreadingHTTPServer):
    """Threads per connection; remembers them so stop() can close and join them."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address, handler, fake):
        self.fake = fake
        self._connections = {}  # thread -> socket
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self._serve_connection, args=(request, client_address), daemon=True)
        with self._connections_lock:
            self._connections[thread] = request
        thread.start()

    def _serve_connection(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except OSError:
            pass  # the client went away, or stop() closed the connection
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)

    def close_connections(self, timeout):
        with self._connections_lock:
            connections = list(self._connections.items())
        for _, sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for thread, _ in connections:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Python/3 aiohttp/3"
    timeout = 60  # an idle keep-alive connection is closed after this

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size_line = self.rfile.readline(1026)
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise _http_error(400) from None
                if size == 0:
                    while self.rfile.readline(1026) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise _http_error(413)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise _http_error(400) from None
        if n < 0:
            raise _http_error(400)
        if n > MAX_BODY:
            raise _http_error(413)
        return self.rfile.read(n)

    def _dispatch(self):
        fake = self.server.fake
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)  # routes match the decoded path
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        record = {"method": self.command, "path": path, "query": split.query, "headers": headers,
                  "body": b"", "json": None, "status": None, "time": time.monotonic()}
        try:
            body = self._read_body()
        except _Reply as reply:
            fake._record_arrival(record)
            self._answer(record, reply)
            self.close_connection = True
            return
        record["body"] = body
        if body:
            try:
                record["json"] = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                pass
        fake._record_arrival(record)
        self._answer(record, fake.handle(self.command, path, headers, body))

    def _answer(self, record, reply):
        if reply.content_type == JSON_TYPE:
            payload = json.dumps(reply.body).encode()
        else:
            payload = reply.body.encode()
        self.server.fake._record_answer(record, reply.status)
        self.send_response(reply.status)
        self.send_header("Content-Type", f"{reply.content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


def main(argv=None):
    parser = argparse.ArgumentParser(description="A fake Home Assistant Supervisor API for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", help="the add-on's SUPERVISOR_TOKEN (default: random)")
    parser.add_argument("--core-token", help="Home Assistant Core's token (default: random)")
    parser.add_argument("--slug", default="local_roost")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD",
                        help="a Home Assistant user for /auth (repeatable)")
    parser.add_argument("--auth-delay", type=float, default=0.0)
    parser.add_argument("--auth-status", type=int, help="answer /auth with this status")
    parser.add_argument("--no-auth-api", action="store_true")
    parser.add_argument("--no-services-provide", action="store_true")
    parser.add_argument("--no-discovery", action="store_true")
    parser.add_argument("--preexisting-service", metavar="JSON",
                        help='an mqtt registration of another add-on, e.g. {"addon": "core_mosquitto", ...}')
    parser.add_argument("--port-file", help="written with the bound port once listening")
    parser.add_argument("--record", help="one JSON line per request is appended here")
    args = parser.parse_args(argv)

    users = {}
    for item in args.user:
        name, sep, password = item.partition(":")
        if not sep:
            parser.error(f"--user wants NAME:PASSWORD, got {item!r}")
        users[name] = password
    preexisting = json.loads(args.preexisting_service) if args.preexisting_service else None

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    fake = FakeSupervisor(token=args.token, core_token=args.core_token, slug=args.slug, auth_users=users,
                          auth_delay=args.auth_delay, auth_status=args.auth_status,
                          auth_api=not args.no_auth_api, services_provide=not args.no_services_provide,
                          discovery_allowed=not args.no_discovery, preexisting_service=preexisting,
                          host=args.host, port=args.port, record_path=args.record)
    try:
        if args.port_file:
            tmp = f"{args.port_file}.tmp{os.getpid()}"
            with open(tmp, "w") as f:
                f.write(f"{fake.port}\n")
            os.replace(tmp, args.port_file)  # readers never see a partial file
        while not stop.wait(0.5):
            pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
