// The translator: options, system users and customize settings become the
// files roost serve reads. Each result is parsed back with the broker's
// own configuration reader, so what is checked is what the broker gets.

#include "addon/translate.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "addon/customize.hpp"
#include "auth/password_hash.hpp"
#include "config/config.hpp"

namespace roost::addon {
namespace {

constexpr const char* kDocsHash =
    "PBKDF2$sha512$100000$qsU7xQ8YCV/9nRuBBJVTxA==$jqw94Ej3aEr97UofY6rClmVCRkTdDiubQW0A6ZYmUI+pZjW9Hax+"
    "2w2FeYB3y5ut1SliB7+HAwIl2iONLKkohw==";  // "foo", the official add-on's DOCS example
constexpr const char* kPhcHash =
    "pbkdf2-sha512$i=1000,l=64$MDEyMzQ1Njc4OWFiY2RlZg$"
    "U3puKzuFRIYghRRKVkOEoQkUWk1k2mHn1m6IFRh1Io85Rci3qcQVgiWCuBHrJ1tWPRQh8TTdHIPx6vYVlH3Sww";  // "phc-pass"

std::string fast_hash(const std::string& password, bool) { return auth::PasswordHash::make(password, 1).to_string(); }

SystemUsers users_for(const AddonOptions& o) {
  SystemUsers u;
  for (const std::string& name : system_user_names(o)) u.users.emplace_back(name, "pw-of-" + name);
  return u;
}

class Translate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("roost-translate-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    env_.out_dir = dir_.string();
    env_.data_dir = "/data";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Translation run(const AddonOptions& o, const CustomizeSettings& c = {}) {
    auto t = translate(o, users_for(o), c, env_, fast_hash);
    EXPECT_TRUE(t) << t.error();
    return t ? *t : Translation{};
  }
  // Writes the files and reads them back as the broker does.
  config::Config load(const Translation& t) {
    std::ofstream(dir_ / "passwd") << t.passwd;
    std::ofstream(dir_ / "acl") << t.acl;
    auto c = config::parse_config(t.toml, "roost.toml");
    EXPECT_TRUE(c) << c.error().message << "\n" << t.toml;
    return c ? *c : config::Config{};
  }

  std::filesystem::path dir_;
  Environment env_;
};

TEST_F(Translate, CustomizeBridgesBecomeBridgeTablesTheBrokerReads) {
  CustomizeSettings customize = parse_customize({{"b.conf",
                                                  "connection cloud\n"
                                                  "address broker.example:8883\n"
                                                  "bridge_protocol_version mqttv50\n"
                                                  "remote_password \"quoted\\\n"
                                                  "bridge_cafile /ssl/ca.pem\n"
                                                  "topic sensors/# out 1 home/ site/\n"}});
  ASSERT_EQ(customize.bridges.size(), 1u);
  const config::Config c = load(run(AddonOptions{}, customize));
  ASSERT_EQ(c.bridges.size(), 1u);
  const config::BridgeSettings& b = c.bridges[0];
  EXPECT_EQ(b.name, "cloud");
  ASSERT_EQ(b.addresses.size(), 1u);
  EXPECT_EQ(b.addresses[0].host, "broker.example");
  EXPECT_EQ(b.addresses[0].port, 8883);
  EXPECT_EQ(b.protocol, "mqttv5");
  EXPECT_EQ(b.remote_password, "\"quoted\\");
  ASSERT_TRUE(b.tls);
  EXPECT_EQ(b.tls->cafile, "/ssl/ca.pem");
  ASSERT_EQ(b.topics.size(), 1u);
  EXPECT_EQ(b.topics[0].local_prefix, "home/");
  EXPECT_EQ(b.topics[0].remote_prefix, "site/");
  EXPECT_EQ(b.topics[0].qos, 1);
}

TEST_F(Translate, OfficialDefaults) {
  const Translation t = run(AddonOptions{});
  const config::Config c = load(t);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].address, "::");  // IPv4 and IPv6: Core may connect over either
  EXPECT_EQ(c.listeners[0].port, 1883);
  EXPECT_EQ(c.listeners[0].protocol, "mqtt");
  EXPECT_EQ(c.listeners[1].port, 1884);
  EXPECT_EQ(c.listeners[1].protocol, "websockets");
  EXPECT_FALSE(c.listeners[0].tls);
  EXPECT_FALSE(c.auth.allow_anonymous);
  EXPECT_EQ(c.engine.max_queued_messages, 8192u);
  EXPECT_EQ(c.persistence.path, "/data/roost.db");
  EXPECT_EQ(c.log.destinations, (std::vector<std::string>{"stdout"}));
  using core::LogType;
  EXPECT_EQ(c.log.types, static_cast<std::uint32_t>(LogType::kError) | static_cast<std::uint32_t>(LogType::kWarning) |
                             static_cast<std::uint32_t>(LogType::kNotice) |
                             static_cast<std::uint32_t>(LogType::kInformation));
  EXPECT_EQ(c.log.timestamp_format, "%Y-%m-%d %H:%M:%S");
  EXPECT_TRUE(c.home_assistant.enabled);
  EXPECT_EQ(c.home_assistant.supervisor, "http://supervisor");
  // homeassistant and addons log in with their generated passwords and may use every topic.
  ASSERT_NE(c.auth.users, nullptr);
  ASSERT_NE(c.auth.users->find("homeassistant"), nullptr);
  EXPECT_TRUE(c.auth.users->find("homeassistant")->hash.verify("pw-of-homeassistant"));
  EXPECT_TRUE(c.auth.users->find("addons")->hash.verify("pw-of-addons"));
  const std::string ha = "homeassistant";
  const std::string someone = "a-home-assistant-user";
  EXPECT_TRUE(c.auth.acl->grants(&ha, "c")->can_publish("homeassistant/status"));
  EXPECT_TRUE(c.auth.acl->grants(&someone, "c")->can_publish("any/topic"));  // as the official add-on
  ASSERT_EQ(t.notices.size(), 1u);
  EXPECT_EQ(t.notices[0].rfind("SSL is not enabled", 0), 0u);
}

