// Engine: extended authentication with a pluggable method ([MQTT-4.12]).

#include "engine_test_util.hpp"

namespace roost::engine::test {
namespace {

// A toy challenge/response: "secret" at once, or "step" then "answer".
class ToyMethod : public AuthMethod {
 public:
  AuthStep start(std::string_view, std::optional<core::ByteView> data) override {
    const std::string got = data ? std::string(core::as_chars(*data)) : "";
    if (got == "secret") return {AuthStep::Outcome::kSuccess, "welcome", ReasonCode::kSuccess};
    if (got == "step") return {AuthStep::Outcome::kContinue, "challenge", ReasonCode::kSuccess};
    return {AuthStep::Outcome::kFailure, "", ReasonCode::kNotAuthorized};
  }
  AuthStep next(std::optional<core::ByteView> data) override {
    if (data && core::as_chars(*data) == "answer") return {AuthStep::Outcome::kSuccess, "", ReasonCode::kSuccess};
    return {AuthStep::Outcome::kFailure, "", ReasonCode::kBadUserNameOrPassword};
  }
};

class ExtendedAuth : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    engine().register_auth_method("TOY", [] { return std::make_unique<ToyMethod>(); });
  }
  ConnectionId connect_with(std::string_view data) {
    const auto c = static_cast<ConnectionId>(next_connection_++);
    protocol::Connect connect;
    connect.client_id = "authed";
    connect.properties.authentication_method = "TOY";
    connect.properties.authentication_data = core::as_bytes(data);
    engine().connect(c, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
    return c;
  }
  protocol::Auth auth(ReasonCode reason, std::string_view data, std::string_view method = "TOY") {
    protocol::Auth a;
    a.reason = reason;
    a.properties.authentication_method = method;
    a.properties.authentication_data = core::as_bytes(data);
    return a;
  }
};

TEST_F(ExtendedAuth, OneStepSuccessIsAnsweredInConnack) {
  const ConnectionId c = connect_with("secret");
  const auto packets = outbox_.take(c);
  const auto& ack = std::get<protocol::Connack>(packets.at(0).body);
  EXPECT_EQ(ack.reason, ReasonCode::kSuccess);
  EXPECT_EQ(ack.properties.authentication_method, "TOY");
  EXPECT_EQ(text(*ack.properties.authentication_data), "welcome");
  EXPECT_NE(engine().session_of(c), nullptr);
}

TEST_F(ExtendedAuth, ChallengeAndResponseBeforeConnack) {  // [MQTT-4.12.0-2]
  const ConnectionId c = connect_with("step");
  auto packets = outbox_.take(c);
  const auto& challenge = std::get<protocol::Auth>(packets.at(0).body);
  EXPECT_EQ(challenge.reason, ReasonCode::kContinueAuthentication);
  EXPECT_EQ(text(*challenge.properties.authentication_data), "challenge");
  EXPECT_EQ(engine().session_of(c), nullptr);  // not connected yet
  engine().auth(c, auth(ReasonCode::kContinueAuthentication, "answer"), now_);
  packets = outbox_.take(c);
  EXPECT_EQ(std::get<protocol::Connack>(packets.at(0).body).reason, ReasonCode::kSuccess);
}

TEST_F(ExtendedAuth, WrongResponseIsRefusedWithTheMethodsReason) {
  const ConnectionId c = connect_with("step");
  outbox_.take(c);
  engine().auth(c, auth(ReasonCode::kContinueAuthentication, "wrong"), now_);
  const auto packets = outbox_.take(c);
  const auto& refusal = std::get<protocol::Connack>(packets.at(0).body);
  EXPECT_EQ(refusal.reason, ReasonCode::kBadUserNameOrPassword);
  EXPECT_EQ(refusal.properties.reason_string, "extended authentication failed");
  EXPECT_TRUE(outbox_.connections[c].closed);
}

TEST_F(ExtendedAuth, OtherPacketsBeforeConnackAreAProtocolError) {  // [MQTT-4.12.0-4]
  const ConnectionId c = connect_with("step");
  outbox_.take(c);
  subscribe(c, "a/b");
  const auto packets = outbox_.take(c);
  ASSERT_EQ(packets.size(), 1U);
  EXPECT_EQ(std::get<protocol::Connack>(packets.at(0).body).reason, ReasonCode::kProtocolError);
  EXPECT_TRUE(outbox_.connections[c].closed);
  // The exchange is over: a late AUTH finds nothing to continue.
  engine().auth(c, auth(ReasonCode::kContinueAuthentication, "answer"), now_);
  EXPECT_TRUE(outbox_.take(c).empty());
  EXPECT_EQ(engine().session_of(c), nullptr);
}

TEST_F(ExtendedAuth, ConnectionLostMidExchangeLeavesNoSession) {
  const ConnectionId c = connect_with("step");
  engine().connection_lost(c, now_);
  engine().auth(c, auth(ReasonCode::kContinueAuthentication, "answer"), now_);
  EXPECT_EQ(engine().find_session("authed"), nullptr);
  const ConnectionId again = connect_with("secret");
  EXPECT_NE(engine().session_of(again), nullptr);
}

TEST_F(ExtendedAuth, AuthWithAnotherMethodMidExchangeIsAProtocolError) {  // [MQTT-4.12.0-5]
  const ConnectionId c = connect_with("step");
  outbox_.take(c);
  engine().auth(c, auth(ReasonCode::kContinueAuthentication, "answer", "OTHER"), now_);
  const auto packets = outbox_.take(c);
  const auto& refusal = std::get<protocol::Connack>(packets.at(0).body);
  EXPECT_EQ(refusal.reason, ReasonCode::kProtocolError);
  EXPECT_EQ(refusal.properties.reason_string, "AUTH out of sequence");
  EXPECT_TRUE(outbox_.connections[c].closed);
}

TEST_F(ExtendedAuth, UnknownMethodIsBadAuthenticationMethod) {
  const auto c = static_cast<ConnectionId>(next_connection_++);
  protocol::Connect connect;
  connect.client_id = "x";
  connect.properties.authentication_method = "SCRAM-SHA-256";
  engine().connect(c, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
  EXPECT_EQ(std::get<protocol::Connack>(outbox_.take(c).at(0).body).reason, ReasonCode::kBadAuthenticationMethod);
}

TEST_F(ExtendedAuth, ReauthenticationSucceedsOrDisconnects) {  // [MQTT-4.12.1-2]
  const ConnectionId c = connect_with("secret");
  outbox_.take(c);
  engine().auth(c, auth(ReasonCode::kReAuthenticate, "step"), now_);
  auto packets = outbox_.take(c);
  EXPECT_EQ(std::get<protocol::Auth>(packets.at(0).body).reason, ReasonCode::kContinueAuthentication);
  engine().auth(c, auth(ReasonCode::kContinueAuthentication, "answer"), now_);
  packets = outbox_.take(c);
  EXPECT_EQ(std::get<protocol::Auth>(packets.at(0).body).reason, ReasonCode::kSuccess);
  engine().auth(c, auth(ReasonCode::kReAuthenticate, "nope"), now_);
  EXPECT_EQ(outbox_.connections[c].close_reason, ReasonCode::kNotAuthorized);
}

TEST_F(ExtendedAuth, AuthWithoutAMethodFromConnectIsAProtocolError) {  // [MQTT-4.12.0-7]
  const ConnectionId c = connected("plain");
  engine().auth(c, auth(ReasonCode::kReAuthenticate, "secret"), now_);
  EXPECT_EQ(outbox_.connections[c].close_reason, ReasonCode::kProtocolError);
}

}  // namespace
}  // namespace roost::engine::test
