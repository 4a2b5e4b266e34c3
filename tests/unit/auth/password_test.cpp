// Password hashes in every format Roost reads, password files, and the
// edits `roost passwd` makes. Vectors come from mosquitto_passwd 2.0.11,
// Mosquitto 1.x's $6$ format, the Home Assistant add-on's documentation
// (go-auth's `pw -p foo`) and Python's hashlib.

#include <gtest/gtest.h>

#include "auth/password_file.hpp"
#include "auth/password_hash.hpp"
#include "cli/passwd.hpp"
#include "core/base64.hpp"

namespace roost::auth {
namespace {

TEST(Base64, RoundTripsEveryLengthAndRefusesNonCanonicalText) {
  std::vector<std::uint8_t> bytes;
  for (int n = 0; n < 70; ++n) {
    const std::string padded = core::base64_encode(bytes);
    const std::string bare = core::base64_encode(bytes, false);
    EXPECT_EQ(core::base64_decode(padded), bytes);
    EXPECT_EQ(core::base64_decode(bare), bytes);
    bytes.push_back(static_cast<std::uint8_t>(n * 37));
  }
  EXPECT_EQ(core::base64_encode(core::as_bytes("foobar")), "Zm9vYmFy");  // RFC 4648 10
  EXPECT_EQ(core::base64_encode(core::as_bytes("fo")), "Zm8=");
  EXPECT_FALSE(core::base64_decode("Zm9v!mFy"));  // outside the alphabet
  EXPECT_FALSE(core::base64_decode("Zm9vY"));     // a dangling character
  EXPECT_FALSE(core::base64_decode("Zm9="));      // bits left over
  EXPECT_FALSE(core::base64_decode("Zm8=="));     // padding that does not complete a group
}

struct Vector {
  const char* name;
  const char* stored;
  const char* password;
};

class KnownHashes : public ::testing::TestWithParam<Vector> {};

TEST_P(KnownHashes, VerifyTheirPasswordAndNothingElse) {
  const auto hash = PasswordHash::parse(GetParam().stored);
  ASSERT_TRUE(hash) << hash.error();
  EXPECT_TRUE(hash->verify(GetParam().password));
  EXPECT_FALSE(hash->verify(std::string(GetParam().password) + "x"));
  EXPECT_FALSE(hash->verify(""));
  // Written back as it was read.
  EXPECT_EQ(hash->to_string(), GetParam().stored);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, KnownHashes,
    ::testing::Values(
        Vector{"mosquitto_passwd_2",
               "$7$101$Jp1mmn2hJw1z6tOU$MODVFXwcnlALlEskYXtDxDmFyd6YvqO/J7DVkUIO9h8yLwW7nUyHxoGEzOiwuzPB/94EEjKohpAE/"
               "dKuCdSGrw==",
               "x"},
        Vector{"mosquitto_1_sha512",
               "$6$6007hMJzgwVJmU1t$rEjIAqI4TLdQOmzObYPdXK0lYCvShssrjIGl4lilG7C8lGK0ssu2CP79B8ztwZYjeBTKb5qgu+"
               "hcWppUeoakWQ==",
               "pass6"},
        Vector{"home_assistant_docs",
               "PBKDF2$sha512$100000$qsU7xQ8YCV/9nRuBBJVTxA==$jqw94Ej3aEr97UofY6rClmVCRkTdDiubQW0A6ZYmUI+pZjW9Hax+"
               "2w2FeYB3y5ut1SliB7+HAwIl2iONLKkohw==",
               "foo"},
        Vector{"go_auth_sha256",
               "PBKDF2$sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg==$uC1dEYaMSDURPKCAPG3qSFfM5mEQvzRAOwAeZKy7qEE=", "pw256"},
        Vector{"phc",
               "pbkdf2-sha512$i=1000,l=64$MDEyMzQ1Njc4OWFiY2RlZg$"
               "U3puKzuFRIYghRRKVkOEoQkUWk1k2mHn1m6IFRh1Io85Rci3qcQVgiWCuBHrJ1tWPRQh8TTdHIPx6vYVlH3Sww",
               "phc-pass"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(PasswordHash, APhcStringWithItsLeadingDollarIsRead) {
  const auto hash = PasswordHash::parse(
      "$pbkdf2-sha512$i=1000,l=64$MDEyMzQ1Njc4OWFiY2RlZg$"
      "U3puKzuFRIYghRRKVkOEoQkUWk1k2mHn1m6IFRh1Io85Rci3qcQVgiWCuBHrJ1tWPRQh8TTdHIPx6vYVlH3Sww");
  ASSERT_TRUE(hash) << hash.error();
  EXPECT_TRUE(hash->verify("phc-pass"));
}

TEST(PasswordHash, MadeHashesVerifyAndDiffer) {
  const PasswordHash a = PasswordHash::make("secret", 50);
  const PasswordHash b = PasswordHash::make("secret", 50);
  EXPECT_TRUE(a.verify("secret"));
  EXPECT_FALSE(a.verify("Secret"));
  EXPECT_NE(a.to_string(), b.to_string());  // a fresh salt each time
  EXPECT_TRUE(a.to_string().starts_with("$7$50$"));
  const auto again = PasswordHash::parse(a.to_string());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->verify("secret"));
}

TEST(PasswordHash, MalformedHashesSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"plaintext", "not a known password hash"},
      {"$7$abc$AAAA$AAAA", "iteration count is not a number"},
      {"$7$0$AAAA$AAAA", "between 1 and"},
      {"$7$99999999999$AAAA$AAAA", "iteration count"},
      {"$7$10$!!!!$AAAA", "salt is not base64"},
      {"$7$10$AAAA$AAAA", "not 64 bytes"},
      {"$7$10$AAAA", "has the form"},
      {"$6$AAAA$AAAA$AAAA", "has the form"},
      {"PBKDF2$md5$10$AAAA$AAAA", "unknown digest"},
      {"pbkdf2-sha512$x=1$AAAA$AAAA", "unknown parameter"},
      {"pbkdf2-sha512$i=10,l=12$AAAA$AAAA", "not as long as its l="},
  };
  for (const auto& [text, why] : cases) {
    const auto hash = PasswordHash::parse(text);
    ASSERT_FALSE(hash) << text;
    EXPECT_NE(hash.error().find(why), std::string::npos) << text << ": " << hash.error();
  }
}

TEST(PasswordFile, ReadsUsersSkipsCommentsAndBlankLinesAndKeepsWhatWasStored) {
  const std::string alice = PasswordHash::make("a", 10).to_string();
  const std::string bob = PasswordHash::make("b", 10).to_string();
  const auto file = PasswordFile::parse("# users\n\nalice:" + alice + "\r\n  # indented comment\nbob:" + bob, "pw");
  ASSERT_TRUE(file) << file.error();
  EXPECT_EQ(file->size(), 2u);
  ASSERT_NE(file->find("alice"), nullptr);
  EXPECT_TRUE(file->find("alice")->hash.verify("a"));
  EXPECT_EQ(file->find("bob")->stored, bob);
  EXPECT_EQ(file->find("carol"), nullptr);
}

TEST(PasswordFile, EveryBadLineIsReportedWithItsNumber) {
  const std::string ok = PasswordHash::make("a", 10).to_string();
  const auto file = PasswordFile::parse("alice:" + ok + "\nbob\n:" + ok + "\ncarol:nothash\nalice:" + ok + "\n", "pw");
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().find("pw:2: user \"bob\" has no password hash"), std::string::npos) << file.error();
  EXPECT_NE(file.error().find("pw:3: a line without a user name"), std::string::npos);
  EXPECT_NE(file.error().find("pw:4: user \"carol\""), std::string::npos);
  EXPECT_NE(file.error().find("pw:5: user \"alice\" is listed twice"), std::string::npos);
}

TEST(PasswdEdit, AddsReplacesDeletesAndKeepsCommentsAndOrder) {
  cli::PasswdEdit add{cli::PasswdOp::kSet, "bob", "pw", false, 10};
  auto text = cli::edit_password_text("# mine\nalice:" + PasswordHash::make("a", 10).to_string() + "\n", add);
  ASSERT_TRUE(text) << text.error();
  EXPECT_TRUE(text->starts_with("# mine\nalice:"));
  auto file = PasswordFile::parse(*text, "t");
  ASSERT_TRUE(file) << file.error();
  EXPECT_TRUE(file->find("bob")->hash.verify("pw"));
  add.password = "new";
  text = cli::edit_password_text(*text, add);
  file = PasswordFile::parse(*text, "t");
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->find("bob")->hash.verify("new"));
  EXPECT_EQ(file->size(), 2u);
  text = cli::edit_password_text(*text, cli::PasswdEdit{cli::PasswdOp::kDelete, "alice", "", false, 10});
  file = PasswordFile::parse(*text, "t");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->find("alice"), nullptr);
  EXPECT_TRUE(text->starts_with("# mine\nbob:"));
  EXPECT_FALSE(cli::edit_password_text(*text, cli::PasswdEdit{cli::PasswdOp::kDelete, "zed", "", false, 10}));
  EXPECT_FALSE(cli::edit_password_text("", cli::PasswdEdit{cli::PasswdOp::kSet, "a:b", "x", false, 10}));
}

TEST(PasswdEdit, UpgradeHashesPlainPasswordsOnceAndTheOldFormatVerifies) {
  cli::PasswdEdit upgrade{cli::PasswdOp::kUpgrade, "", "", false, 20};
  const auto once = cli::edit_password_text("alice:plain one\nbob:two\n", upgrade);
  ASSERT_TRUE(once);
  const auto twice = cli::edit_password_text(*once, upgrade);
  ASSERT_TRUE(twice);
  EXPECT_EQ(*once, *twice);  // hashed lines are left alone
  const auto file = PasswordFile::parse(*twice, "t");
  ASSERT_TRUE(file) << file.error();
  EXPECT_TRUE(file->find("alice")->hash.verify("plain one"));
  EXPECT_TRUE(file->find("bob")->hash.verify("two"));
  cli::PasswdEdit old{cli::PasswdOp::kSet, "carol", "c", true, 1};
  const auto sha = cli::edit_password_text("", old);
  ASSERT_TRUE(sha);
  EXPECT_TRUE(sha->starts_with("carol:$6$"));
  EXPECT_TRUE(PasswordFile::parse(*sha, "t")->find("carol")->hash.verify("c"));
}

}  // namespace
}  // namespace roost::auth