TEST_F(Translate, TlsOnlyWhenCertAndKeyExistWithTheCertAsCaFallback) {
  AddonOptions o;
  env_.certfile_exists = true;
  EXPECT_EQ(load(run(o)).listeners.size(), 2u);  // a certificate without its key: no TLS
  env_.keyfile_exists = true;
  o.require_certificate = true;
  const config::Config c = load(run(o));
  ASSERT_EQ(c.listeners.size(), 4u);
  for (int i : {2, 3}) {
    const auto& l = c.listeners[i];
    ASSERT_TRUE(l.tls);
    EXPECT_EQ(l.tls->certfile, "/ssl/fullchain.pem");
    EXPECT_EQ(l.tls->keyfile, "/ssl/privkey.pem");
    EXPECT_EQ(l.tls->cafile, "/ssl/fullchain.pem");
    EXPECT_TRUE(l.tls->require_certificate);
  }
  EXPECT_EQ(c.listeners[2].port, 8883);
  EXPECT_EQ(c.listeners[2].protocol, "mqtt");
  EXPECT_EQ(c.listeners[3].port, 8884);
  EXPECT_EQ(c.listeners[3].protocol, "websockets");
  // A cafile that exists is used; one that does not falls back to the certfile with a warning.
  o.cafile = "ca.pem";
  env_.cafile_exists = true;
  EXPECT_EQ(load(run(o)).listeners[2].tls->cafile, "/ssl/ca.pem");
  env_.cafile_exists = false;
  const Translation t = run(o);
  EXPECT_EQ(load(t).listeners[2].tls->cafile, "/ssl/fullchain.pem");
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_NE(t.warnings[0].find("/ssl/ca.pem does not exist"), std::string::npos);
}

