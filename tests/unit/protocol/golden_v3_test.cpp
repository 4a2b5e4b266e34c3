// Golden bytes for every MQTT 3.1 and 3.1.1 packet type, in both directions.
// Each array was written by hand from the specifications (3.1.1 OASIS
// Standard, IBM MQIsdp 3.1), never pasted from the encoder's output: a
// mismatch means the codec or this file disagrees with the spec.

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "codec_test_util.hpp"

namespace roost::protocol::test {
namespace {

constexpr ProtocolVersion kV31 = ProtocolVersion::kV31;
constexpr Role kClient = Role::kClient;
constexpr Role kServer = Role::kServer;

Connect connect(ProtocolVersion version, std::string_view client_id, std::uint16_t keep_alive, bool clean = true) {
  Connect c;
  c.version = version;
  c.client_id = client_id;
  c.keep_alive = keep_alive;
  c.clean_start = clean;
  return c;
}

Will will(std::string_view topic, std::string_view payload, QoS qos, bool retain) {
  return {topic, view(payload), qos, retain, {}};
}

Connack connack(ReasonCode reason, bool session_present = false) { return {session_present, reason, {}}; }

Publish publish(QoS qos, std::string_view topic, std::uint16_t packet_id, core::ByteView payload, bool retain = false,
                bool dup = false) {
  return {dup, qos, retain, topic, packet_id, {}, payload};
}

Subscription subscription(std::string_view filter, QoS qos) {
  return {filter, qos, false, false, RetainHandling::kSendOnSubscribe};
}

Subscribe subscribe(std::uint16_t id, std::vector<Subscription> subs) { return {id, {}, std::move(subs)}; }

Suback suback(std::uint16_t id, std::vector<ReasonCode> codes) { return {id, {}, std::move(codes)}; }

Unsubscribe unsubscribe(std::uint16_t id, std::vector<std::string_view> filters) {
  return {id, {}, std::move(filters)};
}

// `n` payload bytes 0, 1, 2, ... (mod 256): an offset error shows as a wrong byte.
Bytes counting(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

// ---------------------------------------------------------------- 3.1.1 CONNECT

TEST(GoldenV311, ConnectMinimal) {
  expect_golden(connect(kV311, "roost", 60), kClient, kV311,
                bytes({
                    0x10, 17,                             // CONNECT, remaining length 10 + 7
                    0x00, 0x04, 'M', 'Q', 'T', 'T',       // protocol name "MQTT" [MQTT-3.1.2-1]
                    0x04,                                 // protocol level 4
                    0x02,                                 // connect flags: clean session (bit 1)
                    0x00, 0x3C,                           // keep alive 60 s
                    0x00, 0x05, 'r', 'o', 'o', 's', 't',  // client id "roost"
                }));
}

TEST(GoldenV311, ConnectWillQoS1WithRetain) {
  Connect c = connect(kV311, "c1", 30);
  c.will = will("w/t", "bye", QoS::k1, true);
  expect_golden(c, kClient, kV311,
                bytes({
                    0x10, 24,                        // CONNECT, remaining length 10 + 4 + 5 + 5
                    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
                    0x04,                            // protocol level 4
                    0x2E,                            // flags: retain 0x20 | will QoS 1 0x08 | will 0x04 | clean 0x02
                    0x00, 0x1E,                      // keep alive 30 s
                    0x00, 0x02, 'c', '1',            // client id "c1"
                    0x00, 0x03, 'w', '/', 't',       // will topic "w/t"
                    0x00, 0x03, 'b', 'y', 'e',       // will message "bye"
                }));
}

TEST(GoldenV311, ConnectWithUsernameAndBinaryPassword) {
  static constexpr std::uint8_t kPassword[] = {0x00, 0xFF, 'p'};  // binary data, not UTF-8
  Connect c = connect(kV311, "dev", 60);
  c.username = "alice";
  c.password = core::ByteView(kPassword);
  expect_golden(c, kClient, kV311,
                bytes({
                    0x10, 27,                               // CONNECT, remaining length 10 + 5 + 7 + 5
                    0x00, 0x04, 'M',  'Q',  'T', 'T',       // protocol name
                    0x04,                                   // protocol level 4
                    0xC2,                                   // flags: user name 0x80 | password 0x40 | clean 0x02
                    0x00, 0x3C,                             // keep alive 60 s
                    0x00, 0x03, 'd',  'e',  'v',            // client id "dev"
                    0x00, 0x05, 'a',  'l',  'i', 'c', 'e',  // user name "alice"
                    0x00, 0x03, 0x00, 0xFF, 'p',            // password: 3 bytes
                }));
}

TEST(GoldenV311, ConnectCleanSessionZero) {
  expect_golden(connect(kV311, "keep", 10, false), kClient, kV311,
                bytes({
                    0x10, 16,                        // CONNECT, remaining length 10 + 6
                    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
                    0x04,                            // protocol level 4
                    0x00,                            // flags: none (clean session 0: resume the session)
                    0x00, 0x0A,                      // keep alive 10 s
                    0x00, 0x04, 'k', 'e', 'e', 'p',  // client id "keep"
                }));
}

TEST(GoldenV311, ConnectKeepAliveMaximum) {
  expect_golden(connect(kV311, "k", 0xFFFF), kClient, kV311,
                bytes({
                    0x10, 13,                        // CONNECT, remaining length 10 + 3
                    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
                    0x04,                            // protocol level 4
                    0x02,                            // flags: clean session
                    0xFF, 0xFF,                      // keep alive 65535 s (18 h 12 min 15 s)
                    0x00, 0x01, 'k',                 // client id "k"
                }));
}

TEST(GoldenV311, ConnectEmptyClientIdWithCleanSession) {  // allowed with clean session [MQTT-3.1.3-7]
  expect_golden(connect(kV311, "", 60), kClient, kV311,
                bytes({
                    0x10, 12,                        // CONNECT, remaining length 10 + 2
                    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
                    0x04,                            // protocol level 4
                    0x02,                            // flags: clean session
                    0x00, 0x3C,                      // keep alive 60 s
                    0x00, 0x00,                      // client id: zero length
                }));
}

TEST(GoldenV311, ConnectEveryPayloadFieldWillQoS2EmptyWillMessage) {
  Connect c = connect(kV311, "x", 0x0100, false);
  c.will = will("t", "", QoS::k2, false);
  c.username = "u";
  c.password = view("p");
  expect_golden(c, kClient, kV311,
                bytes({
                    0x10, 24,                        // CONNECT, remaining length 10 + 3 + 3 + 2 + 3 + 3
                    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
                    0x04,                            // protocol level 4
                    0xD4,                            // flags: user 0x80 | password 0x40 | will QoS 2 0x10 | will 0x04
                    0x01, 0x00,                      // keep alive 256 s (MSB first)
                    0x00, 0x01, 'x',                 // client id "x"
                    0x00, 0x01, 't',                 // will topic "t"
                    0x00, 0x00,                      // will message: zero length
                    0x00, 0x01, 'u',                 // user name "u"
                    0x00, 0x01, 'p',                 // password "p"
                }));
}

TEST(GoldenV311, ConnectBridgeBitInProtocolLevel) {
  Connect c = connect(kV311, "br", 60);
  c.bridge = true;
  expect_golden(c, kClient, kV311,
                bytes({
                    0x10, 14,                        // CONNECT, remaining length 10 + 4
                    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
                    0x84,                            // protocol level 4 | 0x80: bridge ("try_private")
                    0x02,                            // flags: clean session
                    0x00, 0x3C,                      // keep alive 60 s
                    0x00, 0x02, 'b', 'r',            // client id "br"
                }));
}

// ---------------------------------------------------------------- 3.1.1 CONNACK

TEST(GoldenV311, ConnackAcceptedWithSessionPresent) {
  expect_golden(connack(ReasonCode::kSuccess, true), kServer, kV311,
                bytes({
                    0x20, 0x02,  // CONNACK, remaining length 2
                    0x01,        // acknowledge flags: session present (bit 0)
                    0x00,        // return code 0: accepted
                }));
}

TEST(GoldenV311, ConnackAcceptedWithoutSession) {
  expect_golden(connack(ReasonCode::kSuccess), kServer, kV311,
                bytes({
                    0x20, 0x02,  // CONNACK, remaining length 2
                    0x00,        // acknowledge flags: session present 0
                    0x00,        // return code 0: accepted
                }));
}

// A refusal: session present must be 0 with a non-zero code [MQTT-3.2.2-4].
void expect_v311_refusal(ReasonCode reason, std::uint8_t return_code) {
  expect_golden(connack(reason), kServer, kV311,
                bytes({
                    0x20, 0x02,   // CONNACK, remaining length 2
                    0x00,         // acknowledge flags: session present 0
                    return_code,  // connect return code (table 3.1)
                }));
}

TEST(GoldenV311, ConnackRefusedUnacceptableProtocolVersionIs1) {
  expect_v311_refusal(ReasonCode::kUnsupportedProtocolVersion, 0x01);
}
TEST(GoldenV311, ConnackRefusedIdentifierRejectedIs2) {
  expect_v311_refusal(ReasonCode::kClientIdentifierNotValid, 0x02);
}
TEST(GoldenV311, ConnackRefusedServerUnavailableIs3) { expect_v311_refusal(ReasonCode::kServerUnavailable, 0x03); }
TEST(GoldenV311, ConnackRefusedBadUserNameOrPasswordIs4) {
  expect_v311_refusal(ReasonCode::kBadUserNameOrPassword, 0x04);
}
TEST(GoldenV311, ConnackRefusedNotAuthorizedIs5) { expect_v311_refusal(ReasonCode::kNotAuthorized, 0x05); }

TEST(GoldenV311, ConnackV5OnlyRefusalsEncodeAsTheClosestV3Code) {  // encode only: they decode as 3 and 5
  EXPECT_EQ(encode(connack(ReasonCode::kServerBusy), kServer, kV311), bytes({0x20, 0x02, 0x00, 0x03}));
  EXPECT_EQ(encode(connack(ReasonCode::kBanned), kServer, kV311), bytes({0x20, 0x02, 0x00, 0x05}));
}

// ---------------------------------------------------------------- 3.1.1 PUBLISH

TEST(GoldenV311, PublishQoS0FromClient) {
  expect_golden(publish(QoS::k0, "a/b", 0, view("hi")), kClient, kV311,
                bytes({
                    0x30, 7,                    // PUBLISH, DUP 0, QoS 0, RETAIN 0; remaining length 5 + 2
                    0x00, 0x03, 'a', '/', 'b',  // topic name "a/b"
                    'h', 'i',                   // payload (QoS 0: no packet identifier)
                }));
}

TEST(GoldenV311, PublishQoS0WithRetainFromServer) {
  expect_golden(publish(QoS::k0, "a/b", 0, view("hi"), true), kServer, kV311,
                bytes({
                    0x31, 7,                    // PUBLISH, DUP 0, QoS 0, RETAIN 1 (bit 0)
                    0x00, 0x03, 'a', '/', 'b',  // topic name "a/b"
                    'h', 'i',                   // payload
                }));
}

TEST(GoldenV311, PublishQoS1WithRetain) {
  expect_golden(publish(QoS::k1, "s/t", 10, view("on"), true), kClient, kV311,
                bytes({
                    0x33, 9,                    // PUBLISH, QoS 1 (bits 2-1 = 01), RETAIN 1; remaining length 5 + 2 + 2
                    0x00, 0x03, 's', '/', 't',  // topic name "s/t"
                    0x00, 0x0A,                 // packet identifier 10
                    'o', 'n',                   // payload
                }));
}

TEST(GoldenV311, PublishQoS1DupFromServer) {
  expect_golden(publish(QoS::k1, "s/t", 0x1234, view("on"), false, true), kServer, kV311,
                bytes({
                    0x3A, 9,                    // PUBLISH, DUP 1 (bit 3), QoS 1, RETAIN 0
                    0x00, 0x03, 's', '/', 't',  // topic name "s/t"
                    0x12, 0x34,                 // packet identifier 0x1234 (MSB first)
                    'o', 'n',                   // payload
                }));
}

TEST(GoldenV311, PublishQoS2WithMaximumPacketId) {
  expect_golden(publish(QoS::k2, "q2", 0xFFFF, view("x")), kClient, kV311,
                bytes({
                    0x34, 7,  // PUBLISH, DUP 0, QoS 2 (bits 2-1 = 10), RETAIN 0; remaining length 4 + 2 + 1
                    0x00, 0x02, 'q', '2',  // topic name "q2"
                    0xFF, 0xFF,            // packet identifier 65535
                    'x',                   // payload
                }));
}

TEST(GoldenV311, PublishQoS2DupRetainFromServer) {
  expect_golden(publish(QoS::k2, "q2", 0x0100, view("x"), true, true), kServer, kV311,
                bytes({
                    0x3D, 7,               // PUBLISH, DUP 1, QoS 2, RETAIN 1
                    0x00, 0x02, 'q', '2',  // topic name "q2"
                    0x01, 0x00,            // packet identifier 256
                    'x',                   // payload
                }));
}

TEST(GoldenV311, PublishEmptyPayloadRetained) {  // clears the retained message [MQTT-3.3.1-10]
  expect_golden(publish(QoS::k0, "a/b", 0, view(""), true), kClient, kV311,
                bytes({
                    0x31, 5,                    // PUBLISH, QoS 0, RETAIN 1; remaining length 5
                    0x00, 0x03, 'a', '/', 'b',  // topic name "a/b"; zero-length payload
                }));
}

TEST(GoldenV311, PublishUtf8MultiByteTopic) {
  // "café/€/🐦": U+00E9 (2 bytes), U+20AC (3 bytes), U+1F426 (4 bytes).
  expect_golden(publish(QoS::k0, "caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x90\xA6", 0, view("1")), kServer, kV311,
                bytes({
                    0x30, 17,                      // PUBLISH, QoS 0; remaining length 2 + 14 + 1
                    0x00, 14,                      // topic length in bytes, not characters
                    'c',  'a',  'f',  0xC3, 0xA9,  // "caf" U+00E9
                    '/',  0xE2, 0x82, 0xAC,        // "/" U+20AC
                    '/',  0xF0, 0x9F, 0x90, 0xA6,  // "/" U+1F426
                    '1',                           // payload
                }));
}

TEST(GoldenV311, PublishRemainingLengthGrowsToTwoBytesAt128) {
  const Bytes p124 = counting(124);
  expect_golden(publish(QoS::k0, "t", 0, p124), kClient, kV311,
                concat({bytes({
                            0x30, 0x7F,       // PUBLISH; remaining length 127 = 3 + 124: one byte
                            0x00, 0x01, 't',  // topic name "t"
                        }),
                        p124}));
  const Bytes p125 = counting(125);
  expect_golden(publish(QoS::k0, "t", 0, p125), kClient, kV311,
                concat({bytes({
                            0x30, 0x80, 0x01,  // PUBLISH; remaining length 128 = 0 + 1 * 128: two bytes
                            0x00, 0x01, 't',   // topic name "t"
                        }),
                        p125}));
}

TEST(GoldenV311, Publish200BytePayloadHasTwoByteRemainingLength) {
  const Bytes payload = counting(200);
  expect_golden(publish(QoS::k1, "big", 7, payload), kServer, kV311,
                concat({bytes({
                            0x32, 0xCF, 0x01,           // PUBLISH, QoS 1; remaining length 207 = 79 + 1 * 128
                            0x00, 0x03, 'b', 'i', 'g',  // topic name "big"
                            0x00, 0x07,                 // packet identifier 7
                        }),
                        payload}));
}

TEST(GoldenV311, PublishRemainingLength16384TakesThreeBytes) {
  const Bytes payload = counting(16381);
  expect_golden(publish(QoS::k0, "t", 0, payload), kClient, kV311,
                concat({bytes({
                            0x30, 0x80, 0x80, 0x01,  // PUBLISH; remaining length 16384 = 0 + 0 * 128 + 1 * 128^2
                            0x00, 0x01, 't',         // topic name "t"
                        }),
                        payload}));
}

// ---------------------------------------------------------------- 3.1.1 PUBACK, PUBREC, PUBREL, PUBCOMP

TEST(GoldenV311, PubackFromClientAndServer) {
  for (const Role sender : {kClient, kServer}) {
    expect_golden(ack<Puback>(0x1234), sender, kV311,
                  bytes({
                      0x40, 0x02,  // PUBACK, flags 0000; remaining length 2
                      0x12, 0x34,  // packet identifier 0x1234 (MSB first)
                  }));
  }
}

TEST(GoldenV311, PubrecFromClientAndServer) {
  for (const Role sender : {kClient, kServer}) {
    expect_golden(ack<Pubrec>(11), sender, kV311,
                  bytes({
                      0x50, 0x02,  // PUBREC, flags 0000; remaining length 2
                      0x00, 0x0B,  // packet identifier 11
                  }));
  }
}

TEST(GoldenV311, PubrelHasFlags0010BothWays) {  // [MQTT-3.6.1-1]
  for (const Role sender : {kClient, kServer}) {
    expect_golden(ack<Pubrel>(11), sender, kV311,
                  bytes({
                      0x62, 0x02,  // PUBREL, flags 0010; remaining length 2
                      0x00, 0x0B,  // packet identifier 11
                  }));
  }
}

TEST(GoldenV311, PubcompFromClientAndServer) {
  for (const Role sender : {kClient, kServer}) {
    expect_golden(ack<Pubcomp>(0xABCD), sender, kV311,
                  bytes({
                      0x70, 0x02,  // PUBCOMP, flags 0000; remaining length 2
                      0xAB, 0xCD,  // packet identifier 0xABCD
                  }));
  }
}

// ---------------------------------------------------------------- 3.1.1 SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK

TEST(GoldenV311, SubscribeWildcardsSharedFilterAndEachQoS) {
  const Subscribe s = subscribe(7, {subscription("sport/+/score", QoS::k0), subscription("#", QoS::k1),
                                    subscription("$share/group/a/#", QoS::k2)});
  expect_golden(s, kClient, kV311,
                concat({bytes({
                            0x82, 41,    // SUBSCRIBE, flags 0010 [MQTT-3.8.1-1]; remaining length 2 + 16 + 4 + 19
                            0x00, 0x07,  // packet identifier 7
                            0x00, 13,    // filter length 13
                        }),
                        text("sport/+/score"),
                        bytes({
                            0x00,          // requested QoS 0
                            0x00, 1, '#',  // filter "#"
                            0x01,          // requested QoS 1
                            0x00, 16,      // filter length 16
                        }),
                        text("$share/group/a/#"), bytes({0x02})}));  // requested QoS 2
}

TEST(GoldenV311, SubackEveryReturnCode) {
  const Suback s = suback(
      7, {ReasonCode::kSuccess, ReasonCode::kGrantedQoS1, ReasonCode::kGrantedQoS2, ReasonCode::kUnspecifiedError});
  expect_golden(s, kServer, kV311,
                bytes({
                    0x90, 0x06,  // SUBACK, flags 0000; remaining length 2 + 4
                    0x00, 0x07,  // packet identifier 7
                    0x00,        // success, maximum QoS 0
                    0x01,        // success, maximum QoS 1
                    0x02,        // success, maximum QoS 2
                    0x80,        // failure [MQTT-3.9.3-2]
                }));
}

TEST(GoldenV311, SubackV5FailureCodesEncodeAs0x80) {  // encode only: 0x80 decodes as Unspecified error
  const Suback s = suback(7, {ReasonCode::kNotAuthorized, ReasonCode::kGrantedQoS1, ReasonCode::kQuotaExceeded});
  EXPECT_EQ(encode(s, kServer, kV311), bytes({
                                           0x90, 0x05,  // SUBACK; remaining length 2 + 3
                                           0x00, 0x07,  // packet identifier 7
                                           0x80,        // Not authorized -> failure
                                           0x01,        // success, maximum QoS 1
                                           0x80,        // Quota exceeded -> failure
                                       }));
}

TEST(GoldenV311, UnsubscribeTwoFilters) {
  expect_golden(unsubscribe(8, {"a/+", "$share/group/a/#"}), kClient, kV311,
                concat({bytes({
                            0xA2, 25,                   // UNSUBSCRIBE, flags 0010 [MQTT-3.10.1-1]; RL 2 + 5 + 18
                            0x00, 0x08,                 // packet identifier 8
                            0x00, 0x03, 'a', '/', '+',  // filter "a/+"
                            0x00, 16,                   // filter length 16
                        }),
                        text("$share/group/a/#")}));
}

TEST(GoldenV311, UnsubackHasNoPayload) {
  expect_golden(ack<Unsuback>(8), kServer, kV311,
                bytes({
                    0xB0, 0x02,  // UNSUBACK, flags 0000; remaining length 2
                    0x00, 0x08,  // packet identifier 8; no reason codes in 3.x
                }));
}

// ---------------------------------------------------------------- 3.1.1 PINGREQ, PINGRESP, DISCONNECT

TEST(GoldenV311, Pingreq) {
  expect_golden(Pingreq{}, kClient, kV311, bytes({0xC0, 0x00}));  // PINGREQ; remaining length 0
}

TEST(GoldenV311, Pingresp) {
  expect_golden(Pingresp{}, kServer, kV311, bytes({0xD0, 0x00}));  // PINGRESP; remaining length 0
}

TEST(GoldenV311, DisconnectFromClient) {
  expect_golden(Disconnect{}, kClient, kV311, bytes({0xE0, 0x00}));  // DISCONNECT; remaining length 0
}

TEST(GoldenV311, DisconnectIsClientToServerOnly) {  // 3.1.1 table 2.1: DISCONNECT flows Client to Server
  Frame frame;
  auto sent = Encoder(kServer, kV311).encode(Disconnect{}, frame);
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error(), EncodeErrc::kNotInVersion);
  const std::optional<DecodeError> received = decode_error(bytes({0xE0, 0x00}), kServer, kV311);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->code, DecodeErrc::kUnexpectedPacket);
}

// ---------------------------------------------------------------- MQTT 3.1 (MQIsdp)

TEST(GoldenV31, ConnectMqIsdpLevel3) {
  expect_golden(connect(kV31, "roost31", 60), kClient, kV31,
                bytes({
                    0x10, 21,                                       // CONNECT, remaining length 12 + 9
                    0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',       // protocol name "MQIsdp"
                    0x03,                                           // protocol version 3
                    0x02,                                           // flags: clean session
                    0x00, 0x3C,                                     // keep alive 60 s
                    0x00, 0x07, 'r', 'o', 'o', 's', 't', '3', '1',  // client id "roost31"
                }));
}

TEST(GoldenV31, ConnectWithWillAndCredentials) {
  Connect c = connect(kV31, "c", 5);
  c.will = will("w", "m", QoS::k2, true);
  c.username = "u";
  c.password = view("p");
  expect_golden(c, kClient, kV31,
                bytes({
                    0x10, 27,                                  // CONNECT, remaining length 12 + 5 * 3
                    0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',  // protocol name "MQIsdp"
                    0x03,                                      // protocol version 3
                    0xF6,                                      // flags: user, password, retain, will QoS 2, will, clean
                    0x00, 0x05,                                // keep alive 5 s
                    0x00, 0x01, 'c',                           // client id "c"
                    0x00, 0x01, 'w',                           // will topic "w"
                    0x00, 0x01, 'm',                           // will message "m"
                    0x00, 0x01, 'u',                           // user name "u"
                    0x00, 0x01, 'p',                           // password "p"
                }));
}

TEST(GoldenV31, ConnectBridgeBitInProtocolVersion) {
  Connect c = connect(kV31, "br", 60);
  c.bridge = true;
  expect_golden(c, kClient, kV31,
                bytes({
                    0x10, 16,                                  // CONNECT, remaining length 12 + 4
                    0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',  // protocol name "MQIsdp"
                    0x83,                                      // protocol version 3 | 0x80: bridge
                    0x02,                                      // flags: clean session
                    0x00, 0x3C,                                // keep alive 60 s
                    0x00, 0x02, 'b', 'r',                      // client id "br"
                }));
}

TEST(GoldenV31, ConnackAccepted) {
  expect_golden(connack(ReasonCode::kSuccess), kServer, kV31,
                bytes({
                    0x20, 0x02,  // CONNACK, remaining length 2
                    0x00,        // topic name compression response: reserved, not used
                    0x00,        // return code 0: accepted
                }));
}

TEST(GoldenV31, ConnackRefusedIdentifierRejected) {
  expect_golden(connack(ReasonCode::kClientIdentifierNotValid), kServer, kV31,
                bytes({
                    0x20, 0x02,  // CONNACK, remaining length 2
                    0x00,        // reserved byte
                    0x02,        // return code 2: identifier rejected
                }));
}

TEST(GoldenV31, ConnackNeverCarriesSessionPresent) {  // encode only: 3.1 has no Session Present bit
  EXPECT_EQ(encode(connack(ReasonCode::kSuccess, true), kServer, kV31), bytes({0x20, 0x02, 0x00, 0x00}));
}

TEST(GoldenV31, PublishQoS1BothWays) {
  for (const Role sender : {kClient, kServer}) {
    expect_golden(publish(QoS::k1, "a/b", 3, view("v31")), sender, kV31,
                  bytes({
                      0x32, 10,                   // PUBLISH, DUP 0, QoS 1, RETAIN 0; remaining length 5 + 2 + 3
                      0x00, 0x03, 'a', '/', 'b',  // topic name "a/b"
                      0x00, 0x03,                 // message ID 3
                      'v', '3', '1',              // payload
                  }));
  }
}

TEST(GoldenV31, SubscribeTwoFilters) {
  expect_golden(subscribe(9, {subscription("a/#", QoS::k1), subscription("b/+", QoS::k2)}), kClient, kV31,
                bytes({
                    0x82, 14,                   // SUBSCRIBE, QoS 1 (flags 0010); remaining length 2 + 6 + 6
                    0x00, 0x09,                 // message ID 9
                    0x00, 0x03, 'a', '/', '#',  // "a/#"
                    0x01,                       // requested QoS 1
                    0x00, 0x03, 'b', '/', '+',  // "b/+"
                    0x02,                       // requested QoS 2
                }));
}

TEST(GoldenV31, SubackGrantedQoSVector) {
  expect_golden(suback(9, {ReasonCode::kSuccess, ReasonCode::kGrantedQoS1, ReasonCode::kGrantedQoS2}), kServer, kV31,
                bytes({
                    0x90, 0x05,  // SUBACK; remaining length 2 + 3
                    0x00, 0x09,  // message ID 9
                    0x00,        // granted QoS 0
                    0x01,        // granted QoS 1
                    0x02,        // granted QoS 2
                }));
}

TEST(GoldenV31, PubrelHasQoS1Flags) {
  expect_golden(ack<Pubrel>(5), kClient, kV31,
                bytes({
                    0x62, 0x02,  // PUBREL, QoS 1 (flags 0010); remaining length 2
                    0x00, 0x05,  // message ID 5
                }));
}

TEST(GoldenV31, OtherPacketsHaveThe311Shape) {
  // 3.1 and 3.1.1 share these forms: a 2-byte message ID, or nothing.
  expect_golden(ack<Puback>(1), kServer, kV31, bytes({0x40, 0x02, 0x00, 0x01}));    // PUBACK; RL 2; message ID 1
  expect_golden(ack<Pubrec>(2), kClient, kV31, bytes({0x50, 0x02, 0x00, 0x02}));    // PUBREC; RL 2; message ID 2
  expect_golden(ack<Pubcomp>(3), kServer, kV31, bytes({0x70, 0x02, 0x00, 0x03}));   // PUBCOMP; RL 2; message ID 3
  expect_golden(ack<Unsuback>(4), kServer, kV31, bytes({0xB0, 0x02, 0x00, 0x04}));  // UNSUBACK; RL 2; message ID 4
  expect_golden(Pingreq{}, kClient, kV31, bytes({0xC0, 0x00}));                     // PINGREQ; RL 0
  expect_golden(Pingresp{}, kServer, kV31, bytes({0xD0, 0x00}));                    // PINGRESP; RL 0
  expect_golden(Disconnect{}, kClient, kV31, bytes({0xE0, 0x00}));                  // DISCONNECT; RL 0
  expect_golden(unsubscribe(4, {"a/#"}), kClient, kV31,
                bytes({
                    0xA2, 0x07,                 // UNSUBSCRIBE, QoS 1 (flags 0010); remaining length 2 + 5
                    0x00, 0x04,                 // message ID 4
                    0x00, 0x03, 'a', '/', '#',  // "a/#"
                }));
}

// ---------------------------------------------------------------- 3.1 quirks the decoder accepts (decode only)

// 3.1: PUBREL, SUBSCRIBE and UNSUBSCRIBE are "retried in the same way as
// PUBLISH messages", so a retry may carry DUP (bit 3). The encoder always
// writes the canonical first byte.
TEST(GoldenV31, PubrelWithDupBitDecodes) {
  const Bytes wire = bytes({
      0x6A, 0x02,  // PUBREL, DUP 1 | QoS 1 (flags 1010); remaining length 2
      0x00, 0x05,  // message ID 5
  });
  for (const Role sender : {kClient, kServer}) expect_decodes(wire, sender, kV31, ack<Pubrel>(5));
  EXPECT_EQ(encode(ack<Pubrel>(5), kClient, kV31), bytes({0x62, 0x02, 0x00, 0x05}));
}

TEST(GoldenV31, SubscribeWithDupBitDecodes) {
  const Bytes wire = bytes({
      0x8A, 0x08,                 // SUBSCRIBE, DUP 1 | QoS 1 (flags 1010); remaining length 2 + 6
      0x00, 0x09,                 // message ID 9
      0x00, 0x03, 'a', '/', '#',  // "a/#"
      0x01,                       // requested QoS 1
  });
  expect_decodes(wire, kClient, kV31, subscribe(9, {subscription("a/#", QoS::k1)}));
}

TEST(GoldenV31, UnsubscribeWithDupBitDecodes) {
  const Bytes wire = bytes({
      0xAA, 0x07,                 // UNSUBSCRIBE, DUP 1 | QoS 1 (flags 1010); remaining length 2 + 5
      0x00, 0x04,                 // message ID 4
      0x00, 0x03, 'a', '/', '#',  // "a/#"
  });
  expect_decodes(wire, kClient, kV31, unsubscribe(4, {"a/#"}));
}

TEST(GoldenV31, DupBitOnPubrelAndSubscribeIsMalformedIn311) {  // reserved flags [MQTT-2.2.2-1], [MQTT-3.6.1-1]
  const std::optional<DecodeError> pubrel = decode_error(bytes({0x6A, 0x02, 0x00, 0x05}), kClient, kV311);
  ASSERT_TRUE(pubrel.has_value());
  EXPECT_EQ(pubrel->code, DecodeErrc::kReservedFlags);
  const std::optional<DecodeError> sub =
      decode_error(bytes({0x8A, 0x08, 0x00, 0x09, 0x00, 0x03, 'a', '/', '#', 0x01}), kClient, kV311);
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->code, DecodeErrc::kReservedFlags);
}

