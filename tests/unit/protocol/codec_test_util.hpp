#pragma once
// Helpers for codec tests: encode to bytes, decode bytes (whole, split at
// every boundary, concatenated) and compare with the expected packet.

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"
#include "protocol/packet.hpp"

namespace roost::protocol::test {

using Bytes = std::vector<std::uint8_t>;

constexpr ProtocolVersion kV311 = ProtocolVersion::kV311;
constexpr ProtocolVersion kV5 = ProtocolVersion::kV5;

// PUBACK, PUBREC, PUBREL or PUBCOMP (or UNSUBACK in 3.x): a packet
// identifier and, in 5.0, a reason code.
template <class Ack>
Ack ack(std::uint16_t packet_id, ReasonCode reason = ReasonCode::kSuccess) {
  Ack a;
  a.packet_id = packet_id;
  if constexpr (requires { a.reason; }) a.reason = reason;
  return a;
}

inline Role other(Role r) { return r == Role::kServer ? Role::kClient : Role::kServer; }

// Bytes from a list of byte values and strings, e.g. bytes({0x10, 0x0C}, "MQTT").
inline Bytes bytes(std::initializer_list<std::uint8_t> values) { return Bytes(values); }
inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline core::ByteView view(std::string_view s) { return core::as_bytes(s); }

// Encodes `packet` as `sender` speaking `version`; fails the test on error.
inline Bytes encode(const PacketBody& packet, Role sender, ProtocolVersion version) {
  Frame frame;
  auto result = Encoder(sender, version).encode(packet, frame);
  EXPECT_TRUE(result.has_value()) << "encode failed: " << (result ? "" : to_string(result.error()));
  return result ? frame.flatten() : Bytes{};
}

// A decoder for packets sent by `sender` in `version` (a server decoder
// learns the version from CONNECT, so it is set only for other packets).
inline Decoder make_decoder(Role sender, ProtocolVersion version, bool first_is_connect) {
  Decoder d(other(sender), DecoderLimits(kMaxPacketSizeLimit));
  if (!first_is_connect) d.set_version(version);
  return d;
}

struct DecodeOutcome {
  std::vector<Packet> packets;
  std::optional<DecodeError> error;
};

// Feeds `data` in chunks of at most `chunk` bytes (0: all at once).
inline DecodeOutcome decode_chunks(Decoder& d, const Bytes& data, std::size_t chunk = 0) {
  DecodeOutcome out;
  std::size_t pos = 0;
  while (pos < data.size() && !out.error) {
    const std::size_t n = chunk == 0 ? data.size() - pos : std::min(chunk, data.size() - pos);
    core::ByteView input(data.data() + pos, n);
    pos += n;
    while (!input.empty()) {
      auto step = d.next(input);
      if (!step) {
        out.error = step.error();
        break;
      }
      if (*step) out.packets.push_back(std::move(**step));
    }
  }
  return out;
}

// Decodes `data` as one packet from `sender`; fails the test unless exactly
// one packet results. The Packet carries the bytes its views point into.
inline Packet decode_one(const Bytes& data, Role sender, ProtocolVersion version) {
  Decoder d = make_decoder(sender, version, !data.empty() && (data[0] >> 4) == 1);
  DecodeOutcome out = decode_chunks(d, data);
  EXPECT_FALSE(out.error.has_value()) << "decode failed: " << (out.error ? to_string(out.error->code) : "");
  EXPECT_EQ(out.packets.size(), 1u);
  return out.packets.empty() ? Packet{} : std::move(out.packets.front());
}

// The error decoding `data` from `sender` gives (nothing if it decodes).
inline std::optional<DecodeError> decode_error(const Bytes& data, Role sender, ProtocolVersion version) {
  Decoder d = make_decoder(sender, version, !data.empty() && (data[0] >> 4) == 1);
  return decode_chunks(d, data).error;
}

// Checks `wire` decodes to exactly `expected` whole, split at every byte
// boundary and byte by byte, and, concatenated three times, to three packets
// (a repeated CONNECT is refused instead [MQTT-3.1.0-2]).
inline void expect_decodes(const Bytes& wire, Role sender, ProtocolVersion version, const PacketBody& expected) {
  const bool is_connect = !wire.empty() && (wire[0] >> 4) == static_cast<std::uint8_t>(PacketType::kConnect);
  {
    Decoder d = make_decoder(sender, version, is_connect);
    DecodeOutcome out = decode_chunks(d, wire);  // keeps the packets' backing bytes alive
    ASSERT_FALSE(out.error.has_value()) << to_string(out.error->code);
    ASSERT_EQ(out.packets.size(), 1u);
    EXPECT_TRUE(out.packets[0].body == expected) << "decoded packet differs";
  }
  for (std::size_t split = 1; split < wire.size(); ++split) {
    Decoder d = make_decoder(sender, version, is_connect);
    DecodeOutcome first = decode_chunks(d, Bytes(wire.begin(), wire.begin() + static_cast<long>(split)));
    ASSERT_FALSE(first.error.has_value()) << "split " << split;
    ASSERT_TRUE(first.packets.empty()) << "packet complete before its last byte, split " << split;
    DecodeOutcome second = decode_chunks(d, Bytes(wire.begin() + static_cast<long>(split), wire.end()));
    ASSERT_FALSE(second.error.has_value()) << "split " << split;
    ASSERT_EQ(second.packets.size(), 1u) << "split " << split;
    EXPECT_TRUE(second.packets[0].body == expected) << "split " << split;
  }
  {
    Decoder d = make_decoder(sender, version, is_connect);
    DecodeOutcome out = decode_chunks(d, wire, 1);
    ASSERT_FALSE(out.error.has_value());
    ASSERT_EQ(out.packets.size(), 1u);
    EXPECT_TRUE(out.packets[0].body == expected) << "byte by byte";
  }
  {
    Decoder d = make_decoder(sender, version, is_connect);
    DecodeOutcome out = decode_chunks(d, concat({wire, wire, wire}));
    if (is_connect) {
      ASSERT_TRUE(out.error.has_value());
      EXPECT_EQ(out.error->code, DecodeErrc::kSecondConnect);
      ASSERT_EQ(out.packets.size(), 1u);
    } else {
      ASSERT_FALSE(out.error.has_value());
      ASSERT_EQ(out.packets.size(), 3u);
    }
    for (const Packet& p : out.packets) EXPECT_TRUE(p.body == expected) << "concatenated";
  }
}

// The golden check: `packet` encodes to exactly `wire`, and `wire` decodes to
// `packet` (see expect_decodes).
inline void expect_golden(const PacketBody& packet, Role sender, ProtocolVersion version, const Bytes& wire) {
  EXPECT_EQ(encode(packet, sender, version), wire) << "encoding differs from the golden bytes";
  expect_decodes(wire, sender, version, packet);
}

}  // namespace roost::protocol::test
