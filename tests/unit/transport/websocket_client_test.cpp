// The client end of WebSocket (RFC 6455): the upgrade request it makes,
// the response it checks (fed at every split), the masking of what it
// sends, and a client Stack talking to a server Stack in memory.

#include <gtest/gtest.h>

#include <string>

#include "transport/stack.hpp"
#include "transport/websocket.hpp"
#include "transport_test_util.hpp"

namespace roost::transport {
namespace {

using test::Bytes;
using test::bytes;
using test::text;
using test::write;

// The request `ws` makes, and the 101 response a server would give it.
struct Exchange {
  std::string request;
  std::string accept;  // the right Sec-WebSocket-Accept
};

Exchange begin(WsSession& ws) {
  Bytes out;
  ws.start(out);
  UpgradeRequest request;
  std::string error;
  EXPECT_TRUE(parse_upgrade_request(text(out), request, error)) << error;
  return {text(out), websocket_accept(request.key)};
}

std::string response(std::string_view accept, std::string_view extra = "Sec-WebSocket-Protocol: mqtt\r\n") {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
         std::string(accept) + "\r\n" + std::string(extra) + "\r\n";
}

// Unmasks a client frame whose payload is shorter than 126 bytes.
Bytes unmask(const Bytes& frame) {
  EXPECT_GE(frame.size(), 6u);
  EXPECT_EQ(frame[1] & 0x80, 0x80) << "not masked";
  Bytes payload(frame.begin() + 6, frame.end());
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= frame[2 + (i & 3)];
  return payload;
}

TEST(WsClient, TheUpgradeRequestAsksForMqttWithAFreshKey) {
  WsSession ws = WsSession::client("broker.example:8080", "/mqtt");
  EXPECT_TRUE(ws.is_client());
  const Exchange first = begin(ws);
  EXPECT_TRUE(first.request.starts_with("GET /mqtt HTTP/1.1\r\nHost: broker.example:8080\r\n")) << first.request;
  for (const char* header : {"Upgrade: websocket\r\n", "Connection: Upgrade\r\n", "Sec-WebSocket-Version: 13\r\n",
                             "Sec-WebSocket-Protocol: mqtt\r\n"}) {
    EXPECT_NE(first.request.find(header), std::string::npos) << header;
  }
  EXPECT_TRUE(first.request.ends_with("\r\n\r\n"));
  WsSession other = WsSession::client("broker.example:8080", "/mqtt");
  EXPECT_NE(begin(other).accept, first.accept);  // 16 random bytes each (parse_upgrade_request checked the size)
}

TEST(WsClient, OpensOnTheRightResponseAtEverySplitAndReadsTheFramesAfterIt) {
  const Bytes connack = {0x20, 0x02, 0x00, 0x00};
  for (std::size_t split = 0;; ++split) {
    WsSession ws = WsSession::client("localhost:80", "/");
    const Exchange exchange = begin(ws);
    Bytes stream = bytes(response(exchange.accept));
    stream.insert(stream.end(), {0x82, 0x04});  // an unmasked binary frame from the server
    stream.insert(stream.end(), connack.begin(), connack.end());
    if (split > stream.size()) break;
    Bytes data;
    Bytes reply;
    const core::ByteView all(stream);
    ASSERT_EQ(ws.read(all.first(split), data, reply), WsSession::Status::kOk) << split << ": " << ws.error();
    ASSERT_EQ(ws.read(all.subspan(split), data, reply), WsSession::Status::kOk) << split << ": " << ws.error();
    EXPECT_TRUE(ws.open()) << split;
    EXPECT_EQ(ws.subprotocol(), "mqtt");
    EXPECT_EQ(data, connack) << split;
    EXPECT_TRUE(reply.empty());
  }
}

TEST(WsClient, ANoSubprotocolAnswerIsTolerated) {
  WsSession ws = WsSession::client("localhost:80", "/mqtt");
  const Exchange exchange = begin(ws);
  Bytes data;
  Bytes reply;
  EXPECT_EQ(ws.read(bytes(response(exchange.accept, "")), data, reply), WsSession::Status::kOk) << ws.error();
  EXPECT_TRUE(ws.open());
}

// Feeds `head` (with "{accept}" replaced by the right key) to a new client;
// the error it closes with.
std::string refusal(const std::string& head, WsLimits limits = {}) {
  WsSession ws = WsSession::client("localhost:80", "/mqtt", limits);
  const Exchange exchange = begin(ws);
  std::string h = head;
  if (const std::size_t at = h.find("{accept}"); at != std::string::npos) h.replace(at, 8, exchange.accept);
  Bytes data;
  Bytes reply;
  EXPECT_EQ(ws.read(bytes(h), data, reply), WsSession::Status::kClose) << h;
  EXPECT_FALSE(ws.open());
  EXPECT_TRUE(reply.empty());  // a refused client just closes the connection
  EXPECT_EQ(ws.read(bytes("more"), data, reply), WsSession::Status::kClose);
  return ws.error();
}

TEST(WsClient, AnyOtherResponseClosesSayingWhy) {
  const auto has = [](const std::string& error, const char* what) {
    EXPECT_NE(error.find(what), std::string::npos) << error;
  };
  has(refusal("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), "\"HTTP/1.1 400 Bad Request\"");
  has(refusal("HTTP/1.0 101 Switching Protocols\r\n\r\n"), "HTTP/1.0 101");
  has(refusal("HTTP/1.1 1010 Nope\r\n\r\n"), "HTTP/1.1 1010");
  has(refusal(response("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")), "Sec-WebSocket-Accept is \"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\"");
  has(refusal(response("{accept}", "Sec-WebSocket-Protocol: mqttv3.1\r\n")), "subprotocol \"mqttv3.1\"");
  has(refusal("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"),
      "Upgrade: websocket");
  has(refusal("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"),
      "Connection: Upgrade");
  has(refusal("HTTP/1.1 101 Switching Protocols\r\nno colon\r\n\r\n"), "without a name");
  // A head past the limit, whole or still without its end.
  has(refusal(response("{accept}", "X-Padding: " + std::string(100, 'x') + "\r\n"), {64, 1024}),
      "larger than 64 bytes");
  has(refusal("HTTP/1.1 101 Switching Protocols\r\nX-Padding: " + std::string(100, 'x'), {64, 1024}),
      "larger than 64 bytes");
}

// A client whose upgrade succeeded.
WsSession open_client() {
  WsSession ws = WsSession::client("localhost:80", "/mqtt");
  const Exchange exchange = begin(ws);
  Bytes data;
  Bytes reply;
  EXPECT_EQ(ws.read(bytes(response(exchange.accept)), data, reply), WsSession::Status::kOk);
  return ws;
}

TEST(WsClient, AMaskedServerFrameIsAProtocolError) {
  WsSession ws = open_client();
  Bytes data;
  Bytes reply;
  const Bytes masked = {0x82, 0x82, 1, 2, 3, 4, 0xc1, 0x02};
  EXPECT_EQ(ws.read(masked, data, reply), WsSession::Status::kClose);
  EXPECT_NE(ws.error().find("masked frame from the server"), std::string::npos) << ws.error();
  ASSERT_EQ(reply.size(), 8u);
  EXPECT_EQ(reply[0], 0x88);                      // FIN, close
  EXPECT_EQ(unmask(reply), (Bytes{0x03, 0xea}));  // 1002, masked as from any client
  EXPECT_TRUE(data.empty());
}

TEST(WsClient, PingsGetMaskedPongsAndACloseIsEchoedMasked) {
  WsSession ws = open_client();
  Bytes data;
  Bytes reply;
  ASSERT_EQ(ws.read(Bytes{0x89, 0x02, 'h', 'i'}, data, reply), WsSession::Status::kOk);
  ASSERT_EQ(reply.size(), 8u);
  EXPECT_EQ(reply[0], 0x8a);  // FIN, pong
  EXPECT_EQ(unmask(reply), bytes("hi"));
  reply.clear();
  EXPECT_EQ(ws.read(Bytes{0x88, 0x02, 0x03, 0xe9}, data, reply), WsSession::Status::kClose);  // 1001, going away
  EXPECT_NE(ws.error().find("the server closed"), std::string::npos) << ws.error();
  ASSERT_EQ(reply.size(), 8u);
  EXPECT_EQ(reply[0], 0x88);
  EXPECT_EQ(unmask(reply), (Bytes{0x03, 0xe9}));
}

TEST(WsClient, EachFrameHasItsOwnMaskAndTheServerReadsIt) {
  WsSession client = open_client();
  WsSession server;
  Bytes data;
  Bytes reply;
  ASSERT_EQ(server.read(bytes(begin(client).request), data, reply), WsSession::Status::kOk);
  const Bytes payload(300, 0x30);  // a 16-bit length
  const core::ByteView piece(payload);
  Bytes first;
  Bytes second;
  client.write_frame(std::span<const core::ByteView>(&piece, 1), payload.size(), first);
  client.write_frame(std::span<const core::ByteView>(&piece, 1), payload.size(), second);
  ASSERT_EQ(first.size(), 2 + 2 + 4 + payload.size());
  EXPECT_EQ(first[0], 0x82);
  EXPECT_EQ(first[1], 0x80 | 126);  // masked
  EXPECT_NE(Bytes(first.begin() + 4, first.begin() + 8), Bytes(second.begin() + 4, second.begin() + 8));
  data.clear();
  ASSERT_EQ(server.read(first, data, reply), WsSession::Status::kOk) << server.error();
  EXPECT_EQ(data, payload);
  // The server's own frames stay unmasked.
  Bytes out;
  server.write_frame(std::span<const core::ByteView>(&piece, 1), payload.size(), out);
  EXPECT_EQ(out[1], 126);
}

// Moves what `from` has to send into `to`.
Stack::Status deliver(Stack& from, Stack& to, Bytes& mqtt) {
  Bytes wire;
  from.output().take(wire);
  return wire.empty() ? Stack::Status::kOk : to.read(wire, mqtt);
}

TEST(WsClient, AClientStackAndAServerStackCarryMqttBothWays) {
  ClientEnd end;
  end.websocket = true;
  end.ws_host = "localhost:8080";
  Stack client(nullptr, end);
  Stack server(nullptr, true);
  ASSERT_TRUE(client.start());
  EXPECT_FALSE(client.ready());
  Bytes at_server;
  Bytes at_client;
  ASSERT_EQ(deliver(client, server, at_server), Stack::Status::kOk) << server.error();
  EXPECT_TRUE(server.ready());
  ASSERT_EQ(deliver(server, client, at_client), Stack::Status::kOk) << client.error();
  EXPECT_TRUE(client.ready());
  const std::string big(70'000, 'p');  // a 64-bit frame length
  write(client, big);
  const Bytes wire(client.output().front().begin(), client.output().front().end());
  EXPECT_EQ(wire[1], 0x80 | 127);  // masked on the wire
  ASSERT_EQ(deliver(client, server, at_server), Stack::Status::kOk) << server.error();
  EXPECT_EQ(text(at_server), big);
  write(server, std::string_view("\x20\x02\x00\x00", 4));
  write(server, big);
  ASSERT_EQ(deliver(server, client, at_client), Stack::Status::kOk) << client.error();
  EXPECT_EQ(text(at_client), std::string("\x20\x02\x00\x00", 4) + big);
  // The client's orderly end: a masked close, echoed by the server.
  client.close();
  EXPECT_EQ(deliver(client, server, at_server), Stack::Status::kClose);
  EXPECT_EQ(deliver(server, client, at_client), Stack::Status::kClose);
}

}  // namespace
}  // namespace roost::transport
