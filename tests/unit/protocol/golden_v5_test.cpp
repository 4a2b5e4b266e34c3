// Golden bytes for every MQTT 5.0 packet type, computed by hand from the
// specification (not captured from the encoder). Each packet must encode to
// exactly these bytes and decode back from them whole, split at every byte
// boundary, byte by byte and concatenated (see expect_golden).
//
// Properties are written in ascending identifier order, User Properties in
// their given order; the spec gives the order no meaning [MQTT-2.2.2.2], so
// out-of-order wire bytes are checked by decoding only.

#include <gtest/gtest.h>

#include <string>

#include "codec_test_util.hpp"

namespace roost::protocol::test {
namespace {

// The golden check (see expect_golden) in 5.0 for a packet the client
// sends, the server sends, or either side may send (PUBLISH, the
// acknowledgements, DISCONNECT, AUTH).
void from_client(const PacketBody& packet, const Bytes& wire) { expect_golden(packet, Role::kClient, kV5, wire); }
void from_server(const PacketBody& packet, const Bytes& wire) { expect_golden(packet, Role::kServer, kV5, wire); }
void golden_both(const PacketBody& packet, const Bytes& wire) {
  {
    SCOPED_TRACE("sent by the client");
    from_client(packet, wire);
  }
  SCOPED_TRACE("sent by the server");
  from_server(packet, wire);
}

UserProperty user(std::string_view name, std::string_view value) { return {name, value}; }

// ---------------------------------------------------------------- CONNECT

TEST(GoldenV5, ConnectMinimal) {
  Connect c;
  c.keep_alive = 60;
  c.client_id = "c";
  from_client(c, {
                     0x10, 0x0E,                            // CONNECT, remaining length 14
                     0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,  // protocol name "MQTT", protocol version 5
                     0x02,                                  // connect flags: clean start
                     0x00, 0x3C,                            // keep alive 60
                     0x00,                                  // property length 0 [MQTT-2.2.2-1]
                     0x00, 0x01, 'c',                       // client id "c"
                 });
}

TEST(GoldenV5, ConnectWithEveryConnectProperty) {
  Connect c;
  c.clean_start = false;
  c.keep_alive = 30;
  c.client_id = "c";
  c.properties.session_expiry_interval = 3600;
  c.properties.receive_maximum = 20;
  c.properties.maximum_packet_size = 1'048'576;
  c.properties.topic_alias_maximum = 10;
  c.properties.request_response_information = 1;
  c.properties.request_problem_information = 0;
  // Not in name order: the order given must survive [MQTT-3.1.3-10].
  c.properties.user_properties = {user("z", "1"), user("a", "2")};
  c.properties.authentication_method = "SCRAM";
  c.properties.authentication_data = view("xy");
  from_client(c, {
                     0x10, 0x3D,                                     // CONNECT, remaining length 61
                     0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05,       // protocol name "MQTT", protocol version 5
                     0x00,                                           // connect flags: none (no clean start)
                     0x00, 0x1E,                                     // keep alive 30
                     0x2F,                                           // property length 47
                     0x11, 0x00, 0x00, 0x0E, 0x10,                   // session expiry interval 3600
                     0x15, 0x00, 0x05, 'S',  'C',  'R',  'A',  'M',  // authentication method "SCRAM"
                     0x16, 0x00, 0x02, 'x',  'y',                    // authentication data "xy"
                     0x17, 0x00,                                     // request problem information 0
                     0x19, 0x01,                                     // request response information 1
                     0x21, 0x00, 0x14,                               // receive maximum 20
                     0x22, 0x00, 0x0A,                               // topic alias maximum 10
                     0x26, 0x00, 0x01, 'z',  0x00, 0x01, '1',        // user property "z" = "1"
                     0x26, 0x00, 0x01, 'a',  0x00, 0x01, '2',        // user property "a" = "2"
                     0x27, 0x00, 0x10, 0x00, 0x00,                   // maximum packet size 1048576
                     0x00, 0x01, 'c',                                // client id "c"
                 });
}

TEST(GoldenV5, ConnectWillWithEveryWillProperty) {
  Connect c;
  c.client_id = "c";
  Will& w = c.will.emplace();
  w.topic = "w/t";
  w.payload = view("bye");
  w.qos = QoS::k1;
  w.retain = true;
  w.properties.will_delay_interval = 30;
  w.properties.payload_format_indicator = 1;
  w.properties.message_expiry_interval = 120;
  w.properties.content_type = "json";
  w.properties.response_topic = "r/1";
  w.properties.correlation_data = view("id");
  w.properties.user_properties = {user("k", "v")};
  from_client(c, {
                     0x10, 0x3E,                                // CONNECT, remaining length 62
                     0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05,  // protocol name "MQTT", protocol version 5
                     0x2E,                                      // flags: will retain, will QoS 1, will, clean start
                     0x00, 0x00,                                // keep alive 0
                     0x00,                                      // property length 0
                     0x00, 0x01, 'c',                           // client id "c"
                     0x25,                                      // will property length 37
                     0x01, 0x01,                                // payload format indicator 1 (UTF-8)
                     0x02, 0x00, 0x00, 0x00, 0x78,              // message expiry interval 120
                     0x03, 0x00, 0x04, 'j',  's',  'o',  'n',   // content type "json"
                     0x08, 0x00, 0x03, 'r',  '/',  '1',         // response topic "r/1"
                     0x09, 0x00, 0x02, 'i',  'd',               // correlation data "id"
                     0x18, 0x00, 0x00, 0x00, 0x1E,              // will delay interval 30
                     0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',   // user property "k" = "v"
                     0x00, 0x03, 'w',  '/',  't',               // will topic "w/t"
                     0x00, 0x03, 'b',  'y',  'e',               // will payload "bye"
                 });
}

TEST(GoldenV5, ConnectWillQoS2WithUsernameAndPassword) {
  Connect c;
  c.client_id = "c";
  Will& w = c.will.emplace();
  w.topic = "t";
  w.qos = QoS::k2;
  c.username = "u";
  c.password = view("pw");
  from_client(c, {
                     0x10, 0x1B,                            // CONNECT, remaining length 27
                     0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,  // protocol name "MQTT", protocol version 5
                     0xD6,                                  // flags: user name, password, will QoS 2, will, clean start
                     0x00, 0x00,                            // keep alive 0
                     0x00,                                  // property length 0
                     0x00, 0x01, 'c',                       // client id "c"
                     0x00,                                  // will property length 0
                     0x00, 0x01, 't',                       // will topic "t"
                     0x00, 0x00,                            // will payload: empty
                     0x00, 0x01, 'u',                       // user name "u"
                     0x00, 0x02, 'p', 'w',                  // password "pw"
                 });
}

constexpr std::uint8_t kBinaryPassword[] = {0x00, 0xFF};

TEST(GoldenV5, ConnectPasswordWithoutUsername) {
  // "This version of the protocol allows the sending of a Password with no
  // User Name, where MQTT v3.1.1 did not" [MQTT-3.1.2.9]. Binary, not UTF-8.
  Connect c;
  c.keep_alive = 60;
  c.client_id = "c";
  c.password = core::ByteView(kBinaryPassword);
  from_client(c, {
                     0x10, 0x12,                              // CONNECT, remaining length 18
                     0x00, 0x04, 'M',  'Q',  'T', 'T', 0x05,  // protocol name "MQTT", protocol version 5
                     0x42,                                    // flags: password, clean start (no user name)
                     0x00, 0x3C,                              // keep alive 60
                     0x00,                                    // property length 0
                     0x00, 0x01, 'c',                         // client id "c"
                     0x00, 0x02, 0x00, 0xFF,                  // password: bytes 00 FF
                 });
}

TEST(GoldenV5, ConnectEmptyClientIdWithoutCleanStart) {
  // 3.1.1 required Clean Session with an empty ClientId; 5.0 does not: the
  // server assigns one [MQTT-3.1.3-6].
  Connect c;
  c.clean_start = false;
  from_client(c, {
                     0x10, 0x0D,                            // CONNECT, remaining length 13
                     0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,  // protocol name "MQTT", protocol version 5
                     0x00,                                  // connect flags: none
                     0x00, 0x00,                            // keep alive 0
                     0x00,                                  // property length 0
                     0x00, 0x00,                            // client id: empty
                 });
}

TEST(GoldenV5, ConnectPropertiesInAnyOrderDecode) {
  Connect expected;
  expected.client_id = "c";
  expected.properties.session_expiry_interval = 60;
  expected.properties.receive_maximum = 10;
  expected.properties.user_properties = {user("k", "v")};
  expected.properties.maximum_packet_size = 4096;
  const Bytes wire = bytes({
      0x10, 0x22,                                // CONNECT, remaining length 34
      0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05,  // protocol name "MQTT", protocol version 5
      0x02,                                      // connect flags: clean start
      0x00, 0x00,                                // keep alive 0
      0x14,                                      // property length 20
      0x27, 0x00, 0x00, 0x10, 0x00,              // maximum packet size 4096
      0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',   // user property "k" = "v"
      0x21, 0x00, 0x0A,                          // receive maximum 10
      0x11, 0x00, 0x00, 0x00, 0x3C,              // session expiry interval 60
      0x00, 0x01, 'c',                           // client id "c"
  });
  expect_decodes(wire, Role::kClient, kV5, expected);
}

// ---------------------------------------------------------------- CONNACK

TEST(GoldenV5, ConnackSessionPresentNoProperties) {
  Connack a;
  a.session_present = true;
  from_server(a, {
                     0x20, 0x03,  // CONNACK, remaining length 3
                     0x01,        // acknowledge flags: session present
                     0x00,        // reason code 0x00 Success
                     0x00,        // property length 0 (5.0 CONNACK has no short form)
                 });
}

TEST(GoldenV5, ConnackWithEveryConnackProperty) {
  Connack a;
  Properties& p = a.properties;
  p.session_expiry_interval = 7200;
  p.receive_maximum = 100;
  p.maximum_qos = 1;
  p.retain_available = 0;
  p.maximum_packet_size = 65'536;
  p.assigned_client_identifier = "auto-1";
  p.topic_alias_maximum = 5;
  p.reason_string = "hi";
  p.user_properties = {user("k", "v")};
  p.wildcard_subscription_available = 0;
  p.subscription_identifier_available = 1;
  p.shared_subscription_available = 0;
  p.server_keep_alive = 120;
  p.response_information = "resp/";
  p.server_reference = "other";
  p.authentication_method = "SCRAM";
  p.authentication_data = view("ok");
  from_server(a, {
                     0x20, 0x52,                                         // CONNACK, remaining length 82
                     0x00,                                               // acknowledge flags: none
                     0x00,                                               // reason code 0x00 Success
                     0x4F,                                               // property length 79
                     0x11, 0x00, 0x00, 0x1C, 0x20,                       // session expiry interval 7200
                     0x12, 0x00, 0x06, 'a',  'u',  't',  'o', '-', '1',  // assigned client identifier "auto-1"
                     0x13, 0x00, 0x78,                                   // server keep alive 120
                     0x15, 0x00, 0x05, 'S',  'C',  'R',  'A', 'M',       // authentication method "SCRAM"
                     0x16, 0x00, 0x02, 'o',  'k',                        // authentication data "ok"
                     0x1A, 0x00, 0x05, 'r',  'e',  's',  'p', '/',       // response information "resp/"
                     0x1C, 0x00, 0x05, 'o',  't',  'h',  'e', 'r',       // server reference "other"
                     0x1F, 0x00, 0x02, 'h',  'i',                        // reason string "hi"
                     0x21, 0x00, 0x64,                                   // receive maximum 100
                     0x22, 0x00, 0x05,                                   // topic alias maximum 5
                     0x24, 0x01,                                         // maximum QoS 1
                     0x25, 0x00,                                         // retain available 0
                     0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',            // user property "k" = "v"
                     0x27, 0x00, 0x01, 0x00, 0x00,                       // maximum packet size 65536
                     0x28, 0x00,                                         // wildcard subscription available 0
                     0x29, 0x01,                                         // subscription identifier available 1
                     0x2A, 0x00,                                         // shared subscription available 0
                 });
}

TEST(GoldenV5, ConnackPropertyLengthTakesTwoBytes) {
  const std::string reason(130, 'r');
  Connack a;
  a.reason = ReasonCode::kUnspecifiedError;
  a.properties.reason_string = reason;
  from_server(a, concat({bytes({
                             0x20, 0x89, 0x01,  // CONNACK, remaining length 137 (Variable Byte Integer 89 01)
                             0x00,              // acknowledge flags: none
                             0x80,              // reason code 0x80 Unspecified error
                             0x85, 0x01,        // property length 133 (85 01)
                             0x1F, 0x00, 0x82,  // reason string, length 130
                         }),
                         text(reason)}));  // reason string: 130 x 'r'
}

TEST(GoldenV5, ConnackRefusals) {
  Connack a;
  a.reason = ReasonCode::kBadUserNameOrPassword;
  from_server(a, {
                     0x20, 0x03,  // CONNACK, remaining length 3
                     0x00,        // acknowledge flags: no session with a refusal [MQTT-3.2.2-6]
                     0x86,        // reason code 0x86 Bad User Name or Password
                     0x00,        // property length 0
                 });
  a.reason = ReasonCode::kNotAuthorized;
  from_server(a, {
                     0x20, 0x03,  // CONNACK, remaining length 3
                     0x00,        // acknowledge flags: none
                     0x87,        // reason code 0x87 Not authorized
                     0x00,        // property length 0
                 });
}

TEST(GoldenV5, ConnackUseAnotherServerWithServerReference) {
  Connack a;
  a.reason = ReasonCode::kUseAnotherServer;
  a.properties.server_reference = "b:1883";
  from_server(a, {
                     0x20, 0x0C,                                      // CONNACK, remaining length 12
                     0x00,                                            // acknowledge flags: none
                     0x9C,                                            // reason code 0x9C Use another server
                     0x09,                                            // property length 9
                     0x1C, 0x00, 0x06, 'b', ':', '1', '8', '8', '3',  // server reference "b:1883"
                 });
}

// ---------------------------------------------------------------- PUBLISH

Publish publish(std::string_view topic, std::string_view payload, QoS qos = QoS::k0, std::uint16_t packet_id = 0) {
  Publish p;
  p.topic = topic;
  p.payload = view(payload);
  p.qos = qos;
  p.packet_id = packet_id;
  return p;
}

TEST(GoldenV5, PublishQoS0) {
  golden_both(publish("a/b", "hi"), {
                                        0x30, 0x08,                 // PUBLISH QoS 0, remaining length 8
                                        0x00, 0x03, 'a', '/', 'b',  // topic "a/b"
                                        0x00,                       // property length 0
                                        'h', 'i',                   // payload "hi"
                                    });
  // "It is valid for a PUBLISH packet to contain a zero length Payload."
  golden_both(publish("a/b", ""), {
                                      0x30, 0x06,                 // PUBLISH QoS 0, remaining length 6
                                      0x00, 0x03, 'a', '/', 'b',  // topic "a/b"
                                      0x00,                       // property length 0
                                  });
}

TEST(GoldenV5, PublishQoS1Retained) {
  Publish p = publish("a/b", "hi", QoS::k1, 0x1234);
  p.retain = true;
  golden_both(p, {
                     0x33, 0x0A,                 // PUBLISH QoS 1 + RETAIN, remaining length 10
                     0x00, 0x03, 'a', '/', 'b',  // topic "a/b"
                     0x12, 0x34,                 // packet identifier 0x1234
                     0x00,                       // property length 0
                     'h', 'i',                   // payload "hi"
                 });
}

TEST(GoldenV5, PublishQoS2Duplicate) {
  Publish p = publish("a/b", "hi", QoS::k2, 0xFFFF);
  p.dup = true;
  golden_both(p, {
                     0x3C, 0x0A,                 // PUBLISH DUP + QoS 2, remaining length 10
                     0x00, 0x03, 'a', '/', 'b',  // topic "a/b"
                     0xFF, 0xFF,                 // packet identifier 65535
                     0x00,                       // property length 0
                     'h', 'i',                   // payload "hi"
                 });
}

TEST(GoldenV5, PublishTopicAlias) {
  // The first PUBLISH sets alias 7 for "a/b"; the next sends a zero-length
  // Topic Name and the alias instead [MQTT-3.3.2.3.4].
  Publish p = publish("a/b", "x", QoS::k1, 1);
  p.properties.topic_alias = 7;
  golden_both(p, {
                     0x32, 0x0C,                 // PUBLISH QoS 1, remaining length 12
                     0x00, 0x03, 'a', '/', 'b',  // topic "a/b"
                     0x00, 0x01,                 // packet identifier 1
                     0x03,                       // property length 3
                     0x23, 0x00, 0x07,           // topic alias 7
                     'x',                        // payload "x"
                 });
  p = publish("", "y");
  p.properties.topic_alias = 7;
  golden_both(p, {
                     0x30, 0x07,        // PUBLISH QoS 0, remaining length 7
                     0x00, 0x00,        // topic: empty
                     0x03,              // property length 3
                     0x23, 0x00, 0x07,  // topic alias 7
                     'y',               // payload "y"
                 });
}

TEST(GoldenV5, PublishWithEveryMessageProperty) {
  Publish p = publish("t", "{}", QoS::k1, 1);
  p.properties.payload_format_indicator = 1;
  p.properties.message_expiry_interval = 60;
  p.properties.content_type = "json";
  p.properties.response_topic = "r/1";
  p.properties.correlation_data = view("id");
  // The same name twice is allowed, and order is kept [MQTT-3.3.2-18].
  p.properties.user_properties = {user("a", "1"), user("a", "2")};
  golden_both(p, {
                     0x32, 0x2F,                               // PUBLISH QoS 1, remaining length 47
                     0x00, 0x01, 't',                          // topic "t"
                     0x00, 0x01,                               // packet identifier 1
                     0x27,                                     // property length 39
                     0x01, 0x01,                               // payload format indicator 1 (UTF-8)
                     0x02, 0x00, 0x00, 0x00, 0x3C,             // message expiry interval 60
                     0x03, 0x00, 0x04, 'j',  's',  'o',  'n',  // content type "json"
                     0x08, 0x00, 0x03, 'r',  '/',  '1',        // response topic "r/1"
                     0x09, 0x00, 0x02, 'i',  'd',              // correlation data "id"
                     0x26, 0x00, 0x01, 'a',  0x00, 0x01, '1',  // user property "a" = "1"
                     0x26, 0x00, 0x01, 'a',  0x00, 0x01, '2',  // user property "a" = "2"
                     '{',  '}',                                // payload "{}"
                 });
}

TEST(GoldenV5, PublishFromServerWithSeveralSubscriptionIdentifiers) {
  // One per matching subscription [MQTT-3.3.4-3]; only a server sends them [MQTT-3.3.4-6].
  Publish p = publish("t", "p");
  p.properties.subscription_identifiers = {1, 200, 16'384, 268'435'455};
  from_server(p, {
                     0x30, 0x13,                    // PUBLISH QoS 0, remaining length 19
                     0x00, 0x01, 't',               // topic "t"
                     0x0E,                          // property length 14
                     0x0B, 0x01,                    // subscription identifier 1 (1 byte)
                     0x0B, 0xC8, 0x01,              // subscription identifier 200 (2 bytes)
                     0x0B, 0x80, 0x80, 0x01,        // subscription identifier 16384 (3 bytes)
                     0x0B, 0xFF, 0xFF, 0xFF, 0x7F,  // subscription identifier 268435455 (4 bytes)
                     'p',                           // payload "p"
                 });
}

// A QoS 0 PUBLISH to "t" without properties whose Remaining Length is
// `length` (hand-encoded), i.e. 4 + `payload_size`.
void expect_publish_remaining_length(const Bytes& length, std::size_t payload_size) {
  const std::string payload(payload_size, 'x');
  from_server(publish("t", payload), concat({
                                         bytes({0x30}),                   // PUBLISH QoS 0
                                         length,                          // remaining length
                                         bytes({0x00, 0x01, 't', 0x00}),  // topic "t", property length 0
                                         text(payload),                   // payload
                                     }));
}

TEST(GoldenV5, PublishRemainingLengthVariableByteIntegerBoundaries) {
  // [MQTT-1.5.5]: 7 bits per byte, least significant first, bit 7 = more.
  expect_publish_remaining_length({0x7F}, 123);                 // 127: the largest in 1 byte
  expect_publish_remaining_length({0x80, 0x01}, 124);           // 128: the smallest in 2 bytes
  expect_publish_remaining_length({0xFF, 0x7F}, 16'379);        // 16383: the largest in 2 bytes
  expect_publish_remaining_length({0x80, 0x80, 0x01}, 16'380);  // 16384: the smallest in 3 bytes
}

TEST(GoldenV5, PublishRemainingLengthFourBytes) {
  // Too large to feed split at every boundary: encode and decode whole.
  const std::string payload(2'097'148, 'x');
  const Publish p = publish("t", payload);
  const Bytes header = bytes({
      0x30, 0x80, 0x80, 0x80, 0x01,  // PUBLISH QoS 0, remaining length 2097152 (smallest 4-byte)
      0x00, 0x01, 't',               // topic "t"
      0x00,                          // property length 0
  });
  const Bytes wire = concat({header, text(payload)});
  const Bytes encoded = encode(p, Role::kServer, kV5);
  ASSERT_EQ(encoded.size(), wire.size());
  EXPECT_EQ(Bytes(encoded.begin(), encoded.begin() + static_cast<long>(header.size())), header);
  EXPECT_TRUE(encoded == wire);
  // Decoded whole only: splitting 2 MiB at every byte would take minutes.
  EXPECT_TRUE(decode_one(wire, Role::kServer, kV5).body == PacketBody(p));
}

TEST(GoldenV5, PublishPropertiesOutOfIdOrderDecodeKeepingUserPropertyOrder) {
  Publish expected = publish("t", "");
  expected.properties.payload_format_indicator = 0;
  expected.properties.message_expiry_interval = 10;
  expected.properties.user_properties = {user("b", "2"), user("a", "1")};
  const Bytes wire = bytes({
      0x30, 0x19,                               // PUBLISH QoS 0, remaining length 25
      0x00, 0x01, 't',                          // topic "t"
      0x15,                                     // property length 21
      0x26, 0x00, 0x01, 'b',  0x00, 0x01, '2',  // user property "b" = "2"
      0x02, 0x00, 0x00, 0x00, 0x0A,             // message expiry interval 10
      0x26, 0x00, 0x01, 'a',  0x00, 0x01, '1',  // user property "a" = "1"
      0x01, 0x00,                               // payload format indicator 0
  });
  expect_decodes(wire, Role::kClient, kV5, expected);
}

// ------------------------------------------- PUBACK, PUBREC, PUBREL, PUBCOMP

TEST(GoldenV5, PubackShortForm) {
  // Success without properties: Remaining Length 2 [MQTT-3.4.2.1].
  golden_both(ack<Puback>(0x1234), {
                                       0x40, 0x02,  // PUBACK, remaining length 2
                                       0x12, 0x34,  // packet identifier 0x1234
                                   });
}

TEST(GoldenV5, PubackReasonOnlyForm) {
  // Remaining Length 3: no Property Length [MQTT-3.4.2.2.1].
  golden_both(ack<Puback>(0x1234, ReasonCode::kNoMatchingSubscribers),
              {
                  0x40, 0x03,  // PUBACK, remaining length 3
                  0x12, 0x34,  // packet identifier 0x1234
                  0x10,        // reason code 0x10 No matching subscribers
              });
}

TEST(GoldenV5, PubackFullForm) {
  auto a = ack<Puback>(0x1234, ReasonCode::kQuotaExceeded);
  a.properties.reason_string = "quota";
  a.properties.user_properties = {user("k", "v")};
  golden_both(a, {
                     0x40, 0x13,                                   // PUBACK, remaining length 19
                     0x12, 0x34,                                   // packet identifier 0x1234
                     0x97,                                         // reason code 0x97 Quota exceeded
                     0x0F,                                         // property length 15
                     0x1F, 0x00, 0x05, 'q', 'u',  'o',  't', 'a',  // reason string "quota"
                     0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',       // user property "k" = "v"
                 });
}

TEST(GoldenV5, PubackOptionalFieldsMayBeSentAnyway) {
  // The Reason Code and Property Length "can be omitted" [MQTT-3.4.2.1]: a
  // sender may still include them, with the same meaning.
  const Bytes success = bytes({
      0x40, 0x03,  // PUBACK, remaining length 3
      0x12, 0x34,  // packet identifier 0x1234
      0x00,        // reason code 0x00 Success
  });
  const Bytes no_properties = bytes({
      0x40, 0x04,  // PUBACK, remaining length 4
      0x12, 0x34,  // packet identifier 0x1234
      0x10,        // reason code 0x10 No matching subscribers
      0x00,        // property length 0
  });
  for (const Role sender : {Role::kClient, Role::kServer}) {
    expect_decodes(success, sender, kV5, ack<Puback>(0x1234));
    expect_decodes(no_properties, sender, kV5, ack<Puback>(0x1234, ReasonCode::kNoMatchingSubscribers));
  }
}

TEST(GoldenV5, PubrecShortForm) {
  golden_both(ack<Pubrec>(1), {
                                  0x50, 0x02,  // PUBREC, remaining length 2
                                  0x00, 0x01,  // packet identifier 1
                              });
}

TEST(GoldenV5, PubrecReasonOnlyForm) {
  golden_both(ack<Pubrec>(1, ReasonCode::kNoMatchingSubscribers), {
                                                                      0x50, 0x03,  // PUBREC, remaining length 3
                                                                      0x00, 0x01,  // packet identifier 1
                                                                      0x10,  // reason code 0x10 No matching subscribers
                                                                  });
}

TEST(GoldenV5, PubrecFullForm) {
  auto a = ack<Pubrec>(1, ReasonCode::kUnspecifiedError);
  a.properties.reason_string = "full";
  a.properties.user_properties = {user("k", "v")};
  golden_both(a, {
                     0x50, 0x12,                              // PUBREC, remaining length 18
                     0x00, 0x01,                              // packet identifier 1
                     0x80,                                    // reason code 0x80 Unspecified error
                     0x0E,                                    // property length 14
                     0x1F, 0x00, 0x04, 'f', 'u',  'l',  'l',  // reason string "full"
                     0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property "k" = "v"
                 });
}

TEST(GoldenV5, PubrelShortForm) {
  golden_both(ack<Pubrel>(1), {
                                  0x62, 0x02,  // PUBREL (flags 0010 [MQTT-3.6.1-1]), remaining length 2
                                  0x00, 0x01,  // packet identifier 1
                              });
}

TEST(GoldenV5, PubrelReasonOnlyForm) {
  golden_both(ack<Pubrel>(1, ReasonCode::kPacketIdentifierNotFound),
              {
                  0x62, 0x03,  // PUBREL, remaining length 3
                  0x00, 0x01,  // packet identifier 1
                  0x92,        // reason code 0x92 Packet Identifier not found
              });
}

TEST(GoldenV5, PubrelFullForm) {
  auto a = ack<Pubrel>(1, ReasonCode::kPacketIdentifierNotFound);
  a.properties.reason_string = "gone";
  a.properties.user_properties = {user("k", "v")};
  golden_both(a, {
                     0x62, 0x12,                              // PUBREL, remaining length 18
                     0x00, 0x01,                              // packet identifier 1
                     0x92,                                    // reason code 0x92 Packet Identifier not found
                     0x0E,                                    // property length 14
                     0x1F, 0x00, 0x04, 'g', 'o',  'n',  'e',  // reason string "gone"
                     0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property "k" = "v"
                 });
}

TEST(GoldenV5, PubcompShortForm) {
  golden_both(ack<Pubcomp>(1), {
                                   0x70, 0x02,  // PUBCOMP, remaining length 2
                                   0x00, 0x01,  // packet identifier 1
                               });
}

TEST(GoldenV5, PubcompReasonOnlyForm) {
  golden_both(ack<Pubcomp>(1, ReasonCode::kPacketIdentifierNotFound),
              {
                  0x70, 0x03,  // PUBCOMP, remaining length 3
                  0x00, 0x01,  // packet identifier 1
                  0x92,        // reason code 0x92 Packet Identifier not found
              });
}

TEST(GoldenV5, PubcompFullForm) {
  auto a = ack<Pubcomp>(1);
  a.properties.reason_string = "done";
  a.properties.user_properties = {user("k", "v")};
  golden_both(a, {
                     0x70, 0x12,                              // PUBCOMP, remaining length 18
                     0x00, 0x01,                              // packet identifier 1
                     0x00,                                    // reason code 0x00 Success
                     0x0E,                                    // property length 14
                     0x1F, 0x00, 0x04, 'd', 'o',  'n',  'e',  // reason string "done"
                     0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property "k" = "v"
                 });
}

// ---------------------------------------------------------------- SUBSCRIBE

Subscription sub(std::string_view filter, QoS qos, bool no_local = false, bool retain_as_published = false,
                 RetainHandling handling = RetainHandling::kSendOnSubscribe) {
  Subscription s;
  s.filter = filter;
  s.max_qos = qos;
  s.no_local = no_local;
  s.retain_as_published = retain_as_published;
  s.retain_handling = handling;
  return s;
}

TEST(GoldenV5, SubscribeEveryOptionBit) {
  // Subscription Options: bits 0-1 QoS, 2 No Local, 3 Retain As Published,
  // 4-5 Retain Handling, 6-7 reserved [MQTT-3.8.3.1].
  Subscribe s;
  s.packet_id = 2;
  s.subscriptions = {
      sub("q0", QoS::k0),
      sub("q1", QoS::k1),
      sub("q2", QoS::k2),
      sub("nl", QoS::k0, true),
      sub("rap", QoS::k0, false, true),
      sub("rh1", QoS::k0, false, false, RetainHandling::kSendIfNewSubscription),
      sub("rh2", QoS::k0, false, false, RetainHandling::kDoNotSend),
      sub("all", QoS::k2, true, true, RetainHandling::kDoNotSend),
  };
  from_client(s, {
                     0x82, 0x2F,                        // SUBSCRIBE (flags 0010 [MQTT-3.8.1-1]), remaining length 47
                     0x00, 0x02,                        // packet identifier 2
                     0x00,                              // property length 0
                     0x00, 0x02, 'q', '0', 0x00,        // topic filter "q0", options: QoS 0
                     0x00, 0x02, 'q', '1', 0x01,        // topic filter "q1", options: QoS 1
                     0x00, 0x02, 'q', '2', 0x02,        // topic filter "q2", options: QoS 2
                     0x00, 0x02, 'n', 'l', 0x04,        // topic filter "nl", options: No Local
                     0x00, 0x03, 'r', 'a', 'p',  0x08,  // topic filter "rap", options: Retain As Published
                     0x00, 0x03, 'r', 'h', '1',  0x10,  // topic filter "rh1", options: Retain Handling 1
                     0x00, 0x03, 'r', 'h', '2',  0x20,  // topic filter "rh2", options: Retain Handling 2
                     0x00, 0x03, 'a', 'l', 'l',  0x2E,  // topic filter "all", options: RH 2, RAP, No Local, QoS 2
                 });
}

TEST(GoldenV5, SubscribeWithSubscriptionIdentifierAndUserProperty) {
  Subscribe s;
  s.packet_id = 3;
  s.properties.subscription_identifiers = {268'435'455};
  s.properties.user_properties = {user("k", "v")};
  s.subscriptions = {sub("t", QoS::k1)};
  from_client(s, {
                     0x82, 0x13,                               // SUBSCRIBE, remaining length 19
                     0x00, 0x03,                               // packet identifier 3
                     0x0C,                                     // property length 12
                     0x0B, 0xFF, 0xFF, 0xFF, 0x7F,             // subscription identifier 268435455
                     0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',  // user property "k" = "v"
                     0x00, 0x01, 't',                          // topic filter "t"
                     0x01,                                     // options: QoS 1
                 });
}

TEST(GoldenV5, SubscribeSharedSubscription) {
  // No Local must stay 0 on a shared subscription [MQTT-3.8.3-4].
  Subscribe s;
  s.packet_id = 5;
  s.subscriptions = {sub("$share/g/s/#", QoS::k1, false, true, RetainHandling::kSendIfNewSubscription)};
  from_client(s, {
                     0x82, 0x12,                                                    // SUBSCRIBE, remaining length 18
                     0x00, 0x05,                                                    // packet identifier 5
                     0x00,                                                          // property length 0
                     0x00, 0x0C,                                                    // topic filter length 12
                     '$',  's',  'h', 'a', 'r', 'e', '/', 'g', '/', 's', '/', '#',  // "$share/g/s/#"
                     0x19,  // options: Retain Handling 1, Retain As Published, QoS 1
                 });
}

// ---------------------------------------------------------------- SUBACK

TEST(GoldenV5, SubackGrantedQoS) {
  Suback a;
  a.packet_id = 1;
  a.reason_codes = {ReasonCode::kSuccess, ReasonCode::kGrantedQoS1, ReasonCode::kGrantedQoS2};
  from_server(a, {
                     0x90, 0x06,        // SUBACK, remaining length 6
                     0x00, 0x01,        // packet identifier 1
                     0x00,              // property length 0
                     0x00, 0x01, 0x02,  // Granted QoS 0, Granted QoS 1, Granted QoS 2
                 });
}

TEST(GoldenV5, SubackFailureCodesWithReasonString) {
  Suback a;
  a.packet_id = 2;
  a.properties.reason_string = "no";
  a.reason_codes = {ReasonCode::kUnspecifiedError,
                    ReasonCode::kNotAuthorized,
                    ReasonCode::kTopicFilterInvalid,
                    ReasonCode::kSharedSubscriptionsNotSupported,
                    ReasonCode::kSubscriptionIdentifiersNotSupported,
                    ReasonCode::kWildcardSubscriptionsNotSupported};
  from_server(a, {
                     0x90, 0x0E,                  // SUBACK, remaining length 14
                     0x00, 0x02,                  // packet identifier 2
                     0x05,                        // property length 5
                     0x1F, 0x00, 0x02, 'n', 'o',  // reason string "no"
                     0x80,                        // 0x80 Unspecified error
                     0x87,                        // 0x87 Not authorized
                     0x8F,                        // 0x8F Topic Filter invalid
                     0x9E,                        // 0x9E Shared Subscriptions not supported
                     0xA1,                        // 0xA1 Subscription Identifiers not supported
                     0xA2,                        // 0xA2 Wildcard Subscriptions not supported
                 });
}

TEST(GoldenV5, SubackOtherFailureCodesWithUserProperty) {
  Suback a;
  a.packet_id = 3;
  a.properties.user_properties = {user("k", "v")};
  a.reason_codes = {ReasonCode::kImplementationSpecificError, ReasonCode::kPacketIdentifierInUse,
                    ReasonCode::kQuotaExceeded};
  from_server(a, {
                     0x90, 0x0D,                              // SUBACK, remaining length 13
                     0x00, 0x03,                              // packet identifier 3
                     0x07,                                    // property length 7
                     0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property "k" = "v"
                     0x83,                                    // 0x83 Implementation specific error
                     0x91,                                    // 0x91 Packet Identifier in use
                     0x97,                                    // 0x97 Quota exceeded
                 });
}

// ---------------------------------------------------------------- UNSUBSCRIBE, UNSUBACK

TEST(GoldenV5, UnsubscribeWithUserPropertyAndSharedFilter) {
  Unsubscribe u;
  u.packet_id = 5;
  u.properties.user_properties = {user("k", "v")};
  u.filters = {"a/b", "$share/g/c"};
  from_client(u, {
                     0xA2, 0x1B,                              // UNSUBSCRIBE, remaining length 27
                     0x00, 0x05,                              // packet identifier 5
                     0x07,                                    // property length 7
                     0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property "k" = "v"
                     0x00, 0x03, 'a',  '/', 'b',              // topic filter "a/b"
                     0x00, 0x0A, '$',  's', 'h',  'a',  'r', 'e', '/', 'g', '/', 'c',  // topic filter "$share/g/c"
                 });
}

TEST(GoldenV5, UnsubackReasonCodes) {
  Unsuback a;
  a.packet_id = 5;
  a.reason_codes = {ReasonCode::kSuccess, ReasonCode::kNoSubscriptionExisted, ReasonCode::kNotAuthorized};
  from_server(a, {
                     0xB0, 0x06,  // UNSUBACK, remaining length 6
                     0x00, 0x05,  // packet identifier 5
                     0x00,        // property length 0
                     0x00,        // 0x00 Success
                     0x11,        // 0x11 No subscription existed
                     0x87,        // 0x87 Not authorized
                 });
}

TEST(GoldenV5, UnsubackFailureCodesWithReasonString) {
  Unsuback a;
  a.packet_id = 6;
  a.properties.reason_string = "x";
  a.reason_codes = {ReasonCode::kUnspecifiedError, ReasonCode::kImplementationSpecificError,
                    ReasonCode::kTopicFilterInvalid, ReasonCode::kPacketIdentifierInUse};
  from_server(a, {
                     0xB0, 0x0B,             // UNSUBACK, remaining length 11
                     0x00, 0x06,             // packet identifier 6
                     0x04,                   // property length 4
                     0x1F, 0x00, 0x01, 'x',  // reason string "x"
                     0x80,                   // 0x80 Unspecified error
                     0x83,                   // 0x83 Implementation specific error
                     0x8F,                   // 0x8F Topic Filter invalid
                     0x91,                   // 0x91 Packet Identifier in use
                 });
}

// ---------------------------------------------------------------- PINGREQ, PINGRESP

TEST(GoldenV5, PingreqAndPingresp) {
  from_client(Pingreq{}, {0xC0, 0x00});   // PINGREQ, remaining length 0
  from_server(Pingresp{}, {0xD0, 0x00});  // PINGRESP, remaining length 0
}

// ---------------------------------------------------------------- DISCONNECT

TEST(GoldenV5, DisconnectNormalShortForm) {
  // Normal disconnection without properties: Remaining Length 0 [MQTT-3.14.2.1].
  golden_both(Disconnect{}, {0xE0, 0x00});  // DISCONNECT, remaining length 0
}

TEST(GoldenV5, DisconnectReasonOnlyForm) {
  // Remaining Length 1: no Property Length [MQTT-3.14.2.2.1].
  Disconnect d;
  d.reason = ReasonCode::kDisconnectWithWillMessage;  // client only
  from_client(d, {
                     0xE0, 0x01,  // DISCONNECT, remaining length 1
                     0x04,        // reason code 0x04 Disconnect with Will Message
                 });
  d.reason = ReasonCode::kSessionTakenOver;  // server only
  from_server(d, {
                     0xE0, 0x01,  // DISCONNECT, remaining length 1
                     0x8E,        // reason code 0x8E Session taken over
                 });
}

TEST(GoldenV5, DisconnectFromClientWithSessionExpiry) {
  Disconnect d;
  d.properties.session_expiry_interval = 300;
  from_client(d, {
                     0xE0, 0x07,                    // DISCONNECT, remaining length 7
                     0x00,                          // reason code 0x00 Normal disconnection
                     0x05,                          // property length 5
                     0x11, 0x00, 0x00, 0x01, 0x2C,  // session expiry interval 300
                 });
}

TEST(GoldenV5, DisconnectFromServerWithReasonStringAndServerReference) {
  Disconnect d;
  d.reason = ReasonCode::kUseAnotherServer;
  d.properties.reason_string = "moved";
  d.properties.server_reference = "b:1883";
  from_server(d, {
                     0xE0, 0x13,                                      // DISCONNECT, remaining length 19
                     0x9C,                                            // reason code 0x9C Use another server
                     0x11,                                            // property length 17
                     0x1C, 0x00, 0x06, 'b', ':', '1', '8', '8', '3',  // server reference "b:1883"
                     0x1F, 0x00, 0x05, 'm', 'o', 'v', 'e', 'd',       // reason string "moved"
                 });
}

TEST(GoldenV5, DisconnectOptionalFieldsMayBeSentAnyway) {
  // "If the Remaining Length is less than 2, a value of 0 is used" [MQTT-3.14.2.2.1].
  const Bytes reason_only = bytes({
      0xE0, 0x01,  // DISCONNECT, remaining length 1
      0x00,        // reason code 0x00 Normal disconnection
  });
  const Bytes no_properties = bytes({
      0xE0, 0x02,  // DISCONNECT, remaining length 2
      0x00,        // reason code 0x00 Normal disconnection
      0x00,        // property length 0
  });
  for (const Role sender : {Role::kClient, Role::kServer}) {
    expect_decodes(reason_only, sender, kV5, Disconnect{});
    expect_decodes(no_properties, sender, kV5, Disconnect{});
  }
}

// ---------------------------------------------------------------- AUTH

TEST(GoldenV5, AuthSuccessShortForm) {
  // Success without properties: Remaining Length 0 [MQTT-3.15.2.1].
  from_server(Auth{}, {0xF0, 0x00});  // AUTH, remaining length 0
}

TEST(GoldenV5, AuthSuccessWithMethodAndData) {
  Auth a;
  a.properties.authentication_method = "SCRAM";
  a.properties.authentication_data = view("ok");
  from_server(a, {
                     0xF0, 0x0F,                                 // AUTH, remaining length 15
                     0x00,                                       // reason code 0x00 Success
                     0x0D,                                       // property length 13
                     0x15, 0x00, 0x05, 'S', 'C', 'R', 'A', 'M',  // authentication method "SCRAM"
                     0x16, 0x00, 0x02, 'o', 'k',                 // authentication data "ok"
                 });
}

TEST(GoldenV5, AuthContinueWithMethodAndData) {
  Auth a;
  a.reason = ReasonCode::kContinueAuthentication;
  a.properties.authentication_method = "SCRAM";
  a.properties.authentication_data = view("abc");
  golden_both(a, {
                     0xF0, 0x10,                                 // AUTH, remaining length 16
                     0x18,                                       // reason code 0x18 Continue authentication
                     0x0E,                                       // property length 14
                     0x15, 0x00, 0x05, 'S', 'C', 'R', 'A', 'M',  // authentication method "SCRAM"
                     0x16, 0x00, 0x03, 'a', 'b', 'c',            // authentication data "abc"
                 });
}

TEST(GoldenV5, AuthReAuthenticateWithReasonString) {
  Auth a;
  a.reason = ReasonCode::kReAuthenticate;
  a.properties.authentication_method = "SCRAM";
  a.properties.authentication_data = view("d");
  a.properties.reason_string = "again";
  from_client(a, {
                     0xF0, 0x16,                                 // AUTH, remaining length 22
                     0x19,                                       // reason code 0x19 Re-authenticate
                     0x14,                                       // property length 20
                     0x15, 0x00, 0x05, 'S', 'C', 'R', 'A', 'M',  // authentication method "SCRAM"
                     0x16, 0x00, 0x01, 'd',                      // authentication data "d"
                     0x1F, 0x00, 0x05, 'a', 'g', 'a', 'i', 'n',  // reason string "again"
                 });
}

}  // namespace
}  // namespace roost::protocol::test
