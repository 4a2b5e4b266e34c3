"""roost pub and roost sub against the real mosquitto_pub and mosquitto_sub (Debian's 2.0):
the same flags give the same bytes on stdout and the same exit codes, against Roost and
against a Mosquitto broker."""

import os
import re
import signal
import subprocess
import time

import pytest

from clients import Paho
from conftest import ROOST_BIN, free_port
from mosquitto_broker import MosquittoBroker
from test_tls import tls_listener

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))


def roost(tool, *args, **kwargs):
    return [ROOST_BIN, tool, *args]


def wait_subscribed(broker, client_id, timeout=5, times=1):
    """Until the broker logged `client_id`'s SUBSCRIBE ("<client id> <qos> <filter>") `times`
    times, so what is published next reaches it."""
    pattern = re.compile(rf": {re.escape(client_id)} [012] ")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(pattern.findall(broker.log())) >= times:
            return
        time.sleep(0.02)
    raise AssertionError(f"{client_id} did not subscribe:\n{broker.log()[-2000:]}")


def start_sub(cmd, port, client_id, *args, count, timeout=10):
    full = [*cmd, "-h", "127.0.0.1", "-p", str(port), "-i", client_id, "-C", str(count), "-W", str(timeout), *args]
    return subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(p, timeout=15):
    out, err = p.communicate(timeout=timeout)
    return out, p.returncode, err.decode(errors="replace")


def pub(port, *args, tool="mosquitto", check=True, stdin=None):
    cmd = ["mosquitto_pub"] if tool == "mosquitto" else [ROOST_BIN, "pub"]
    r = subprocess.run([*cmd, "-h", "127.0.0.1", "-p", str(port), *args], input=stdin, capture_output=True,
                       timeout=15)
    if check:
        assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r


# Messages every output case receives: text, empty, binary with NUL and 0xFF, a newline
# inside, UTF-8, retained, each QoS; and (5.0) properties.
def publish_set(port, directory, v5=False):
    binary = os.path.join(directory, "binary.bin")
    with open(binary, "wb") as f:
        f.write(bytes(range(256)))
    props = ["-V", "5", "-D", "publish", "content-type", "text/plain", "-D", "publish", "user-property", "k", "v",
             "-D", "publish", "response-topic", "reply/here", "-D", "publish", "correlation-data", "abc",
             "-D", "publish", "payload-format-indicator", "1", "-D", "publish", "message-expiry-interval", "60"]
    pub(port, "-t", "out/text", "-m", "hello world", "-q", "1")
    pub(port, "-t", "out/empty", "-n")
    pub(port, "-t", "out/bin", "-f", binary, "-q", "2")
    pub(port, "-t", "out/lines", "-m", "one\ntwo\n")
    pub(port, "-t", "out/utf8", "-m", "grüße ✓")
    pub(port, "-t", "out/json", "-m", '{"a": [1, 2, {"b": null}], "c": "d"}')
    if v5:
        pub(port, "-t", "out/props", "-m", "with properties", "-q", "1", *props)
    return 7 if v5 else 6


OUTPUT_CASES = [
    [],
    ["-v"],
    ["-N"],
    ["-v", "-N"],
    ["-F", "%t %p"],
    ["-F", "%%|%t|%q|%r|%l|%m|%x|%X|%p"],
    ["-F", "\\t%t\\n\\\\%p\\0\\a\\e"],
    ["-F", "%10t|%-10l|%05l|%.3p|%-8.2t"],
    ["-F", "@@ %% \\\\ %t"],
    ["-T", "out/bin", "-T", "out/empty", "-v"],
]

V5_CASES = [
    ["-V", "5", "-v"],
    ["-V", "5", "-F", "%t %C %E %D %R %P %S %p"],
]