// 3.1: "the Remaining Length field from the fixed header takes precedence over
// the User Name flag": a flagged user name (or password) may be missing.
TEST(GoldenV31, ConnectUsernameFlagWithoutUsernameDecodes) {
  const Bytes wire = bytes({
      0x10, 15,                                  // CONNECT, remaining length 12 + 3: ends after the client id
      0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',  // protocol name "MQIsdp"
      0x03,                                      // protocol version 3
      0x82,                                      // flags: user name 0x80 | clean 0x02
      0x00, 0x3C,                                // keep alive 60 s
      0x00, 0x01, 'c',                           // client id "c"; no user name follows
  });
  expect_decodes(wire, kClient, kV31, connect(kV31, "c", 60));
  // The same bytes in 3.1.1 lack a required field [MQTT-3.1.2-19].
  Bytes v311 = bytes({0x10, 13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x82, 0x00, 0x3C, 0x00, 0x01, 'c'});
  EXPECT_TRUE(decode_error(v311, kClient, kV311).has_value());
}

TEST(GoldenV31, ConnectPasswordFlagWithoutPasswordDecodes) {
  const Bytes wire = bytes({
      0x10, 18,                                  // CONNECT, remaining length 12 + 3 + 3
      0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',  // protocol name "MQIsdp"
      0x03,                                      // protocol version 3
      0xC2,                                      // flags: user name 0x80 | password 0x40 | clean 0x02
      0x00, 0x3C,                                // keep alive 60 s
      0x00, 0x01, 'c',                           // client id "c"
      0x00, 0x01, 'u',                           // user name "u"; no password follows
  });
  Connect expected = connect(kV31, "c", 60);
  expected.username = "u";
  expect_decodes(wire, kClient, kV31, expected);
}

}  // namespace
}  // namespace roost::protocol::test
