// roost import: a mosquitto.conf becomes TOML that the broker's own reader
// loads with the same meaning; what has no equivalent is a warning.

#include "config/mosquitto_import.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "auth/password_hash.hpp"
#include "config/config.hpp"

namespace roost::config {
namespace {

class MosquittoImport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("roost-import-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "passwd") << "alice:" << auth::PasswordHash::make("s3cret", 1).to_string() << "\n";
    std::ofstream(dir_ / "acl") << "user alice\ntopic readwrite home/#\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(MosquittoImport, ATypicalConfigurationLoadsWithTheSameMeaning) {
  const std::string conf =
      "# a comment\n"
      "allow_anonymous false\n"
      "password_file " +
      (dir_ / "passwd").string() +
      "\n"
      "acl_file " +
      (dir_ / "acl").string() +
      "\n"
      "persistence true\n"
      "persistence_location /var/lib/mosquitto/\n"
      "autosave_interval 1800\n"
      "log_dest file /var/log/mosquitto/mosquitto.log\n"
      "log_dest stdout\n"
      "log_type error\n"
      "log_type warning\n"
      "log_timestamp_format %Y-%m-%dT%H:%M:%S\n"
      "max_queued_messages 5000\n"
      "persistent_client_expiration 2d\n"
      "max_connections -1\n"
      "queue_qos0_messages true\n"
      "\n"
      "listener 1883\n"
      "listener 8883 0.0.0.0\n"
      "certfile /ssl/fullchain.pem\n"
      "keyfile /ssl/privkey.pem\n"
      "listener 9001\n"
      "protocol websockets\n"
      "http_dir /www\n"
      "\n"
      "connection cloud\n"
      "address broker.example:8883\n"
      "topic sensors/# out 1\n"
      "bridge_cafile /ssl/ca.pem\n";
  const ImportResult r = import_mosquitto({{"mosquitto.conf", conf}});
  const auto c = parse_config(r.toml, "imported.toml");
  ASSERT_TRUE(c) << c.error().message << "\n" << r.toml;
  ASSERT_EQ(c->listeners.size(), 3u);
  EXPECT_EQ(c->listeners[0].address, "::");
  EXPECT_EQ(c->listeners[0].port, 1883);
  EXPECT_EQ(c->listeners[1].address, "0.0.0.0");
  ASSERT_TRUE(c->listeners[1].tls);
  EXPECT_EQ(c->listeners[1].tls->certfile, "/ssl/fullchain.pem");
  EXPECT_EQ(c->listeners[2].protocol, "websockets");
  EXPECT_FALSE(c->auth.allow_anonymous);
  ASSERT_TRUE(c->auth.users);
  EXPECT_EQ(c->auth.acl_files.size(), 1u);
  EXPECT_EQ(c->persistence.path, "/var/lib/mosquitto/roost.db");
  EXPECT_EQ(c->log.destinations, (std::vector<std::string>{"file", "stdout"}));
  EXPECT_EQ(c->log.file, "/var/log/mosquitto/mosquitto.log");
  EXPECT_EQ(c->log.timestamp_format, "%Y-%m-%dT%H:%M:%S");
  EXPECT_EQ(c->engine.max_queued_messages, 5000u);
  EXPECT_EQ(c->engine.persistent_client_expiration, 2u * 86400);
  EXPECT_EQ(c->max_connections, 0u);
  EXPECT_TRUE(c->engine.queue_qos0_messages);
  ASSERT_EQ(c->bridges.size(), 1u);
  EXPECT_EQ(c->bridges[0].addresses[0].port, 8883);
  ASSERT_TRUE(c->bridges[0].tls);
  EXPECT_EQ(c->bridges[0].topics[0].pattern, "sensors/#");
  // autosave_interval, http_dir, and the note that Mosquitto's database stays behind.
  ASSERT_EQ(r.warnings.size(), 3u);
  EXPECT_EQ(r.warnings[0].rfind("mosquitto.conf:7: autosave_interval", 0), 0u) << r.warnings[0];
  EXPECT_EQ(r.warnings[1], "mosquitto.conf:24: \"http_dir\" has no Roost equivalent; not imported");
  EXPECT_NE(r.warnings[2].find("not carried over"), std::string::npos);
}

TEST_F(MosquittoImport, SettingsBeforeTheFirstListenerMakeTheDefaultOne) {
  const ImportResult r = import_mosquitto({{"a.conf", "port 1884\nbind_address 127.0.0.1\n"},
                                           {"conf.d/b.conf", "listener 1885 ::1\nuse_username_as_clientid true\n"}});
  const auto c = parse_config(r.toml, "imported.toml");
  ASSERT_TRUE(c) << c.error().message << "\n" << r.toml;
  ASSERT_EQ(c->listeners.size(), 2u);
  EXPECT_EQ(c->listeners[0].address, "127.0.0.1");
  EXPECT_EQ(c->listeners[0].port, 1884);
  EXPECT_EQ(c->listeners[1].address, "::1");
  EXPECT_TRUE(c->listeners[1].use_username_as_clientid);
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(MosquittoImport, BadValuesAreWarningsWithFileAndLine) {
  const ImportResult r = import_mosquitto(
      {{"m.conf", "listener abc\nallow_anonymous maybe\nmax_queued_messages lots\nlog_dest dlt\nconnection lonely\n"}});
  ASSERT_EQ(r.warnings.size(), 5u);
  EXPECT_EQ(r.warnings[0], "m.conf:1: listener needs a port; not imported");
  EXPECT_EQ(r.warnings[1], "m.conf:2: allow_anonymous must be true or false; not imported");
  EXPECT_EQ(r.warnings[2], "m.conf:3: max_queued_messages lots is not a number; not imported");
  EXPECT_EQ(r.warnings[3], "m.conf:4: log_dest dlt is not supported; not imported");
  EXPECT_EQ(r.warnings[4], "m.conf:5: bridge \"lonely\" not imported: it has no address");
  EXPECT_TRUE(parse_config(r.toml, "imported.toml")) << r.toml;
}

}  // namespace
}  // namespace roost::config
