// roost addon init on real folders: files written with mode 0600, the
// system users created once and reused byte for byte, a missing customize
// folder only warned about, bad options leaving nothing half-written, and a
// database copy from a backup put back in place; outside Home Assistant, a
// default configuration or the user's own.

#include "addon/init.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace roost::addon {
namespace {

namespace fs = std::filesystem;

class Lines : public core::LogSink {
 public:
  Lines() : core::LogSink(0x7F) {}
  void write(core::LogType type, std::string_view line) override {
    text += std::string(core::to_string(type)) + ": " + std::string(line) + "\n";
  }
  std::string text;
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class AddonInit : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("roost-init-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    for (const char* d : {"data", "ssl", "share", "config"}) fs::create_directories(root_ / d);
    paths_.options = (root_ / "data" / "options.json").string();
    paths_.env.data_dir = (root_ / "data").string();
    paths_.env.ssl_dir = (root_ / "ssl").string();
    paths_.env.share_dir = (root_ / "share").string();
    paths_.env.config_dir = (root_ / "config").string();
    paths_.env.out_dir = (root_ / "etc").string();
    paths_.env.hostname = "local-roost";
  }
  void TearDown() override { fs::remove_all(root_); }

  int init(const std::string& options) {
    std::ofstream(paths_.options) << options;
    log_.text.clear();
    return run_init(paths_, core::Logger(&log_));
  }
  static unsigned mode(const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
  }

