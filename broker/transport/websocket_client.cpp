// The client end of a WebSocket: the upgrade request and the check of the
// server's answer [RFC 6455 4.1]. Frames are read and written by the code
// both ends share (websocket.cpp).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.hpp"
#include "transport/websocket.hpp"
#include "transport/websocket_detail.hpp"

namespace roost::transport {

using detail::append;
using detail::for_each_header;
using detail::for_each_token;
using detail::lower;

namespace {

bool has_token(std::string_view value, std::string_view token) {
  bool found = false;
  for_each_token(value, [&](std::string_view t) { found = found || lower(t) == token; });
  return found;
}

// Why the server's response head does not open the WebSocket ("" when it
// does) [RFC 6455 4.1]; `subprotocol` is the one it chose.
std::string check_upgrade_response(std::string_view head, std::string_view accept, std::string& subprotocol) {
  const std::string_view status_line = head.substr(0, head.find("\r\n"));
  if (!status_line.starts_with("HTTP/1.1 101") || (status_line.size() > 12 && status_line[12] != ' ')) {
    return "the server answered \"" + std::string(status_line.substr(0, 200)) + "\", not 101 Switching Protocols";
  }
  bool websocket = false;
  bool upgrade = false;
  std::string got_accept;
  bool chose = false;
  const bool well_formed =
      for_each_header(head.substr(status_line.size() + 2), [&](const std::string& name, std::string_view value) {
        if (name == "upgrade") {
          websocket = websocket || has_token(value, "websocket");
        } else if (name == "connection") {
          upgrade = upgrade || has_token(value, "upgrade");
        } else if (name == "sec-websocket-accept") {
          got_accept = std::string(value);
        } else if (name == "sec-websocket-protocol") {
          subprotocol = std::string(value);
          chose = true;
        }
      });
  if (!well_formed) return "a header line without a name in the response";
  if (!websocket) return "the response has no \"Upgrade: websocket\"";
  if (!upgrade) return "the response has no \"Connection: Upgrade\"";
  if (got_accept != accept) {
    return "Sec-WebSocket-Accept is \"" + got_accept + "\", not \"" + std::string(accept) + "\"";
  }
  // Only "mqtt" was offered [MQTT-6.0.0-3]; none chosen is tolerated.
  if (chose && subprotocol != "mqtt") return "the server chose subprotocol \"" + subprotocol + "\", not mqtt";
  return {};
}

}  // namespace

WsSession::Status WsSession::client_handshake(core::ByteView& in) {
  const std::size_t head_size = collect_head(in);
  if (head_size == 0) return Status::kOk;
  std::string why =
      head_size == std::string::npos
          ? "the response head is larger than " + std::to_string(limits_.max_header_bytes) + " bytes"
          : check_upgrade_response(std::string_view(head_).substr(0, head_size), client_->accept, subprotocol_);
  head_.clear();
  head_.shrink_to_fit();
  if (!why.empty()) {
    // Nothing to send back: the client just closes the connection [RFC 6455 4.1].
    error_ = "WebSocket upgrade failed: " + why;
    state_ = State::kClosed;
    return Status::kClose;
  }
  state_ = State::kFrames;
  return Status::kOk;
}

WsSession WsSession::client(std::string host, std::string path, WsLimits limits) {
  WsSession ws(limits);
  ws.client_ = std::make_unique<Client>();
  ws.client_->host = std::move(host);
  ws.client_->path = path.empty() ? "/" : std::move(path);
  return ws;
}

void WsSession::start(std::vector<std::uint8_t>& out) {
  if (!client_) return;
  std::uint8_t nonce[16];
  client_->random(nonce, sizeof nonce);
  const std::string key = core::base64_encode(core::ByteView(nonce, sizeof nonce));
  client_->accept = websocket_accept(key);
  append(out, "GET ");
  append(out, client_->path);
  append(out, " HTTP/1.1\r\nHost: ");
  append(out, client_->host);
  append(out, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  append(out, key);
  append(out, "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
}

}  // namespace roost::transport
