"""$SYS topics, under Mosquitto's names ([MQTT-4.7.2] '$' topics)."""

import time

from clients import Paho, mosquitto_pub


def sys_values(sub, wanted, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sub.lock:
            got = {m.topic: m.payload.decode() for m in sub.messages}
        if all(w in got for w in wanted):
            return got
        time.sleep(0.05)
    return {m.topic: m.payload.decode() for m in sub.messages}


def test_sys_topics_are_published_retained_with_mosquitto_names(make_broker):
    broker = make_broker("sys_interval = 1\n")
    mosquitto_pub(broker.port, "-t", "some/topic", "-m", "x", "-r", "-q", "1")
    time.sleep(1.2)
    sub = Paho(broker.port, "monitor").connect()
    sub.subscribe("$SYS/#")
    wanted = ["$SYS/broker/version", "$SYS/broker/uptime", "$SYS/broker/clients/connected",
              "$SYS/broker/retained messages/count", "$SYS/broker/subscriptions/count",
              "$SYS/broker/load/messages/received/1min", "$SYS/broker/heap/current",
              "$SYS/broker/publish/messages/received", "$SYS/broker/bytes/received"]
    got = sys_values(sub, wanted)
    for w in wanted:
        assert w in got, w
    assert got["$SYS/broker/version"].startswith("roost version ")
    assert got["$SYS/broker/uptime"].endswith(" seconds")
    assert int(got["$SYS/broker/retained messages/count"]) >= 1
    assert all(m.retain for m in sub.messages[:len(wanted)])  # retained when sent on subscribe
    sub.stop()


def test_hash_subscription_does_not_see_sys(make_broker):  # [MQTT-4.7.2-1]
    broker = make_broker("sys_interval = 1\n")
    sub = Paho(broker.port, "everything").connect()
    sub.subscribe("#")
    time.sleep(1.5)
    assert not [m for m in sub.messages if m.topic.startswith("$")]
    sub.stop()


def test_log_lines_on_sys_broker_log_topics(make_broker):
    broker = make_broker(log_destinations=("file", "topic"))
    sub = Paho(broker.port, "log-watcher").connect()
    sub.subscribe("$SYS/broker/log/#")
    other = Paho(broker.port, "log-subject").connect()
    other.subscribe("some/filter", qos=1)

    def lines(topic):
        with sub.lock:
            return [m.payload.decode() for m in sub.messages if m.topic == topic]

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("log-subject 1 some/filter" in line
                                                   for line in lines("$SYS/broker/log/M/subscribe")):
        time.sleep(0.05)
    # Mosquitto's topics and payload: "<time>: <line>".
    subscribed = [line for line in lines("$SYS/broker/log/M/subscribe") if "log-subject 1 some/filter" in line]
    assert subscribed and subscribed[0].index(": ") < subscribed[0].index("log-subject")
    assert any("log-subject" in line for line in lines("$SYS/broker/log/N"))
    assert all(not m.retain for m in sub.messages)
    other.stop()
    sub.stop()
