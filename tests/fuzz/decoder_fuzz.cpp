// libFuzzer target for the incremental Decoder.
//
// Input: byte 0 chooses the receiver and how bytes arrive; the rest is the
// stream. Bits 0-1: 0 = a server before CONNECT, 1 = MQTT 3.1, 2 = 3.1.1,
// 3 = 5.0 (version already agreed). Bit 2: the receiver is a client. Bits
// 3-7: chunk size - 1 (the stream is fed in pieces of that size).
//
// Besides crashes, leaks and sanitizer reports, it checks the codec's own
// invariant: every packet the decoder accepts encodes again, and those bytes
// decode to an equal packet.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"

namespace {

using roost::protocol::Decoder;
using roost::protocol::DecoderLimits;
using roost::protocol::Encoder;
using roost::protocol::Frame;
using roost::protocol::kMaxPacketSizeLimit;
using roost::protocol::Packet;
using roost::protocol::PacketType;
using roost::protocol::ProtocolVersion;
using roost::protocol::Role;

[[noreturn]] void invariant_broken() { std::abort(); }

// The one thing the decoder accepts that the encoder will not send: a 3.1
// SUBACK with the 3.1.1 failure code 0x80, which brokers send to 3.1 clients
// although 3.1 has no failure code.
bool is_lenient_only(const Packet& packet, ProtocolVersion version) {
  const auto* suback = std::get_if<roost::protocol::Suback>(&packet.body);
  if (suback == nullptr || version != ProtocolVersion::kV31) return false;
  for (const auto code : suback->reason_codes) {
    if (roost::protocol::is_failure(code)) return true;
  }
  return false;
}

void check_round_trip(const Packet& packet, Role sender, ProtocolVersion version) {
  if (const auto* connect = std::get_if<roost::protocol::Connect>(&packet.body)) version = connect->version;
  if (is_lenient_only(packet, version)) return;
  Frame frame;
  if (!Encoder(sender, version).encode(packet.body, frame)) invariant_broken();
  const std::vector<std::uint8_t> wire = frame.flatten();
  Decoder again(sender == Role::kServer ? Role::kClient : Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  if (roost::protocol::type_of(packet.body) != PacketType::kConnect || sender == Role::kServer) {
    again.set_version(version);
  }
  roost::core::ByteView input(wire.data(), wire.size());
  auto step = again.next(input);
  if (!step || !*step || !input.empty()) invariant_broken();
  if (!((*step)->body == packet.body)) invariant_broken();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const Role receiver = (mode & 0x04) != 0 ? Role::kClient : Role::kServer;
  const Role sender = receiver == Role::kServer ? Role::kClient : Role::kServer;
  const std::size_t chunk = static_cast<std::size_t>(mode >> 3) + 1;
  Decoder decoder(receiver, DecoderLimits(1u << 20));
  switch (mode & 0x03) {
    case 1:
      decoder.set_version(ProtocolVersion::kV31);
      break;
    case 2:
      decoder.set_version(ProtocolVersion::kV311);
      break;
    case 3:
      decoder.set_version(ProtocolVersion::kV5);
      break;
    default:
      if (receiver == Role::kClient) decoder.set_version(ProtocolVersion::kV5);
      break;
  }
  std::size_t pos = 1;
  while (pos < size) {
    const std::size_t n = std::min(chunk, size - pos);
    roost::core::ByteView input(data + pos, n);
    pos += n;
    while (!input.empty()) {
      auto step = decoder.next(input);
      if (!step) return 0;  // a refused stream; the connection would close
      if (*step) check_round_trip(**step, sender, *decoder.version());
    }
  }
  return 0;
}
