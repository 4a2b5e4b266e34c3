#pragma once
// TLS through wolfSSL, sans-I/O: a TlsSession is fed the bytes read from
// the socket and hands back plaintext; what it has to send (handshake,
// records, alerts) collects in an output buffer the connection writes. No
// socket, no thread, no blocking: a handshake costs only its own CPU.
//
// A TlsContext is one listener's certificates and policy, built whole from
// TlsSettings (or not at all, with a message saying why). A reload builds a
// new one; sessions keep the context they started with. Built from
// TlsClientSettings it is the client end instead: its sessions connect.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "transport/tls_settings.hpp"

struct WOLFSSL_CTX;
struct WOLFSSL;

namespace roost::transport {

// Initialises wolfSSL once per process (thread-safe).
void init_tls();

// Frees the calling thread's wolfSSL caches. Debian's wolfSSL keeps a
// fixed-point ECC table per thread (about 800 KiB once a thread has done an
// ECC handshake), freed only by its own thread: every thread that ran TLS
// calls this before it ends.
void release_thread_tls();

// Roost's TLS 1.2 cipher list when none is configured: forward-secret AEAD
// suites only (Debian's wolfSSL would otherwise also offer RC4 and NULL).
inline constexpr const char* kDefaultCiphers12 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
inline constexpr const char* kDefaultCiphers13 =
    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256";

class TlsContext {
 public:
  // Throws std::runtime_error naming the file or setting at fault.
  explicit TlsContext(const TlsSettings& settings);
  // The client end. Throws std::runtime_error naming the file or setting at
  // fault; without CAs (cafile, capath or use_os_certs) only verify=false.
  explicit TlsContext(const TlsClientSettings& settings);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  WOLFSSL_CTX* get() const noexcept { return ctx_; }
  // The server's settings (default ones for a client context).
  const TlsSettings& settings() const noexcept { return settings_; }
  // The client's settings (default ones for a server context).
  const TlsClientSettings& client_settings() const noexcept { return client_settings_; }
  bool is_client() const noexcept { return client_; }

 private:
  TlsSettings settings_;
  TlsClientSettings client_settings_;
  bool client_ = false;
  WOLFSSL_CTX* ctx_ = nullptr;
};

// A growable byte buffer read from the front (what waits for the socket).
class ByteQueue {
 public:
  void append(core::ByteView bytes);
  core::ByteView front() const noexcept { return {data_.data() + head_, data_.size() - head_}; }
  void consume(std::size_t n) noexcept;
  // Moves everything queued into `out` (emptied first): bytes appended later
  // go to another buffer, so `out` can be written while the queue grows.
  void take(std::vector<std::uint8_t>& out);
  std::size_t size() const noexcept { return data_.size() - head_; }
  bool empty() const noexcept { return size() == 0; }

 private:
  std::vector<std::uint8_t> data_;
  std::size_t head_ = 0;
};

class TlsSession {
 public:
  // For a client context `server_name` is the host connected to: sent as
  // SNI when it is a DNS name, and the certificate must name it (a DNS name
  // or an IP address, "[::1]" or "::1") unless the context is insecure or
  // does not verify; it is required then. Ignored for a server context.
  // Throws std::runtime_error when wolfSSL cannot make a session.
  explicit TlsSession(std::shared_ptr<const TlsContext> context, std::string server_name = {});
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Client: queues the ClientHello in output(). False on error (error()).
  // Server: does nothing, returns true.
  bool start();
  // Bytes from the peer. Plaintext is appended to `plain`; handshake
  // messages to send go to output(). False on a fatal error (error() says
  // which) or when the peer closed the TLS session (closed()).
  bool read(core::ByteView cipher, std::vector<std::uint8_t>& plain);
  // Encrypts `plain` into output(). False on a fatal error.
  bool write(core::ByteView plain);
  // Queues close_notify.
  void shutdown();

  ByteQueue& output() noexcept { return output_; }
  bool established() const noexcept { return established_; }
  bool closed() const noexcept { return closed_; }
  bool is_client() const noexcept { return context_->is_client(); }
  const std::string& error() const noexcept { return error_; }
  // The negotiated version ("TLSv1.3") and ALPN protocol, once established.
  std::string version() const;
  std::string alpn() const;
  // The client certificate's Common Name and its whole subject in RFC 2253
  // form ("O=Example,CN=client", as Mosquitto names it), when one was verified.
  std::optional<std::string> peer_common_name() const;
  std::optional<std::string> peer_subject() const;

  // wolfSSL's I/O callbacks (memory, not sockets); `self` is the session.
  static int on_receive(WOLFSSL* ssl, char* buffer, int size, void* self);
  static int on_send(WOLFSSL* ssl, char* buffer, int size, void* self);

 private:
  bool fail(int rc);
  void set_up_client();

  std::shared_ptr<const TlsContext> context_;
  std::string server_name_;
  WOLFSSL* ssl_ = nullptr;
  core::ByteView input_;
  ByteQueue output_;
  bool established_ = false;
  bool closed_ = false;
  std::string error_;
};

}  // namespace roost::transport
