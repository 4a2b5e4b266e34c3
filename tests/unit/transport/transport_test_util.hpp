#pragma once
// Helpers shared by the transport tests: bytes and text, the test
// certificates, and writing MQTT bytes into a Stack.

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "transport/stack.hpp"
#include "transport/tls.hpp"

namespace roost::transport::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

// tests/data/tls: a CA, a server certificate for localhost and 127.0.0.1, clients.
inline std::string tls_dir() { return std::string(ROOST_TEST_DATA) + "/tls/"; }

inline TlsSettings server_settings() {
  TlsSettings s;
  s.certfile = tls_dir() + "server.pem";
  s.keyfile = tls_dir() + "server.key";
  return s;
}

// Hands `mqtt` to the stack as one write; it must be accepted.
inline void write(Stack& stack, std::string_view mqtt) {
  const core::ByteView piece = core::as_bytes(mqtt);
  ASSERT_EQ(stack.write(std::span<const core::ByteView>(&piece, 1), piece.size()), Stack::Status::kOk) << stack.error();
}

}  // namespace roost::transport::test