@pytest.mark.parametrize("flags", OUTPUT_CASES + V5_CASES, ids=lambda f: " ".join(f) or "default")
def test_roost_sub_prints_what_mosquitto_sub_prints(broker, tmp_path, flags):
    """The same messages, the same flags: byte-identical stdout and the same exit code."""
    v5 = "-V" in flags
    count = 7 if v5 else 6
    expected_count = count - (2 if "-T" in flags else 0)
    theirs = start_sub(["mosquitto_sub"], broker.port, "their-sub", "-t", "out/#", *flags, count=expected_count)
    ours = start_sub([ROOST_BIN, "sub"], broker.port, "our-sub", "-t", "out/#", *flags, count=expected_count)
    wait_subscribed(broker, "their-sub")
    wait_subscribed(broker, "our-sub")
    publish_set(broker.port, tmp_path, v5=v5)
    their_out, their_rc, their_err = finish(theirs)
    our_out, our_rc, our_err = finish(ours)
    assert their_rc == 0, their_err
    assert our_out == their_out, f"roost sub printed {our_out!r}\nmosquitto_sub printed {their_out!r}\n{our_err}"
    assert our_rc == their_rc


def test_retained_flags_match_mosquitto_sub(broker):
    """-R skips stale retained messages; --retained-only stops at the first live one; -v shows both."""
    pub(broker.port, "-t", "keep/a", "-m", "stale", "-r")
    pub(broker.port, "-t", "keep/b", "-m", "stale too", "-r")
    runs = {}
    for tool, cmd in (("theirs", ["mosquitto_sub"]), ("ours", [ROOST_BIN, "sub"])):
        runs[tool] = [
            start_sub(cmd, broker.port, f"{tool}-r", "-t", "keep/#", "-v", "-R", count=1),
            start_sub(cmd, broker.port, f"{tool}-only", "-t", "keep/#", "-v", "--retained-only", count=5),
        ]
        wait_subscribed(broker, f"{tool}-r")
        wait_subscribed(broker, f"{tool}-only")
    pub(broker.port, "-t", "keep/a", "-m", "live")
    results = {tool: [finish(p) for p in procs] for tool, procs in runs.items()}
    assert results["ours"][0][0] == results["theirs"][0][0] == b"keep/a live\n"
    assert results["ours"][1][0] == results["theirs"][1][0]
    assert b"keep/a stale\n" in results["ours"][1][0]
    assert [r[1] for r in results["ours"]] == [r[1] for r in results["theirs"]]


def test_remove_retained_clears_what_it_receives(broker):
    pub(broker.port, "-t", "gone/1", "-m", "x", "-r")
    pub(broker.port, "-t", "gone/2", "-m", "y", "-r")
    out, rc, err = finish(start_sub([ROOST_BIN, "sub"], broker.port, "cleaner", "-t", "gone/#",
                                    "--remove-retained", "--retained-only", "-v", count=2, timeout=5))
    assert rc == 0, err
    assert sorted(out.splitlines()) == [b"gone/1 x", b"gone/2 y"]
    out, rc, _ = finish(start_sub(["mosquitto_sub"], broker.port, "checker", "-t", "gone/#", count=1, timeout=1))
    assert (out, rc) == (b"", 27)  # nothing retained is left: mosquitto_sub times out


def test_roost_pub_message_sources_reach_mosquitto_sub(broker, tmp_path):
    """-m, -f (binary), -s, -l (an empty line and a last line without newline), -n, --repeat."""
    binary = tmp_path / "payload.bin"
    binary.write_bytes(bytes(range(256)) * 3)
    sub = start_sub(["mosquitto_sub"], broker.port, "watcher", "-t", "src/#", "-F", "%t:%x", count=10)
    wait_subscribed(broker, "watcher")
    pub(broker.port, "-t", "src/m", "-m", "text", "-q", "1", tool="roost")
    pub(broker.port, "-t", "src/f", "-f", str(binary), "-q", "2", tool="roost")
    pub(broker.port, "-t", "src/s", "-s", tool="roost", stdin=b"all\nof stdin\n")
    pub(broker.port, "-t", "src/l", "-l", "-q", "1", tool="roost", stdin=b"first\n\nlast")
    lines_file = tmp_path / "lines.txt"
    lines_file.write_bytes(b"from a file\n")
    with open(lines_file, "rb") as f:  # a regular file: epoll cannot watch it
        r = subprocess.run([ROOST_BIN, "pub", "-h", "127.0.0.1", "-p", str(broker.port), "-t", "src/file", "-l",
                            "-q", "1"], stdin=f, capture_output=True, timeout=15)
    assert r.returncode == 0, r.stderr
    pub(broker.port, "-t", "src/n", "-n", tool="roost")
    pub(broker.port, "-t", "src/r", "-m", "again", "--repeat", "2", "--repeat-delay", "0.05", tool="roost")
    out, rc, err = finish(sub)
    assert rc == 0, err
    assert out.decode().splitlines() == [
        "src/m:" + b"text".hex(),
        "src/f:" + binary.read_bytes().hex(),
        "src/s:" + b"all\nof stdin\n".hex(),
        "src/l:" + b"first".hex(),
        "src/l:",
        "src/l:" + b"last".hex(),
        "src/file:" + b"from a file".hex(),
        "src/n:",
        "src/r:" + b"again".hex(),
        "src/r:" + b"again".hex(),
    ]


