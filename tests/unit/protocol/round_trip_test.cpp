// Round-trip property: every valid packet of every type and version encodes,
// decodes back to an equal packet, and re-encodes to the same bytes; fed
// split at a random point and glued to the next packet, the stream decodes
// to the same sequence.

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "codec_test_util.hpp"
#include "packet_generator.hpp"

namespace roost::protocol::test {
namespace {

constexpr ProtocolVersion kVersions[] = {ProtocolVersion::kV31, ProtocolVersion::kV311, ProtocolVersion::kV5};
constexpr int kPacketsPerCase = 3000;

class RoundTrip : public ::testing::TestWithParam<std::tuple<ProtocolVersion, Role>> {};

TEST_P(RoundTrip, RandomPacketsSurviveEncodeDecodeEncode) {
  const auto [version, sender] = GetParam();
  PacketGenerator gen(0x5eed0000u + static_cast<std::uint32_t>(version) * 2 + (sender == Role::kServer ? 1 : 0));
  const Encoder encoder(sender, version);
  std::set<PacketType> seen;
  int with_properties = 0;
  for (int i = 0; i < kPacketsPerCase; ++i) {
    const PacketBody packet = gen.packet(sender, version);
    seen.insert(type_of(packet));
    std::visit(
        [&](const auto& p) {
          if constexpr (requires { p.properties; }) with_properties += p.properties.empty() ? 0 : 1;
        },
        packet);
    Frame frame;
    auto encoded = encoder.encode(packet, frame);
    ASSERT_TRUE(encoded.has_value()) << "packet " << i << " " << to_string(type_of(packet)) << ": "
                                     << to_string(encoded.error());
    const Bytes wire = frame.flatten();
    ASSERT_EQ(wire.size(), frame.size());
    Decoder decoder = make_decoder(sender, version, type_of(packet) == PacketType::kConnect);
    DecodeOutcome out = decode_chunks(decoder, wire);
    ASSERT_FALSE(out.error.has_value()) << "packet " << i << " " << to_string(type_of(packet)) << ": "
                                        << to_string(out.error->code);
    ASSERT_EQ(out.packets.size(), 1u);
    ASSERT_TRUE(out.packets[0].body == packet) << "packet " << i << " " << to_string(type_of(packet));
    Frame again;
    ASSERT_TRUE(encoder.encode(out.packets[0].body, again).has_value());
    ASSERT_EQ(again.flatten(), wire) << "packet " << i << " " << to_string(type_of(packet));
  }
  // The generator covered every packet this side may send, and properties in 5.0.
  for (int t = 1; t <= 15; ++t) {
    const auto type = static_cast<PacketType>(t);
    EXPECT_EQ(seen.count(type), may_send(sender, type, version) ? 1u : 0u) << to_string(type);
  }
  if (version == ProtocolVersion::kV5) {
    EXPECT_GT(with_properties, kPacketsPerCase / 3);
  }
}

TEST_P(RoundTrip, StreamOfPacketsSplitAnywhere) {
  const auto [version, sender] = GetParam();
  PacketGenerator gen(0xabc000u + static_cast<std::uint32_t>(version) * 2 + (sender == Role::kServer ? 1 : 0));
  std::mt19937 rng(7);
  const Encoder encoder(sender, version);
  // A stream that starts with CONNECT when a server decodes it.
  std::vector<PacketBody> packets;
  Bytes stream;
  for (int i = 0; i < 400; ++i) {
    PacketBody p = gen.packet(sender, version);
    if (type_of(p) == PacketType::kConnect) continue;
    Frame frame;
    ASSERT_TRUE(encoder.encode(p, frame).has_value());
    const Bytes wire = frame.flatten();
    stream.insert(stream.end(), wire.begin(), wire.end());
    packets.push_back(std::move(p));
  }
  Decoder decoder = make_decoder(sender, version, false);
  std::vector<Packet> got;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t n =
        std::min<std::size_t>(stream.size() - pos, std::uniform_int_distribution<std::size_t>(1, 300)(rng));
    DecodeOutcome out = decode_chunks(
        decoder, Bytes(stream.begin() + static_cast<long>(pos), stream.begin() + static_cast<long>(pos + n)));
    ASSERT_FALSE(out.error.has_value()) << to_string(out.error->code);
    for (Packet& p : out.packets) got.push_back(std::move(p));
    pos += n;
  }
  ASSERT_EQ(got.size(), packets.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(got[i].body == packets[i]) << "packet " << i;
}

INSTANTIATE_TEST_SUITE_P(
    AllVersionsAndSenders, RoundTrip,
    ::testing::Combine(::testing::ValuesIn(kVersions), ::testing::Values(Role::kClient, Role::kServer)),
    [](const auto& test_info) {
      const ProtocolVersion v = std::get<0>(test_info.param);
      const std::string version = v == ProtocolVersion::kV31 ? "V31" : v == ProtocolVersion::kV311 ? "V311" : "V5";
      return version + (std::get<1>(test_info.param) == Role::kClient ? "FromClient" : "FromServer");
    });

}  // namespace
}  // namespace roost::protocol::test
