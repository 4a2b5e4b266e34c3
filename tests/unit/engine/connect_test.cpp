// Engine: CONNECT, sessions, takeover and keep alive ([MQTT-3.1], [MQTT-3.2], [MQTT-4.1]).

#include "engine_test_util.hpp"

namespace roost::engine::test {
namespace {

const protocol::Connack& connack(const std::vector<protocol::Packet>& packets) {
  return std::get<protocol::Connack>(packets.at(0).body);
}

TEST_F(EngineTest, Connect_AcceptsAndAnswersConnack) {
  const ConnectionId c = connect("sensor-1", ProtocolVersion::kV311);
  const auto packets = outbox_.take(c);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(connack(packets).reason, ReasonCode::kSuccess);
  EXPECT_FALSE(connack(packets).session_present);
  EXPECT_EQ(engine().stats().clients_connected, 1u);
}

TEST_F(EngineTest, Connect_EmptyClientIdGetsAssignedIdentifier) {  // [MQTT-3.1.3-6], [MQTT-3.2.2-16]
  const ConnectionId c = connect("", ProtocolVersion::kV5);
  const auto packets = outbox_.take(c);
  const auto& ack = connack(packets);
  ASSERT_TRUE(ack.properties.assigned_client_identifier.has_value());
  EXPECT_EQ(engine().session_of(c)->client_id(), *ack.properties.assigned_client_identifier);
  // Two empty ids get two sessions.
  const ConnectionId d = connect("", ProtocolVersion::kV311);
  EXPECT_NE(engine().session_of(c), engine().session_of(d));
}

TEST_F(EngineTest, Connect_ClientIdMayHoldSlashesAndPunctuation) {
  const ConnectionId c = connect("home/kitchen:light#1 ü", ProtocolVersion::kV311);
  EXPECT_EQ(connack(outbox_.take(c)).reason, ReasonCode::kSuccess);
}

class ShortClientIds : public EngineTest {
  EngineSettings settings() const override {
    EngineSettings s;
    s.max_client_id_length = 8;
    return s;
  }
};

TEST_F(ShortClientIds, Connect_TooLongClientIdIsRefused) {
  const ConnectionId v5 = connect("nine-char", ProtocolVersion::kV5);
  EXPECT_EQ(connack(outbox_.take(v5)).reason, ReasonCode::kClientIdentifierNotValid);
  EXPECT_TRUE(outbox_.connections[v5].closed);
  const ConnectionId v3 = connect("nine-char", ProtocolVersion::kV311);
  const auto packets = outbox_.take(v3);
  // 3.1.1 gets return code 2, identifier rejected [MQTT-3.1.3-9].
  EXPECT_EQ(connack(packets).reason, ReasonCode::kClientIdentifierNotValid);
  EXPECT_EQ(engine().session_count(), 0u);
}

TEST_F(EngineTest, Connect_SecondConnectionTakesOverTheSession) {  // [MQTT-3.1.4-3]
  const ConnectionId first = connected("dup");
  const ConnectionId second = connect("dup");
  EXPECT_TRUE(outbox_.connections[first].closed);
  EXPECT_EQ(outbox_.connections[first].close_reason, ReasonCode::kSessionTakenOver);
  EXPECT_EQ(engine().session_of(second)->client_id(), "dup");
  EXPECT_EQ(engine().session_of(first), nullptr);
  EXPECT_EQ(engine().stats().clients_connected, 1u);
  // The old connection's loss, reported late, changes nothing.
  engine().connection_lost(first, now_);
  EXPECT_NE(engine().session_of(second), nullptr);
}

TEST_F(EngineTest, Connect_PersistentSessionResumesWithSessionPresent) {  // [MQTT-3.2.2-2]
  const ConnectionId c = connect("p", ProtocolVersion::kV311, false);
  outbox_.take(c);
  subscribe(c, "a/#", QoS::k1);
  engine().connection_lost(c, now_);
  const ConnectionId again = connect("p", ProtocolVersion::kV311, false);
  EXPECT_TRUE(connack(outbox_.take(again)).session_present);
  EXPECT_EQ(engine().session_of(again)->subscriptions.size(), 1u);
}

TEST_F(EngineTest, Connect_CleanStartDiscardsTheSession) {  // [MQTT-3.1.2-4]
  const ConnectionId c = connect("p", ProtocolVersion::kV5, false, 3600);
  outbox_.take(c);
  subscribe(c, "a/#", QoS::k1);
  engine().connection_lost(c, now_);
  const ConnectionId again = connect("p", ProtocolVersion::kV5, true);
  EXPECT_FALSE(connack(outbox_.take(again)).session_present);
  EXPECT_TRUE(engine().session_of(again)->subscriptions.empty());
  EXPECT_EQ(engine().subscription_count(), 0u);
}

TEST_F(EngineTest, Connect_CleanSessionEndsWithTheConnection) {  // [MQTT-3.1.2-6] (3.1.1)
  const ConnectionId c = connected("gone", ProtocolVersion::kV311);
  subscribe(c, "x", QoS::k1);
  engine().connection_lost(c, now_);
  EXPECT_EQ(engine().find_session("gone"), nullptr);
  EXPECT_EQ(engine().subscription_count(), 0u);
}

TEST_F(EngineTest, Connect_SessionExpiresAfterItsInterval) {  // [MQTT-3.1.2-23]
  const ConnectionId c = connect("e", ProtocolVersion::kV5, false, 10);
  outbox_.take(c);
  engine().connection_lost(c, now_);
  advance(std::chrono::seconds(9));
  EXPECT_NE(engine().find_session("e"), nullptr);
  advance(std::chrono::seconds(1));
  EXPECT_EQ(engine().find_session("e"), nullptr);
  EXPECT_EQ(engine().stats().sessions_expired, 1u);
}

TEST_F(EngineTest, Connect_ReconnectingBeforeExpiryKeepsTheSession) {
  const ConnectionId c = connect("e", ProtocolVersion::kV5, false, 10);
  outbox_.take(c);
  engine().connection_lost(c, now_);
  advance(std::chrono::seconds(5));
  const ConnectionId again = connect("e", ProtocolVersion::kV5, false, 10);
  EXPECT_TRUE(connack(outbox_.take(again)).session_present);
  advance(std::chrono::seconds(20));
  EXPECT_NE(engine().find_session("e"), nullptr);
}

TEST_F(EngineTest, Disconnect_CannotExtendASessionThatEndsWithTheConnection) {  // 5.0 section 3.14.2.2.2
  const ConnectionId c = connect("x", ProtocolVersion::kV5, true, 0);
  outbox_.take(c);
  protocol::Disconnect d;
  d.properties.session_expiry_interval = 100;
  engine().disconnect(c, d, now_);
  EXPECT_EQ(outbox_.connections[c].close_reason, ReasonCode::kProtocolError);
  EXPECT_EQ(engine().find_session("x"), nullptr);
}

class KeepAliveLimit : public EngineTest {
  EngineSettings settings() const override {
    EngineSettings s;
    s.max_keepalive = 60;
    return s;
  }
};

TEST_F(KeepAliveLimit, Connect_FiveClientIsToldTheServerKeepAlive) {  // [MQTT-3.2.2-21]
  const ConnectionId c = connect("k", ProtocolVersion::kV5, true, std::nullopt, std::nullopt, 600);
  const auto packets = outbox_.take(c);
  EXPECT_EQ(connack(packets).properties.server_keep_alive, 60);
}

TEST_F(KeepAliveLimit, Connect_ThreeClientAboveTheLimitIsRefused) {
  const ConnectionId c = connect("k", ProtocolVersion::kV311, true, std::nullopt, std::nullopt, 600);
  EXPECT_EQ(connack(outbox_.take(c)).reason, ReasonCode::kClientIdentifierNotValid);
  EXPECT_TRUE(outbox_.connections[c].closed);
}

TEST_F(EngineTest, Connect_AuthenticationMethodWithoutRegisteredMethodIsRefused) {  // [MQTT-4.12.0-1]
  const auto c = static_cast<ConnectionId>(99);
  protocol::Connect connect;
  connect.client_id = "a";
  connect.properties.authentication_method = "SCRAM-SHA-1";
  engine().connect(c, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
  EXPECT_EQ(connack(outbox_.take(c)).reason, ReasonCode::kBadAuthenticationMethod);
}

class ResponseTopics : public EngineTest {
  EngineSettings settings() const override {
    EngineSettings s;
    s.response_topic_prefix = "responses/";
    return s;
  }
};

TEST_F(ResponseTopics, Connect_RequestResponseInformationIsAnswered) {  // [MQTT-3.1.2-28]
  const auto asking = static_cast<ConnectionId>(98);
  protocol::Connect connect;
  connect.client_id = "lamp";
  connect.properties.request_response_information = 1;
  engine().connect(asking, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
  EXPECT_EQ(connack(outbox_.take(asking)).properties.response_information, "responses/lamp");
  // Not asked: not sent.
  const ConnectionId quiet = EngineTest::connect("quiet");
  EXPECT_FALSE(connack(outbox_.take(quiet)).properties.response_information.has_value());
}

TEST_F(EngineTest, Connect_ResponseInformationIsNotSentWithoutAPrefix) {
  const auto c = static_cast<ConnectionId>(98);
  protocol::Connect connect;
  connect.client_id = "lamp";
  connect.properties.request_response_information = 1;
  engine().connect(c, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
  EXPECT_FALSE(connack(outbox_.take(c)).properties.response_information.has_value());
}

}  // namespace
}  // namespace roost::engine::test
