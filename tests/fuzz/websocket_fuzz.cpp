// libFuzzer target for the WebSocket layer: the HTTP upgrade parser and the
// frame reader, fed as a server receives them, and the upgrade response
// check and the frame reader of the client role.
//
// Input: byte 0 picks the role (low bit set: client); byte 1 is the chunk
// size - 1 in its low seven bits (bytes arrive in pieces of that size); the
// rest is the stream. When byte 1's top bit is set, the stream gets a valid
// upgrade in front (the server's request, or the client's 101 response with
// the Sec-WebSocket-Accept for the key it sent), so the fuzzer spends its
// time in the frame reader too.
//
// Besides crashes and sanitizer reports it checks that the session never
// hands up more bytes than the frames carried, that nothing is read after
// a close, that a server answers HTTP before the upgrade and frames after
// it, and that a client answers only masked control frames (and nothing at
// all to a refused upgrade).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "transport/websocket.hpp"

namespace {

using roost::transport::WsSession;

constexpr std::string_view kUpgrade =
    "GET /mqtt HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";

constexpr roost::transport::WsLimits kLimits{1024, 1 << 20};

[[noreturn]] void invariant_broken() { std::abort(); }

std::string_view chars(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Feeds `stream` to `ws` `chunk` bytes at a time; `reply` collects what it
// answers, and the data it hands up is returned.
std::vector<std::uint8_t> feed(WsSession& ws, const std::vector<std::uint8_t>& stream, std::size_t chunk,
                               std::vector<std::uint8_t>& reply) {
  std::vector<std::uint8_t> out;
  bool closed = false;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const std::size_t n = std::min(chunk, stream.size() - at);
    const auto status = ws.read(roost::core::ByteView(stream.data() + at, n), out, reply);
    if (closed && (status != WsSession::Status::kClose)) invariant_broken();
    if (status == WsSession::Status::kClose) closed = true;
    // Data comes out of frames only: never more than went in.
    if (out.size() > stream.size()) invariant_broken();
  }
  return out;
}

void fuzz_server(const std::uint8_t* data, std::size_t size, std::size_t chunk, bool prefixed) {
  std::vector<std::uint8_t> stream;
  if (prefixed) stream.assign(kUpgrade.begin(), kUpgrade.end());
  stream.insert(stream.end(), data, data + size);
  WsSession ws(kLimits);
  std::vector<std::uint8_t> reply;
  feed(ws, stream, chunk, reply);
  if (!reply.empty()) {
    const bool http = chars(reply).starts_with("HTTP/1.1 ");
    const bool frame = (reply[0] & 0x70) == 0 && (reply[0] & 0x0F) >= 0x8;  // close or pong from the server
    if (!http && !frame) invariant_broken();
  }
  // The upgrade parser on its own, on the raw input.
  roost::transport::UpgradeRequest request;
  std::string error;
  roost::transport::parse_upgrade_request(std::string_view(reinterpret_cast<const char*>(data), size), request, error);
}

void fuzz_client(const std::uint8_t* data, std::size_t size, std::size_t chunk, bool prefixed) {
  WsSession ws = WsSession::client("broker.example:8080", "/mqtt", kLimits);
  std::vector<std::uint8_t> request;
  ws.start(request);
  // The client's own request must pass the server's parser.
  roost::transport::UpgradeRequest parsed;
  std::string error;
  if (!roost::transport::parse_upgrade_request(chars(request), parsed, error) || parsed.version != "13" ||
      parsed.key.empty()) {
    invariant_broken();
  }
  std::vector<std::uint8_t> stream;
  if (prefixed) {
    const std::string response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
        roost::transport::websocket_accept(parsed.key) + "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
    stream.assign(response.begin(), response.end());
  }
  stream.insert(stream.end(), data, data + size);
  std::vector<std::uint8_t> reply;
  feed(ws, stream, chunk, reply);
  if (!reply.empty()) {
    // A client sends no HTTP back, and masks every frame [RFC 6455 5.3].
    const bool frame = (reply[0] & 0x70) == 0 && (reply[0] & 0x0F) >= 0x8 && reply.size() >= 2 && (reply[1] & 0x80);
    if (!frame || ws.error().starts_with("WebSocket upgrade failed")) invariant_broken();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool client = (data[0] & 0x01) != 0;
  const std::size_t chunk = (data[1] & 0x7F) + 1;
  const bool prefixed = (data[1] & 0x80) != 0;
  if (client) {
    fuzz_client(data + 2, size - 2, chunk, prefixed);
  } else {
    fuzz_server(data + 2, size - 2, chunk, prefixed);
  }
  return 0;
}
