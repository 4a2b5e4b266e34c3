// Decoder behaviour beyond single packets: incremental feeding, limits,
// version negotiation and what happens after a failure.

#include <gtest/gtest.h>

#include "codec_test_util.hpp"

namespace roost::protocol::test {
namespace {

// A 3.1.1 CONNECT: client id "c", clean session, keep alive 60.
const Bytes kConnect311 = bytes({
    0x10, 13,                        // CONNECT, remaining length 13
    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
    0x04,                            // protocol level 4
    0x02,                            // flags: clean session
    0x00, 0x3C,                      // keep alive 60
    0x00, 0x01, 'c',                 // client id "c"
});

TEST(Decoder, LearnsVersionFromConnect) {
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  EXPECT_FALSE(d.version().has_value());
  DecodeOutcome out = decode_chunks(d, kConnect311);
  ASSERT_FALSE(out.error.has_value());
  ASSERT_EQ(out.packets.size(), 1u);
  EXPECT_EQ(d.version(), ProtocolVersion::kV311);
}

TEST(Decoder, FirstPacketMustBeConnect) {  // [MQTT-3.1.0-1]
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  DecodeOutcome out = decode_chunks(d, bytes({0xC0, 0x00}));  // PINGREQ
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, DecodeErrc::kFirstPacketNotConnect);
}

TEST(Decoder, RefusesOversizedPacketBeforeBufferingIt) {
  Decoder d(Role::kServer, DecoderLimits(100));
  d.set_version(ProtocolVersion::kV311);
  // PUBLISH announcing 200 bytes: refused after the length, with no body sent.
  Bytes header = bytes({0x30, 0xC8, 0x01});
  core::ByteView input(header.data(), header.size());
  auto step = d.next(input);
  ASSERT_FALSE(step.has_value());
  EXPECT_EQ(step.error().code, DecodeErrc::kPacketTooLarge);
  EXPECT_EQ(reason_code(step.error().code), ReasonCode::kPacketTooLarge);
}

TEST(Decoder, MaximumPacketSizeCountsTheFixedHeader) {
  // 98 bytes of remaining length + 2 bytes of fixed header = 100: allowed.
  Decoder d(Role::kServer, DecoderLimits(100));
  d.set_version(ProtocolVersion::kV311);
  Bytes publish = concat({bytes({0x30, 98, 0x00, 0x01, 't'}), Bytes(95, 'x')});
  DecodeOutcome out = decode_chunks(d, publish);
  EXPECT_FALSE(out.error.has_value());
  EXPECT_EQ(out.packets.size(), 1u);
  Decoder small(Role::kServer, DecoderLimits(99));
  small.set_version(ProtocolVersion::kV311);
  EXPECT_EQ(decode_chunks(small, publish).error->code, DecodeErrc::kPacketTooLarge);
}

TEST(Decoder, StaysFailedAfterAnError) {
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  d.set_version(ProtocolVersion::kV311);
  Bytes bad = bytes({0x36, 0x00});  // PUBLISH with QoS 3
  core::ByteView input(bad.data(), bad.size());
  ASSERT_FALSE(d.next(input).has_value());
  Bytes ping = bytes({0xC0, 0x00});
  core::ByteView more(ping.data(), ping.size());
  auto again = d.next(more);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, DecodeErrc::kQoSInvalid);
}

TEST(Decoder, ConsumesOnlyUpToTheEndOfOnePacket) {
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  d.set_version(ProtocolVersion::kV311);
  Bytes two = bytes({0xC0, 0x00, 0xE0, 0x00});  // PINGREQ, DISCONNECT
  core::ByteView input(two.data(), two.size());
  auto first = d.next(input);
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ(type_of((*first)->body), PacketType::kPingreq);
  EXPECT_EQ(input.size(), 2u);
  auto second = d.next(input);
  ASSERT_TRUE(second.has_value() && second->has_value());
  EXPECT_EQ(type_of((*second)->body), PacketType::kDisconnect);
  EXPECT_TRUE(input.empty());
}

TEST(Decoder, PublishViewsPointIntoTheBackingBuffer) {
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  d.set_version(ProtocolVersion::kV311);
  Bytes wire = bytes({0x30, 0x06, 0x00, 0x01, 't', 'a', 'b', 'c'});
  DecodeOutcome out = decode_chunks(d, wire);
  ASSERT_EQ(out.packets.size(), 1u);
  const Packet& p = out.packets[0];
  const auto& publish = std::get<Publish>(p.body);
  const std::uint8_t* begin = p.backing.data();
  const std::uint8_t* end = begin + p.backing.size();
  EXPECT_GE(publish.payload.data(), begin);
  EXPECT_LE(publish.payload.data() + publish.payload.size(), end);
  EXPECT_EQ(core::as_chars(publish.payload), "abc");
  EXPECT_EQ(publish.topic, "t");
}

