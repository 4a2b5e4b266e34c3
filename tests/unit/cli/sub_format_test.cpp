// `roost sub`'s output against golden bytes recorded from mosquitto_sub
// 2.0.11 (Debian 12, cJSON 1.7.15). Each expectation names the commands that
// produced it, run against mosquitto 2.0.11 on 127.0.0.1 (`-p PORT` left
// out), mosquitto_sub with `-C 1`. Time fields were recorded with the
// subscriber's clock frozen by libfaketime:
//   TZ=UTC FAKETIME='2026-12-03 17:20:52.123456789'
//     LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 mosquitto_sub ...
// which is kArrival below. Cases marked "stub" came from a scripted server
// that answered mosquitto_sub's CONNECT and SUBSCRIBE and then sent the
// PUBLISH described (Mosquitto never sends some of them, such as a Topic
// Alias); mosquitto_sub ran there as `mosquitto_sub -V 5 -t '#' -C 1 ...`.

#include "cli/sub_format.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace roost::cli {
namespace {

using namespace std::literals;

// 2026-12-03T17:20:52.123456789Z
constexpr Arrival kArrival{1796318452, 123456789};
constexpr std::string_view kTst = "\"tst\":\"2026-12-03T17:20:52.123456Z+0000\"";

// Local time is UTC in these tests, as it was for the recordings.
class SubFormat : public ::testing::Test {
 protected:
  void SetUp() override { set_tz("UTC"); }
  void TearDown() override {
    if (saved_tz_) {
      set_tz(saved_tz_->c_str());
    } else {
      ::unsetenv("TZ");
      ::tzset();
    }
  }
  static void set_tz(const char* tz) {
    ::setenv("TZ", tz, 1);
    ::tzset();
  }

  static ReceivedMessage message(std::string_view payload, std::string_view topic = "a/b") {
    ReceivedMessage m;
    m.topic = topic;
    m.payload = payload;
    return m;
  }
  static OutputOptions format(std::string f) {
    OutputOptions o;
    o.format = std::move(f);
    return o;
  }
  // What mosquitto_sub would write to stdout; stderr goes to err_.
  std::string print(const OutputOptions& o, const ReceivedMessage& m, Arrival now = kArrival) {
    std::string out;
    err_.clear();
    format_message(o, m, now, out, err_);
    return out;
  }
  // The JSON object %j prints for `m`, from after "tst" to the end.
  std::string json(const ReceivedMessage& m, bool pretty = false, const char* f = "%j") {
    OutputOptions o = format(f);
    o.pretty = pretty;
    return print(o, m);
  }

  std::string err_;

