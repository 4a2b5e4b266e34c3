// The load generator's MQTT client: one MQTT 3.1.1 connection over a
// blocking socket (TLS when --tls set a context), on Roost's own codec.
#pragma once

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"

namespace roost::loadgen {

using namespace roost::protocol;
using Clock = std::chrono::steady_clock;

inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

// Set by --tls: every client speaks TLS through it.
inline WOLFSSL_CTX* g_tls = nullptr;

// One MQTT 3.1.1 connection with a blocking socket.
class Client {
 public:
  Client(int port, const std::string& id, bool clean = true)
      : decoder_(Role::kClient, DecoderLimits(kMaxPacketSizeLimit)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (g_tls != nullptr) {
      ssl_ = wolfSSL_new(g_tls);
      wolfSSL_set_fd(ssl_, fd_);
      if (wolfSSL_connect(ssl_) != WOLFSSL_SUCCESS) {
        throw std::runtime_error("TLS handshake failed: " + std::to_string(wolfSSL_get_error(ssl_, 0)));
      }
    }
    decoder_.set_version(ProtocolVersion::kV311);
    Connect c;
    c.version = ProtocolVersion::kV311;
    c.client_id = id;
    c.clean_start = clean;
    c.keep_alive = 0;
    send(c);
    Packet p;
    if (!read(p) || type_of(p.body) != PacketType::kConnack) throw std::runtime_error("no CONNACK");
  }
  ~Client() {
    if (ssl_ != nullptr) wolfSSL_free(ssl_);
    ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Appends a packet to the outgoing buffer; flush() writes it.
  void queue(const PacketBody& packet) {
    Frame frame;
    if (!Encoder(Role::kClient, ProtocolVersion::kV311).encode(packet, frame)) throw std::runtime_error("encode");
    const auto bytes = frame.flatten();
    std::lock_guard lock(write_mutex_);  // reason: the ack reader and the publisher share the socket
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }
  void flush() {
    std::lock_guard lock(write_mutex_);
    std::size_t done = 0;
    while (done < out_.size()) {
      const ssize_t n = ssl_ != nullptr ? wolfSSL_write(ssl_, out_.data() + done, static_cast<int>(out_.size() - done))
                                        : ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      done += static_cast<std::size_t>(n);
    }
    out_.clear();
  }
  void send(const PacketBody& packet) {
    queue(packet);
    flush();
  }
  // Reads one packet; false when the connection closed or the timeout passed
  // (with `wait` false: when no whole packet has arrived yet).
  bool read(Packet& out, bool wait = true) {
    while (true) {
      if (!pending_.empty()) {
        roost::core::ByteView input(pending_.data() + consumed_, pending_.size() - consumed_);
        const std::size_t before = input.size();
        auto status = decoder_.next(input, out);
        consumed_ += before - input.size();
        if (consumed_ == pending_.size()) {
          pending_.clear();
          consumed_ = 0;
        }
        if (!status) throw std::runtime_error("decode error");
        if (*status) return true;
      }
      flush();  // acknowledgements queued while decoding leave together, before waiting
      std::uint8_t buf[65536];
      ssize_t n = 0;
      if (ssl_ != nullptr) {
        // One WOLFSSL object may not read and write at once from two
        // threads: wait for bytes outside the lock, read under it.
        if (wolfSSL_pending(ssl_) == 0) {
          pollfd pfd{fd_, POLLIN, 0};
          if (::poll(&pfd, 1, wait ? timeout_ms_ : 0) <= 0) return false;
        }
        std::lock_guard lock(write_mutex_);
        n = wolfSSL_read(ssl_, buf, sizeof buf);
      } else {
        n = ::recv(fd_, buf, sizeof buf, wait ? 0 : MSG_DONTWAIT);
      }
      if (n <= 0) return false;
      pending_.insert(pending_.end(), buf, buf + n);
    }
  }
  void set_timeout(double seconds) {
    timeval tv{};
    tv.tv_sec = static_cast<long>(seconds);
    tv.tv_usec = static_cast<long>((seconds - static_cast<double>(tv.tv_sec)) * 1e6);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    timeout_ms_ = static_cast<int>(seconds * 1000);
  }
  void subscribe(const std::string& filter, int qos) {
    Subscribe s;
    s.packet_id = 1;
    Subscription sub;
    sub.filter = filter;
    sub.max_qos = static_cast<QoS>(qos);
    s.subscriptions.push_back(sub);
    send(s);
    Packet p;
    if (!read(p) || type_of(p.body) != PacketType::kSuback) throw std::runtime_error("no SUBACK");
  }

 private:
  int fd_ = -1;
  WOLFSSL* ssl_ = nullptr;
  int timeout_ms_ = -1;
  Decoder decoder_;
  std::vector<std::uint8_t> pending_;
  std::size_t consumed_ = 0;
  std::vector<std::uint8_t> out_;
  std::mutex write_mutex_;
};

}  // namespace roost::loadgen
