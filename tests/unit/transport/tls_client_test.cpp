// The client end of TLS: a client Stack talks to a server Stack through
// byte buffers only (no sockets), with and without WebSocket; certificate
// and host name checks, client certificates, versions, ALPN; and the
// client settings refused with a reason. Certificates: tests/data/tls.

#include <gtest/gtest.h>

#include <string>

#include "transport/stack.hpp"
#include "transport/tls.hpp"
#include "transport_test_util.hpp"

namespace roost::transport {
namespace {

using test::Bytes;
using test::server_settings;
using test::text;
using test::tls_dir;
using test::write;

TlsClientSettings client_settings() {
  TlsClientSettings s;
  s.cafile = tls_dir() + "ca.pem";
  return s;
}

ClientEnd end_for(std::string name, bool websocket = false) {
  ClientEnd end;
  end.server_name = std::move(name);
  end.websocket = websocket;
  end.ws_host = "localhost:8883";
  return end;
}

// A client Stack and a server Stack joined by buffers.
struct Link {
  Link(const TlsClientSettings& c, const TlsSettings& s, const ClientEnd& end)
      : client(std::make_shared<TlsContext>(c), end), server(std::make_shared<TlsContext>(s), end.websocket) {}

  // Moves bytes both ways, `chunk` bytes per read, until neither side has
  // anything to send; false when either side stops.
  bool pump(std::size_t chunk = 1 << 20) {
    for (int round = 0; round < 30; ++round) {
      if (client.output().empty() && server.output().empty()) return true;
      if (!deliver(client, server, at_server, server_status, chunk)) return false;
      if (!deliver(server, client, at_client, client_status, chunk)) return false;
    }
    return false;
  }
  bool connect(std::size_t chunk = 1 << 20) { return client.start() && pump(chunk) && client.ready(); }

  static bool deliver(Stack& from, Stack& to, Bytes& mqtt, Stack::Status& status, std::size_t chunk) {
    Bytes wire;
    from.output().take(wire);
    const core::ByteView all(wire);
    for (std::size_t at = 0; at < all.size() && status == Stack::Status::kOk; at += chunk) {
      status = to.read(all.subspan(at, std::min(chunk, all.size() - at)), mqtt);
    }
    return status == Stack::Status::kOk;
  }

