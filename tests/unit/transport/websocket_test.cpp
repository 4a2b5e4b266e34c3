// WebSocket (RFC 6455) for MQTT: the upgrade, frames fed whole and split
// at every byte, control frames, and every violation closing with the
// status code the RFC calls for.

#include "transport/websocket.hpp"

#include <gtest/gtest.h>

#include <string>

#include "transport_test_util.hpp"

namespace roost::transport {
namespace {

using test::Bytes;
using test::bytes;
using test::text;

const std::string kUpgrade =
    "GET /mqtt HTTP/1.1\r\n"
    "Host: localhost\r\n"
    "Upgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: foo, mqtt\r\n"
    "\r\n";

// A masked client frame [RFC 6455 5.2].
Bytes client_frame(std::uint8_t opcode, const Bytes& payload, bool fin = true, std::uint8_t rsv = 0,
                   bool masked = true) {
  Bytes f;
  f.push_back(static_cast<std::uint8_t>((fin ? 0x80 : 0) | rsv | opcode));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f.push_back(static_cast<std::uint8_t>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    f.push_back(mask_bit | 126);
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(payload.size()));
  } else {
    f.push_back(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<std::uint8_t>(payload.size() >> shift));
  }
  const std::uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked) f.insert(f.end(), mask, mask + 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(masked ? payload[i] ^ mask[i % 4] : payload[i]);
  return f;
}

TEST(WebSocket, TheAcceptKeyIsTheRfcExample) {
  EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 1.3
}

TEST(WebSocket, UpgradesChoosingTheMqttSubprotocol) {
  WsSession ws;
  Bytes data;
  Bytes reply;
  EXPECT_EQ(ws.read(bytes(kUpgrade), data, reply), WsSession::Status::kOk);
  EXPECT_TRUE(ws.open());
  EXPECT_EQ(ws.subprotocol(), "mqtt");
  const std::string r = text(reply);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << r;
  EXPECT_NE(r.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
  EXPECT_NE(r.find("Sec-WebSocket-Protocol: mqtt\r\n"), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\n"));
  EXPECT_TRUE(data.empty());
}

TEST(WebSocket, MqttPacketsStraddleFramesAndShareThemAtEverySplit) {
  // Two MQTT packets: the first split over two frames (the second a
  // continuation), the second sharing the last frame with the first's tail.
  const Bytes connect = {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00};
  const Bytes ping = {0xc0, 0x00};
  Bytes part1(connect.begin(), connect.begin() + 5);
  Bytes part2(connect.begin() + 5, connect.end());
  part2.insert(part2.end(), ping.begin(), ping.end());
  Bytes stream = bytes(kUpgrade);
  for (const Bytes& f : {client_frame(0x2, part1, false), client_frame(0x9, bytes("hi")),  // a ping between fragments
                         client_frame(0x0, part2, true), client_frame(0xA, {})}) {
    stream.insert(stream.end(), f.begin(), f.end());
  }
  Bytes expected = connect;
  expected.insert(expected.end(), ping.begin(), ping.end());
  for (std::size_t step = 1; step <= stream.size(); ++step) {
    WsSession ws;
    Bytes data;
    Bytes reply;
    for (std::size_t at = 0; at < stream.size(); at += step) {
      const std::size_t n = std::min(step, stream.size() - at);
      ASSERT_EQ(ws.read(core::ByteView(stream.data() + at, n), data, reply), WsSession::Status::kOk) << step;
    }
    EXPECT_EQ(data, expected) << "fed " << step << " bytes at a time";
    // The ping was answered with a pong carrying its payload.
    const std::string r = text(reply);
    EXPECT_TRUE(r.ends_with(std::string("\x8a\x02hi", 4))) << step;
  }
}

TEST(WebSocket, ServerFramesUseEveryLengthEncoding) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{125}, std::size_t{126}, std::size_t{65535},
                                 std::size_t{65536}, std::size_t{70000}}) {
    const Bytes payload(size, 0x5a);
    const core::ByteView piece(payload);
    Bytes out;
    WsSession::frame(std::span<const core::ByteView>(&piece, 1), size, out);
    ASSERT_GE(out.size(), 2u);
    EXPECT_EQ(out[0], 0x82);      // FIN, binary
    EXPECT_EQ(out[1] & 0x80, 0);  // servers never mask
    const std::size_t header = size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
    EXPECT_EQ(out.size(), header + size);
  }
}

struct Violation {
  const char* name;
  Bytes frame;
  std::uint16_t code;
};

class WebSocketViolations : public ::testing::TestWithParam<Violation> {};

TEST_P(WebSocketViolations, CloseWithTheRfcStatus) {
  WsSession ws;
  Bytes data;
  Bytes reply;
  ASSERT_EQ(ws.read(bytes(kUpgrade), data, reply), WsSession::Status::kOk);
  reply.clear();
  EXPECT_EQ(ws.read(GetParam().frame, data, reply), WsSession::Status::kClose);
  ASSERT_EQ(reply.size(), 4u);
  EXPECT_EQ(reply[0], 0x88);
  EXPECT_EQ(reply[2] << 8 | reply[3], GetParam().code);
  EXPECT_FALSE(ws.error().empty());
  EXPECT_TRUE(data.empty());
}

