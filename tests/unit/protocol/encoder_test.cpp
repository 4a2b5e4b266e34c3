// Encoder behaviour beyond golden bytes: the gather list, what each version
// and each side may send, and values the wire cannot carry.

#include <gtest/gtest.h>

#include <string>

#include "codec_test_util.hpp"
#include "protocol/wire.hpp"

namespace roost::protocol::test {
namespace {

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

  Publish empty_topic;
  empty_topic.topic = "";  // needs a Topic Alias, and only 5.0 has them [MQTT-3.3.2-1]
  EXPECT_EQ(try_encode(empty_topic, Role::kClient, kV311).error(), EncodeErrc::kInvalidTopic);

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

// What the encoder refuses, so that whatever it encodes its peer's decoder
// accepts: each case is a packet the decoder would refuse.
struct Refusal {
  const char* name;
  PacketBody packet;
  Role sender;
  ProtocolVersion version;
  EncodeErrc expected;
};

Publish publish_to(std::string_view topic) {
  Publish p;
  p.topic = topic;
  return p;
}

Subscribe subscribe_to(std::string_view filter, bool no_local = false) {
  Subscribe s;
  s.packet_id = 1;
  Subscription sub;
  sub.filter = filter;
  sub.no_local = no_local;
  s.subscriptions.push_back(sub);
  return s;
}

Connect connect_with(ProtocolVersion v, std::string_view client_id, bool clean_start = true) {
  Connect c;
  c.version = v;
  c.client_id = client_id;
  c.clean_start = clean_start;
  return c;
}

std::vector<Refusal> refusals() {
  using E = EncodeErrc;
  const Role kC = Role::kClient;
  const Role kS = Role::kServer;
  std::vector<Refusal> r;
  r.push_back({"topic with +", publish_to("a/+"), kC, kV311, E::kInvalidTopic});  // [MQTT-3.3.2-2]
  r.push_back({"topic with #", publish_to("a/#"), kS, kV5, E::kInvalidTopic});
  r.push_back({"topic with U+0000", publish_to(std::string_view("a\0b", 3)), kC, kV5, E::kInvalidUtf8});
  r.push_back({"topic with a surrogate", publish_to("\xED\xA0\x80"), kC, kV311, E::kInvalidUtf8});
  r.push_back({"overlong topic", publish_to("\xC0\xAF"), kC, kV311, E::kInvalidUtf8});
  Publish bad_user = publish_to("t");
  bad_user.properties.user_properties.push_back({"k", "\xFF"});
  r.push_back({"user property not UTF-8", bad_user, kC, kV5, E::kInvalidUtf8});
  Publish bad_response = publish_to("t");
  bad_response.properties.response_topic = "reply/+";  // a Topic Name [MQTT-3.3.2-14]
  r.push_back({"response topic with +", bad_response, kC, kV5, E::kInvalidValue});
  r.push_back({"filter # not last", subscribe_to("a/#/b"), kC, kV311, E::kInvalidTopic});  // [MQTT-4.7.1-1]
  r.push_back({"filter + inside a level", subscribe_to("a+"), kC, kV5, E::kInvalidTopic});
  r.push_back({"empty filter", subscribe_to(""), kC, kV311, E::kInvalidTopic});
  r.push_back({"shared filter without filter", subscribe_to("$share/g"), kC, kV5, E::kInvalidTopic});
  r.push_back({"No Local on a shared subscription", subscribe_to("$share/g/a", true), kC, kV5,
               E::kInvalidValue});  // [MQTT-3.8.3-4]
  Unsubscribe unsub;
  unsub.packet_id = 1;
  unsub.filters = {""};
  r.push_back({"unsubscribe empty filter", unsub, kC, kV311, E::kInvalidTopic});
  Connect will_wildcard = connect_with(kV311, "c");
  will_wildcard.will.emplace().topic = "a/#";
  r.push_back({"will topic with #", will_wildcard, kC, kV311, E::kInvalidTopic});
  Connect will_empty = connect_with(kV5, "c");
  will_empty.will.emplace().topic = "";
  r.push_back({"empty will topic", will_empty, kC, kV5, E::kInvalidTopic});
  r.push_back({"3.1.1 empty id without clean session", connect_with(kV311, "", false), kC, kV311,
               E::kInvalidValue});  // [MQTT-3.1.3-7]
  r.push_back({"3.1 empty id", connect_with(ProtocolVersion::kV31, ""), kC, ProtocolVersion::kV31, E::kInvalidValue});
  Connect bad_name = connect_with(kV311, "c");
  bad_name.username = "\xC3";
  r.push_back({"user name not UTF-8", bad_name, kC, kV311, E::kInvalidUtf8});
  Connack malformed;
  malformed.reason = ReasonCode::kMalformedPacket;  // no 3.1.1 return code: close instead [MQTT-3.2.2-6]
  r.push_back({"3.1.1 CONNACK without a return code", malformed, kS, kV311, E::kNotInVersion});
  Suback refused;
  refused.packet_id = 1;
  refused.reason_codes = {ReasonCode::kNotAuthorized};  // 3.1 SUBACK only grants QoS
  r.push_back({"3.1 SUBACK failure", refused, kS, ProtocolVersion::kV31, E::kNotInVersion});
  Puback bad_reason_string;
  bad_reason_string.packet_id = 1;
  bad_reason_string.properties.reason_string = "\xE2\x82";
  r.push_back({"reason string cut mid-character", bad_reason_string, kS, kV5, E::kInvalidUtf8});
  return r;
}

TEST(Encoder, RefusesWhatTheDecoderWouldRefuse) {
  for (const Refusal& r : refusals()) {
    const auto result = try_encode(r.packet, r.sender, r.version);
    ASSERT_FALSE(result.has_value()) << r.name << " was encoded";
    EXPECT_EQ(result.error(), r.expected) << r.name << ": " << to_string(result.error());
  }
}

TEST(Encoder, ForwardingTrustsDecodedStringsButNotStructure) {
  // encode_forward skips the content scans (the decoder did them) ...
  const core::SharedBytes message = core::SharedBytes::copy_of(view("a/+payload"));
  Publish p;
  p.topic = core::as_chars(message.view().first(3));
  p.payload = message.view().subspan(3);
  Frame frame;
  EXPECT_TRUE(Encoder(Role::kServer, kV5).encode_forward(p, message, frame).has_value());
  EXPECT_EQ(Encoder(Role::kServer, kV5).encode(PacketBody{p}, frame).error(), EncodeErrc::kInvalidTopic);
  // ... but not the structural rules.
  p.qos = QoS::k1;  // without a packet identifier
  EXPECT_EQ(Encoder(Role::kServer, kV5).encode_forward(p, message, frame).error(), EncodeErrc::kInvalidValue);
}

TEST(Encoder, ForwardingAppendsVerbatimPropertiesAndKnowsItsSize) {
  // The message's forwardable properties, encoded once ...
  Properties message_props;
  message_props.content_type = "application/json";
  message_props.user_properties = {{"b", "1"}, {"a", "2"}};
  std::vector<std::uint8_t> verbatim(properties_size(message_props));
  Writer writer(verbatim.data());
  write_property_list(writer, message_props);
  // ... and a subscriber's own: its Subscription Identifiers and the remaining expiry.
  const core::SharedBytes message = core::SharedBytes::copy_of(view("sensor/tpayload"));
  Publish p;
  p.qos = QoS::k1;
  p.packet_id = 3;
  p.topic = core::as_chars(message.view().first(8));
  p.payload = message.view().subspan(8);
  p.properties.message_expiry_interval = 30;
  p.properties.subscription_identifiers = {7, 300};
  for (const ProtocolVersion v : {kV311, kV5}) {
    const Encoder encoder(Role::kServer, v);
    Frame frame;
    ASSERT_TRUE(encoder.encode_forward(p, message, frame, verbatim).has_value());
    EXPECT_EQ(encoder.forward_size(p, verbatim), frame.size());
    // A subscriber decodes both sets of properties (3.1.1: none at all).
    Publish expected = p;
    if (v == kV5) {
      expected.properties.content_type = message_props.content_type;
      expected.properties.user_properties = message_props.user_properties;
    } else {
      expected.properties = Properties{};
    }
    expect_decodes(frame.flatten(), Role::kServer, v, expected);
  }
}

TEST(Encoder, ForwardableKeepsWhatSubscribersGet) {  // [MQTT-3.3.2-18]
  Properties p;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 9;
  p.topic_alias = 4;
  p.subscription_identifiers = {1};
  p.response_topic = "r";
  p.correlation_data = view("c");
  p.user_properties = {{"k", "v"}};
  const Properties f = forwardable(p);
  EXPECT_EQ(f.payload_format_indicator, 1);
  EXPECT_EQ(f.response_topic, "r");
  EXPECT_EQ(f.user_properties, p.user_properties);
  EXPECT_FALSE(f.message_expiry_interval.has_value());
  EXPECT_FALSE(f.topic_alias.has_value());
  EXPECT_TRUE(f.subscription_identifiers.empty());
}

TEST(Encoder, EncodingAPacketKeepsItsBytes) {
  Frame frame;
  {
    const Packet decoded = decode_one(bytes({0x30, 0x04, 0x00, 0x01, 't', 'x'}), Role::kClient, kV311);
    ASSERT_TRUE(Encoder(Role::kServer, kV311).encode(decoded, frame).has_value());
  }
  EXPECT_EQ(frame.flatten(), bytes({0x30, 0x04, 0x00, 0x01, 't', 'x'}));  // views still valid
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