def test_roost_pub_mqtt5_properties_and_retain(broker):
    """-D publish properties and -r arrive as paho sees them."""
    pub(broker.port, "-V", "5", "-t", "p/x", "-m", "m", "-r", "-q", "1", "-D", "publish", "user-property", "who",
        "roost", "-D", "publish", "content-type", "text/plain", "-D", "publish", "message-expiry-interval", "100",
        tool="roost")
    import paho.mqtt.client as mqtt
    c = Paho(broker.port, version=mqtt.MQTTv5)
    c.connect()
    c.client.subscribe("p/x", qos=1)
    c.wait_for(1)
    m = c.messages[0]
    assert m.retain and m.payload == b"m" and m.qos == 1
    assert m.properties.UserProperty == [("who", "roost")]
    assert m.properties.ContentType == "text/plain"
    assert 90 <= m.properties.MessageExpiryInterval <= 100
    c.stop()


def test_persistent_session_with_c_keeps_messages_while_away(broker):
    out, rc, err = finish(start_sub([ROOST_BIN, "sub"], broker.port, "keeper", "-t", "away/#", "-q", "1", "-c",
                                    "-E", count=1))
    assert rc == 0, err
    pub(broker.port, "-t", "away/1", "-m", "while you were out", "-q", "1", tool="roost")
    out, rc, err = finish(start_sub([ROOST_BIN, "sub"], broker.port, "keeper", "-t", "away/#", "-q", "1", "-c",
                                    "-v", count=1))
    assert (out, rc) == (b"away/1 while you were out\n", 0), err


def test_a_message_that_ends_roost_sub_is_acknowledged_first(broker):
    """-C 1 at QoS 1 with a persistent session: the PUBACK goes before DISCONNECT, so the next
    run does not get the message again."""
    finish(start_sub([ROOST_BIN, "sub"], broker.port, "once", "-t", "o/#", "-q", "1", "-c", "-E", count=1))
    pub(broker.port, "-t", "o/1", "-m", "just once", "-q", "1")
    out, rc, err = finish(start_sub([ROOST_BIN, "sub"], broker.port, "once", "-t", "o/#", "-q", "1", "-c", count=1))
    assert (out, rc) == (b"just once\n", 0), err
    out, rc, _ = finish(start_sub([ROOST_BIN, "sub"], broker.port, "once", "-t", "o/#", "-q", "1", "-c", count=1,
                                  timeout=1))
    assert (out, rc) == (b"", 27)


def test_roost_sub_reconnects_when_the_broker_restarts(broker):
    p = start_sub([ROOST_BIN, "sub"], broker.port, "stayer", "-t", "r/#", "-v", count=1, timeout=20)
    wait_subscribed(broker, "stayer")
    broker.stop()
    time.sleep(1.5)  # at least one reconnection attempt fails meanwhile
    broker.start()
    wait_subscribed(broker, "stayer", timeout=10, times=2)
    pub(broker.port, "-t", "r/after", "-m", "back")
    out, rc, err = finish(p, timeout=25)
    assert (out, rc) == (b"r/after back\n", 0), err


