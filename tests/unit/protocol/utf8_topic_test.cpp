// UTF-8 validation [MQTT-1.5.4] and topic name / filter rules [MQTT-4.7], [MQTT-4.8.2].

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "protocol/topic.hpp"
#include "protocol/utf8.hpp"

namespace roost::protocol {
namespace {

// A deliberately plain reference: decode each code point per RFC 3629.
Utf8Status reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      n = 1;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      n = 2;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      n = 3;
    } else {
      return Utf8Status::kIllFormed;
    }
    if (i + n >= s.size() && n > 0) return Utf8Status::kIllFormed;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return Utf8Status::kIllFormed;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Utf8Status::kIllFormed;
    if (cp == 0) return Utf8Status::kNullCharacter;
    i += n + 1;
  }
  return Utf8Status::kValid;
}

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_EQ(check_utf8(""), Utf8Status::kValid);
  EXPECT_EQ(check_utf8("home/living room/temperature"), Utf8Status::kValid);
  EXPECT_EQ(check_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"), Utf8Status::kValid);
  // Control characters and non-characters: SHOULD NOT, accepted [MQTT-1.5.4].
  EXPECT_EQ(check_utf8("\x01\x1F\x7F \xEF\xBF\xBF"), Utf8Status::kValid);
  // A byte order mark is a character like any other [MQTT-1.5.4-3].
  EXPECT_EQ(check_utf8("\xEF\xBB\xBFtopic"), Utf8Status::kValid);
}

TEST(Utf8, RejectsIllFormedSequences) {  // [MQTT-1.5.4-1]
  for (const char* bad :
       {"\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xF0\x80\x80\x80", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80",
        "\xF5\x80\x80\x80", "\xFF", "\x80", "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xC3\x28", "\xE2\x28\xA1"}) {
    EXPECT_EQ(check_utf8(bad), Utf8Status::kIllFormed) << testing::PrintToString(std::string(bad));
  }
}

TEST(Utf8, RejectsNullCharacter) {  // [MQTT-1.5.4-2]
  EXPECT_EQ(check_utf8(std::string_view("a\0b", 3)), Utf8Status::kNullCharacter);
}

TEST(Utf8, FastPathFindsABadByteAtEveryPosition) {
  // The validator checks 8 ASCII bytes at a time: a bad byte must be found
  // wherever it sits in the word.
  for (std::size_t pos = 0; pos < 24; ++pos) {
    std::string s(24, 'a');
    s[pos] = '\0';
    EXPECT_EQ(check_utf8(s), Utf8Status::kNullCharacter) << pos;
    s[pos] = '\x80';
    EXPECT_EQ(check_utf8(s), Utf8Status::kIllFormed) << pos;
    s[pos] = '\x7F';
    EXPECT_EQ(check_utf8(s), Utf8Status::kValid) << pos;
  }
}

TEST(Utf8, MatchesAReferenceDecoderOnRandomBytes) {
  std::mt19937 rng(42);
  // Bytes drawn mostly from the interesting ranges.
  const unsigned char pool[] = {0x00, 0x01, 'a',  0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                                0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  for (int i = 0; i < 200'000; ++i) {
    std::string s(std::uniform_int_distribution<int>(0, 12)(rng), '\0');
    for (char& c : s) c = static_cast<char>(pool[std::uniform_int_distribution<std::size_t>(0, sizeof pool - 1)(rng)]);
    const Utf8Status expected = reference_utf8(s);
    ASSERT_EQ(check_utf8(s), expected) << testing::PrintToString(s);
  }
}

TEST(TopicName, WildcardsAndEmptyNamesAreInvalid) {  // [MQTT-3.3.2-2], [MQTT-4.7.3-1]
  EXPECT_TRUE(is_valid_topic_name("a"));
  EXPECT_TRUE(is_valid_topic_name("/"));
  EXPECT_TRUE(is_valid_topic_name("$SYS/broker/uptime"));
  EXPECT_TRUE(is_valid_topic_name("a//b"));
  EXPECT_FALSE(is_valid_topic_name(""));
  EXPECT_FALSE(is_valid_topic_name("a/+"));
  EXPECT_FALSE(is_valid_topic_name("a/#"));
  EXPECT_FALSE(is_valid_topic_name("a+b"));
}

TEST(TopicName, WildcardFoundAtEveryPosition) {
  // has_wildcard scans eight bytes at a time: check each position of a word
  // and of the tail, and bytes that differ from '+'/'#' only in the high bit.
  for (std::size_t pos = 0; pos < 21; ++pos) {
    for (const char c : {'+', '#'}) {
      std::string s(21, 'a');
      s[pos] = c;
      EXPECT_TRUE(has_wildcard(s)) << pos << c;
      EXPECT_FALSE(is_valid_topic_name(s)) << pos << c;
    }
    std::string high(21, 'a');
    high[pos] = '\xAB';
    high[(pos + 1) % 21] = '\xA3';
    high[(pos + 2) % 21] = '\x2A';  // '*', next to '+'
    EXPECT_FALSE(has_wildcard(high)) << pos;
  }
}

TEST(TopicFilter, WildcardPlacement) {  // [MQTT-4.7.1-1], [MQTT-4.7.1-2]
  for (const char* ok : {"#", "+", "a/#", "a/+", "+/+", "+/b/#", "/#", "/+/", "a//b", "$SYS/#", "sport/tennis/+"}) {
    EXPECT_TRUE(is_valid_topic_filter(ok)) << ok;
  }
  for (const char* bad : {"", "a#", "#a", "a/#/b", "a/b#", "a+", "+a", "a/+b", "##", "++", "a/#/"}) {
    EXPECT_FALSE(is_valid_topic_filter(bad)) << bad;
  }
}

TEST(SharedFilter, SplitsNameAndFilter) {  // [MQTT-4.8.2-1], [MQTT-4.8.2-2]
  auto s = parse_shared_filter("$share/consumer1/sport/tennis/+");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->share_name, "consumer1");
  EXPECT_EQ(s->filter, "sport/tennis/+");
  auto leading_slash = parse_shared_filter("$share/consumer1//finance");  // the spec's own example
  ASSERT_TRUE(leading_slash.has_value());
  EXPECT_EQ(leading_slash->filter, "/finance");
  EXPECT_FALSE(parse_shared_filter("sport/#").has_value());
  for (const char* bad :
       {"$share/", "$share/g", "$share/g/", "$share//a", "$share/g+/a", "$share/#/a", "$share/g/a#"}) {
    EXPECT_FALSE(parse_shared_filter(bad).has_value()) << bad;
  }
  EXPECT_TRUE(is_shared_filter("$share/g/a"));
  EXPECT_FALSE(is_shared_filter("$shared/g/a"));
}

}  // namespace
}  // namespace roost::protocol