Bytes closing(std::uint16_t code) {
  return client_frame(0x8, {static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code)});
}

INSTANTIATE_TEST_SUITE_P(Rfc6455, WebSocketViolations,
                         ::testing::Values(Violation{"unmasked", client_frame(0x2, {1, 2}, true, 0, false), 1002},
                                           Violation{"rsv_bits", client_frame(0x2, {1}, true, 0x40), 1002},
                                           Violation{"text", client_frame(0x1, bytes("mqtt")), 1003},
                                           Violation{"unknown_opcode", client_frame(0x3, {}), 1002},
                                           Violation{"unknown_control", client_frame(0xB, {}), 1002},
                                           Violation{"long_ping", client_frame(0x9, Bytes(126, 0)), 1002},
                                           Violation{"fragmented_ping", client_frame(0x9, {}, false), 1002},
                                           Violation{"lone_continuation", client_frame(0x0, {1}), 1002},
                                           Violation{"close_one_byte", client_frame(0x8, {3}), 1002},
                                           Violation{"client_closes", closing(1001), 1001},
                                           Violation{"client_closes_empty", client_frame(0x8, {}), 1000}),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(WebSocket, ANewMessageInsideAFragmentedOneIsRefused) {
  WsSession ws;
  Bytes data;
  Bytes reply;
  Bytes stream = bytes(kUpgrade);
  for (const Bytes& f : {client_frame(0x2, {1}, false), client_frame(0x2, {2})})
    stream.insert(stream.end(), f.begin(), f.end());
  EXPECT_EQ(ws.read(stream, data, reply), WsSession::Status::kClose);
}

TEST(WebSocket, FramesAboveTheLimitAreRefusedBeforeTheirPayload) {
  WsSession ws(WsLimits{8192, 1000});
  Bytes data;
  Bytes reply;
  ASSERT_EQ(ws.read(bytes(kUpgrade), data, reply), WsSession::Status::kOk);
  reply.clear();
  Bytes header = {0x82, 0x80 | 127, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 2, 3, 4};  // 256 MiB announced, none sent
  EXPECT_EQ(ws.read(header, data, reply), WsSession::Status::kClose);
  EXPECT_EQ(reply[2] << 8 | reply[3], 1009);
}

struct BadUpgrade {
  const char* name;
  std::string request;
  const char* status;
};

class WebSocketBadUpgrades : public ::testing::TestWithParam<BadUpgrade> {};

TEST_P(WebSocketBadUpgrades, AreAnsweredWithAnHttpErrorAndClosed) {
  WsSession ws;
  Bytes data;
  Bytes reply;
  EXPECT_EQ(ws.read(bytes(GetParam().request), data, reply), WsSession::Status::kClose);
  EXPECT_TRUE(text(reply).starts_with(std::string("HTTP/1.1 ") + GetParam().status)) << text(reply);
  EXPECT_FALSE(ws.open());
}

std::string with(std::string_view from, std::string_view to) {
  std::string r = kUpgrade;
  r.replace(r.find(from), from.size(), to);
  return r;
}

INSTANTIATE_TEST_SUITE_P(
    Http, WebSocketBadUpgrades,
    ::testing::Values(BadUpgrade{"post", with("GET", "POST"), "400"},
                      BadUpgrade{"http10", with("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost"), "400"},
                      BadUpgrade{"no_upgrade", with("Upgrade: websocket\r\n", ""), "400"},
                      BadUpgrade{"no_connection_upgrade", with("keep-alive, Upgrade", "keep-alive"), "400"},
                      BadUpgrade{"version_8", with("Version: 13", "Version: 8"), "426"},
                      BadUpgrade{"short_key", with("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="), "400"},
                      BadUpgrade{"other_protocols", with("foo, mqtt", "foo, bar"), "400"},
                      BadUpgrade{"header_without_colon", with("Host: localhost", "Host localhost"), "400"},
                      BadUpgrade{"too_large", "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", "431"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(WebSocket, AnUpgradeWithoutSubprotocolIsAcceptedWithoutOne) {
  WsSession ws;
  Bytes data;
  Bytes reply;
  EXPECT_EQ(ws.read(bytes(with("Sec-WebSocket-Protocol: foo, mqtt\r\n", "")), data, reply), WsSession::Status::kOk);
  EXPECT_TRUE(ws.open());
  EXPECT_EQ(text(reply).find("Sec-WebSocket-Protocol"), std::string::npos);
}

TEST(WebSocket, HeadersAreCaseInsensitiveAndMqttv31IsOffered) {
  std::string r = kUpgrade;
  r = "GET / HTTP/1.1\r\nUPGRADE: WebSocket\r\nconnection: upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "SEC-WEBSOCKET-VERSION: 13\r\nSec-Websocket-Protocol: mqttv3.1\r\n\r\n";
  WsSession ws;
  Bytes data;
  Bytes reply;
  EXPECT_EQ(ws.read(bytes(r), data, reply), WsSession::Status::kOk);
  EXPECT_EQ(ws.subprotocol(), "mqttv3.1");
}

}  // namespace
}  // namespace roost::transport