  fs::path root_;
  InitPaths paths_;
  Lines log_;
};

TEST_F(AddonInit, WritesPrivateFilesAndReusesTheSystemUsers) {
  ASSERT_EQ(init(R"({"logins": [{"username": "tasmota", "password": "secret"}]})"), 0) << log_.text;
  for (const char* f : {"etc/roost.toml", "etc/passwd", "etc/acl", "data/system_user.json", "config/credentials"}) {
    EXPECT_EQ(mode(root_ / f), 0600u) << f;
  }
  const std::string users = read(root_ / "data/system_user.json");
  EXPECT_NE(log_.text.find("Created"), std::string::npos);
  // Generated passwords reach the credentials file, never the log.
  const auto pw = users.substr(users.find("\"password\": \"") + 13, 64);
  EXPECT_NE(read(root_ / "config/credentials").find(pw), std::string::npos);
  EXPECT_EQ(log_.text.find(pw), std::string::npos);
  EXPECT_EQ(log_.text.find("secret"), std::string::npos);

  ASSERT_EQ(init(R"({"logins": []})"), 0) << log_.text;
  EXPECT_EQ(read(root_ / "data/system_user.json"), users);  // byte for byte
  EXPECT_EQ(log_.text.find("Created"), std::string::npos);
}

TEST_F(AddonInit, ASymlinkInTheConfigFolderIsReplacedNotFollowed) {
  std::ofstream(root_ / "data/precious") << "keep";
  fs::create_symlink(root_ / "data/precious", root_ / "config/credentials");
  ASSERT_EQ(init("{}"), 0) << log_.text;
  EXPECT_EQ(read(root_ / "data/precious"), "keep");
  EXPECT_FALSE(fs::is_symlink(root_ / "config/credentials"));
  EXPECT_NE(read(root_ / "config/credentials").find("homeassistant: "), std::string::npos);
}

TEST_F(AddonInit, AnOfficialSystemUserFileIsKeptAndExtended) {
  const std::string official = R"({"homeassistant":{"password":"ha-pw"},"addons":{"password":"addons-pw"}})";
  std::ofstream(root_ / "data/system_user.json") << official;
  ASSERT_EQ(init("{}"), 0) << log_.text;
  EXPECT_EQ(read(root_ / "data/system_user.json"), official);
  EXPECT_NE(read(root_ / "config/credentials").find("homeassistant: ha-pw\n"), std::string::npos);
  ASSERT_EQ(init(R"({"provision_zigbee2mqtt": true})"), 0) << log_.text;
  const std::string extended = read(root_ / "data/system_user.json");
  EXPECT_NE(extended.find("\"ha-pw\""), std::string::npos);
  EXPECT_NE(extended.find("\"zigbee2mqtt\""), std::string::npos);
}

TEST_F(AddonInit, BadOptionsFailAndWriteNothing) {
  EXPECT_EQ(init(R"({"logins": [{"username": "x", "password": ""}]})"), 1);
  EXPECT_NE(log_.text.find("option `logins[0].password`: is missing or empty"), std::string::npos) << log_.text;
  EXPECT_FALSE(fs::exists(root_ / "etc/roost.toml"));
  EXPECT_FALSE(fs::exists(root_ / "data/system_user.json"));
  std::ofstream(root_ / "data/system_user.json") << "{broken";
  EXPECT_EQ(init("{}"), 1);
  EXPECT_EQ(read(root_ / "data/system_user.json"), "{broken");  // never overwritten
}

TEST_F(AddonInit, CustomizeFolderMissingIsAWarningAndAnAclFileIsChecked) {
  EXPECT_EQ(init(R"({"customize": {"active": true, "folder": "mosquitto"}})"), 0) << log_.text;
  EXPECT_NE(log_.text.find("warning: customize: " + (root_ / "share/mosquitto").string() + " is not a folder"),
            std::string::npos)
      << log_.text;
  fs::create_directories(root_ / "share/mosquitto");
  std::ofstream(root_ / "share/mosquitto/acl.conf")
      << "acl_file " << (root_ / "share/mosquitto/acl").string() << "\nlog_timestamp true\n";
  std::ofstream(root_ / "share/mosquitto/acl") << "user tasmota\ntopic readwrite tele/#\ntopic read a/#/b\n";
  EXPECT_EQ(init(R"({"customize": {"active": true, "folder": "mosquitto"}})"), 1);
  EXPECT_NE(log_.text.find("acl:3"), std::string::npos) << log_.text;  // names the broken line
  std::ofstream(root_ / "share/mosquitto/acl") << "user tasmota\ntopic readwrite tele/#\n";
  EXPECT_EQ(init(R"({"customize": {"active": true, "folder": "mosquitto"}})"), 0) << log_.text;
  EXPECT_NE(log_.text.find("\"log_timestamp\" is not a setting"), std::string::npos) << log_.text;
  EXPECT_NE(read(root_ / "etc/roost.toml").find((root_ / "share/mosquitto/acl").string()), std::string::npos);
}

TEST_F(AddonInit, TlsWhenBothFilesAreInSsl) {
  std::ofstream(root_ / "ssl/fullchain.pem") << "x";
  ASSERT_EQ(init("{}"), 0);
  EXPECT_NE(log_.text.find("SSL is not enabled"), std::string::npos);
  std::ofstream(root_ / "ssl/privkey.pem") << "x";
  // A certificate the broker could not load: plain MQTT only, and the log says why.
  EXPECT_EQ(init("{}"), 0) << log_.text;
  EXPECT_NE(log_.text.find("warning: SSL is not enabled: listener"), std::string::npos) << log_.text;
  EXPECT_EQ(read(root_ / "etc/roost.toml").find("port = 8883"), std::string::npos);
  fs::copy_file(fs::path(ROOST_TEST_DATA) / "tls/server.pem", root_ / "ssl/fullchain.pem",
                fs::copy_options::overwrite_existing);
  fs::copy_file(fs::path(ROOST_TEST_DATA) / "tls/server.key", root_ / "ssl/privkey.pem",
                fs::copy_options::overwrite_existing);
  EXPECT_EQ(init("{}"), 0) << log_.text;
  EXPECT_NE(log_.text.find("SSL is available"), std::string::npos) << log_.text;
  EXPECT_NE(read(root_ / "etc/roost.toml").find("port = 8884"), std::string::npos);
}

TEST_F(AddonInit, ABackupsDatabaseCopyIsPutBackAfterARestore) {
  std::ofstream(root_ / "data/roost-backup.db") << "copy";
  ASSERT_EQ(init("{}"), 0) << log_.text;
  EXPECT_EQ(read(root_ / "data/roost.db"), "copy");
  EXPECT_FALSE(fs::exists(root_ / "data/roost-backup.db"));
  // With a live database the copy is left alone.
  std::ofstream(root_ / "data/roost-backup.db") << "older";
  ASSERT_EQ(init("{}"), 0);
  EXPECT_EQ(read(root_ / "data/roost.db"), "copy");
}

// Outside Home Assistant: the default, then the user's own file, /config first.
TEST_F(AddonInit, StandaloneWritesADefaultOrTakesTheUsersFile) {
  const core::Logger log(&log_);
  ASSERT_EQ(run_standalone_init(paths_.env, log), 0) << log_.text;
  const std::string fallback = read(root_ / "etc/roost.toml");
  EXPECT_NE(fallback.find("port = 1883"), std::string::npos) << fallback;
  EXPECT_NE(fallback.find("path = \"" + paths_.env.data_dir + "/roost.db\""), std::string::npos) << fallback;
  EXPECT_NE(log_.text.find("the default configuration"), std::string::npos) << log_.text;

  std::ofstream(root_ / "data/roost.toml") << "threads = 1\n";
  ASSERT_EQ(run_standalone_init(paths_.env, log), 0) << log_.text;
  EXPECT_EQ(read(root_ / "etc/roost.toml"), "threads = 1\n");
  std::ofstream(root_ / "config/roost.toml") << "threads = 2\n";
  ASSERT_EQ(run_standalone_init(paths_.env, log), 0) << log_.text;
  EXPECT_EQ(read(root_ / "etc/roost.toml"), "threads = 2\n");
  EXPECT_NE(log_.text.find("using " + paths_.env.config_dir + "/roost.toml"), std::string::npos) << log_.text;
}

}  // namespace
}  // namespace roost::addon
