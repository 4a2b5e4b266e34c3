#include "protocol/ping.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

// Neither packet has a variable header or payload: the decoder rejects any
// remaining length above 0 as trailing bytes.
void decode(Reader&, const DecodeContext&, Pingreq&) {}
void decode(Reader&, const DecodeContext&, Pingresp&) {}
SizeResult body_size(const Pingreq&, ProtocolVersion) { return std::size_t{0}; }
SizeResult body_size(const Pingresp&, ProtocolVersion) { return std::size_t{0}; }
void write_body(Writer&, const Pingreq&, ProtocolVersion) {}
void write_body(Writer&, const Pingresp&, ProtocolVersion) {}
std::uint8_t header_flags(const Pingreq&) noexcept { return 0; }
std::uint8_t header_flags(const Pingresp&) noexcept { return 0; }

}  // namespace roost::protocol
