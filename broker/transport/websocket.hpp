#pragma once
// WebSocket (RFC 6455) for MQTT, sans-I/O, either end: the HTTP upgrade,
// then frames. MQTT packets may straddle frames and one frame may hold
// several: the session hands back a byte stream. Data frames are unmasked
// as they arrive, never buffered whole, so a frame costs no memory beyond
// its bytes in flight; control frames (at most 125 bytes) are collected.
// Pings are answered, a close is echoed, and anything the RFC forbids
// closes the connection with the status code it calls for.
//
// A server session answers an upgrade request and sends unmasked frames; a
// client session (WsSession::client) sends the request, checks the answer,
// and masks every frame it sends with a fresh key [RFC 6455 5.3].

#include <cstdint>
#include <memory>
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
  // A server session.
  explicit WsSession(WsLimits limits = {});
  // A client session that will ask `host` ("host:port", the Host header)
  // for `path`; start() makes the request.
  // Throws std::runtime_error when no random generator can be seeded.
  static WsSession client(std::string host, std::string path, WsLimits limits = {});
  ~WsSession();
  WsSession(WsSession&&) noexcept;
  WsSession& operator=(WsSession&&) noexcept;

  // Client: appends the HTTP upgrade request to `out`; call once, before
  // read(). Server: does nothing.
  void start(std::vector<std::uint8_t>& out);
  // Bytes from below. Message payload (MQTT bytes) is appended to `data`;
  // what must go back (the HTTP response, pongs, a close frame) to `reply`.
  // A client whose upgrade the server refused gets kClose and nothing to
  // send: it closes the connection.
  Status read(core::ByteView in, std::vector<std::uint8_t>& data, std::vector<std::uint8_t>& reply);
  // Appends `pieces` (`total` bytes in all) as one binary frame to `out`,
  // unmasked: the server's frames.
  static void frame(std::span<const core::ByteView> pieces, std::size_t total, std::vector<std::uint8_t>& out);
  // A close frame with `code` [RFC 6455 7.4.1], appended to `out`, unmasked.
  static void close_frame(std::uint16_t code, std::vector<std::uint8_t>& out);
  // As frame() and close_frame(), masked in the client role.
  void write_frame(std::span<const core::ByteView> pieces, std::size_t total, std::vector<std::uint8_t>& out);
  void write_close_frame(std::uint16_t code, std::vector<std::uint8_t>& out);

  bool is_client() const noexcept { return client_ != nullptr; }
  bool open() const noexcept { return state_ == State::kFrames; }
  const std::string& error() const noexcept { return error_; }
  const std::string& subprotocol() const noexcept { return subprotocol_; }

 private:
  enum class State : std::uint8_t { kHandshake, kFrames, kClosed };
  // What only a client needs (its random generator, the request), apart
  // so server sessions stay small.
  struct Client;

  std::size_t collect_head(core::ByteView& in);
  Status handshake(core::ByteView& in, std::vector<std::uint8_t>& reply);
  Status client_handshake(core::ByteView& in);
  void put_frame(std::uint8_t opcode, std::span<const core::ByteView> pieces, std::size_t total,
                 std::vector<std::uint8_t>& out);
  Status fail(std::uint16_t code, std::string why, std::vector<std::uint8_t>& reply);
  Status refuse(std::string_view status, const std::string& why, std::vector<std::uint8_t>& reply,
                std::string_view extra_headers = {});
  Status control(std::vector<std::uint8_t>& reply);

  WsLimits limits_;
  std::unique_ptr<Client> client_;  // null: the server end
  State state_ = State::kHandshake;
  std::string head_;  // the request (or response) head while it arrives
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
