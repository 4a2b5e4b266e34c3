#pragma once
// Internal to broker/protocol: the per-packet halves of Decoder and Encoder.
// Each packet file implements, for its packet type X:
//   void decode(Reader&, const DecodeContext&, X&);   failures go to the Reader
//   Result<size_t, EncodeErrc> body_size(const X&, ProtocolVersion);  validates
//   void write_body(Writer&, const X&, ProtocolVersion);
//   uint8_t header_flags(const X&);                    low nibble of byte 1

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.hpp"
#include "protocol/errors.hpp"
#include "protocol/packet.hpp"
#include "protocol/wire.hpp"

namespace roost::protocol {

struct DecodeContext {
  ProtocolVersion version = ProtocolVersion::kV5;
  Role sender = Role::kClient;  // who sent the packet being decoded
  std::uint8_t flags = 0;       // low nibble of the fixed header
  // CONNECT sets this as soon as it has read a protocol level it supports, so
  // a later failure can still be answered in the client's version.
  std::optional<ProtocolVersion>* learned_version = nullptr;
  std::size_t maximum_user_properties = 0;
};

// Reads the property list of a packet decoded in `context`.
inline void read_properties(Reader& in, const DecodeContext& context, PropertyContext where, Properties& out) {
  read_properties(in, where, context.sender, context.maximum_user_properties, out);
}

using SizeResult = core::Result<std::size_t, EncodeErrc>;

// Helpers shared by the packet files.
inline bool is_v5(ProtocolVersion v) noexcept { return v == ProtocolVersion::kV5; }

// Size of a property list with its length prefix, after checking it may be
// sent (`check_strings`: see check_properties).
SizeResult property_block_size(const Properties& p, PropertyContext context, bool check_strings = true) noexcept;

// The 5.0 tail "reason code, properties" of the acknowledgements, DISCONNECT
// and AUTH: nothing for Success without properties, only the reason code
// without properties, otherwise both [MQTT-3.4.2.1], [MQTT-3.14.2.1].
SizeResult reason_tail_size(ReasonCode reason, const Properties& p, PropertyContext context) noexcept;
void write_reason_tail(Writer& out, ReasonCode reason, const Properties& p) noexcept;

// Why `s` cannot be sent as a UTF-8 string field (too long, not UTF-8), if it cannot.
std::optional<EncodeErrc> string_problem(std::string_view s) noexcept;

// Why `topic` cannot be sent as a topic name (as string_problem, or empty or
// with a wildcard [MQTT-3.3.2-2]), if it cannot.
std::optional<EncodeErrc> topic_name_problem(std::string_view topic) noexcept;

// PUBLISH body size; `trusted`: the topic and property strings came from a
// Decoder, so their contents are not checked again.
SizeResult publish_body_size(const Publish& p, ProtocolVersion version, bool trusted);

// The error for an ill-formed Topic Filter in SUBSCRIBE or UNSUBSCRIBE, if any.
std::optional<DecodeErrc> check_filter(std::string_view filter) noexcept;

// Checks a string or binary field fits its 16-bit length prefix.
inline bool fits(std::size_t length) noexcept { return length <= kMaxStringLength; }

// X names a type, which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ROOST_PACKET_CODEC(X)                                             \
  void decode(Reader& in, const DecodeContext& context, X& out);          \
  SizeResult body_size(const X& packet, ProtocolVersion version);         \
  void write_body(Writer& out, const X& packet, ProtocolVersion version); \
  std::uint8_t header_flags(const X& packet) noexcept;

ROOST_PACKET_CODEC(Connect)
ROOST_PACKET_CODEC(Connack)
ROOST_PACKET_CODEC(Publish)
ROOST_PACKET_CODEC(Puback)
ROOST_PACKET_CODEC(Pubrec)
ROOST_PACKET_CODEC(Pubrel)
ROOST_PACKET_CODEC(Pubcomp)
ROOST_PACKET_CODEC(Subscribe)
ROOST_PACKET_CODEC(Suback)
ROOST_PACKET_CODEC(Unsubscribe)
ROOST_PACKET_CODEC(Unsuback)
ROOST_PACKET_CODEC(Pingreq)
ROOST_PACKET_CODEC(Pingresp)
ROOST_PACKET_CODEC(Disconnect)
ROOST_PACKET_CODEC(Auth)

#undef ROOST_PACKET_CODEC
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace roost::protocol
