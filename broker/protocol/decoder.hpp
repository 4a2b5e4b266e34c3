#pragma once
// Decoder: bytes -> packets, incrementally, for one connection.
//
// Feed it whatever the socket delivered; it returns each packet as soon as
// its last byte arrives. It refuses a packet whose size exceeds the maximum
// as soon as the remaining length is known, before buffering any of it. The
// body of each packet is copied once, into the packet's own SharedBytes.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/shared_bytes.hpp"
#include "protocol/errors.hpp"
#include "protocol/packet.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

// The largest packet the format can carry: 1 + 4 + 268 435 455 bytes.
inline constexpr std::uint32_t kMaxPacketSizeLimit = 268'435'460;

// What one connection's decoder accepts. Every bound is a resource limit for
// the server's configuration to set; exceeding one is a decode error.
struct DecoderLimits {
  // No default: the caller states how much a packet may make it allocate.
  explicit DecoderLimits(std::uint32_t packet_size) noexcept : maximum_packet_size(packet_size) {}

  // Whole packets above this are refused before any of the body is buffered
  // (0x95 Packet too large) [MQTT-3.2.2-15].
  std::uint32_t maximum_packet_size;
  // Until a server has decoded CONNECT it does not know who is talking:
  // the first packet may be at most this big (the smaller limit applies).
  std::uint32_t maximum_connect_size = 256 * 1024;
  // User Properties per property list: each costs a 32-byte view pair for 5
  // wire bytes, so an unbounded list multiplies a packet's memory.
  std::size_t maximum_user_properties = 256;
};

class Decoder {
 public:
  using Step = core::Result<std::optional<Packet>, DecodeError>;
  // true: `out` now holds a packet; false: input ran out first.
  using Status = core::Result<bool, DecodeError>;

  // `role`: the side that receives. A server learns the version from CONNECT
  // and refuses a second CONNECT [MQTT-3.1.0-2]; a client must call
  // set_version() when it sends its CONNECT.
  Decoder(Role role, DecoderLimits limits) noexcept : role_(role), limits_(limits) {}

  void set_version(ProtocolVersion version) noexcept { version_ = version; }
  std::optional<ProtocolVersion> version() const noexcept { return version_; }
  // New limits apply from the next packet (e.g. once CONNECT is accepted).
  void set_limits(DecoderLimits limits) noexcept { limits_ = limits; }

  // Consumes bytes from the front of `input` up to the end of the next packet
  // and decodes it into `out` (reusing `out` avoids moving a packet around).
  // Returns true when `out` holds a new packet, false when `input` ran out
  // first (all of it was consumed), or an error. After an error the
  // connection must be closed: every further call returns the same error.
  Status next(core::ByteView& input, Packet& out);

  // The same, returning the packet by value (convenient for tests and tools).
  Step next(core::ByteView& input);

 private:
  Status fail(DecodeErrc code) noexcept;
  Status finish(Packet& out);

  std::uint32_t current_maximum() const noexcept;

  Role role_;
  DecoderLimits limits_;
  std::optional<ProtocolVersion> version_;
  std::optional<DecodeError> failure_;
  // The fixed header being read: type byte and up to 4 length bytes.
  std::uint8_t header_[5] = {};
  std::size_t header_length_ = 0;
  bool in_body_ = false;
  std::uint32_t remaining_ = 0;
  core::SharedBytes body_;
  std::size_t filled_ = 0;
};

}  // namespace roost::protocol