def test_unsubscribe_flag_ends_a_persistent_subscription(broker):
    finish(start_sub([ROOST_BIN, "sub"], broker.port, "quitter", "-t", "u/a", "-q", "1", "-c", "-E", count=1))
    # -U with another topic: the old u/a subscription goes, so u/a published later is not kept.
    finish(start_sub([ROOST_BIN, "sub"], broker.port, "quitter", "-t", "u/b", "-U", "u/a", "-q", "1", "-c", "-E",
                     count=1))
    pub(broker.port, "-t", "u/a", "-m", "not for you", "-q", "1")
    out, rc, _ = finish(start_sub([ROOST_BIN, "sub"], broker.port, "quitter", "-t", "u/b", "-q", "1", "-c",
                                  count=1, timeout=1))
    assert (out, rc) == (b"", 27)


def test_will_flags_publish_a_will_when_the_tool_dies(broker):
    watcher = start_sub(["mosquitto_sub"], broker.port, "will-watch", "-t", "wills/#", "-v", count=1)
    wait_subscribed(broker, "will-watch")
    victim = subprocess.Popen([ROOST_BIN, "sub", "-p", str(broker.port), "-h", "127.0.0.1", "-i", "victim", "-t",
                               "nothing", "--will-topic", "wills/victim", "--will-payload", "gone", "--will-qos",
                               "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_subscribed(broker, "victim")
    victim.kill()
    victim.wait()
    out, rc, err = finish(watcher)
    assert (out, rc) == (b"wills/victim gone\n", 0), err


EXIT_CASES = [
    # (description, arguments after the tool's name, needs a broker with passwords)
    ("no topic", ["-m", "x"], False),
    ("two message sources", ["-t", "a", "-m", "x", "-n"], False),
    ("bad QoS", ["-t", "a", "-m", "x", "-q", "3"], False),
    ("bad publish topic", ["-t", "a/+", "-m", "x"], False),
    ("-c without an id", ["-t", "a", "-m", "x", "-c"], False),
    ("wrong password 3.1.1", ["-t", "a", "-m", "x", "-u", "alice", "-P", "wrong"], True),
    ("wrong password 5.0", ["-t", "a", "-m", "x", "-u", "alice", "-P", "wrong", "-V", "5"], True),
    ("no password 3.1", ["-t", "a", "-m", "x", "-V", "mqttv31"], True),
]
SUB_EXIT_CASES = [
    ("no topic", ["-v"], False),
    ("bad filter", ["-t", "a/#/b"], False),
    ("timeout", ["-t", "a", "-W", "1"], False),
    ("wrong password 5.0", ["-t", "a", "-u", "alice", "-P", "wrong", "-V", "5"], True),
    ("wrong password 3.1.1", ["-t", "a", "-u", "alice", "-P", "wrong"], True),
]


def password_broker(make_broker, tmp_path):
    passwd = tmp_path / "passwd"
    subprocess.run([ROOST_BIN, "passwd", "-c", "-b", str(passwd), "alice", "s3cret"], check=True)
    return make_broker(f'allow_anonymous = false\npassword_file = "{passwd}"\n')


@pytest.mark.parametrize("tool,case", [("pub", c) for c in EXIT_CASES] + [("sub", c) for c in SUB_EXIT_CASES],
                         ids=lambda x: x if isinstance(x, str) else x[0])
def test_exit_codes_match_mosquitto(make_broker, tmp_path, tool, case):
    _, args, auth = case
    b = password_broker(make_broker, tmp_path) if auth else make_broker()
    base = ["-h", "127.0.0.1", "-p", str(b.port)]
    theirs = subprocess.run([f"mosquitto_{tool}", *base, *args], capture_output=True, timeout=15)
    ours = subprocess.run([ROOST_BIN, tool, *base, *args], capture_output=True, timeout=15)
    assert ours.returncode == theirs.returncode, (ours.stderr, theirs.stderr)
    assert ours.returncode != 0
    assert ours.stderr, "an error is explained on stderr"


def test_nothing_listening_is_exit_code_1_like_mosquitto():
    port = str(free_port())
    for tool in ("pub", "sub"):
        extra = ["-m", "x"] if tool == "pub" else []
        theirs = subprocess.run([f"mosquitto_{tool}", "-h", "127.0.0.1", "-p", port, "-t", "a", *extra],
                                capture_output=True, timeout=15)
        ours = subprocess.run([ROOST_BIN, tool, "-h", "127.0.0.1", "-p", port, "-t", "a", *extra],
                              capture_output=True, timeout=15)
        assert ours.returncode == theirs.returncode == 1
        assert b"refused" in ours.stderr.lower()


def test_sigint_ends_roost_sub_cleanly(broker):
    p = subprocess.Popen([ROOST_BIN, "sub", "-h", "127.0.0.1", "-p", str(broker.port), "-i", "interrupted", "-t",
                          "x"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_subscribed(broker, "interrupted")
    p.send_signal(signal.SIGINT)
    out, rc, err = finish(p)
    assert rc == 0, err


def test_tls_and_websocket_transports(make_broker, certs):
    """--cafile over TLS (a wrong CA refused, --insecure for a name the certificate lacks),
    -L ws:// and wss:// URLs, all both ways."""
    tls_port, ws_port, wss_port, alias_port = free_port(), free_port(), free_port(), free_port()
    b = make_broker(tls_listener(certs, tls_port) + tls_listener(certs, alias_port).replace("127.0.0.1", "127.0.0.2") +
                    f"""
[[listener]]
address = "127.0.0.1"
port = {ws_port}
protocol = "websockets"
""" + tls_listener(certs, wss_port, protocol="websockets"))
    ca = ["--cafile", f"{certs}/ca.pem"]
    transports = {
        "tls": ["-h", "localhost", "-p", str(tls_port), *ca],
        "tls by address": ["-h", "127.0.0.1", "-p", str(tls_port), *ca],
        "ws": ["-L", f"ws://127.0.0.1:{ws_port}/tr/ws"],
        "wss": ["-L", f"wss://localhost:{wss_port}/tr/wss", *ca],
    }
    for name, args in transports.items():
        topic = [] if "-L" in args else ["-t", "tr/tls"]
        sub = subprocess.Popen([ROOST_BIN, "sub", *args, *topic, "-i", f"tr-{name}", "-C", "1", "-W", "10", "-v"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_subscribed(b, f"tr-{name}")
        r = subprocess.run([ROOST_BIN, "pub", *args, *topic, "-m", name, "-q", "1"], capture_output=True, timeout=15)
        assert r.returncode == 0, (name, r.stderr)
        out, rc, err = finish(sub)
        assert rc == 0 and out.endswith(f" {name}\n".encode()), (name, out, err)
    wrong_ca = subprocess.run([ROOST_BIN, "pub", "-h", "localhost", "-p", str(tls_port), "--cafile",
                               f"{certs}/other-ca.pem", "-t", "x", "-m", "x"], capture_output=True, timeout=15)
    assert wrong_ca.returncode != 0 and b"certificate" in wrong_ca.stderr.lower(), wrong_ca.stderr
    # The certificate names localhost, 127.0.0.1 and ::1, not 127.0.0.2 (loopback too): refused,
    # unless --insecure.
    other = ["-h", "127.0.0.2", "-p", str(alias_port), *ca, "-t", "x", "-m", "x"]
    refused = subprocess.run([ROOST_BIN, "pub", *other], capture_output=True, timeout=15)
    assert refused.returncode != 0 and b"not for 127.0.0.2" in refused.stderr, refused.stderr
    assert subprocess.run([ROOST_BIN, "pub", *other, "--insecure"], capture_output=True, timeout=15).returncode == 0


def test_roost_tools_against_a_mosquitto_broker(tmp_path):
    """The tools are clients of any broker: Mosquitto's, at QoS 2, 5.0 included."""
    with MosquittoBroker(tmp_path) as m:
        for version in ("mqttv311", "mqttv5"):
            sub = start_sub([ROOST_BIN, "sub"], m.port, f"at-mosquitto-{version}", "-t", "m/#", "-q", "2", "-v",
                            "-V", version, count=2)
            m.wait_subscribed(f"at-mosquitto-{version}")
            pub(m.port, "-t", "m/1", "-m", "one", "-q", "2", "-V", version, tool="roost")
            pub(m.port, "-t", "m/2", "-m", "two", "-q", "1", "-V", version, tool="roost")
            out, rc, err = finish(sub)
            assert (out, rc) == (b"m/1 one\nm/2 two\n", 0), err