TEST(Decoder, SecondConnectIsAProtocolError) {  // [MQTT-3.1.0-2]
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  DecodeOutcome out = decode_chunks(d, concat({kConnect311, kConnect311}));
  ASSERT_EQ(out.packets.size(), 1u);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, DecodeErrc::kSecondConnect);
  EXPECT_EQ(reason_code(out.error->code), ReasonCode::kProtocolError);
}

TEST(Decoder, FirstPacketHasItsOwnSmallerLimit) {
  // Five bytes claiming a 256 MiB CONNECT are refused before anything is
  // allocated for them: nobody has logged in yet.
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  EXPECT_EQ(decode_chunks(d, bytes({0x10, 0xFF, 0xFF, 0xFF, 0x7F})).error->code, DecodeErrc::kPacketTooLarge);
  DecoderLimits limits(1'000'000);
  limits.maximum_connect_size = 20;
  Decoder small(Role::kServer, limits);
  EXPECT_FALSE(decode_chunks(small, kConnect311).error.has_value());  // 15 bytes: within 20
  Decoder tight(Role::kServer, limits);
  Bytes big_connect = kConnect311;
  big_connect[1] = 13 + 6;  // a longer client id makes the CONNECT 21 bytes
  big_connect[14] = 7;
  big_connect.insert(big_connect.end(), {'l', 'o', 'n', 'g', 'e', 'r'});
  EXPECT_EQ(decode_chunks(tight, big_connect).error->code, DecodeErrc::kPacketTooLarge);
}

TEST(Decoder, AfterConnectTheSessionLimitApplies) {
  DecoderLimits limits(1'000);
  limits.maximum_connect_size = 100;
  Decoder d(Role::kServer, limits);
  ASSERT_FALSE(decode_chunks(d, kConnect311).error.has_value());
  // A 500-byte PUBLISH: over the CONNECT limit, within the packet limit.
  Bytes publish = concat({bytes({0x30, 0xF4, 0x03, 0x00, 0x01, 't'}), Bytes(497, 'x')});
  DecodeOutcome out = decode_chunks(d, publish);
  EXPECT_FALSE(out.error.has_value());
  EXPECT_EQ(out.packets.size(), 1u);
}

TEST(Decoder, UserPropertiesAreBounded) {
  DecoderLimits limits(kMaxPacketSizeLimit);
  limits.maximum_user_properties = 2;
  // PUBLISH 5.0 with three empty User Properties (26 00 00 00 00 each).
  Bytes props;
  for (int i = 0; i < 3; ++i) props.insert(props.end(), {0x26, 0x00, 0x00, 0x00, 0x00});
  const Bytes wire = concat({bytes({0x30, static_cast<std::uint8_t>(3 + 1 + props.size()), 0x00, 0x01, 't',
                                    static_cast<std::uint8_t>(props.size())}),
                             props});
  Decoder d(Role::kServer, limits);
  d.set_version(ProtocolVersion::kV5);
  DecodeOutcome out = decode_chunks(d, wire);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, DecodeErrc::kTooManyUserProperties);
  EXPECT_EQ(reason_code(out.error->code), ReasonCode::kImplementationSpecificError);
  limits.maximum_user_properties = 3;
  Decoder enough(Role::kServer, limits);
  enough.set_version(ProtocolVersion::kV5);
  EXPECT_FALSE(decode_chunks(enough, wire).error.has_value());
}

TEST(Decoder, FiveClientReadsAThreeLayoutRefusal) {
  // A server that does not speak 5.0 refuses it with the 3.1.1 CONNACK
  // "unacceptable protocol version" [MQTT-3.1.2-2]; so does Roost.
  Decoder d(Role::kClient, DecoderLimits(kMaxPacketSizeLimit));
  d.set_version(ProtocolVersion::kV5);
  DecodeOutcome out = decode_chunks(d, bytes({0x20, 0x02, 0x00, 0x01}));
  ASSERT_FALSE(out.error.has_value());
  ASSERT_EQ(out.packets.size(), 1u);
  EXPECT_EQ(std::get<Connack>(out.packets[0].body).reason, ReasonCode::kUnsupportedProtocolVersion);
}

TEST(Decoder, ThreeOneSubscriptionOptionsIgnoreUnusedBits) {
  // 3.1 calls the upper six bits of the requested QoS byte "not used".
  const Bytes wire = bytes({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0xFD});
  const Packet p = decode_one(wire, Role::kClient, ProtocolVersion::kV31);
  EXPECT_EQ(std::get<Subscribe>(p.body).subscriptions.at(0).max_qos, QoS::k1);
  EXPECT_EQ(decode_error(wire, Role::kClient, ProtocolVersion::kV311)->code, DecodeErrc::kSubscriptionOptionsReserved);
}

}  // namespace
}  // namespace roost::protocol::test
