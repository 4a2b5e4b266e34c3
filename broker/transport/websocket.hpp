#pragma once
// WebSocket (RFC 6455) for MQTT, sans-I/O, server side: the HTTP upgrade,
// then frames. MQTT packets may straddle frames and one frame may hold
// several: the session hands back a byte stream. Data frames are unmasked
// as they arrive, never buffered whole, so a frame costs no memory beyond
// its bytes in flight; control frames (at most 125 bytes) are collected.
// Pings are answered, a close is echoed, and anything the RFC forbids
// closes the connection with the status code it calls for.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace roost::transport {

struct WsLimits {
  std::size_t max_header_bytes = std::size_t{8} * 1024;  // the HTTP upgrade request
  std::uint64_t max_frame_bytes = 268'435'460;           // one frame's payload (the largest MQTT packet)
};

// The parsed upgrade request.
struct UpgradeRequest {
  std::string path;
  std::string key;                     // Sec-WebSocket-Key
  std::vector<std::string> protocols;  // Sec-WebSocket-Protocol, in the client's order
  bool websocket = false;              // Upgrade: websocket
  bool connection_upgrade = false;     // Connection: ... upgrade ...
  std::string version;                 // Sec-WebSocket-Version
};

// Parses a complete request head (up to and including the blank line).
// False, with `error` an HTTP status line reason, when it is not a GET with
// HTTP/1.1 and well-formed headers.
bool parse_upgrade_request(std::string_view head, UpgradeRequest& out, std::string& error);

// The Sec-WebSocket-Accept value for `key` [RFC 6455 4.2.2].
std::string websocket_accept(std::string_view key);

class WsSession {
 public:
  enum class Status : std::uint8_t {
    kOk,
    kClose,  // the exchange is over: send what reply holds, then close
  };
  explicit WsSession(WsLimits limits = {}) : limits_(limits) {}

  // Bytes from below. Message payload (MQTT bytes) is appended to `data`;
  // what must go back (the HTTP response, pongs, a close frame) to `reply`.
  Status read(core::ByteView in, std::vector<std::uint8_t>& data, std::vector<std::uint8_t>& reply);
  // Appends `pieces` (`total` bytes in all) as one binary frame to `out`.
  static void frame(std::span<const core::ByteView> pieces, std::size_t total, std::vector<std::uint8_t>& out);
  // A close frame with `code` [RFC 6455 7.4.1], appended to `out`.
  static void close_frame(std::uint16_t code, std::vector<std::uint8_t>& out);

  bool open() const noexcept { return state_ == State::kFrames; }
  const std::string& error() const noexcept { return error_; }
  const std::string& subprotocol() const noexcept { return subprotocol_; }

 private:
  enum class State : std::uint8_t { kHandshake, kFrames, kClosed };
  Status handshake(core::ByteView& in, std::vector<std::uint8_t>& reply);
  Status fail(std::uint16_t code, std::string why, std::vector<std::uint8_t>& reply);
  Status refuse(std::string_view status, const std::string& why, std::vector<std::uint8_t>& reply,
                std::string_view extra_headers = {});
  Status control(std::vector<std::uint8_t>& reply);

  WsLimits limits_;
  State state_ = State::kHandshake;
  std::string head_;  // the request head while it arrives
  std::string subprotocol_;
  std::string error_;

  // The frame being read.
  std::uint8_t header_[14] = {};
  std::size_t header_have_ = 0;
  std::size_t header_need_ = 2;
  bool in_header_ = true;
  std::uint8_t opcode_ = 0;
  bool fin_ = false;
  std::uint8_t mask_[4] = {};
  std::uint64_t remaining_ = 0;
  std::uint64_t mask_offset_ = 0;
  bool fragmented_ = false;            // a data message continues in the next frame
  std::vector<std::uint8_t> control_;  // a control frame's payload
};

}  // namespace roost::transport
