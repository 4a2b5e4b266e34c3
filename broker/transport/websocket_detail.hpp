#pragma once
// Internal to broker/transport: what the WebSocket server end
// (websocket.cpp) and client end (websocket_client.cpp) share: HTTP header
// helpers, and the state only a client session carries.

// options.h first: it carries the configuration the library was built with.
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include "transport/websocket.hpp"

namespace roost::transport {

namespace detail {

// `s` in lower case (ASCII).
std::string lower(std::string_view s);
// `s` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s) noexcept;
// Appends the characters of `s` to `out`.
void append(std::vector<std::uint8_t>& out, std::string_view s);

// Calls f(token) for each comma-separated token of a header value.
template <class F>
void for_each_token(std::string_view value, F&& f) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view token = trim(value.substr(0, comma));
    if (!token.empty()) f(token);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// Calls f(lower-case name, value) for each header line of `lines` up to the
// blank line. False at a line without a name.
template <class F>
bool for_each_header(std::string_view lines, F&& f) {
  while (!lines.empty()) {
    const std::size_t end = lines.find("\r\n");
    const std::string_view line = lines.substr(0, end);
    lines = end == std::string_view::npos ? std::string_view{} : lines.substr(end + 2);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    f(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return true;
}

}  // namespace detail

struct WsSession::Client {
  Client() {
    if (wc_InitRng(&rng) != 0) throw std::runtime_error("WebSocket: cannot seed a random generator");
  }
  ~Client() { wc_FreeRng(&rng); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void random(std::uint8_t* out, std::size_t n) {
    if (wc_RNG_GenerateBlock(&rng, out, static_cast<word32>(n)) == 0) return;
    std::random_device device;  // the DRBG failed to reseed: the OS's own
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(device());
  }

  // A CSPRNG, not a fast one: mask keys must be unpredictable [RFC 6455
  // 5.3], and what a client sends is small.
  WC_RNG rng{};
  std::string host;
  std::string path;
  std::string accept;  // the Sec-WebSocket-Accept the server must send
};

}  // namespace roost::transport
