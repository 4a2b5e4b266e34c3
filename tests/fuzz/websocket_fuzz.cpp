// libFuzzer target for the WebSocket layer: the HTTP upgrade parser and the
// frame reader, fed as a server receives them.
//
// Input: byte 0 is the chunk size - 1 (bytes arrive in pieces of that
// size); the rest is the stream. Half of the inputs get a valid upgrade
// request in front, so the fuzzer spends its time in the frame reader too.
//
// Besides crashes and sanitizer reports it checks that the session never
// hands up more bytes than the frames carried, that nothing is read after
// a close, and that what it answers is HTTP before the upgrade and frames
// after it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "transport/websocket.hpp"

namespace {

constexpr std::string_view kUpgrade =
    "GET /mqtt HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";

[[noreturn]] void invariant_broken() { std::abort(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = (data[0] & 0x7F) + 1;
  const bool prefixed = (data[0] & 0x80) != 0;
  std::vector<std::uint8_t> stream;
  if (prefixed) stream.assign(kUpgrade.begin(), kUpgrade.end());
  stream.insert(stream.end(), data + 1, data + size);
  roost::transport::WsSession ws(roost::transport::WsLimits{1024, 1 << 20});
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> reply;
  bool closed = false;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const std::size_t n = std::min(chunk, stream.size() - at);
    const auto status = ws.read(roost::core::ByteView(stream.data() + at, n), out, reply);
    if (closed && (status != roost::transport::WsSession::Status::kClose)) invariant_broken();
    if (status == roost::transport::WsSession::Status::kClose) closed = true;
    // Data comes out of frames only: never more than went in.
    if (out.size() > stream.size()) invariant_broken();
  }
  if (!reply.empty()) {
    const bool http =
        reply.size() >= 9 && std::string_view(reinterpret_cast<const char*>(reply.data()), 9) == "HTTP/1.1 ";
    const bool frame = (reply[0] & 0x70) == 0 && (reply[0] & 0x0F) >= 0x8;  // close or pong from the server
    if (!http && !frame) invariant_broken();
  }
  // The upgrade parser on its own, on the raw input.
  roost::transport::UpgradeRequest request;
  std::string error;
  roost::transport::parse_upgrade_request(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), request,
                                          error);
  return 0;
}
