// TLS sessions in memory: a wolfSSL client talks to a TlsSession through
// byte buffers only (no sockets). Certificates are the test set in
// tests/data/tls (scripts/make-test-certs).

#include "transport/tls.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "transport/stack.hpp"
#include "transport_test_util.hpp"

namespace roost::transport {
namespace {

using test::server_settings;

const std::string kDir = std::string(ROOST_TEST_DATA) + "/tls/";

// A wolfSSL client whose "socket" is two byte buffers.
class MemoryClient {
 public:
  MemoryClient(int max_version, const char* cert = nullptr, const char* key = nullptr, const char* alpn = nullptr,
               const char* ciphers = nullptr) {
    init_tls();
    ctx_ = wolfSSL_CTX_new(max_version == 3 ? wolfTLSv1_3_client_method() : wolfTLSv1_2_client_method());
    if (ciphers != nullptr) {
      EXPECT_EQ(wolfSSL_CTX_set_cipher_list(ctx_, ciphers), WOLFSSL_SUCCESS) << ciphers;
    }
    wolfSSL_CTX_load_verify_locations(ctx_, (kDir + "ca.pem").c_str(), nullptr);
    if (cert != nullptr) {
      wolfSSL_CTX_use_certificate_file(ctx_, (kDir + cert).c_str(), WOLFSSL_FILETYPE_PEM);
      wolfSSL_CTX_use_PrivateKey_file(ctx_, (kDir + key).c_str(), WOLFSSL_FILETYPE_PEM);
    }
    wolfSSL_CTX_SetIORecv(ctx_, &MemoryClient::receive);
    wolfSSL_CTX_SetIOSend(ctx_, &MemoryClient::send);
    ssl_ = wolfSSL_new(ctx_);
    wolfSSL_SetIOReadCtx(ssl_, this);
    wolfSSL_SetIOWriteCtx(ssl_, this);
    if (alpn != nullptr) {
      std::string protocols = alpn;
      wolfSSL_UseALPN(ssl_, protocols.data(), static_cast<unsigned>(protocols.size()), WOLFSSL_ALPN_FAILED_ON_MISMATCH);
    }
  }
  ~MemoryClient() {
    wolfSSL_free(ssl_);
    wolfSSL_CTX_free(ctx_);
  }
  // Runs the client until it has nothing more to do; true once connected.
  bool step() { return wolfSSL_connect(ssl_) == WOLFSSL_SUCCESS; }
  void write(std::string_view s) {
    ASSERT_EQ(wolfSSL_write(ssl_, s.data(), static_cast<int>(s.size())), static_cast<int>(s.size()));
  }
  std::string read() {
    std::string out;
    char buf[4096];
    int n = 0;
    while ((n = wolfSSL_read(ssl_, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  void shutdown() { wolfSSL_shutdown(ssl_); }
  std::vector<std::uint8_t> to_server;
  std::vector<std::uint8_t> from_server;

 private:
  static int receive(WOLFSSL*, char* buf, int size, void* self) {
    auto& c = *static_cast<MemoryClient*>(self);
    if (c.from_server.empty()) return WOLFSSL_CBIO_ERR_WANT_READ;
    const std::size_t n = std::min(c.from_server.size(), static_cast<std::size_t>(size));
    std::memcpy(buf, c.from_server.data(), n);
    c.from_server.erase(c.from_server.begin(), c.from_server.begin() + static_cast<std::ptrdiff_t>(n));
    return static_cast<int>(n);
  }
  static int send(WOLFSSL*, char* buf, int size, void* self) {
    auto& c = *static_cast<MemoryClient*>(self);
    c.to_server.insert(c.to_server.end(), buf, buf + size);
    return size;
  }
  WOLFSSL_CTX* ctx_ = nullptr;
  WOLFSSL* ssl_ = nullptr;
};

// Moves bytes both ways until neither side has anything to say; returns
// the plaintext the server got and whether it stayed healthy.
bool pump(MemoryClient& client, TlsSession& server, std::vector<std::uint8_t>& plain, bool& connected) {
  for (int round = 0; round < 20; ++round) {
    connected = client.step() || connected;
    if (!client.to_server.empty()) {
      const std::vector<std::uint8_t> bytes = std::move(client.to_server);
      client.to_server.clear();
      // One byte at a time on the first round: records arrive in pieces.
      if (round == 0) {
        for (const std::uint8_t b : bytes) {
          if (!server.read(core::ByteView(&b, 1), plain)) return false;
        }
      } else if (!server.read(bytes, plain)) {
        return false;
      }
    }
    ByteQueue& out = server.output();
    if (out.empty() && client.to_server.empty() && round > 2) break;
    client.from_server.insert(client.from_server.end(), out.front().begin(), out.front().end());
    out.consume(out.size());
  }
  return true;
}

class TlsVersions : public ::testing::TestWithParam<int> {};

TEST_P(TlsVersions, HandshakeAndDataBothWays) {
  auto context = std::make_shared<TlsContext>(server_settings());
  TlsSession server(context);
  MemoryClient client(GetParam());
  std::vector<std::uint8_t> plain;
  bool connected = false;
  ASSERT_TRUE(pump(client, server, plain, connected)) << server.error();
  ASSERT_TRUE(connected);
  EXPECT_TRUE(server.established());
  EXPECT_EQ(server.version(), GetParam() == 3 ? "TLSv1.3" : "TLSv1.2");
  client.write("MQTT bytes from the client");
  ASSERT_TRUE(pump(client, server, plain, connected)) << server.error();
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "MQTT bytes from the client");
  const std::string big(40000, 'x');  // more than one record
  ASSERT_TRUE(server.write(core::as_bytes(big)));
  client.from_server.insert(client.from_server.end(), server.output().front().begin(), server.output().front().end());
  server.output().consume(server.output().size());
  EXPECT_EQ(client.read(), big);
}

INSTANTIATE_TEST_SUITE_P(Tls, TlsVersions, ::testing::Values(2, 3),
                         [](const auto& param_info) { return param_info.param == 3 ? "Tls13" : "Tls12"; });

TEST(Tls, AlpnMqttIsAgreedWhenOffered) {
  TlsSession server(std::make_shared<TlsContext>(server_settings()));
  MemoryClient client(3, nullptr, nullptr, "mqtt");
  std::vector<std::uint8_t> plain;
  bool connected = false;
  ASSERT_TRUE(pump(client, server, plain, connected)) << server.error();
  EXPECT_TRUE(connected);
  EXPECT_EQ(server.alpn(), "mqtt");
}

TEST(Tls, ClientCertificatesAreVerifiedAndNamed) {
  TlsSettings s = server_settings();
  s.cafile = kDir + "ca.pem";
  s.require_certificate = true;
  auto context = std::make_shared<TlsContext>(s);
  {
    TlsSession server(context);
    MemoryClient client(3, "client.pem", "client.key");
    std::vector<std::uint8_t> plain;
    bool connected = false;
    ASSERT_TRUE(pump(client, server, plain, connected)) << server.error();
    EXPECT_TRUE(connected);
    EXPECT_EQ(server.peer_common_name(), "test-client");
    ASSERT_TRUE(server.peer_subject().has_value());
    EXPECT_EQ(*server.peer_subject(), "O=Roost Tests,CN=test-client");  // RFC 2253, as Mosquitto
  }
  for (const char* cert : {static_cast<const char*>(nullptr), "untrusted-client.pem"}) {
    TlsSession server(context);
    MemoryClient client(3, cert, cert ? "untrusted-client.key" : nullptr);
    std::vector<std::uint8_t> plain;
    bool connected = false;
    EXPECT_FALSE(pump(client, server, plain, connected) && server.established()) << (cert ? cert : "no certificate");
  }
}

TEST(Tls, AMinimumOfTls13RefusesTls12) {
  TlsSettings s = server_settings();
  s.tls_version = "tlsv1.3";
  TlsSession server(std::make_shared<TlsContext>(s));
  MemoryClient client(2);
  std::vector<std::uint8_t> plain;
  bool connected = false;
  EXPECT_FALSE(pump(client, server, plain, connected));
  EXPECT_FALSE(connected);
}

// Whether the TLS library has `suite` at all.
bool library_has(const char* suite) {
  init_tls();
  WOLFSSL_CTX* ctx = wolfSSL_CTX_new(wolfTLSv1_2_client_method());
  const bool has = wolfSSL_CTX_set_cipher_list(ctx, suite) == WOLFSSL_SUCCESS;
  wolfSSL_CTX_free(ctx);
  return has;
}

// Debian's wolfSSL is built with RC4 and NULL suites: a client that offers
// nothing else must not get them. The control server, configured to allow
// the suite, proves the client really offers it. The release builds' own
// wolfSSL (scripts/cross-build) has neither suite: nothing to check there.
TEST(Tls, WeakSuitesAreNeverNegotiated) {
  int checked = 0;
  for (const char* suite : {"ECDHE-ECDSA-RC4-SHA", "ECDHE-ECDSA-NULL-SHA"}) {
    if (!library_has(suite)) continue;
    ++checked;
    TlsSettings weak = server_settings();
    weak.ciphers = suite;
    TlsSession control(std::make_shared<TlsContext>(weak));
    MemoryClient offers(2, nullptr, nullptr, nullptr, suite);
    std::vector<std::uint8_t> plain;
    bool connected = false;
    ASSERT_TRUE(pump(offers, control, plain, connected)) << suite << ": " << control.error();
    ASSERT_TRUE(connected) << suite;

    TlsSession server(std::make_shared<TlsContext>(server_settings()));
    MemoryClient client(2, nullptr, nullptr, nullptr, suite);
    connected = false;
    EXPECT_FALSE(pump(client, server, plain, connected)) << suite;
    EXPECT_FALSE(connected) << suite;
    EXPECT_NE(server.error().find("cipher"), std::string::npos) << server.error();
  }
  if (checked == 0) GTEST_SKIP() << "this wolfSSL has no RC4 or NULL suite to refuse";
}

TEST(Tls, BadSettingsNameWhatIsWrong) {
  const auto fails = [](TlsSettings s, const char* why) {
    try {
      TlsContext c(s);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  TlsSettings s = server_settings();
  s.certfile = kDir + "missing.pem";
  fails(s, "missing.pem");
  s = server_settings();
  s.keyfile = kDir + "client.key";
  fails(s, "does not belong to the certificate");
  s = server_settings();
  s.keyfile = kDir + "server-encrypted.key";
  fails(s, "keyfile_password");
  s.keyfile_password = "secret";
  EXPECT_NO_THROW(TlsContext{s});
  s = server_settings();
  s.ciphers = "RC4-SHA:NULL-SHA";
  s.ciphers_tls13 = "NOPE";
  fails(s, "knows none of");
  s = server_settings();
  s.require_certificate = true;
  fails(s, "needs cafile or capath");
}

// Runs a TLS handshake between `client` and the stack; false when it does not complete.
bool tls_handshake(Stack& stack, MemoryClient& client, std::vector<std::uint8_t>& mqtt) {
  for (int round = 0; round < 10; ++round) {
    const bool connected = client.step();
    std::vector<std::uint8_t> bytes = std::move(client.to_server);
    client.to_server.clear();
    if (stack.read(bytes, mqtt) != Stack::Status::kOk) return false;
    auto& out = stack.output();
    client.from_server.insert(client.from_server.end(), out.front().begin(), out.front().end());
    out.consume(out.size());
    if (connected) return true;
  }
  return false;
}

TEST(Stack, WebSocketOverTlsCarriesMqttBothWays) {
  Stack stack(std::make_shared<TlsContext>(server_settings()), true);
  MemoryClient client(3);
  std::vector<std::uint8_t> mqtt;
  ASSERT_TRUE(tls_handshake(stack, client, mqtt));
  EXPECT_FALSE(stack.ready());  // TLS is up, the WebSocket upgrade is not
  client.write(
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n\x82\x82\x01\x02\x03\x04\xc1\x02");
  std::vector<std::uint8_t> bytes = std::move(client.to_server);
  client.to_server.clear();
  ASSERT_EQ(stack.read(bytes, mqtt), Stack::Status::kOk) << stack.error();
  EXPECT_TRUE(stack.ready());
  EXPECT_EQ(mqtt, (std::vector<std::uint8_t>{0xc0, 0x00}));  // PINGREQ, unmasked
  const std::uint8_t pingresp[] = {0xd0, 0x00};
  const core::ByteView piece(pingresp, 2);
  ASSERT_EQ(stack.write(std::span<const core::ByteView>(&piece, 1), 2), Stack::Status::kOk);
  auto& out = stack.output();
  client.from_server.insert(client.from_server.end(), out.front().begin(), out.front().end());
  out.consume(out.size());
  const std::string got = client.read();
  ASSERT_TRUE(got.starts_with("HTTP/1.1 101")) << got;
  EXPECT_TRUE(got.ends_with(std::string("\x82\x02\xd0\x00", 4)));
}

TEST(Stack, WebSocketBytesBeforeCloseNotifyStillArrive) {
  Stack stack(std::make_shared<TlsContext>(server_settings()), true);
  MemoryClient client(3);
  std::vector<std::uint8_t> mqtt;
  ASSERT_TRUE(tls_handshake(stack, client, mqtt));
  // The upgrade, a DISCONNECT in a frame, then close_notify: one read.
  client.write(
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n\x82\x82\x01\x02\x03\x04\xe1\x02");
  client.shutdown();
  std::vector<std::uint8_t> bytes = std::move(client.to_server);
  EXPECT_EQ(stack.read(bytes, mqtt), Stack::Status::kClose);
  EXPECT_EQ(mqtt, (std::vector<std::uint8_t>{0xe0, 0x00}));  // the DISCONNECT, unmasked
}

TEST(ByteQueue, TakeHandsOverWhatIsQueuedAndLaterBytesGoElsewhere) {
  ByteQueue q;
  const std::uint8_t a[] = {1, 2, 3};
  const std::uint8_t b[] = {4, 5};
  q.append(a);
  std::vector<std::uint8_t> taken;
  q.take(taken);
  const std::uint8_t* before = taken.data();
  for (int i = 0; i < 1000; ++i) q.append(b);  // would have reallocated a shared buffer
  EXPECT_EQ(taken.data(), before);
  EXPECT_EQ(taken, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(q.size(), 2000u);
}

}  // namespace
}  // namespace roost::transport
