// options.json as the Supervisor writes it: the official add-on's options
// are read unchanged, bad ones are refused naming the option.

#include "addon/options.hpp"

#include <gtest/gtest.h>

namespace roost::addon {
namespace {

// The official Mosquitto add-on's defaults, as /data/options.json holds them.
constexpr const char* kOfficialDefaults = R"({"logins": [], "log_dest": [], "log_type": [],
  "require_certificate": false, "certfile": "fullchain.pem", "keyfile": "privkey.pem",
  "customize": {"active": false, "folder": "mosquitto"}})";

TEST(AddonOptions, OfficialDefaultsAreRead) {
  const auto o = parse_options(kOfficialDefaults);
  ASSERT_TRUE(o) << o.error();
  EXPECT_TRUE(o->logins.empty());
  EXPECT_EQ(o->certfile, "fullchain.pem");
  EXPECT_EQ(o->keyfile, "privkey.pem");
  EXPECT_FALSE(o->cafile);
  EXPECT_FALSE(o->customize_active);
  EXPECT_EQ(o->customize_folder, "mosquitto");
  EXPECT_EQ(o->max_queued_messages, 8192u);
  EXPECT_TRUE(o->warnings.empty());
}

TEST(AddonOptions, EveryOptionIsRead) {
  const auto o = parse_options(R"({
    "logins": [{"username": "tasmota", "password": "secret"},
               {"username": "esp/1", "password": "PBKDF2$sha512$100000$c2FsdA==$aGFzaA==", "password_pre_hashed": true}],
    "log_dest": ["stdout", "topic"], "log_type": ["error", "websockets"], "require_certificate": true,
    "certfile": "cert.pem", "keyfile": "key.pem", "cafile": "ca.pem",
    "customize": {"active": true, "folder": "roost"}, "debug": true,
    "provision_zigbee2mqtt": true, "provision_nodered": true, "allow_anonymous": true,
    "max_queued_messages": 20000})");
  ASSERT_TRUE(o) << o.error();
  ASSERT_EQ(o->logins.size(), 2u);
  EXPECT_EQ(o->logins[1].username, "esp/1");
  EXPECT_TRUE(o->logins[1].password_pre_hashed);
  EXPECT_FALSE(o->logins[0].password_pre_hashed);
  EXPECT_EQ(o->log_dest, (std::vector<std::string>{"stdout", "topic"}));
  EXPECT_EQ(o->log_type, (std::vector<std::string>{"error", "websockets"}));
  EXPECT_TRUE(o->require_certificate);
  EXPECT_EQ(o->cafile, "ca.pem");
  EXPECT_TRUE(o->customize_active);
  EXPECT_EQ(o->customize_folder, "roost");
  EXPECT_TRUE(o->debug && o->provision_zigbee2mqtt && o->provision_nodered && o->allow_anonymous);
  EXPECT_EQ(o->max_queued_messages, 20000u);
}

struct BadOption {
  const char* json;
  const char* error;
};

class AddonOptionsBad : public ::testing::TestWithParam<BadOption> {};

TEST_P(AddonOptionsBad, AreRefusedNamingTheOption) {
  const auto o = parse_options(GetParam().json);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, AddonOptionsBad,
    ::testing::Values(
        BadOption{"{", "options.json is not valid JSON"}, BadOption{"[]", "options.json must hold a JSON object"},
        BadOption{R"({"logins": [{"username": "", "password": "x"}]})",
                  "option `logins[0].username`: is missing or empty"},
        BadOption{R"({"logins": [{"username": "a", "password": "x"}, {"username": "b"}]})",
                  "option `logins[1].password`: is missing or empty"},
        BadOption{R"({"logins": [{"username": 5, "password": "x"}]})", "option `logins[0].username`: must be a string"},
        BadOption{R"({"logins": {}})", "option `logins`: must be a list"},
        BadOption{R"({"log_type": ["loud"]})",
                  "option `log_type`: \"loud\" is not one of none, debug, error, warning, notice, information, "
                  "subscribe, unsubscribe, websockets, all"},
        BadOption{R"({"log_dest": ["file"]})", "option `log_dest`: \"file\" is not one of none, stdout, stderr, topic"},
        BadOption{R"({"require_certificate": "yes"})", "option `require_certificate`: must be true or false"},
        BadOption{R"({"certfile": "../etc/shadow"})",
                  "option `certfile`: names a file inside /ssl: \"../etc/shadow\" is a path"},
        BadOption{R"({"keyfile": "/etc/shadow"})",
                  "option `keyfile`: names a file inside /ssl: \"/etc/shadow\" is a path"},
        BadOption{R"({"logins": [{"username": "a", "password": "x", "password_pre_hashed": 1}]})",
                  "option `logins[0].password_pre_hashed`: must be true or false"},
        BadOption{R"({"customize": {"active": true, "folder": "../root"}})",
                  "option `customize.folder`: must name a folder inside /share"},
        BadOption{R"({"max_queued_messages": 5})",
                  "option `max_queued_messages`: must be a whole number from 100 to 1000000"}));

TEST(AddonOptions, UnknownKeysAreWarningsNotErrors) {
  const auto o = parse_options(R"({"logins": [], "retain_forever": true})");
  ASSERT_TRUE(o) << o.error();
  ASSERT_EQ(o->warnings.size(), 1u);
  EXPECT_EQ(o->warnings[0], "option `retain_forever` is not an option of this add-on; ignored");
}

}  // namespace
}  // namespace roost::addon
