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

class Decoder {
 public:
  using Step = core::Result<std::optional<Packet>, DecodeError>;
  // true: `out` now holds a packet; false: input ran out first.
  using Status = core::Result<bool, DecodeError>;

  // `role`: the side that receives. A server learns the version from CONNECT;
  // a client must call set_version() when it sends its CONNECT.
  // `maximum_packet_size`: whole packets above this are refused (0x95).
  explicit Decoder(Role role, std::uint32_t maximum_packet_size = kMaxPacketSizeLimit) noexcept
      : role_(role), maximum_packet_size_(maximum_packet_size) {}

  void set_version(ProtocolVersion version) noexcept { version_ = version; }
  std::optional<ProtocolVersion> version() const noexcept { return version_; }
  void set_maximum_packet_size(std::uint32_t size) noexcept { maximum_packet_size_ = size; }

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

  Role role_;
  std::uint32_t maximum_packet_size_;
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

// Decodes a packet body that is already complete (the fixed header already
// parsed): `first_byte` is the type-and-flags byte, `body` the rest. For
// tools and tests; the broker uses Decoder.
core::Result<PacketBody, DecodeErrc> decode_body(std::uint8_t first_byte, core::ByteView body, ProtocolVersion version,
                                                 Role sender);

}  // namespace roost::protocol
