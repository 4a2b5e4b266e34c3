// Config parsing: values, defaults, and errors that name file:line.

#include "config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace roost::config {
namespace {

TEST(Config, DefaultsListenOnLoopbackOnly) {
  const Config c = default_config();
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].address, "127.0.0.1");
  EXPECT_EQ(c.listeners[1].address, "::1");
  EXPECT_EQ(c.listeners[0].port, 1883);
}

TEST(Config, ReadsListenersAndSettings) {
  const auto c = parse_config(R"(
threads = 1
max_packet_size = 65536
max_inflight_messages = 10
queue_qos0_messages = true
response_topic_prefix = "replies/"
max_qos = 1

[[listener]]
address = "::"
port = 0

[log]
destinations = ["stdout"]
types = ["error", "debug"]
)",
                              "roost.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->threads, 1u);
  EXPECT_EQ(c->engine.max_inflight_messages, 10);
  EXPECT_TRUE(c->engine.queue_qos0_messages);
  EXPECT_EQ(c->engine.response_topic_prefix, "replies/");
  EXPECT_EQ(c->engine.maximum_qos, protocol::QoS::k1);
  EXPECT_EQ(c->engine.maximum_packet_size, 65536u);
  ASSERT_EQ(c->listeners.size(), 1u);
  EXPECT_EQ(c->listeners[0].address, "::");
  EXPECT_EQ(c->listeners[0].port, 0);
  EXPECT_EQ(c->log.destinations, std::vector<std::string>{"stdout"});
  EXPECT_EQ(c->log.types,
            static_cast<std::uint32_t>(core::LogType::kError) | static_cast<std::uint32_t>(core::LogType::kDebug));
}