TEST_F(Translate, WithoutIpv6ListensOnIpv4) {
  env_.ipv6 = false;
  EXPECT_EQ(load(run(AddonOptions{})).listeners[0].address, "0.0.0.0");
}

TEST_F(Translate, Logging) {
  AddonOptions o;
  o.debug = true;
  EXPECT_EQ(load(run(o)).log.types, 0x7Fu);  // debug: everything
  o.debug = false;
  o.log_type = {"error", "subscribe", "websockets"};
  o.log_dest = {"stderr", "topic"};
  const config::Config c = load(run(o));
  EXPECT_EQ(c.log.types,
            static_cast<std::uint32_t>(core::LogType::kError) | static_cast<std::uint32_t>(core::LogType::kSubscribe));
  EXPECT_EQ(c.log.destinations, (std::vector<std::string>{"stderr", "topic"}));
  o.log_dest = {"none"};
  EXPECT_TRUE(load(run(o)).log.destinations.empty());
}

TEST_F(Translate, LoginsPlainAndPreHashed) {
  AddonOptions o;
  o.logins = {{"tasmota", "secret", false},
              {"esp", kDocsHash, true},
              {"phc", kPhcHash, true},
              {"govee2mqtt/abc", "slash", false}};
  const config::Config c = load(run(o));
  EXPECT_TRUE(c.auth.users->find("tasmota")->hash.verify("secret"));
  EXPECT_TRUE(c.auth.users->find("esp")->hash.verify("foo"));
  EXPECT_TRUE(c.auth.users->find("phc")->hash.verify("phc-pass"));
  EXPECT_TRUE(c.auth.users->find("govee2mqtt/abc")->hash.verify("slash"));
  const std::string tasmota = "tasmota";
  EXPECT_TRUE(c.auth.acl->grants(&tasmota, "c")->can_publish("tele/x/STATE"));
}

TEST_F(Translate, BadLoginsAreRefusedNamingTheOption) {
  AddonOptions o;
  o.logins = {{"ok", "pw", false}, {"esp", "PBKDF2$sha512$notanumber$x$y", true}};
  auto t = translate(o, users_for(o), {}, env_, fast_hash);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().rfind("option `logins[1].password`: is marked password_pre_hashed but is not a hash", 0), 0u)
      << t.error();
  o.logins = {{"twice", "a", false}, {"twice", "b", false}};
  t = translate(o, users_for(o), {}, env_, fast_hash);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), "option `logins[1].username`: \"twice\" is listed twice");
  o.logins = {{"a:b", "pw", false}};
  EXPECT_FALSE(translate(o, users_for(o), {}, env_, fast_hash));
  o.logins = {{"", "pw", false}};
  t = translate(o, users_for(o), {}, env_, fast_hash);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), "option `logins[0].username`: is missing or empty");
}

TEST_F(Translate, ReservedNamesInLoginsAreIgnoredWithAWarning) {
  AddonOptions o;
  o.logins = {{"homeassistant", "guess", false}, {"zigbee2mqtt", "mine", false}};
  const Translation t = run(o);
  const config::Config c = load(t);
  EXPECT_FALSE(c.auth.users->find("homeassistant")->hash.verify("guess"));
  EXPECT_TRUE(c.auth.users->find("zigbee2mqtt")->hash.verify("mine"));  // not provisioned: the user's own
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_NE(t.warnings[0].find("\"homeassistant\" is a user of the add-on itself"), std::string::npos);
}

