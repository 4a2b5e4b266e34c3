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
  Decoder d(Role::kServer);
  EXPECT_FALSE(d.version().has_value());
  DecodeOutcome out = decode_chunks(d, kConnect311);
  ASSERT_FALSE(out.error.has_value());
  ASSERT_EQ(out.packets.size(), 1u);
  EXPECT_EQ(d.version(), ProtocolVersion::kV311);
}

TEST(Decoder, FirstPacketMustBeConnect) {  // [MQTT-3.1.0-1]
  Decoder d(Role::kServer);
  DecodeOutcome out = decode_chunks(d, bytes({0xC0, 0x00}));  // PINGREQ
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->code, DecodeErrc::kFirstPacketNotConnect);
}

TEST(Decoder, RefusesOversizedPacketBeforeBufferingIt) {
  Decoder d(Role::kServer, 100);
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
  Decoder d(Role::kServer, 100);
  d.set_version(ProtocolVersion::kV311);
  Bytes publish = concat({bytes({0x30, 98, 0x00, 0x01, 't'}), Bytes(95, 'x')});
  DecodeOutcome out = decode_chunks(d, publish);
  EXPECT_FALSE(out.error.has_value());
  EXPECT_EQ(out.packets.size(), 1u);
  Decoder small(Role::kServer, 99);
  small.set_version(ProtocolVersion::kV311);
  EXPECT_EQ(decode_chunks(small, publish).error->code, DecodeErrc::kPacketTooLarge);
}

TEST(Decoder, StaysFailedAfterAnError) {
  Decoder d(Role::kServer);
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
  Decoder d(Role::kServer);
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
  Decoder d(Role::kServer);
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

}  // namespace
}  // namespace roost::protocol::test