 private:
  std::optional<std::string> saved_tz_ =
      std::getenv("TZ") ? std::optional<std::string>(std::getenv("TZ")) : std::nullopt;
};

// A message as mosquitto 2.0.11 forwards it after
//   mosquitto_pub -t a/b -V 5 -D publish content-type text/x -D publish response-topic r/t
//     -D publish correlation-data cd1 -D publish message-expiry-interval 100
//     -D publish payload-format-indicator 1 -D publish user-property k1 v1
//     -D publish user-property k2 v2 -m hi
// (it keeps the publisher's order and moves Message Expiry last).
ReceivedMessage with_properties() {
  ReceivedMessage m;
  m.topic = "a/b";
  m.payload = "hi";
  m.content_type = "text/x";
  m.response_topic = "r/t";
  m.correlation_data = "cd1";
  m.message_expiry_interval = 100;
  m.payload_format_indicator = 1;
  m.user_properties = {{"k1", "v1"}, {"k2", "v2"}};
  m.property_order = {0x03, 0x08, 0x09, 0x01, 0x26, 0x26, 0x02};
  return m;
}

TEST_F(SubFormat, DefaultPrintsThePayloadAndANewlineAndNothingForAnEmptyPayload) {
  OutputOptions o;
  EXPECT_EQ(print(o, message("hello")), "hello\n");  // sub: -t a/b    pub: -t a/b -m hello
  EXPECT_EQ(print(o, message("")), "");              // sub: -t a/b    pub: -t a/b -n
  // sub: -t a/b    pub: -t a/b -s < (printf '\0\1\377\n')
  EXPECT_EQ(print(o, message("\x00\x01\xff\n"sv)), "\x00\x01\xff\n\n"sv);
  o.eol = false;
  EXPECT_EQ(print(o, message("hello")), "hello");  // sub: -t a/b -N    pub: -t a/b -m hello
  EXPECT_EQ(print(o, message("")), "");            // sub: -t a/b -N    pub: -t a/b -n
}

TEST_F(SubFormat, VerbosePrintsTopicSpacePayloadAndNullForAnEmptyPayload) {
  OutputOptions o;
  o.verbose = true;
  EXPECT_EQ(print(o, message("hello")), "a/b hello\n");  // sub: -t a/b -v    pub: -t a/b -m hello
  EXPECT_EQ(print(o, message("")), "a/b (null)\n");      // sub: -t a/b -v    pub: -t a/b -n
  o.eol = false;
  EXPECT_EQ(print(o, message("hello")), "a/b hello");  // sub: -t a/b -v -N    pub: -t a/b -m hello
  EXPECT_EQ(print(o, message("")), "");                // sub: -t a/b -v -N    pub: -t a/b -n: nothing at all
}

TEST_F(SubFormat, FormatPrintsMessageFieldsAndIgnoresVerbose) {
  // sub: -t a/b -F '%t|%p|%q|%r|%m|%l|%x|%X|%%'    pub: -t a/b -m 'hi there'
  EXPECT_EQ(print(format("%t|%p|%q|%r|%m|%l|%x|%X|%%"), message("hi there")),
            "a/b|hi there|0|0|0|8|6869207468657265|6869207468657265|%\n");
  ReceivedMessage m = message("hi");
  m.qos = 1;
  m.packet_id = 1;
  EXPECT_EQ(print(format("%q %m %r"), m), "1 1 0\n");  // sub: -t a/b -q 1 -F '%q %m %r'    pub: -t a/b -q 1 -m hi
  m.qos = 2;
  m.retain = true;
  m.packet_id = 65535;
  EXPECT_EQ(print(format("%q %r %m"), m), "2 1 65535\n");  // stub, QoS 2, retain, packet id 65535; sub -q 2
  // sub: -t a/b -F '%p|%x|%X|%l'    pub: -t a/b -s < (printf '\0\1\253\377')
  EXPECT_EQ(print(format("%p|%x|%X|%l"), message("\x00\x01\xab\xff"sv)), "\x00\x01\xab\xff|0001abff|0001ABFF|4\n"sv);
  EXPECT_EQ(print(format("x=%p; lx"), message("p")), "x=p; lx\n");  // sub: -t a/b -F 'x=%p; lx'    pub: -m p
  EXPECT_EQ(print(format("%lx"), message("abc")), "3x\n");          // sub: -t a/b -F %lx    pub: -t a/b -m abc
  EXPECT_EQ(print(format("%p"), message("")), "\n");                // sub: -t a/b -F %p    pub: -t a/b -n
  EXPECT_EQ(print(format(""), message("p")), "\n");                 // sub: -t a/b -F ''    pub: -t a/b -m p
  OutputOptions o = format("%p");
  o.verbose = true;
  EXPECT_EQ(print(o, message("p")), "p\n");  // sub: -t a/b -v -F %p    pub: -t a/b -m p
  o.eol = false;
  EXPECT_EQ(print(o, message("p")), "p");  // sub: -t a/b -N -F %p    pub: -t a/b -m p
  o.format = "";
  EXPECT_EQ(print(o, message("p")), "");  // sub: -t a/b -F '' -N -W 1    pub: -t a/b -m p
}

TEST_F(SubFormat, WidthPrecisionAndFlagsFollowMosquittosPrintfCalls) {
  // sub: -t a/b -F '[%10t][%-10t][%.1t][%5.1t][%-5.1t][%010t][%.t][%5.t][%-t]'    pub: -t a/b -m x
  EXPECT_EQ(print(format("[%10t][%-10t][%.1t][%5.1t][%-5.1t][%010t][%.t][%5.t][%-t]"), message("x")),
            "[       a/b][a/b       ][a][    a][a    ][       a/b][][     ][a/b]\n");
  // sub: -t a/b -F '[%5l][%-5l][%05l][%-05l][%5m][%05m][%5q][%5r][%5%][%-l]'    pub: -t a/b -m hello
  EXPECT_EQ(print(format("[%5l][%-5l][%05l][%-05l][%5m][%05m][%5q][%5r][%5%][%-l]"), message("hello")),
            "[    5][5    ][00005][5    ][    0][00000][0][0][%][5]\n");
}

TEST_F(SubFormat, PayloadWidthTruncatesAndHexWidthKeepsHalfAsMosquittoDoes) {
  // A width is also a maximum for %p; for %x it keeps width/2 bytes of what
  // fits; "%-p" with no width pads with one blank per byte.
  // sub: -t a/b -F '[%10p][%-10p][%3p][%.1p][%03p][%010p][%5.0p][%-p]'    pub: -t a/b -m hello
  EXPECT_EQ(print(format("[%10p][%-10p][%3p][%.1p][%03p][%010p][%5.0p][%-p]"), message("hello")),
            "[     hello][hello     ][hel][hello][hel][00000hello][hello][hello     ]\n");
  // sub: -t a/b -F '[%10x][%-10x][%4x][%3x][%010X][%1x][%-x][%12x]'    pub: -t a/b -m hello
  EXPECT_EQ(print(format("[%10x][%-10x][%4x][%3x][%010X][%1x][%-x][%12x]"), message("hello")),
            "[      6865][6865      ][6865][ 68][0000006865][ ][68656c6c6f     ][        6865]\n");
  // sub: -t a/b -F '[%p][%x][%l][%5p][%-5x]'    pub: -t a/b -n
  EXPECT_EQ(print(format("[%p][%x][%l][%5p][%-5x]"), message("")), "[][][0][     ][     ]\n");
}

TEST_F(SubFormat, BackslashEscapes) {
  // sub: -t a/b -F '\\|\0|\a|\e|\n|\r|\t|\v|'    pub: -t a/b -m p
  EXPECT_EQ(print(format("\\\\|\\0|\\a|\\e|\\n|\\r|\\t|\\v|"), message("p")), "\\|\x00|\a|\x1b|\n|\r|\t|\v|\n"sv);
}

TEST_F(SubFormat, Mqtt5PropertyFields) {
  // sub: -t a/b -V 5 -F 'C=%C|D=%D|E=%E|F=%F|R=%R|S=%S|A=%A|P=%P|'    pub: see with_properties()
  EXPECT_EQ(print(format("C=%C|D=%D|E=%E|F=%F|R=%R|S=%S|A=%A|P=%P|"), with_properties()),
            "C=text/x|D=cd1|E=100|F=1|R=r/t|S=|A=|P=k1:v1 k2:v2|\n");
  // sub: the same    pub: -t a/b -V 5 -m hi
  EXPECT_EQ(print(format("C=%C|D=%D|E=%E|F=%F|R=%R|S=%S|A=%A|P=%P|"), message("hi")), "C=|D=|E=|F=|R=|S=|A=|P=|\n");
  // sub: -t a/b -V 5 -F '[%8C][%-8C][%.2C][%8R][%-8R][%.2R][%5E][%-5E][%05E][%3F][%5D][%5P]'    pub: with_properties()
  EXPECT_EQ(print(format("[%8C][%-8C][%.2C][%8R][%-8R][%.2R][%5E][%-5E][%05E][%3F][%5D][%5P]"), with_properties()),
            "[  text/x][text/x  ][te][     r/t][r/t     ][r/][  100][100  ][00100][  1][cd1][k1:v1 k2:v2]\n");
  ReceivedMessage m = message("hi");
  m.subscription_identifiers = {7};
  // sub: -t a/b -V 5 -D subscribe subscription-identifier 7 -F '[%S][%5S][%05S][%-5S]'    pub: -t a/b -V 5 -m hi
  EXPECT_EQ(print(format("[%S][%5S][%05S][%-5S]"), m), "[7][    7][00007][7    ]\n");
  m.subscription_identifiers = {};
  m.message_expiry_interval = 4294967295;
  // Printed as an int. sub: -t a/b -V 5 -F '%E|%5E|%05E|%-12E|'
  // pub: -t a/b -V 5 -D publish message-expiry-interval 4294967295 -m hi
  EXPECT_EQ(print(format("%E|%5E|%05E|%-12E|"), m), "-1|   -1|-0001|-1          |\n");
  m.message_expiry_interval = std::nullopt;
  m.topic_alias = 6;
  // stub, Topic Alias 6; sub: -F '[%A][%5A][%-5A][%05A]' -D connect topic-alias-maximum 10
  EXPECT_EQ(print(format("[%A][%5A][%-5A][%05A]"), m), "[6][    6][6    ][00006]\n");
}

TEST_F(SubFormat, AbsentPropertiesLeaveTheirWidthBlankOrZeroExceptSome) {
  // %D, %R and %P print nothing at all when absent; numbers honour the 0 flag.
  // sub: -t a/b -V 5 -F '[%5C][%5D][%5E][%5F][%5R][%5S][%5A][%5P][%05C][%05E][%05F][%05R][%05S][%05A][%-05E][%-5F]'
  // pub: -t a/b -V 5 -m hi
  EXPECT_EQ(print(format("[%5C][%5D][%5E][%5F][%5R][%5S][%5A][%5P][%05C][%05E][%05F][%05R][%05S][%05A][%-05E][%-5F]"),
                  message("hi")),
            "[     ][][     ][     ][][     ][     ][][     ][00000][00000][][00000][00000][00000][     ]\n");
}

TEST_F(SubFormat, CorrelationDataIsRawInDButCutAtNulAndEscapedInJson) {
  ReceivedMessage m = message("hi");
  m.correlation_data = "a\x01\x08\t\n\x0c\r\x1f\x7f\"\\/\xff\xc3\xa9z\x00q"sv;
  // stub, Correlation Data 61 01 08 09 0a 0c 0d 1f 7f 22 5c 2f ff c3 a9 7a 00 71; sub: -F '%D|%j'
  EXPECT_EQ(print(format("%D|%j"), m),
            "a\x01\x08\t\n\x0c\r\x1f\x7f\"\\/\xff\xc3\xa9z\x00q|{"s + std::string(kTst) +
                ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"properties\":{\"correlation-data\":"
                "\"a\\u0001\\b\\t\\n\\f\\r\\u001f\x7f\\\"\\\\/\xff\xc3\xa9z\"},\"payload\":\"hi\"}\n");
}

TEST_F(SubFormat, TimeFieldsUseTheArrivalInLocalTime) {
  // sub: -t a/b -F '@Y-@m-@dT@H:@M:@S.@N|@@|@a @b @e @j @y @Z @z @s|@Q|@%|@E'    pub: -t a/b -m hi
  EXPECT_EQ(print(format("@Y-@m-@dT@H:@M:@S.@N|@@|@a @b @e @j @y @Z @z @s|@Q|@%|@E"), message("hi")),
            "2026-12-03T17:20:52.123456789|@|Thu Dec  3 337 26 UTC +0000 1796318452|%Q|%|%E\n");
  // sub: -t a/b -F '@c|@x|@X|@D|@r|@p|@I|@l|@k|@C|@G|@g|@V|@U|@W|@u|@w|@h|@A|@B'    pub: -t a/b -m x
  EXPECT_EQ(print(format("@c|@x|@X|@D|@r|@p|@I|@l|@k|@C|@G|@g|@V|@U|@W|@u|@w|@h|@A|@B"), message("x")),
            "Thu Dec  3 17:20:52 2026|12/03/26|17:20:52|12/03/26|05:20:52 PM|PM|05| 5|17|20|2026|26|49|48|48|4|4|Dec|"
            "Thursday|December\n");
  // sub: -t a/b -F '%I|%30I|%-30I|%.10I|%U|%5U'    pub: -t a/b -m hi
  EXPECT_EQ(print(format("%I|%30I|%-30I|%.10I|%U|%5U"), message("hi")),
            "2026-12-03T17:20:52+0000|      2026-12-03T17:20:52+0000|2026-12-03T17:20:52+0000      |2026-12-03|"
            "1796318452.123456789|1796318452.123456789\n");
  // Leading zeros; %j truncates to microseconds.
  // FAKETIME='2026-12-03 17:20:52.000005' (which libfaketime made .000004999) ... sub: -t a/b -F '@N %U|%j'
  EXPECT_EQ(print(format("@N %U|%j"), message("x"), Arrival{1796318452, 4999}),
            "000004999 1796318452.000004999|{\"tst\":\"2026-12-03T17:20:52.000004Z+0000\",\"topic\":\"a/b\",\"qos\":0,"
            "\"retain\":0,\"payloadlen\":1,\"payload\":\"x\"}\n");
}

TEST_F(SubFormat, TimeFieldsFollowTheTimeZone) {
  set_tz("EST5");
  // TZ=EST5 FAKETIME='2026-12-03 17:20:52.123456789' ... sub: -t a/b -F '@H:@M @z @Z|%I|%U|%j'    pub: -m '[]'
  EXPECT_EQ(
      print(format("@H:@M @z @Z|%I|%U|%j"), message("[]"), Arrival{1796336452, 123456789}),
      "17:20 -0500 EST|2026-12-03T17:20:52-0500|1796336452.123456789|{\"tst\":\"2026-12-03T17:20:52.123456Z-0500\","
      "\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":\"[]\"}\n");
}

TEST_F(SubFormat, JsonListsTheMessageWithAnEscapedPayload) {
  // sub: -t a/b -F %j    pub: -t a/b -m hello
  EXPECT_EQ(
      json(message("hello")),
      "{"s + std::string(kTst) + ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":\"hello\"}\n");
  ReceivedMessage m = message("hello");
  m.qos = 1;
  m.packet_id = 1;
  // sub: -t a/b -q 1 -F %j    pub: -t a/b -q 1 -m hello
  EXPECT_EQ(json(m),
            "{"s + std::string(kTst) +
                ",\"topic\":\"a/b\",\"qos\":1,\"retain\":0,\"payloadlen\":5,\"mid\":1,\"payload\":\"hello\"}\n");
  // sub: -t a/b -F %j    pub: -t a/b -n
  EXPECT_EQ(json(message("")), "{"s + std::string(kTst) +
                                   ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}\n");
  // Only control bytes, quote and backslash are escaped; the rest is copied.
  // sub: -t a/b -F %j    pub: -t a/b -m $'q"b\\s/\ttab\x01\x7f\u00e9'
  EXPECT_EQ(
      json(message("q\"b\\s/\ttab\x01\x7f\xc3\xa9")),
      "{"s + std::string(kTst) +
          ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":14,\"payload\":\"q\\\"b\\\\s/\\ttab\\u0001\x7f"
          "\xc3\xa9\"}\n");
  // A payload is printed as a C string. sub: -t a/b -F %j    pub: -t a/b -s < (printf 'ab\0cd')
  EXPECT_EQ(
      json(message("ab\x00"
                   "cd"sv)),
      "{"s + std::string(kTst) + ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\"payload\":\"ab\"}\n");
  // sub: -t a/b -F %j --pretty    pub: -t a/b -m hello
  EXPECT_EQ(
      json(message("hello"), true),
      "{\n\t\"tst\":\t\"2026-12-03T17:20:52.123456Z+0000\",\n\t\"topic\":\t\"a/b\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,"
      "\n\t\"payloadlen\":\t5,\n\t\"payload\":\t\"hello\"\n}\n");
}

TEST_F(SubFormat, JsonListsPropertiesInWireOrder) {
  // sub: -t a/b -V 5 -F %j    pub: see with_properties()
  EXPECT_EQ(
      json(with_properties()),
      "{"s + std::string(kTst) +
          ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"properties\":{\"content-type\":\"text/x\","
          "\"response-topic\":\"r/t\",\"correlation-data\":\"cd1\",\"payload-format-indicator\":1,"
          "\"user-properties\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"message-expiry-interval\":100},\"payload\":\"hi\"}\n");
  // sub: -t a/b -V 5 -F %j --pretty    pub: see with_properties()
  EXPECT_EQ(
      json(with_properties(), true),
      "{\n\t\"tst\":\t\"2026-12-03T17:20:52.123456Z+0000\",\n\t\"topic\":\t\"a/b\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,"
      "\n\t\"payloadlen\":\t2,\n\t\"properties\":\t{\n\t\t\"content-type\":\t\"text/x\",\n\t\t\"response-topic\":\t"
      "\"r/t\",\n\t\t\"correlation-data\":\t\"cd1\",\n\t\t\"payload-format-indicator\":\t1,\n\t\t\"user-properties\":"
      "\t{\n\t\t\t\"k1\":\t\"v1\",\n\t\t\t\"k2\":\t\"v2\"\n\t\t},\n\t\t\"message-expiry-interval\":\t100\n\t},\n\t"
      "\"payload\":\t\"hi\"\n}\n");
  // All User Properties go where the first was, duplicate names kept.
  // sub: -t a/b -V 5 -D subscribe subscription-identifier 9 -F %j
  // pub: -t a/b -V 5 -D publish message-expiry-interval 100 -D publish user-property k1 v1
  //      -D publish payload-format-indicator 1 -D publish content-type text/x -D publish user-property k1 v2 -m hi
  ReceivedMessage m = message("hi");
  m.subscription_identifiers = {9};
  m.user_properties = {{"k1", "v1"}, {"k1", "v2"}};
  m.payload_format_indicator = 1;
  m.content_type = "text/x";
  m.message_expiry_interval = 100;
  m.property_order = {0x0B, 0x26, 0x01, 0x03, 0x26, 0x02};
  EXPECT_EQ(json(m),
            "{"s + std::string(kTst) +
                ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"properties\":{\"subscription-"
                "identifier\":9,\"user-properties\":{\"k1\":\"v1\",\"k1\":\"v2\"},\"payload-format-indicator\":1,"
                "\"content-type\":\"text/x\",\"message-expiry-interval\":100},\"payload\":\"hi\"}\n");
}

TEST_F(SubFormat, JsonWithoutAnOrderListsPropertiesAsRoostWritesThem) {
  // stub, QoS 1 id 7, properties in ascending identifier order: Payload Format
  // Indicator 1, Message Expiry 100, Content Type text/x, Response Topic r/t,
  // Correlation Data cd1, Subscription Identifier 5, User Properties k1=v1 k2=v2; sub: -F %j
  ReceivedMessage m = with_properties();
  m.property_order = {};
  m.qos = 1;
  m.packet_id = 7;
  m.subscription_identifiers = {5};
  EXPECT_EQ(json(m),
            "{"s + std::string(kTst) +
                ",\"topic\":\"a/b\",\"qos\":1,\"retain\":0,\"payloadlen\":2,\"mid\":7,\"properties\":{\"payload-"
                "format-indicator\":1,\"message-expiry-interval\":100,\"content-type\":\"text/x\",\"response-"
                "topic\":\"r/t\",\"correlation-data\":\"cd1\",\"subscription-identifier\":5,\"user-properties\":{"
                "\"k1\":\"v1\",\"k2\":\"v2\"}},\"payload\":\"hi\"}\n");
}

TEST_F(SubFormat, JsonTopicAliasShowsMosquittosStaleValue) {
  // Mosquitto reads it with the wrong identifier: the Correlation Data's
  // length if that came first, else 0.
  ReceivedMessage m = message("hi");
  m.correlation_data = "xyz";
  m.topic_alias = 6;
  m.property_order = {0x09, 0x23};
  // stub, Correlation Data 'xyz' then Topic Alias 6; sub: -F %j -D connect topic-alias-maximum 10
  EXPECT_EQ(json(m),
            "{"s + std::string(kTst) +
                ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"properties\":{\"correlation-data\":"
                "\"xyz\",\"topic-alias\":3},\"payload\":\"hi\"}\n");
  m.correlation_data = "xy";
  m.property_order = {0x23, 0x09};
  // stub, Topic Alias 6 then Correlation Data 'xy'; sub: -F %j -D connect topic-alias-maximum 10
  EXPECT_EQ(json(m), "{"s + std::string(kTst) +
                         ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"properties\":{\"topic-alias\":0,"
                         "\"correlation-data\":\"xy\"},\"payload\":\"hi\"}\n");
}

TEST_F(SubFormat, JsonEscapesStringsAndPrintsLargeNumbersWhole) {
  // stub, topic 'a/"b\Ã©', Content Type 'a"b\cé', Response Topic 'r/"', User Property 'k"\'='vé';
  // sub: -F '%t|%C|%R|%P|%j'
  ReceivedMessage m = message("hi", "a/\"b\\\xc3\x83\xc2\xa9");
  m.content_type = "a\"b\\c\xc3\xa9";
  m.response_topic = "r/\"";
  m.user_properties = {{"k\"\\", "v\xc3\xa9"}};
  EXPECT_EQ(print(format("%t|%C|%R|%P|%j"), m),
            "a/\"b\\\xc3\x83\xc2\xa9|a\"b\\c\xc3\xa9|r/\"|k\"\\:v\xc3\xa9|{"s + std::string(kTst) +
                ",\"topic\":\"a/"
                "\\\"b\\\\\xc3\x83\xc2\xa9\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"properties\":{\"content-"
                "type\":\"a\\\"b\\\\c\xc3\xa9\",\"response-topic\":\"r/"
                "\\\"\",\"user-properties\":{\"k\\\"\\\\\":\"v\xc3\xa9\"}},"
                "\"payload\":\"hi\"}\n");
  // stub, User Property k=a, Subscription Identifier 268435455, User Property k=b,
  // Message Expiry 2147483648, User Property j=c; sub: -F '%P|%S|%j'
  m = message("hi");
  m.user_properties = {{"k", "a"}, {"k", "b"}, {"j", "c"}};
  m.subscription_identifiers = {268435455};
  m.message_expiry_interval = 2147483648U;
  m.property_order = {0x26, 0x0B, 0x26, 0x02, 0x26};
  EXPECT_EQ(print(format("%P|%S|%j"), m),
            "k:a k:b j:c|268435455|{"s + std::string(kTst) +
                ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"properties\":{\"user-properties\":{\"k\":"
                "\"a\",\"k\":\"b\",\"j\":\"c\"},\"subscription-identifier\":268435455,\"message-expiry-interval\":"
                "2147483648},\"payload\":\"hi\"}\n");
  // stub, payload c3 83 c2 a9, Payload Format Indicator 0; sub: -F '%F|%5F|%j'
  m = message("\xc3\x83\xc2\xa9");
  m.payload_format_indicator = 0;
  EXPECT_EQ(
      print(format("%F|%5F|%j"), m),
      "0|    0|{"s + std::string(kTst) +
          ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"properties\":{\"payload-format-indicator\":0}"
          ",\"payload\":\"\xc3\x83\xc2\xa9\"}\n");
}

TEST_F(SubFormat, JsonPayloadIsReprintedByCjson) {
  const std::string head = "{"s + std::string(kTst) + ",\"topic\":\"a/b\",\"qos\":0,\"retain\":0,\"payloadlen\":";
  // pub: -t a/b -m '{"a": 27.0, "b":[1,2.5,-0,1e3,1E-7, true,false,null], "s":"x\u00e9\n\/"}'    sub: -t a/b -F %J
  EXPECT_EQ(json(message(R"({"a": 27.0, "b":[1,2.5,-0,1e3,1E-7, true,false,null], "s":"x\u00e9\n\/"})"), false, "%J"),
            head + "72,\"payload\":{\"a\":27,\"b\":[1,2.5,-0,1000,1e-07,true,false,null],\"s\":\"x\xc3\xa9\\n/\"}}\n");
  EXPECT_EQ(json(message("  42  "), false, "%J"), head + "6,\"payload\":42}\n");  // pub: -m '  42  '
  EXPECT_EQ(json(message(""), false, "%J"), head + "0,\"payload\":null}\n");      // pub: -n
  // pub: -m
  // '[0.30000000000000004,123456789012345678,1e400,1e-400,01,1.,1.5e300,9007199254740993,-0.0,0.1,1e15,1e16,-0.000001]'
  EXPECT_EQ(json(message("[0.30000000000000004,123456789012345678,1e400,1e-400,01,1.,1.5e300,9007199254740993,-0.0,0.1,"
                         "1e15,1e16,-0.000001]"),
                 false, "%J"),
            head +
                "113,\"payload\":[0.3,1.2345678901234568e+17,null,0,1,1,1.5e+300,9.00719925474099e+15,-0,0.1,1e+15,"
                "1e+16,-1e-06]}\n");
  // pub: -m '["\ud83d\ude00","a\u0000b","a\uzzzzb","\b\f\r\t\"\\",$'\x01'"é"]'
  EXPECT_EQ(json(message(R"(["\ud83d\ude00","a\u0000b","a\uzzzzb","\b\f\r\t\"\\",")"
                         "\x01\xc3\xa9\"]"),
                 false, "%J"),
            head + "59,\"payload\":[\"\xf0\x9f\x98\x80\",\"a\",\"a\",\"\\b\\f\\r\\t\\\"\\\\\",\"\\u0001\xc3\xa9\"]}\n");
  // pub: -m '{"a" : 1 , "a":2, "\n":{}}'
  EXPECT_EQ(json(message(R"({"a" : 1 , "a":2, "\n":{}})"), false, "%J"),
            head + "26,\"payload\":{\"a\":1,\"a\":2,\"\\n\":{}}}\n");
  // A byte order mark, and any byte up to space as whitespace. pub: -s < (printf '\357\273\277\1[]\37')
  EXPECT_EQ(json(message("\xef\xbb\xbf\x01[]\x1f"), false, "%J"), head + "7,\"payload\":[]}\n");
  // pub: -t a/b -m '{"a":[{"b":1,"c":[]},{}],"d":{},"e":[1,[2,[]]]}'    sub: -t a/b -F %J --pretty
  EXPECT_EQ(
      json(message(R"({"a":[{"b":1,"c":[]},{}],"d":{},"e":[1,[2,[]]]})"), true, "%J"),
      "{\n\t\"tst\":\t\"2026-12-03T17:20:52.123456Z+0000\",\n\t\"topic\":\t\"a/b\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,"
      "\n\t\"payloadlen\":\t47,\n\t\"payload\":\t{\n\t\t\"a\":\t[{\n\t\t\t\t\"b\":\t1,\n\t\t\t\t\"c\":\t[]\n\t\t\t}, "
      "{\n\t\t\t}],\n\t\t\"d\":\t{\n\t\t},\n\t\t\"e\":\t[1, [2, []]]\n\t}\n}\n");
  // sub: -t a/b -F '%j|%J'    pub: -t a/b -m '[]'
  EXPECT_EQ(print(format("%j|%J"), message("[]")), head + "2,\"payload\":\"[]\"}|" + head + "2,\"payload\":[]}\n");
  // 1000 levels of nesting pass, 1001 do not (pub: -m "$(printf '[%.0s' {1..1000})...")
  EXPECT_EQ(json(message(std::string(1000, '[') + std::string(1000, ']')), false, "%J"),
            head + "2000,\"payload\":" + std::string(1000, '[') + std::string(1000, ']') + "}\n");
  EXPECT_EQ(json(message(std::string(1001, '[') + std::string(1001, ']')), false, "%J"), "\n");
}

TEST_F(SubFormat, JsonPayloadThatIsNotJsonPrintsNothingAndReportsOnStderr) {
  // sub: -t a/b -F '[%J]%t'    pub: -t a/b -m nope
  EXPECT_EQ(print(format("[%J]%t"), message("nope")), "[]a/b\n");
  EXPECT_EQ(err_, "Error: Message payload is not valid JSON on topic a/b.\n");
  OutputOptions quiet = format("[%J]%t");
  quiet.quiet = true;
  EXPECT_EQ(print(quiet, message("nope")), "[]a/b\n");  // sub: -t a/b --quiet -F '[%J]%t'    pub: -m nope
  EXPECT_EQ(err_, "");
  // pub: -m '{"a":1} x', -s < (printf '{}\0'), and the cases cJSON refuses
  for (const std::string_view bad : {"{\"a\":1} x"sv, "{}\x00"sv,      "-"sv,
                                     "1e"sv,          "1+2"sv,         ".5"sv,
                                     "+1"sv,          "--1"sv,         "[1,]"sv,
                                     "[,1]"sv,        "{\"a\":1,}"sv,  "nul"sv,
                                     "nullx"sv,       "truefalse"sv,   "{1:2}"sv,
                                     "[1 2]"sv,       " "sv,           "\xef\xbb\xbf"sv,
                                     R"("\ud800")"sv, R"("\udc00")"sv, R"("\ud800\u0041")"sv,
                                     R"("\x")"sv,     R"("\U0041")"sv, R"("\u12")"sv,
                                     "\"abc"sv,       "\"abc\\\""sv,   "[1,2"sv,
                                     "{\"a\""sv,      "{\"a\":"sv}) {
    EXPECT_EQ(print(format("%J"), message(bad)), "\n") << bad;
    EXPECT_EQ(err_, "Error: Message payload is not valid JSON on topic a/b.\n") << bad;
  }
}

TEST_F(SubFormat, CheckFormatRefusesWhatMosquittoSubRefuses) {
  // mosquitto_sub -t x -F FORMAT: each line it printed before "Use 'mosquitto_sub --help' to see usage."
  for (const char* f : {"%", "a%", "%-", "%0", "%5", "%.", "%.5", "%-5", "%05.", "%%%", "@", "x@", "@@@"}) {
    EXPECT_EQ(check_format(f), "Error: Incomplete format specifier.") << f;
  }
  EXPECT_EQ(check_format("%k"), "Error: Invalid format specifier 'k'.");
  EXPECT_EQ(check_format("%0-5l"), "Error: Invalid format specifier '-'.");
  EXPECT_EQ(check_format("%--5l"), "Error: Invalid format specifier '-'.");
  EXPECT_EQ(check_format("%.-3t"), "Error: Invalid format specifier '-'.");
  EXPECT_EQ(check_format("%5.3.2t"), "Error: Invalid format specifier '.'.");
  EXPECT_EQ(check_format("%1$t"), "Error: Invalid format specifier '$'.");
  EXPECT_EQ(check_format("% t"), "Error: Invalid format specifier ' '.");
  EXPECT_EQ(check_format("%+t"), "Error: Invalid format specifier '+'.");
  EXPECT_EQ(check_format("%#t"), "Error: Invalid format specifier '#'.");
  EXPECT_EQ(check_format("\\"), "Error: Incomplete escape specifier.");
  EXPECT_EQ(check_format("x\\"), "Error: Incomplete escape specifier.");
  EXPECT_EQ(check_format("\\q"), "Error: Invalid escape specifier 'q'.");
  EXPECT_EQ(check_format("\\x41"), "Error: Invalid escape specifier 'x'.");
  // Accepted (mosquitto_sub went on to connect):
  for (const char* f : {"", "%-.3t", "%-0.t", "%00t", "%-t", "%lx", "@Q", "%ACDEFIlmPpqRSrtjJUxX%%",
                        "%%%A%C%D%E%F%I%l%m%P%p%q%R%S%r%t%j%J%U%x%X", "\\\\\\0\\a\\e\\n\\r\\t\\v"}) {
    EXPECT_EQ(check_format(f), std::nullopt) << f;
  }
}

}  // namespace
}  // namespace roost::cli