TEST(Config, UnknownKeysAreErrorsWithTheirLine) {
  const auto c = parse_config("threads = 1\nmax_inflight = 3\n\n[[listener]]\nport = 1\nprot = 2\n", "my.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("my.toml:2:"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("max_inflight is not a known setting"), std::string::npos);
  EXPECT_NE(c.error().message.find("my.toml:6:"), std::string::npos);
  EXPECT_NE(c.error().message.find("listener.prot"), std::string::npos);
}

TEST(Config, BadValuesAreErrorsWithTheirLine) {
  auto c = parse_config("max_qos = 3\n", "f.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("f.toml:1:"), std::string::npos);
  EXPECT_NE(c.error().message.find("between 0 and 2"), std::string::npos);
  c = parse_config("queue_qos0_messages = \"yes\"\n", "f.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("true or false"), std::string::npos);
  c = parse_config("[[listener]]\nport = 70000\n", "f.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("f.toml:2:"), std::string::npos);
}

TEST(Config, ReadsPersistence) {
  auto c =
      parse_config("[persistence]\npath = \"/data/roost.db\"\ndurability = \"strict\"\nflush_interval = 5\n", "p.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->persistence.path, "/data/roost.db");
  EXPECT_EQ(c->persistence.durability, "strict");
  EXPECT_EQ(c->persistence.flush_interval, 5u);
  EXPECT_TRUE(c->engine.acks_after_commit);
  // Without a path nothing is stored, so nothing waits for a commit.
  c = parse_config("[persistence]\ndurability = \"strict\"\n", "p.toml");
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->engine.acks_after_commit);
  c = parse_config("", "p.toml");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->persistence.path.empty());
  EXPECT_EQ(c->persistence.durability, "periodic");
  EXPECT_FALSE(c->engine.acks_after_commit);
}

TEST(Config, BadPersistenceIsAnErrorWithItsLine) {
  auto c = parse_config("[persistence]\npath = \"x.db\"\ndurability = \"sometimes\"\n", "p.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("p.toml:3:"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("\"periodic\" or \"strict\""), std::string::npos);
  c = parse_config("[persistence]\nflush_interval = 0\n", "p.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("p.toml:2:"), std::string::npos);
  c = parse_config("[persistence]\nautosave = 1\n", "p.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("persistence.autosave"), std::string::npos) << c.error().message;
  c = parse_config("persistence = \"/data\"\n", "p.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("[persistence] table"), std::string::npos);
}

TEST(Config, SyntaxErrorsNameTheirPosition) {
  const auto c = parse_config("threads = \n", "broken.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().message.rfind("broken.toml:1:", 0), 0u) << c.error().message;
}

TEST(Config, MissingFileIsAnError) {
  const auto c = load_config("/nonexistent/roost.toml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("cannot read"), std::string::npos);
}

TEST(Config, ReadsUsersRulesAndListenerSecurity) {
  const auto c = parse_config(R"(
allow_anonymous = true

[[user]]
name = "alice"
password_hash = "$7$101$Jp1mmn2hJw1z6tOU$MODVFXwcnlALlEskYXtDxDmFyd6YvqO/J7DVkUIO9h8yLwW7nUyHxoGEzOiwuzPB/94EEjKohpAE/dKuCdSGrw=="
acl = ["readwrite home/#", "deny home/secret"]

[[user]]
name = "rules-only"
acl = ["read x/#"]

[acl]
anonymous = ["read public/#"]
patterns = ["readwrite devices/%c/#"]

[[listener]]
port = 8883
certfile = "/ssl/cert.pem"
keyfile = "/ssl/key.pem"
cafile = "/ssl/ca.pem"
require_certificate = true
tls_version = "tlsv1.3"
allow_anonymous = false

[[listener]]
port = 9001
protocol = "websockets"
use_username_as_clientid = true
)",
                              "roost.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_NE(c->auth.users, nullptr);
  ASSERT_NE(c->auth.users->find("alice"), nullptr);
  EXPECT_TRUE(c->auth.users->find("alice")->hash.verify("x"));
  EXPECT_EQ(c->auth.users->find("rules-only"), nullptr);
  EXPECT_TRUE(c->auth.allow_anonymous);
  ASSERT_NE(c->auth.acl, nullptr);
  const std::string alice = "alice";
  EXPECT_TRUE(c->auth.acl->grants(&alice, "a")->can_publish("home/x"));
  EXPECT_FALSE(c->auth.acl->grants(&alice, "a")->can_publish("home/secret"));
  EXPECT_TRUE(c->auth.acl->grants(nullptr, "d1")->can_publish("devices/d1/state"));
  ASSERT_EQ(c->listeners.size(), 2u);
  ASSERT_TRUE(c->listeners[0].tls.has_value());
  EXPECT_EQ(c->listeners[0].tls->tls_version, "tlsv1.3");
  EXPECT_TRUE(c->listeners[0].tls->require_certificate);
  EXPECT_EQ(c->listeners[0].allow_anonymous, false);
  EXPECT_EQ(c->listeners[1].protocol, "websockets");
  EXPECT_FALSE(c->listeners[1].tls.has_value());
  EXPECT_TRUE(c->listeners[1].use_username_as_clientid);
}

TEST(Config, AnonymousClientsAreRefusedOnceSomeoneHasAPassword) {
  const auto open = parse_config("", "a.toml");
  ASSERT_TRUE(open.has_value());
  EXPECT_TRUE(open->auth.allow_anonymous);
  EXPECT_EQ(open->auth.acl, nullptr);
  const auto closed = parse_config(R"([[user]]
name = "u"
password_hash = "$6$6007hMJzgwVJmU1t$rEjIAqI4TLdQOmzObYPdXK0lYCvShssrjIGl4lilG7C8lGK0ssu2CP79B8ztwZYjeBTKb5qgu+hcWppUeoakWQ=="
)",
                                   "b.toml");
  ASSERT_TRUE(closed.has_value()) << closed.error().message;
  EXPECT_FALSE(closed->auth.allow_anonymous);
}

TEST(Config, BadSecuritySettingsAreErrorsWithTheirLine) {
  const auto c = parse_config(R"([[user]]
password_hash = "plain"
acl = ["read a/#/b", 7]

[acl]
patterns = ["sometimes x"]
other = 1

[[listener]]
port = 1
certfile = "c.pem"
tls_version = "tlsv1.0"
protocol = "http"

[[listener]]
port = 2
cafile = "ca.pem"
)",
                              "sec.toml");
  ASSERT_FALSE(c.has_value());
  const std::string& e = c.error().message;
  EXPECT_NE(e.find("sec.toml:1:1: user.name is missing"), std::string::npos) << e;
  EXPECT_NE(e.find("sec.toml:2:"), std::string::npos) << e;
  EXPECT_NE(e.find("\"a/#/b\" is not a valid topic filter"), std::string::npos) << e;
  EXPECT_NE(e.find("entries must be strings"), std::string::npos) << e;
  EXPECT_NE(e.find("acl.other is not a known setting"), std::string::npos) << e;
  EXPECT_NE(e.find("certfile and keyfile go together"), std::string::npos) << e;
  EXPECT_NE(e.find("older versions are not offered"), std::string::npos) << e;
  EXPECT_NE(e.find("listener.protocol must be"), std::string::npos) << e;
  EXPECT_NE(e.find("the TLS settings of this listener need certfile and keyfile"), std::string::npos) << e;
}

TEST(Config, PasswordAndAclFilesAreReadAndTheirErrorsReported) {
  const auto missing = parse_config("password_file = \"/nonexistent/pw\"\nacl_file = \"/nonexistent/acl\"\n", "m.toml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("/nonexistent/pw: cannot read the file"), std::string::npos);
  EXPECT_NE(missing.error().message.find("/nonexistent/acl: cannot read the file"), std::string::npos);
}

TEST(Config, SeveralAclFilesAreMergedInOrder) {
  const auto dir = std::filesystem::temp_directory_path() / "roost-config-acl-files";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a") << "user alice\ntopic read a/#\n";
  std::ofstream(dir / "b") << "topic read public/#\nuser bob\ntopic read b/#\n";
  const auto c = parse_config("acl_file = [\"" + (dir / "a").string() + "\", \"" + (dir / "b").string() +
                                  "\"]\n[acl]\nother_users = [\"read others/#\"]\n",
                              "acl.toml");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->auth.acl_files.size(), 2u);
  const std::string alice = "alice";
  const std::string carol = "carol";
  EXPECT_TRUE(c->auth.acl->grants(&alice, "x")->can_receive("a/1"));
  EXPECT_FALSE(c->auth.acl->grants(&alice, "x")->can_receive("public/1"));  // b's anonymous rules stay anonymous
  EXPECT_TRUE(c->auth.acl->grants(nullptr, "x")->can_receive("public/1"));
  EXPECT_TRUE(c->auth.acl->grants(&carol, "x")->can_receive("others/1"));
  const auto bad = parse_config("acl_file = [\"\", 3]\n", "bad.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad.toml:1:13: acl_file entries must be file names"), std::string::npos)
      << bad.error().message;
}

TEST(Config, HomeAssistantTable) {
  EXPECT_FALSE(parse_config("", "x.toml")->home_assistant.enabled);
  const auto c = parse_config("[home_assistant]\nsupervisor = \"http://127.0.0.1:8080\"\nauth = false\n", "x.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->home_assistant.enabled);
  EXPECT_EQ(c->home_assistant.supervisor, "http://127.0.0.1:8080");
  EXPECT_FALSE(c->home_assistant.auth);
  const auto bad = parse_config("[home_assistant]\nsupervisor = \"https://x\"\ntoken = \"t\"\n", "x.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("home_assistant.supervisor must be an http:// URL"), std::string::npos);
  EXPECT_NE(bad.error().message.find("home_assistant.token"), std::string::npos) << bad.error().message;
}

TEST(Config, BridgesWithTheirDefaults) {
  const auto c = parse_config(
      "[[bridge]]\nname = \"cloud\"\naddress = [\"a.example:8883\", \"[::1]\", \"b.example\"]\n"
      "remote_clientid = \"house\"\nprotocol = \"mqttv5\"\ncafile = \"/ca.pem\"\nrestart_timeout = 2\n"
      "[[bridge.topic]]\npattern = \"sensors/#\"\nqos = 1\n"
      "[[bridge.topic]]\npattern = \"\"\ndirection = \"both\"\nlocal_prefix = \"a/b\"\nremote_prefix = \"c\"\n",
      "x.toml");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->bridges.size(), 1u);
  const BridgeSettings& b = c->bridges[0];
  ASSERT_EQ(b.addresses.size(), 3u);
  EXPECT_EQ(b.addresses[0].port, 8883);
  EXPECT_EQ(b.addresses[1].host, "::1");
  EXPECT_EQ(b.addresses[1].port, 1883);
  EXPECT_EQ(b.local_clientid, "local.house");
  EXPECT_EQ(b.notification_topic, "$SYS/broker/connection/cloud/state");
  EXPECT_FALSE(b.clean_start);
  EXPECT_TRUE(b.try_private);
  EXPECT_EQ(b.restart_timeout, 2u);
  EXPECT_EQ(b.restart_timeout_max, 60u);
  ASSERT_TRUE(b.tls);
  EXPECT_EQ(b.tls->cafile, "/ca.pem");
  ASSERT_EQ(b.topics.size(), 2u);
  EXPECT_EQ(b.topics[0].direction, BridgeTopic::Direction::kOut);
  EXPECT_EQ(b.topics[1].direction, BridgeTopic::Direction::kBoth);
}

TEST(Config, BadBridgesAreErrorsWithTheirLine) {
  const auto bad = parse_config(
      "[[bridge]]\nname = \"a/b\"\naddress = \"h:0\"\ncertfile = \"/c.pem\"\nrestart_timeout = 9\n"
      "restart_timeout_max = 3\nspeed = 1\n"
      "[[bridge.topic]]\npattern = \"a/#/b\"\ndirection = \"up\"\nqos = 3\nlocal_prefix = \"+/\"\n"
      "[[bridge]]\nname = \"n\"\naddress = \"h\"\n",
      "bad.toml");
  ASSERT_FALSE(bad);
  const std::string& m = bad.error().message;
  for (const char* expected :
       {"bridge.name is needed, without / + or #", "bridge.address \"h:0\" is not host:port",
        "bridge.cafile is needed for TLS", "bridge.restart_timeout_max must be at least restart_timeout",
        "bad.toml:7:9: bridge.speed is not a known setting", "bridge.topic.pattern with its prefixes is not a valid",
        "bridge.topic.direction must be", "bridge.topic.qos must be between 0 and 2",
        "bridge.topic is needed: at least one [[bridge.topic]]"}) {
    EXPECT_NE(m.find(expected), std::string::npos) << expected << "\n" << m;
  }
}

}  // namespace
}  // namespace roost::config
