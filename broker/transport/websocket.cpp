#include "transport/websocket.hpp"

// options.h first: it carries the configuration the library was built with.
#include <algorithm>
#include <cctype>
#include <string>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>

#include "core/base64.hpp"
#include "transport/websocket_detail.hpp"

namespace roost::transport {

namespace detail {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) noexcept {
  const std::size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

void append(std::vector<std::uint8_t>& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

}  // namespace detail

using detail::append;
using detail::for_each_header;
using detail::for_each_token;
using detail::lower;

namespace {

constexpr std::uint8_t kContinuation = 0x0;
constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kBinary = 0x2;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xA;

void frame_header(std::uint8_t opcode, std::uint64_t length, std::vector<std::uint8_t>& out, bool masked = false) {
  out.push_back(static_cast<std::uint8_t>(0x80 | opcode));  // FIN
  // Masked from clients, never from servers [RFC 6455 5.1].
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (length < 126) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | length));
  } else if (length <= 0xFFFF) {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(length >> shift));
  }
}

}  // namespace

WsSession::WsSession(WsLimits limits) : limits_(limits) {}
WsSession::~WsSession() = default;
WsSession::WsSession(WsSession&&) noexcept = default;
WsSession& WsSession::operator=(WsSession&&) noexcept = default;

bool parse_upgrade_request(std::string_view head, UpgradeRequest& out, std::string& error) {
  const std::size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  // "GET <path> HTTP/1.1" [RFC 6455 4.1]
  const std::size_t sp1 = request_line.find(' ');
  const std::size_t sp2 = request_line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || request_line.substr(0, sp1) != "GET") {
    error = "only GET can open a WebSocket";
    return false;
  }
  const std::string_view version = request_line.substr(sp2 + 1);
  if (version != "HTTP/1.1") {
    error = "HTTP/1.1 is needed";
    return false;
  }
  out.path = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (out.path.empty()) {
    error = "no path";
    return false;
  }
  const std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  const bool well_formed = for_each_header(rest, [&](const std::string& name, std::string_view value) {
    if (name == "upgrade") {
      for_each_token(value, [&](std::string_view t) { out.websocket = out.websocket || lower(t) == "websocket"; });
    } else if (name == "connection") {
      for_each_token(
          value, [&](std::string_view t) { out.connection_upgrade = out.connection_upgrade || lower(t) == "upgrade"; });
    } else if (name == "sec-websocket-key") {
      out.key = std::string(value);
    } else if (name == "sec-websocket-version") {
      out.version = std::string(value);
    } else if (name == "sec-websocket-protocol") {
      for_each_token(value, [&](std::string_view t) { out.protocols.emplace_back(t); });
    }
  });
  if (!well_formed) error = "a header line without a name";
  return well_formed;
}

std::string websocket_accept(std::string_view key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(key);
  input += kGuid;
  std::uint8_t digest[WC_SHA_DIGEST_SIZE];
  wc_ShaHash(reinterpret_cast<const std::uint8_t*>(input.data()), static_cast<word32>(input.size()), digest);
  return core::base64_encode(core::ByteView(digest, sizeof digest));
}

WsSession::Status WsSession::refuse(std::string_view status, const std::string& why, std::vector<std::uint8_t>& reply,
                                    std::string_view extra_headers) {
  append(reply, "HTTP/1.1 ");
  append(reply, status);
  append(reply, "\r\nContent-Type: text/plain\r\nContent-Length: ");
  append(reply, std::to_string(why.size() + 1));
  append(reply, "\r\nConnection: close\r\n");
  append(reply, extra_headers);
  append(reply, "\r\n");
  append(reply, why);
  append(reply, "\n");
  error_ = "WebSocket upgrade refused: " + why;
  state_ = State::kClosed;
  return Status::kClose;
}

std::size_t WsSession::collect_head(core::ByteView& in) {
  // Up to the blank line, byte by byte into head_: bytes after it are frames.
  const std::string_view chars = core::as_chars(in);
  const std::size_t before = head_.size();
  const std::size_t room = limits_.max_header_bytes + 4 > before ? limits_.max_header_bytes + 4 - before : 0;
  head_.append(chars.substr(0, std::min(chars.size(), room)));
  const std::size_t end = head_.find("\r\n\r\n", before < 3 ? 0 : before - 3);
  if (end == std::string::npos) {
    in = {};
    return head_.size() > limits_.max_header_bytes ? std::string::npos : 0;
  }
  const std::size_t head_size = end + 4;
  if (head_size > limits_.max_header_bytes) return std::string::npos;
  in = in.subspan(head_size - before);
  return head_size;
}

