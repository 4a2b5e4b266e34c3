#include "transport/stack.hpp"

namespace roost::transport {

Stack::Stack(std::shared_ptr<const TlsContext> tls, bool websocket, WsLimits limits) {
  if (tls) tls_.emplace(std::move(tls));
  if (websocket) ws_.emplace(limits);
}

Stack::Stack(std::shared_ptr<const TlsContext> tls, ClientEnd end, WsLimits limits) {
  if (tls) tls_.emplace(std::move(tls), std::move(end.server_name));
  if (end.websocket) ws_.emplace(WsSession::client(std::move(end.ws_host), std::move(end.ws_path), limits));
}

bool Stack::start() {
  if (tls_) {
    if (tls_->start()) return true;
    error_ = "TLS: " + tls_->error();
    return false;
  }
  return start_websocket();
}

bool Stack::start_websocket() {
  if (!ws_ || !ws_->is_client() || ws_started_) return true;
  ws_started_ = true;
  scratch_.clear();
  ws_->start(scratch_);
  return send_down(scratch_);
}

bool Stack::send_down(core::ByteView bytes) {
  if (bytes.empty()) return true;
  if (!tls_) {
    output_.append(bytes);
    return true;
  }
  if (tls_->write(bytes)) return true;
  error_ = "TLS: " + tls_->error();
  return false;
}

Stack::Status Stack::read(core::ByteView raw, std::vector<std::uint8_t>& mqtt) {
  core::ByteView bytes = raw;
  if (tls_) {
    plain_.clear();
    // Without WebSocket the plaintext is MQTT itself.
    std::vector<std::uint8_t>& sink = ws_ ? plain_ : mqtt;
    if (!tls_->read(raw, sink)) {
      if (!tls_->closed()) {
        error_ = "TLS: " + tls_->error();
        return Status::kError;
      }
      // close_notify: what came before it still goes up (a last DISCONNECT).
      if (ws_ && !plain_.empty()) {
        scratch_.clear();
        ws_->read(plain_, mqtt, scratch_);
      }
      return Status::kClose;
    }
    if (!ws_) return Status::kOk;
    if (tls_->established() && !start_websocket()) return Status::kError;
    bytes = plain_;
  }
  if (!ws_) {
    mqtt.insert(mqtt.end(), bytes.begin(), bytes.end());
    return Status::kOk;
  }
  scratch_.clear();
  const WsSession::Status s = ws_->read(bytes, mqtt, scratch_);
  if (!send_down(scratch_)) return Status::kError;
  if (s == WsSession::Status::kClose) {
    error_ = ws_->error();
    if (tls_) tls_->shutdown();
    return Status::kClose;
  }
  return Status::kOk;
}

Stack::Status Stack::write(std::span<const core::ByteView> pieces, std::size_t total) {
  if (ws_) {
    // One frame per write: the frame and TLS both copy; without TLS this is
    // the one copy of the payload a WebSocket client costs.
    scratch_.clear();
    scratch_.reserve(total + 14);
    ws_->write_frame(pieces, total, scratch_);
    return send_down(scratch_) ? Status::kOk : Status::kError;
  }
  if (total == 0) return Status::kOk;
  if (pieces.size() == 1) return send_down(pieces.front()) ? Status::kOk : Status::kError;
  // Gathered into one buffer so TLS makes few, full records instead of one per piece.
  scratch_.clear();
  scratch_.reserve(total);
  for (const core::ByteView p : pieces) scratch_.insert(scratch_.end(), p.begin(), p.end());
  return send_down(scratch_) ? Status::kOk : Status::kError;
}

void Stack::close() {
  if (ws_ && ws_->open()) {
    scratch_.clear();
    ws_->write_close_frame(1000, scratch_);
    send_down(scratch_);
  }
  if (tls_) tls_->shutdown();
}

}  // namespace roost::transport