TEST_F(Translate, ProvisionedUsersGetScopedRules) {
  AddonOptions o;
  o.provision_zigbee2mqtt = true;
  o.provision_nodered = true;
  o.logins = {{"zigbee2mqtt", "mine", false}};  // now the add-on's: ignored
  const Translation t = run(o);
  const config::Config c = load(t);
  const std::string z = "zigbee2mqtt";
  const std::string n = "nodered";
  EXPECT_TRUE(c.auth.users->find(z)->hash.verify("pw-of-zigbee2mqtt"));
  const auto zg = c.auth.acl->grants(&z, "c");
  EXPECT_TRUE(zg->can_publish("zigbee2mqtt/bridge/state"));
  EXPECT_TRUE(zg->can_publish("homeassistant/sensor/x/config"));
  EXPECT_FALSE(zg->can_publish("tele/tasmota/STATE"));
  EXPECT_FALSE(zg->can_receive("frigate/events"));
  EXPECT_TRUE(c.auth.acl->grants(&n, "c")->can_publish("anything/at/all"));
  // Every generated password is in the credentials file.
  for (const char* user : {"homeassistant", "addons", "zigbee2mqtt", "nodered"}) {
    EXPECT_NE(t.credentials.find(std::string(user) + ": pw-of-" + user + "\n"), std::string::npos) << user;
  }
  EXPECT_EQ(t.passwd.find("pw-of-"), std::string::npos);  // hashes only
}

TEST_F(Translate, CustomizeAclFileIsEnforcedForEveryoneButTheAddonsUsers) {
  std::ofstream(dir_ / "custom.acl") << "user tasmota\ntopic readwrite tele/#\n";
  CustomizeSettings custom;
  custom.acl_files = {(dir_ / "custom.acl").string()};
  custom.max_queued_messages = 20000;
  custom.log_types = {"debug"};
  AddonOptions o;
  o.logins = {{"tasmota", "pw", false}, {"other", "pw", false}};
  const Translation t = run(o, custom);
  const config::Config c = load(t);
  const std::string tasmota = "tasmota";
  const std::string other = "other";
  const std::string ha = "homeassistant";
  EXPECT_TRUE(c.auth.acl->grants(&tasmota, "c")->can_publish("tele/x"));
  EXPECT_FALSE(c.auth.acl->grants(&tasmota, "c")->can_publish("cmnd/x"));
  EXPECT_FALSE(c.auth.acl->grants(&other, "c")->can_publish("cmnd/x"));  // not named: nothing
  EXPECT_TRUE(c.auth.acl->grants(&ha, "c")->can_publish("cmnd/x"));
  EXPECT_EQ(c.engine.max_queued_messages, 20000u);
  EXPECT_EQ(c.log.types, static_cast<std::uint32_t>(core::LogType::kDebug));
}

TEST_F(Translate, CustomizePasswordFileUsersAreAddedUnlessTakenAlready) {
  CustomizeSettings custom;
  const std::string hash = auth::PasswordHash::make("old-pw", 1).to_string();
  custom.password_entries = {{"legacy", hash}, {"addons", hash}, {"tasmota", hash}};
  AddonOptions o;
  o.logins = {{"tasmota", "new-pw", false}};
  const Translation t = run(o, custom);
  const config::Config c = load(t);
  EXPECT_TRUE(c.auth.users->find("legacy")->hash.verify("old-pw"));
  EXPECT_TRUE(c.auth.users->find("tasmota")->hash.verify("new-pw"));  // logins win
  EXPECT_TRUE(c.auth.users->find("addons")->hash.verify("pw-of-addons"));
  EXPECT_EQ(t.warnings.size(), 2u);
}

TEST_F(Translate, AnonymousIsOffUnlessAskedFor) {
  AddonOptions o;
  EXPECT_FALSE(load(run(o)).auth.allow_anonymous);
  o.allow_anonymous = true;
  const Translation t = run(o);
  const config::Config c = load(t);
  EXPECT_TRUE(c.auth.allow_anonymous);
  EXPECT_TRUE(c.auth.acl->grants(nullptr, "c")->can_publish("x"));
  EXPECT_FALSE(t.warnings.empty());
}

TEST(TomlString, EscapesWhatTomlNeeds) { EXPECT_EQ(toml_string("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\""); }

}  // namespace
}  // namespace roost::addon
