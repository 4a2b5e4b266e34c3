// /data/system_user.json: created once in the official format, reused byte
// for byte, extended only by users that were not there.

#include "addon/system_users.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace roost::addon {
namespace {

std::function<std::string()> counter() {
  auto n = std::make_shared<int>(0);
  return [n] { return "pw" + std::to_string(++*n); };
}

TEST(SystemUsers, CreatedInTheOfficialFormat) {
  const auto u = ensure_system_users(std::nullopt, {"homeassistant", "addons"}, counter());
  ASSERT_TRUE(u) << u.error();
  ASSERT_TRUE(u->new_text);
  const auto json = nlohmann::json::parse(*u->new_text);
  EXPECT_EQ(json, nlohmann::json::parse(R"({"homeassistant": {"password": "pw1"}, "addons": {"password": "pw2"}})"));
  EXPECT_EQ(*u->password("addons"), "pw2");
}

TEST(SystemUsers, AnOfficialFileIsReusedUnchanged) {
  // As the official add-on's jq writes it (compact).
  const std::string official = R"({"homeassistant":{"password":"aaa"},"addons":{"password":"bbb"}})";
  const auto u = ensure_system_users(official, {"homeassistant", "addons"}, counter());
  ASSERT_TRUE(u) << u.error();
  EXPECT_FALSE(u->new_text);  // nothing to write: the file stays byte for byte
  EXPECT_EQ(*u->password("homeassistant"), "aaa");
  EXPECT_EQ(*u->password("addons"), "bbb");
}

TEST(SystemUsers, ProvisionedUsersAreAddedAndOldPasswordsKept) {
  const std::string official = R"({"homeassistant":{"password":"aaa"},"addons":{"password":"bbb"}})";
  const auto u = ensure_system_users(official, {"homeassistant", "addons", "zigbee2mqtt", "nodered"}, counter());
  ASSERT_TRUE(u) << u.error();
  ASSERT_TRUE(u->new_text);
  const auto json = nlohmann::json::parse(*u->new_text);
  EXPECT_EQ(json["homeassistant"]["password"], "aaa");
  EXPECT_EQ(json["addons"]["password"], "bbb");
  EXPECT_EQ(json["zigbee2mqtt"]["password"], "pw1");
  EXPECT_EQ(json["nodered"]["password"], "pw2");
  // Turning provisioning off later keeps the users' passwords in the file.
  const auto again = ensure_system_users(*u->new_text, {"homeassistant", "addons"}, counter());
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->new_text);
  EXPECT_EQ(*again->password("zigbee2mqtt"), "pw1");
}

TEST(SystemUsers, ABrokenFileIsAnErrorNotOverwritten) {
  EXPECT_FALSE(ensure_system_users(std::string("{not json"), {"homeassistant"}, counter()));
  EXPECT_FALSE(ensure_system_users(std::string(R"({"homeassistant":{"password":""}})"), {"homeassistant"}, counter()));
  EXPECT_FALSE(ensure_system_users(std::string(R"({"homeassistant":"x"})"), {"homeassistant"}, counter()));
}

TEST(SystemUsers, GeneratedPasswordsAre64AlphanumericCharacters) {
  const std::string a = generate_password();
  const std::string b = generate_password();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  for (const char c : a + b) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
}

}  // namespace
}  // namespace roost::addon
