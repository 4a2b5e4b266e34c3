// The customize folder: a Mosquitto-syntax subset; anything else warns.

#include "addon/customize.hpp"

#include <gtest/gtest.h>

namespace roost::addon {
namespace {

TEST(Customize, ReadsTheSupportedDirectives) {
  const auto c = parse_customize({{"/share/mosquitto/a.conf",
                                   "# comment\n"
                                   "acl_file /share/mosquitto/acl\n"
                                   "password_file /share/mosquitto/pw\n"
                                   "log_type subscribe\n"
                                   "log_dest topic\n"
                                   "connection_messages false\n"},
                                  {"/share/mosquitto/b.conf", "max_queued_messages 20000\nallow_anonymous true\n"}});
  EXPECT_EQ(c.acl_files, (std::vector<std::string>{"/share/mosquitto/acl"}));
  EXPECT_EQ(c.password_files, (std::vector<std::string>{"/share/mosquitto/pw"}));
  EXPECT_EQ(c.log_types, (std::vector<std::string>{"subscribe"}));
  EXPECT_EQ(c.log_dests, (std::vector<std::string>{"topic"}));
  EXPECT_EQ(c.connection_messages, false);
  EXPECT_EQ(c.max_queued_messages, 20000u);
  EXPECT_EQ(c.allow_anonymous, true);
  EXPECT_TRUE(c.warnings.empty()) << c.warnings[0];
}

TEST(Customize, RelativeFilesAreInTheFolderAndQueueLimitsAreBounded) {
  const auto c = parse_customize({{"/share/mosquitto/a.conf",
                                   "acl_file acl.conf\npassword_file ../mosquitto/pw\nmax_queued_messages 3000000000\n"
                                   "max_queued_messages 5\n"}});
  EXPECT_EQ(c.acl_files, (std::vector<std::string>{"/share/mosquitto/acl.conf"}));
  EXPECT_EQ(c.password_files, (std::vector<std::string>{"/share/mosquitto/pw"}));
  EXPECT_FALSE(c.max_queued_messages);
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_EQ(c.warnings[0],
            "/share/mosquitto/a.conf:3: max_queued_messages needs a number from 100 to 1000000; ignored");
}

TEST(Customize, UnknownDirectivesAreWarningsWithFileAndLine) {
  const auto c = parse_customize({{"x.conf",
                                   "persistent_client_expiration 1d\n"
                                   "listener 1885\n"
                                   "connection cloud\n"
                                   "address cloud.example:8883\n"
                                   "topic # both 0\n"
                                   "remote_username me\n"
                                   "round_robin true\n"
                                   "log_type chatty\n"}});
  ASSERT_EQ(c.warnings.size(), 4u);
  EXPECT_EQ(c.warnings[0],
            "x.conf:1: \"persistent_client_expiration\" is not a setting Roost takes from the customize folder; "
            "ignored");
  EXPECT_EQ(c.warnings[1], "x.conf:2: listener ignored: the add-on sets it (use the add-on's options)");
  EXPECT_EQ(c.warnings[2], "x.conf:7: round_robin is not supported by Roost's bridges; ignored");
  EXPECT_EQ(c.warnings[3], "x.conf:8: log_type \"chatty\" is not a log type; ignored");
  EXPECT_TRUE(c.log_types.empty());
  ASSERT_EQ(c.bridges.size(), 1u);  // the block ends at log_type
}

TEST(Customize, ConnectionBlocksBecomeBridges) {
  const auto c = parse_customize({{"bridge.conf",
                                   "connection cloud\n"
                                   "address a.example:8883 b.example\n"
                                   "bridge_protocol_version mqttv50\n"
                                   "remote_clientid house\n"
                                   "remote_username me\n"
                                   "remote_password secret\n"
                                   "cleansession true\n"
                                   "keepalive_interval 30\n"
                                   "restart_timeout 2 20\n"
                                   "bridge_cafile /ssl/ca.pem\n"
                                   "topic sensors/# out 1\n"
                                   "topic # in 2 home/ cloud/\n"
                                   "topic \"\" both 0 local/t remote/t\n"
                                   "connection empty\n"
                                   "topic a out\n"
                                   "log_type all\n"}});
  ASSERT_EQ(c.bridges.size(), 1u);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0], "bridge.conf:14: bridge \"empty\" ignored: it has no address");
  const config::BridgeSettings& b = c.bridges[0];
  EXPECT_EQ(b.name, "cloud");
  ASSERT_EQ(b.addresses.size(), 2u);
  EXPECT_EQ(b.addresses[0].host, "a.example");
  EXPECT_EQ(b.addresses[0].port, 8883);
  EXPECT_EQ(b.addresses[1].port, 1883);
  EXPECT_EQ(b.protocol, "mqttv5");
  EXPECT_EQ(b.remote_clientid, "house");
  EXPECT_EQ(b.remote_password, "secret");
  EXPECT_TRUE(b.clean_start);
  EXPECT_EQ(b.keepalive, 30);
  EXPECT_EQ(b.restart_timeout, 2u);
  EXPECT_EQ(b.restart_timeout_max, 20u);
  ASSERT_TRUE(b.tls);
  EXPECT_EQ(b.tls->cafile, "/ssl/ca.pem");
  ASSERT_EQ(b.topics.size(), 3u);
  EXPECT_EQ(b.topics[0].pattern, "sensors/#");
  EXPECT_EQ(b.topics[0].qos, 1);
  EXPECT_EQ(b.topics[1].direction, config::BridgeTopic::Direction::kIn);
  EXPECT_EQ(b.topics[1].local_prefix, "home/");
  EXPECT_EQ(b.topics[1].remote_prefix, "cloud/");
  EXPECT_EQ(b.topics[2].pattern, "");
  EXPECT_EQ(b.topics[2].remote_prefix, "remote/t");
  EXPECT_EQ(c.log_types, std::vector<std::string>{"all"});
}

}  // namespace
}  // namespace roost::addon
