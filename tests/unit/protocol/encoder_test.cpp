// Encoder behaviour beyond golden bytes: the gather list, what each version
// and each side may send, and values the wire cannot carry.

#include <gtest/gtest.h>

#include <string>

#include "codec_test_util.hpp"

namespace roost::protocol::test {
namespace {

constexpr ProtocolVersion kV311 = ProtocolVersion::kV311;
constexpr ProtocolVersion kV5 = ProtocolVersion::kV5;

core::Result<void, EncodeErrc> try_encode(const PacketBody& packet, Role sender, ProtocolVersion v) {
  Frame frame;
  return Encoder(sender, v).encode(packet, frame);
}

TEST(Encoder, PublishGatherListViewsTopicAndPayloadWithoutCopying) {
  const std::string topic = "a/b";
  const std::string payload(300, 'p');
  Publish p;
  p.topic = topic;
  p.qos = QoS::k1;
  p.packet_id = 9;
  p.payload = view(payload);
  Frame frame;
  ASSERT_TRUE(Encoder(Role::kServer, kV5).encode(p, frame).has_value());
  Frame::Buffers buffers;
  ASSERT_EQ(frame.buffers(buffers), 4u);  // [header, topic length][topic][packet id, properties][payload]
  EXPECT_EQ(buffers[1].data(), reinterpret_cast<const std::uint8_t*>(topic.data()));
  EXPECT_EQ(buffers[3].data(), reinterpret_cast<const std::uint8_t*>(payload.data()));
  EXPECT_EQ(buffers[3].size(), payload.size());
  // Fixed header (1 + 2 length bytes) + topic length (2); packet id (2) + property length (1).
  EXPECT_EQ(buffers[0].size(), 5u);
  EXPECT_EQ(buffers[2].size(), 3u);
  EXPECT_EQ(frame.size(), 5u + 3u + 3u + 300u);
}

TEST(Encoder, QoS0PublishWithEmptyPayloadUsesTwoSegments) {
  Publish p;
  p.topic = "t";
  Frame frame;
  ASSERT_TRUE(Encoder(Role::kClient, kV311).encode(p, frame).has_value());
  Frame::Buffers buffers;
  EXPECT_EQ(frame.buffers(buffers), 2u);  // header and topic; no packet id, no payload
  EXPECT_EQ(frame.flatten(), bytes({0x30, 0x03, 0x00, 0x01, 't'}));
}

TEST(Encoder, FrameKeepsTheMessageAlive) {
  Frame frame;
  std::uint32_t uses = 0;
  {
    core::SharedBytes message = core::SharedBytes::copy_of(view("payload"));
    Publish p;
    p.topic = "t";
    p.payload = message.view();
    ASSERT_TRUE(Encoder(Role::kServer, kV311).encode(p, frame).has_value());
    frame.keep_alive(message);
    uses = message.use_count();
  }
  EXPECT_EQ(uses, 2u);
  Bytes wire = frame.flatten();  // the message's bytes are still valid here (ASan would object otherwise)
  EXPECT_EQ(Bytes(wire.end() - 7, wire.end()), text("payload"));
}

TEST(Encoder, LargeHeadersMoveToTheHeap) {
  // Properties beyond the frame's inline room still encode correctly.
  const std::string long_value(500, 'v');
  Puback ack;
  ack.packet_id = 1;
  ack.reason = ReasonCode::kNotAuthorized;
  ack.properties.reason_string = long_value;
  const Bytes wire = encode(ack, Role::kServer, kV5);
  ASSERT_GT(wire.size(), Frame::kInlineBytes);
  const Packet back = decode_one(wire, Role::kServer, kV5);
  EXPECT_TRUE(back.body == PacketBody(ack));
}

TEST(Encoder, ThreeXLeavesOutEveryFiveOnlyField) {
  Puback ack;
  ack.packet_id = 7;
  ack.reason = ReasonCode::kNoMatchingSubscribers;
  ack.properties.reason_string = "nobody listens";
  EXPECT_EQ(encode(ack, Role::kServer, kV311), bytes({0x40, 0x02, 0x00, 0x07}));
  Disconnect d;
  d.reason = ReasonCode::kDisconnectWithWillMessage;
  EXPECT_EQ(encode(d, Role::kClient, kV311), bytes({0xE0, 0x00}));
}

TEST(Encoder, RefusesPacketsThatDoNotExistForTheSenderOrVersion) {
  EXPECT_EQ(try_encode(Auth{}, Role::kServer, kV311).error(), EncodeErrc::kNotInVersion);
  EXPECT_EQ(try_encode(Disconnect{}, Role::kServer, kV311).error(), EncodeErrc::kNotInVersion);
  EXPECT_EQ(try_encode(Connack{}, Role::kClient, kV5).error(), EncodeErrc::kNotInVersion);
  EXPECT_EQ(try_encode(Pingreq{}, Role::kServer, kV5).error(), EncodeErrc::kNotInVersion);
  EXPECT_TRUE(try_encode(Disconnect{}, Role::kServer, kV5).has_value());
}

TEST(Encoder, ClientPublishCannotCarrySubscriptionIdentifiers) {  // [MQTT-3.3.4-6]
  Publish p;
  p.topic = "t";
  p.properties.subscription_identifiers = {5};
  Frame frame;
  EXPECT_EQ(Encoder(Role::kClient, kV5).encode(p, frame).error(), EncodeErrc::kPropertyNotAllowed);
  EXPECT_TRUE(Encoder(Role::kServer, kV5).encode(p, frame).has_value());
}

TEST(Encoder, ServerDisconnectCannotCarrySessionExpiry) {  // [MQTT-3.14.2-2]
  Disconnect d;
  d.properties.session_expiry_interval = 10;
  EXPECT_EQ(try_encode(d, Role::kServer, kV5).error(), EncodeErrc::kPropertyNotAllowed);
  EXPECT_TRUE(try_encode(d, Role::kClient, kV5).has_value());
}

TEST(Encoder, ReasonCodesRestrictedToOneSide) {  // tables 3-10 and 3-11
  Disconnect will;
  will.reason = ReasonCode::kDisconnectWithWillMessage;
  EXPECT_EQ(try_encode(will, Role::kServer, kV5).error(), EncodeErrc::kInvalidValue);
  Disconnect taken_over;
  taken_over.reason = ReasonCode::kSessionTakenOver;
  EXPECT_EQ(try_encode(taken_over, Role::kClient, kV5).error(), EncodeErrc::kInvalidValue);
  Auth reauth;
  reauth.reason = ReasonCode::kReAuthenticate;
  reauth.properties.authentication_method = "SCRAM";
  EXPECT_EQ(try_encode(reauth, Role::kServer, kV5).error(), EncodeErrc::kInvalidValue);
  EXPECT_TRUE(try_encode(reauth, Role::kClient, kV5).has_value());
  EXPECT_EQ(try_encode(Auth{}, Role::kClient, kV5).error(), EncodeErrc::kInvalidValue);
}

TEST(Encoder, RefusesValuesTheWireCannotCarry) {
  Publish no_id;
  no_id.topic = "t";
  no_id.qos = QoS::k1;  // packet id 0 [MQTT-2.2.1-3]
  EXPECT_EQ(try_encode(no_id, Role::kClient, kV5).error(), EncodeErrc::kInvalidValue);

  Publish wildcard_free;
  wildcard_free.topic = "";  // empty topic needs a Topic Alias, and only in 5.0
  EXPECT_EQ(try_encode(wildcard_free, Role::kClient, kV311).error(), EncodeErrc::kInvalidValue);

  const std::string huge(70'000, 'x');
  Publish long_topic;
  long_topic.topic = huge;
  EXPECT_EQ(try_encode(long_topic, Role::kClient, kV5).error(), EncodeErrc::kStringTooLong);

  Connack zero_receive_max;
  zero_receive_max.properties.receive_maximum = 0;
  EXPECT_EQ(try_encode(zero_receive_max, Role::kServer, kV5).error(), EncodeErrc::kInvalidValue);

  Connack wrong_property;
  wrong_property.properties.topic_alias = 3;  // Topic Alias only in PUBLISH
  EXPECT_EQ(try_encode(wrong_property, Role::kServer, kV5).error(), EncodeErrc::kPropertyNotAllowed);

  Subscribe empty;
  empty.packet_id = 1;  // no subscriptions [MQTT-3.8.3-2]
  EXPECT_EQ(try_encode(empty, Role::kClient, kV5).error(), EncodeErrc::kInvalidValue);

  Connack refused_with_session;
  refused_with_session.reason = ReasonCode::kNotAuthorized;
  refused_with_session.session_present = true;  // [MQTT-3.2.2-6]
  EXPECT_EQ(try_encode(refused_with_session, Role::kServer, kV5).error(), EncodeErrc::kInvalidValue);
}

TEST(Decoder, DirectionalReasonCodesAreProtocolErrors) {  // tables 3-10 and 3-11
  // DISCONNECT "Session taken over" is the server's to send.
  EXPECT_EQ(decode_error(bytes({0xE0, 0x01, 0x8E}), Role::kClient, kV5)->code, DecodeErrc::kInvalidReasonCode);
  // AUTH with Remaining Length 0 means Success, which only a server sends.
  EXPECT_EQ(decode_error(bytes({0xF0, 0x00}), Role::kClient, kV5)->code, DecodeErrc::kInvalidReasonCode);
  EXPECT_FALSE(decode_error(bytes({0xF0, 0x00}), Role::kServer, kV5).has_value());
  EXPECT_EQ(reason_code(DecodeErrc::kInvalidReasonCode), ReasonCode::kProtocolError);
}

}  // namespace
}  // namespace roost::protocol::test