WsSession::Status WsSession::handshake(core::ByteView& in, std::vector<std::uint8_t>& reply) {
  const std::size_t head_size = collect_head(in);
  if (head_.size() >= 4 && !head_.starts_with("GET ")) {
    // MQTT (or anything else) sent to a WebSocket port: say so at once.
    return refuse("400 Bad Request", "this port speaks MQTT over WebSocket: send an Upgrade: websocket request", reply);
  }
  if (head_size == std::string::npos) {
    return refuse("431 Request Header Fields Too Large", "the request head is larger than 8 KiB", reply);
  }
  if (head_size == 0) return Status::kOk;
  UpgradeRequest request;
  std::string why;
  if (!parse_upgrade_request(std::string_view(head_).substr(0, head_size), request, why)) {
    return refuse("400 Bad Request", why, reply);
  }
  head_.clear();
  head_.shrink_to_fit();
  if (!request.websocket || !request.connection_upgrade) {
    return refuse("400 Bad Request", "this port speaks MQTT over WebSocket: send an Upgrade: websocket request", reply);
  }
  if (request.version != "13") {
    return refuse("426 Upgrade Required", "only WebSocket version 13 is supported", reply,
                  "Sec-WebSocket-Version: 13\r\n");
  }
  const auto key = core::base64_decode(request.key);
  if (!key || key->size() != 16) return refuse("400 Bad Request", "Sec-WebSocket-Key is not 16 bytes of base64", reply);
  // MQTT's subprotocols [MQTT-6.0.0-3]: "mqtt" (3.1.1, 5.0) and "mqttv3.1".
  for (const std::string& p : request.protocols) {
    if (p == "mqtt" || p == "mqttv3.1") {
      subprotocol_ = p;
      break;
    }
  }
  if (subprotocol_.empty() && !request.protocols.empty()) {
    return refuse("400 Bad Request", "no supported Sec-WebSocket-Protocol (mqtt or mqttv3.1)", reply);
  }
  append(reply,
         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
  append(reply, websocket_accept(request.key));
  if (!subprotocol_.empty()) {
    append(reply, "\r\nSec-WebSocket-Protocol: ");
    append(reply, subprotocol_);
  }
  append(reply, "\r\n\r\n");
  state_ = State::kFrames;
  return Status::kOk;
}

WsSession::Status WsSession::fail(std::uint16_t code, std::string why, std::vector<std::uint8_t>& reply) {
  error_ = std::move(why);
  write_close_frame(code, reply);
  state_ = State::kClosed;
  return Status::kClose;
}

WsSession::Status WsSession::control(std::vector<std::uint8_t>& reply) {
  if (opcode_ == kPing) {
    const core::ByteView payload(control_);
    put_frame(kPong, std::span<const core::ByteView>(&payload, 1), control_.size(), reply);
  } else if (opcode_ == kClose) {
    // Echo the status code [RFC 6455 5.5.1]; then the connection ends.
    if (control_.size() == 1) return fail(1002, "a close frame with a one-byte body", reply);
    const std::uint16_t code = control_.size() >= 2 ? static_cast<std::uint16_t>(control_[0] << 8 | control_[1]) : 1000;
    error_ = client_ ? "the server closed the WebSocket" : "the client closed the WebSocket";
    write_close_frame(code == 1005 || code == 1006 || code == 1015 ? 1000 : code, reply);
    state_ = State::kClosed;
    return Status::kClose;
  }
  return Status::kOk;  // pongs are welcome and need nothing
}

WsSession::Status WsSession::read(core::ByteView in, std::vector<std::uint8_t>& data,
                                  std::vector<std::uint8_t>& reply) {
  if (state_ == State::kClosed) return Status::kClose;
  if (state_ == State::kHandshake) {
    if ((client_ ? client_handshake(in) : handshake(in, reply)) == Status::kClose) return Status::kClose;
  }
  while (!in.empty() && state_ == State::kFrames) {
    if (in_header_) {
      const std::size_t take = std::min(in.size(), header_need_ - header_have_);
      std::copy_n(in.begin(), take, header_ + header_have_);
      header_have_ += take;
      in = in.subspan(take);
      if (header_have_ < header_need_) continue;
      if (header_have_ == 2) {
        // Work out the full header size: extended length and mask [RFC 6455 5.2].
        const std::uint8_t len7 = header_[1] & 0x7F;
        header_need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header_[1] & 0x80) ? 4 : 0);
        if (header_need_ > header_have_) continue;
      }
      const std::uint8_t b0 = header_[0];
      const std::uint8_t b1 = header_[1];
      fin_ = (b0 & 0x80) != 0;
      opcode_ = b0 & 0x0F;
      if ((b0 & 0x70) != 0) return fail(1002, "RSV bits set without an extension", reply);
      const bool masked = (b1 & 0x80) != 0;
      if (masked == (client_ != nullptr)) {
        return fail(1002, client_ ? "a masked frame from the server" : "a client frame without a mask", reply);
      }
      std::uint64_t length = b1 & 0x7F;
      std::size_t pos = 2;
      if (length == 126) {
        length = std::uint64_t{header_[2]} << 8 | header_[3];
        pos = 4;
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; ++i) length = length << 8 | header_[2 + i];
        pos = 10;
        if (length >> 63) return fail(1002, "a frame length with the top bit set", reply);
      }
      // An all-zero mask leaves a server's unmasked bytes as they are.
      if (masked) {
        std::copy_n(header_ + pos, 4, mask_);
      } else {
        std::fill_n(mask_, 4, 0);
      }
      const bool is_control = (opcode_ & 0x08) != 0;
      if (is_control) {
        if (length > 125 || !fin_) return fail(1002, "a control frame longer than 125 bytes or fragmented", reply);
        if (opcode_ != kClose && opcode_ != kPing && opcode_ != kPong) return fail(1002, "an unknown opcode", reply);
      } else if (opcode_ == kText) {
        return fail(1003, "MQTT travels in binary frames, not text", reply);
      } else if (opcode_ == kBinary) {
        if (fragmented_) return fail(1002, "a new message inside a fragmented one", reply);
        fragmented_ = !fin_;
      } else if (opcode_ == kContinuation) {
        if (!fragmented_) return fail(1002, "a continuation frame with nothing to continue", reply);
        fragmented_ = !fin_;
      } else {
        return fail(1002, "an unknown opcode", reply);
      }
      if (length > limits_.max_frame_bytes) return fail(1009, "a frame larger than the largest MQTT packet", reply);
      remaining_ = length;
      mask_offset_ = 0;
      control_.clear();
      in_header_ = false;
      header_have_ = 0;
      header_need_ = 2;
      if (remaining_ != 0) continue;
    } else {
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), remaining_));
      std::vector<std::uint8_t>& sink = (opcode_ & 0x08) != 0 ? control_ : data;
      const std::size_t at = sink.size();
      sink.insert(sink.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
      for (std::size_t i = 0; i < take; ++i) sink[at + i] ^= mask_[(mask_offset_ + i) & 3];
      mask_offset_ += take;
      remaining_ -= take;
      in = in.subspan(take);
      if (remaining_ != 0) continue;
    }
    // A whole frame has been read.
    in_header_ = true;
    if ((opcode_ & 0x08) != 0 && control(reply) == Status::kClose) return Status::kClose;
  }
  return state_ == State::kClosed ? Status::kClose : Status::kOk;
}