  Stack client;
  Stack server;
  Bytes at_client;
  Bytes at_server;
  Stack::Status client_status = Stack::Status::kOk;
  Stack::Status server_status = Stack::Status::kOk;
};

struct Mode {
  const char* name;
  bool websocket;
  std::size_t chunk;
};

class TlsClientModes : public ::testing::TestWithParam<Mode> {};

TEST_P(TlsClientModes, CarryMqttBothWaysByteExact) {
  Link link(client_settings(), server_settings(), end_for("localhost", GetParam().websocket));
  EXPECT_TRUE(link.client.tls()->is_client());
  ASSERT_TRUE(link.connect(GetParam().chunk)) << link.client.error() << " / " << link.server.error();
  EXPECT_TRUE(link.server.ready());
  EXPECT_EQ(link.client.tls()->version(), "TLSv1.3");
  const std::string connect("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00", 14);
  const std::string big(40'000, 'x');  // more than one TLS record
  write(link.client, connect);
  write(link.client, big);
  write(link.server, std::string_view("\x20\x02\x00\x00", 4));
  ASSERT_TRUE(link.pump(GetParam().chunk)) << link.client.error() << " / " << link.server.error();
  EXPECT_EQ(text(link.at_server), connect + big);
  EXPECT_EQ(text(link.at_client), std::string("\x20\x02\x00\x00", 4));
  // The client's orderly end reaches the server.
  link.client.close();
  EXPECT_FALSE(link.pump());
  EXPECT_EQ(link.server_status, Stack::Status::kClose);
}

INSTANTIATE_TEST_SUITE_P(Tls, TlsClientModes,
                         ::testing::Values(Mode{"Tls", false, 1 << 20}, Mode{"TlsByteByByte", false, 1},
                                           Mode{"TlsWebSocket", true, 1 << 20}, Mode{"TlsWebSocketSplit", true, 7}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// Whether a client with `c` connects to `name`; `error` is the client's.
bool connects(const TlsClientSettings& c, const std::string& name, std::string& error,
              const TlsSettings& s = server_settings()) {
  Link link(c, s, end_for(name));
  const bool ok = link.connect();
  error = link.client.error();
  return ok;
}

TEST(TlsClient, TheServerCertificateMustComeFromTheGivenCas) {
  std::string error;
  EXPECT_TRUE(connects(client_settings(), "localhost", error)) << error;
  TlsClientSettings other = client_settings();
  other.cafile = tls_dir() + "other-ca.pem";
  EXPECT_FALSE(connects(other, "localhost", error));
  EXPECT_NE(error.find("the server's certificate failed verification: not signed by a trusted CA"), std::string::npos)
      << error;
  other.insecure = true;  // checks the name, not the chain
  EXPECT_FALSE(connects(other, "localhost", error));
  other.verify = false;
  EXPECT_TRUE(connects(other, "localhost", error)) << error;
}

TEST(TlsClient, TheCertificateMustNameTheHostAsDnsNameOrAddress) {
  std::string error;
  for (const char* name : {"localhost", "127.0.0.1", "::1", "[::1]"}) {
    EXPECT_TRUE(connects(client_settings(), name, error)) << name << ": " << error;
  }
  for (const char* name : {"example.com", "10.0.0.1", "::2"}) {
    EXPECT_FALSE(connects(client_settings(), name, error)) << name;
    EXPECT_NE(error.find(std::string("the server's certificate is not for ") + name), std::string::npos) << error;
  }
  TlsClientSettings insecure = client_settings();
  insecure.insecure = true;
  EXPECT_TRUE(connects(insecure, "example.com", error)) << error;
  TlsClientSettings anything;  // no CAs at all
  anything.verify = false;
  EXPECT_TRUE(connects(anything, "example.com", error)) << error;
}

TEST(TlsClient, ANameIsNeededToCheckTheCertificate) {
  EXPECT_THROW(Stack(std::make_shared<TlsContext>(client_settings()), end_for("")), std::runtime_error);
  TlsClientSettings insecure = client_settings();
  insecure.insecure = true;
  EXPECT_NO_THROW(Stack(std::make_shared<TlsContext>(insecure), end_for("")));
}

TEST(TlsClient, SniCarriesDnsNamesButNotAddresses) {
  // The ClientHello is plaintext: the name is there or not.
  const auto hello = [](const char* name) {
    Stack client(std::make_shared<TlsContext>(client_settings()), end_for(name));
    EXPECT_TRUE(client.start()) << client.error();
    return std::string(core::as_chars(client.output().front()));
  };
  EXPECT_NE(hello("localhost").find("localhost"), std::string::npos);
  EXPECT_EQ(hello("127.0.0.1").find("127.0.0.1"), std::string::npos);
}

TEST(TlsClient, AClientCertificateSatisfiesAServerThatRequiresOne) {
  TlsSettings s = server_settings();
  s.cafile = tls_dir() + "ca.pem";
  s.require_certificate = true;
  TlsClientSettings c = client_settings();
  c.certfile = tls_dir() + "client.pem";
  c.keyfile = tls_dir() + "client.key";
  Link link(c, s, end_for("localhost"));
  ASSERT_TRUE(link.connect()) << link.client.error() << " / " << link.server.error();
  write(link.client, "hello");  // TLS 1.3: the server checks the certificate after the client is done
  ASSERT_TRUE(link.pump()) << link.server.error();
  EXPECT_EQ(link.server.tls()->peer_common_name(), "test-client");
  Link without(client_settings(), s, end_for("localhost"));
  EXPECT_FALSE(without.connect() && (write(without.client, "hello"), without.pump()));
}

TEST(TlsClient, TheVersionCanBePinned) {
  const auto version = [](const char* client, const char* server) -> std::string {
    TlsClientSettings c = client_settings();
    c.tls_version = client;
    TlsSettings s = server_settings();
    s.tls_version = server;
    Link link(c, s, end_for("localhost"));
    return link.connect() ? link.client.tls()->version() : "refused: " + link.client.error();
  };
  EXPECT_EQ(version("", "tlsv1.2"), "TLSv1.3");
  EXPECT_EQ(version("tlsv1.3", "tlsv1.2"), "TLSv1.3");
  EXPECT_EQ(version("tlsv1.2", "tlsv1.2"), "TLSv1.2");
  EXPECT_TRUE(version("tlsv1.2", "tlsv1.3").starts_with("refused: ")) << version("tlsv1.2", "tlsv1.3");
}

TEST(TlsClient, AlpnIsOfferedOnlyWhenAsked) {
  TlsClientSettings c = client_settings();
  c.alpn = {"mqtt"};
  Link with(c, server_settings(), end_for("localhost"));
  ASSERT_TRUE(with.connect()) << with.client.error();
  EXPECT_EQ(with.client.tls()->alpn(), "mqtt");
  EXPECT_EQ(with.server.tls()->alpn(), "mqtt");
  Link without(client_settings(), server_settings(), end_for("localhost"));
  ASSERT_TRUE(without.connect()) << without.client.error();
  EXPECT_EQ(without.client.tls()->alpn(), "");
}

TEST(TlsClient, BadSettingsNameWhatIsWrong) {
  const auto fails = [](const TlsClientSettings& s, const std::string& why) {
    try {
      TlsContext c(s);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  TlsClientSettings s = client_settings();
  s.cafile = tls_dir() + "missing.pem";
  fails(s, "cafile " + tls_dir() + "missing.pem");
  fails(TlsClientSettings{}, "needs cafile, capath or use_os_certs");
  s = client_settings();
  s.certfile = tls_dir() + "client.pem";
  fails(s, "certfile " + tls_dir() + "client.pem needs keyfile");
  s.certfile.clear();
  s.keyfile = tls_dir() + "client.key";
  fails(s, "needs certfile");
  s.certfile = tls_dir() + "client.pem";
  s.keyfile = tls_dir() + "server.key";
  fails(s, "keyfile " + tls_dir() + "server.key does not belong to the certificate");
  s.certfile = tls_dir() + "server.pem";  // any certificate will do as a client's
  s.keyfile = tls_dir() + "server-encrypted.key";
  fails(s, "keyfile_password");
  s.keyfile_password = "secret";
  EXPECT_NO_THROW(TlsContext{s});
  s = client_settings();
  s.tls_version = "tlsv1.1";
  fails(s, "not \"tlsv1.1\"");
  s = client_settings();
  s.tls_version = "tlsv1.2";
  s.ciphers = "NOPE";
  fails(s, "knows none of \"NOPE\"");
  EXPECT_TRUE(TlsContext(client_settings()).is_client());
  EXPECT_FALSE(TlsContext(server_settings()).is_client());
}

}  // namespace
}  // namespace roost::transport
