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

TEST(Customize, UnknownDirectivesAndBridgesAreWarningsWithFileAndLine) {
  const auto c = parse_customize({{"x.conf",
                                   "persistent_client_expiration 1d\n"
                                   "listener 1885\n"
                                   "connection cloud\n"
                                   "address cloud.example:8883\n"
                                   "topic # both 0\n"
                                   "remote_username me\n"
                                   "log_type chatty\n"}});
  ASSERT_EQ(c.warnings.size(), 4u);
  EXPECT_EQ(c.warnings[0],
            "x.conf:1: \"persistent_client_expiration\" is not a setting Roost takes from the customize folder; "
            "ignored");
  EXPECT_EQ(c.warnings[1], "x.conf:2: listener ignored: the add-on sets it (use the add-on's options)");
  EXPECT_EQ(c.warnings[2].rfind("x.conf:3: bridge \"cloud\" ignored", 0), 0u) << c.warnings[2];
  EXPECT_EQ(c.warnings[3], "x.conf:7: log_type \"chatty\" is not a log type; ignored");
  EXPECT_TRUE(c.log_types.empty());
}

}  // namespace
}  // namespace roost::addon