void WsSession::frame(std::span<const core::ByteView> pieces, std::size_t total, std::vector<std::uint8_t>& out) {
  frame_header(kBinary, total, out);
  for (const core::ByteView p : pieces) out.insert(out.end(), p.begin(), p.end());
}

void WsSession::close_frame(std::uint16_t code, std::vector<std::uint8_t>& out) {
  frame_header(kClose, 2, out);
  out.push_back(static_cast<std::uint8_t>(code >> 8));
  out.push_back(static_cast<std::uint8_t>(code));
}

void WsSession::put_frame(std::uint8_t opcode, std::span<const core::ByteView> pieces, std::size_t total,
                          std::vector<std::uint8_t>& out) {
  if (!client_) {
    frame_header(opcode, total, out);
    for (const core::ByteView p : pieces) out.insert(out.end(), p.begin(), p.end());
    return;
  }
  frame_header(opcode, total, out, true);
  std::uint8_t key[4];
  client_->random(key, sizeof key);
  out.insert(out.end(), key, key + 4);
  const std::size_t at = out.size();
  for (const core::ByteView p : pieces) out.insert(out.end(), p.begin(), p.end());
  for (std::size_t i = at; i < out.size(); ++i) out[i] ^= key[(i - at) & 3];
}

void WsSession::write_frame(std::span<const core::ByteView> pieces, std::size_t total, std::vector<std::uint8_t>& out) {
  put_frame(kBinary, pieces, total, out);
}

void WsSession::write_close_frame(std::uint16_t code, std::vector<std::uint8_t>& out) {
  const std::uint8_t body[2] = {static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code)};
  const core::ByteView piece(body, 2);
  put_frame(kClose, std::span<const core::ByteView>(&piece, 1), 2, out);
}

}  // namespace roost::transport
