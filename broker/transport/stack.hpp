#pragma once
// Stack: the layers between a TCP socket and MQTT: nothing, TLS, WebSocket,
// or WebSocket over TLS. Sans-I/O: the connection gives it what the socket
// read and writes what output() holds; it gets MQTT bytes back and hands it
// MQTT bytes to send. A connection never knows which layers it has.
//
// Plain TCP connections have no Stack at all: their bytes go straight to
// the decoder and their frames straight to writev.
//
// The same layers serve the client end (roost pub/sub, bridges): start()
// queues the first bytes, and with WebSocket over TLS the upgrade request
// follows by itself once the TLS handshake is done.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "transport/tls.hpp"
#include "transport/websocket.hpp"

namespace roost::transport {

// Where a client stack connects.
struct ClientEnd {
  std::string server_name;  // SNI and the certificate check (TLS): the host, bare
  bool websocket = false;
  std::string ws_host;  // the Host header ("host:port")
  std::string ws_path = "/mqtt";
};

class Stack {
 public:
  // A server stack. `tls` null: no TLS. Throws std::runtime_error when
  // wolfSSL cannot make a session.
  Stack(std::shared_ptr<const TlsContext> tls, bool websocket, WsLimits limits = {});
  // A client stack; `tls` (a client context) null: no TLS, then only
  // WebSocket, if asked. Throws std::runtime_error as TlsSession does.
  Stack(std::shared_ptr<const TlsContext> tls, ClientEnd end, WsLimits limits = {});

  enum class Status : std::uint8_t {
    kOk,
    kClose,  // an orderly end (or a refusal): write output(), then close
    kError,  // close at once; error() says why
  };
  // Client: queues the first bytes (the ClientHello, or the WebSocket
  // upgrade request) in output(); call once, before read(). False on error
  // (error()). Server: does nothing.
  bool start();
  // Bytes from the socket; MQTT bytes are appended to `mqtt`.
  Status read(core::ByteView raw, std::vector<std::uint8_t>& mqtt);
  // MQTT bytes to send (`total` in all).
  Status write(std::span<const core::ByteView> pieces, std::size_t total);
  // The orderly end: a WebSocket close frame, TLS close_notify.
  void close();

  // Bytes waiting for the socket.
  ByteQueue& output() noexcept { return tls_ ? tls_->output() : output_; }
  // Whether MQTT may flow (handshakes done).
  bool ready() const noexcept { return (!tls_ || tls_->established()) && (!ws_ || ws_->open()); }
  const std::string& error() const noexcept { return error_; }
  TlsSession* tls() noexcept { return tls_ ? &*tls_ : nullptr; }

 private:
  // Bytes from the WebSocket layer (or MQTT) towards the socket.
  bool send_down(core::ByteView bytes);
  // Client over TLS: the WebSocket upgrade request once TLS is up.
  bool start_websocket();

  std::optional<TlsSession> tls_;
  std::optional<WsSession> ws_;
  ByteQueue output_;                   // without TLS
  std::vector<std::uint8_t> plain_;    // decrypted bytes for the WebSocket layer
  std::vector<std::uint8_t> scratch_;  // WebSocket replies and frames
  std::string error_;
  bool ws_started_ = false;  // a client's upgrade request is out
};

}  // namespace roost::transport
