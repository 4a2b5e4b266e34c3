// Authorization in the engine: what the grants of each client let through
// on PUBLISH, SUBSCRIBE, delivery, retained messages and wills, and what a
// new set of rules does to sessions that already exist.

#include "auth/acl.hpp"
#include "engine_test_util.hpp"

namespace roost::engine::test {
namespace {

class AuthorizeTest : public EngineTest {
 protected:
  void rules(std::string_view text) {
    auto acl = auth::Acl::parse(text, "acl");
    ASSERT_TRUE(acl) << acl.error();
    engine().set_authorizer(std::make_shared<auth::Acl>(std::move(*acl)));
  }
  ConnectionId login(const std::string& client_id, const std::string& user, ProtocolVersion v = ProtocolVersion::kV5,
                     std::optional<protocol::Will> will = std::nullopt, bool clean = true) {
    const auto c = static_cast<ConnectionId>(next_connection_++);
    outbox_.versions[c] = v;
    protocol::Connect connect;
    connect.version = v;
    connect.client_id = client_id;
    connect.clean_start = clean;
    if (!clean && v == ProtocolVersion::kV5) connect.properties.session_expiry_interval = 3600;
    connect.will = will;
    engine().connect(c, as_packet(connect), ClientInfo{"127.0.0.1:1", user, false}, now_);
    auto& packets = outbox_.connections[c].packets;
    EXPECT_EQ(std::get<protocol::Connack>(packets.at(0).body).reason, ReasonCode::kSuccess);
    packets.erase(packets.begin());  // what a resumed session is sent stays for the test
    return c;
  }
  // A Mosquitto-style bridge: 3.1.1 with the bridge flag.
  ConnectionId bridge_login(ConnectionId c) {
    outbox_.versions[c] = ProtocolVersion::kV311;
    protocol::Connect connect;
    connect.version = ProtocolVersion::kV311;
    connect.bridge = true;
    connect.client_id = "remote.bridge";
    engine().connect(c, as_packet(connect), ClientInfo{"127.0.0.1:1", std::nullopt, false}, now_);
    outbox_.take(c);
    return c;
  }
  ReasonCode suback(ConnectionId c) {
    const auto packets = outbox_.take(c);
    EXPECT_FALSE(packets.empty());
    return std::get<protocol::Suback>(packets.front().body).reason_codes.at(0);
  }
  static constexpr std::string_view kRules =
      "user alice\n"
      "topic readwrite home/#\n"
      "topic deny home/secret\n"
      "topic read $SYS/#\n"
      "user bob\n"
      "topic read home/kitchen\n"
      "topic write home/bob\n"
      "topic write wills/bob\n";
};

TEST_F(AuthorizeTest, ADeniedPublishIsAcknowledgedWithNotAuthorizedAndGoesNowhere) {
  rules(kRules);
  const auto alice = login("a", "alice");
  subscribe(alice, "home/#", QoS::k1);
  outbox_.take(alice);
  const auto bob = login("b", "bob");
  publish(bob, "home/kitchen", "no", QoS::k1);  // bob may only read it
  const auto acks = outbox_.take(bob);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(std::get<protocol::Puback>(acks[0].body).reason, ReasonCode::kNotAuthorized);
  EXPECT_TRUE(publishes(outbox_.take(alice)).empty());
  publish(bob, "home/bob", "yes", QoS::k1);
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(bob).at(0).body).reason, ReasonCode::kSuccess);
  EXPECT_EQ(publishes(outbox_.take(alice)).size(), 1u);
  EXPECT_EQ(engine().stats().publish_denied, 1u);
}

TEST_F(AuthorizeTest, ThreeOneOneClientsGetAPlainAckForADeniedPublish) {
  rules(kRules);
  const auto bob = login("b", "bob", ProtocolVersion::kV311);
  publish(bob, "elsewhere", "no", QoS::k2);
  const auto acks = outbox_.take(bob);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(std::get<protocol::Pubrec>(acks[0].body).reason, ReasonCode::kSuccess);
}

TEST_F(AuthorizeTest, ClientsNeverPublishOnSysEvenWithoutRules) {
  const auto c = login("c", "anyone");
  publish(c, "$SYS/broker/uptime", "forged", QoS::k1);
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(c).at(0).body).reason, ReasonCode::kNotAuthorized);
}

// Mosquitto-style bridges (the 3.x bridge flag) report their state under
// $SYS/broker/connection/, which Mosquitto allows them; nothing else of $SYS.
TEST_F(AuthorizeTest, BridgesMayPublishOnlyTheirStateUnderSys) {
  const auto c = bridge_login(static_cast<ConnectionId>(900));
  const auto watcher = login("w", "anyone");
  subscribe(watcher, "$SYS/broker/connection/#", QoS::k1);
  outbox_.take(watcher);
  publish(c, "$SYS/broker/connection/remote/state", "1", QoS::k1);
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(c).at(0).body).reason, ReasonCode::kSuccess);
  EXPECT_EQ(publishes(outbox_.take(watcher)).size(), 1u);
  publish(c, "$SYS/broker/uptime", "forged", QoS::k1);
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(c).at(0).body).reason, ReasonCode::kSuccess);  // 3.1.1: no code
  const auto other = login("o", "anyone");
  publish(other, "$SYS/broker/connection/remote/state", "0", QoS::k1);
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(other).at(0).body).reason, ReasonCode::kNotAuthorized);
  EXPECT_TRUE(publishes(outbox_.take(watcher)).empty());
}

// [MQTT-3.8.3-3]'s No Local, given by Mosquitto to its bridges: a 3.x
// bridge never gets its own messages back, and retained ones stay retained.
TEST_F(AuthorizeTest, BridgeSubscriptionsGetNoLocalAndRetainAsPublished) {
  const auto c = bridge_login(static_cast<ConnectionId>(902));
  subscribe(c, "#", QoS::k1);
  outbox_.take(c);
  publish(c, "loop/test", "mine", QoS::k0);
  EXPECT_TRUE(publishes(outbox_.take(c)).empty());
  const auto other = login("o", "anyone");
  publish(other, "loop/test", "theirs", QoS::k0, /*retain=*/true);
  const auto got = publishes(outbox_.take(c));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].retain);  // as published, not cleared for a live message
}

// The broker's own client (a bridge's local end) is not subject to the rules.
TEST_F(AuthorizeTest, TrustedClientsAreNotSubjectToTheRules) {
  rules(kRules);
  const auto alice = login("a", "alice");
  subscribe(alice, "home/#", QoS::k1);
  outbox_.take(alice);
  const auto c = static_cast<ConnectionId>(901);
  outbox_.versions[c] = ProtocolVersion::kV5;
  protocol::Connect connect;
  connect.client_id = "local.bridge";
  ClientInfo info{"bridge x", std::nullopt, false};
  info.trusted = true;
  engine().connect(c, as_packet(connect), info, now_);
  outbox_.take(c);
  publish(c, "home/from-the-bridge", "in", QoS::k1);  // anonymous clients may not, by the rules
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(c).at(0).body).reason, ReasonCode::kSuccess);
  EXPECT_EQ(publishes(outbox_.take(alice)).size(), 1u);
  subscribe(c, "#", QoS::k1);
  EXPECT_EQ(suback(c), ReasonCode::kGrantedQoS1);
  rules(kRules);  // a reload keeps the trust
  publish(alice, "home/x", "out", QoS::k0);
  EXPECT_EQ(publishes(outbox_.take(c)).size(), 1u);
}

TEST_F(AuthorizeTest, SubscriptionsAreRefusedPerFilterWithTheVersionsCode) {
  rules(kRules);
  const auto bob = login("b", "bob");
  subscribe(bob, "garden/#", QoS::k1);
  EXPECT_EQ(suback(bob), ReasonCode::kNotAuthorized);
  subscribe(bob, "home/#", QoS::k1);  // reaches home/kitchen: granted, checked per message
  EXPECT_EQ(suback(bob), ReasonCode::kGrantedQoS1);
  const auto old = login("o", "bob", ProtocolVersion::kV311);
  subscribe(old, "garden/#", QoS::k1);
  const auto packets = outbox_.take(old);
  // 3.1.1 has one failure code, 0x80.
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<protocol::Suback>(packets[0].body).reason_codes.at(0), ReasonCode::kUnspecifiedError);
  EXPECT_EQ(engine().stats().subscribe_denied, 2u);
}

TEST_F(AuthorizeTest, AThreeOneClientWhoseSubscriptionIsRefusedIsDisconnected) {
  rules(kRules);
  const auto c = login("old", "bob", ProtocolVersion::kV31);
  subscribe(c, "garden/#", QoS::k0);
  EXPECT_TRUE(outbox_.connections[c].closed);
  EXPECT_EQ(engine().session_of(c), nullptr);
}

TEST_F(AuthorizeTest, AWideSubscriptionDeliversOnlyWhatTheUserMayRead) {
  rules(kRules);
  const auto bob = login("b", "bob");
  subscribe(bob, "home/#", QoS::k0);
  outbox_.take(bob);
  const auto alice = login("a", "alice");
  publish(alice, "home/kitchen", "1");
  publish(alice, "home/hall", "2");
  const auto packets_bob = outbox_.take(bob);  // the views below point into these
  const auto got = publishes(packets_bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "home/kitchen");
}

TEST_F(AuthorizeTest, DenyCarvesOutOfAGrantForDeliveriesToo) {
  rules(kRules);
  const auto alice = login("a", "alice");
  subscribe(alice, "home/#", QoS::k0);
  outbox_.take(alice);
  // The broker itself (say a will or $SYS) may publish where alice cannot read.
  engine().publish_internal(Message::make("home/secret", core::as_bytes("s"), QoS::k0, false, now_), now_);
  engine().publish_internal(Message::make("home/open", core::as_bytes("o"), QoS::k0, false, now_), now_);
  const auto packets_alice = outbox_.take(alice);  // the views below point into these
  const auto got = publishes(packets_alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "home/open");
}

TEST_F(AuthorizeTest, RetainedMessagesOnSubscribeAreFiltered) {
  rules(kRules);
  const auto alice = login("a", "alice");
  publish(alice, "home/kitchen", "k", QoS::k0, true);
  publish(alice, "home/hall", "h", QoS::k0, true);
  const auto bob = login("b", "bob");
  subscribe(bob, "home/+", QoS::k0);
  const auto packets_bob = outbox_.take(bob);  // the views below point into these
  const auto got = publishes(packets_bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "home/kitchen");
  EXPECT_TRUE(got[0].retain);
}

TEST_F(AuthorizeTest, AWillOnATopicTheClientMayNotWriteIsNeverPublished) {
  rules(std::string(kRules) + "user watcher\ntopic read #\n");
  const auto watcher = login("w", "watcher");
  subscribe(watcher, "#", QoS::k0);
  outbox_.take(watcher);
  protocol::Will denied;
  denied.topic = "home/kitchen";
  denied.payload = core::as_bytes(std::string_view("gone"));
  const auto b1 = login("b1", "bob", ProtocolVersion::kV5, denied);
  engine().connection_lost(b1, now_);
  protocol::Will allowed = denied;
  allowed.topic = "wills/bob";
  const auto b2 = login("b2", "bob", ProtocolVersion::kV5, allowed);
  engine().connection_lost(b2, now_);
  const auto packets_watcher = outbox_.take(watcher);  // the views below point into these
  const auto got = publishes(packets_watcher);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "wills/bob");
}

TEST_F(AuthorizeTest, NewRulesApplyToConnectedAndOfflineSessionsAtOnce) {
  rules(kRules);
  const auto bob = login("b", "bob", ProtocolVersion::kV5, std::nullopt, false);
  subscribe(bob, "home/#", QoS::k1);
  outbox_.take(bob);
  engine().disconnect(bob, protocol::Disconnect{}, now_);  // offline, the session stays
  // The new rules let bob read the hall as well.
  rules(std::string(kRules) + "user bob\ntopic read home/hall\n");
  const auto alice = login("a", "alice");
  publish(alice, "home/hall", "queued", QoS::k1);
  publish(alice, "home/attic", "not for bob", QoS::k1);
  const auto back = login("b", "bob", ProtocolVersion::kV5, std::nullopt, false);
  const auto packets_back = outbox_.take(back);  // the views below point into these
  const auto got = publishes(packets_back);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "home/hall");
  // Without an authorizer everything is allowed again.
  engine().set_authorizer(nullptr);
  publish(alice, "home/attic", "now yes", QoS::k1);
  EXPECT_EQ(publishes(outbox_.take(back)).size(), 1u);
}

TEST_F(AuthorizeTest, UsernameAsClientIdReplacesTheClientId) {
  const auto c = static_cast<ConnectionId>(next_connection_++);
  protocol::Connect connect;
  connect.client_id = "whatever";
  engine().connect(c, as_packet(connect), ClientInfo{"127.0.0.1:1", std::string("sensor-7"), true}, now_);
  ASSERT_NE(engine().session_of(c), nullptr);
  EXPECT_EQ(engine().session_of(c)->client_id(), "sensor-7");
  EXPECT_EQ(*engine().session_of(c)->username(), "sensor-7");
}

TEST_F(AuthorizeTest, AnotherUserTakingAClientIdStartsAFreshSession) {
  rules(std::string(kRules) + "user guest\ntopic read #\n");
  const auto alice = login("shared-id", "alice", ProtocolVersion::kV5, std::nullopt, false);
  subscribe(alice, "home/#", QoS::k1);
  outbox_.take(alice);
  engine().disconnect(alice, protocol::Disconnect{}, now_);
  const auto pub = login("p", "alice");
  publish(pub, "home/kitchen", "for alice only", QoS::k1);
  // The guest takes the client id with clean start 0: alice's subscription
  // and queued message must not become its own.
  const auto guest = login("shared-id", "guest", ProtocolVersion::kV5, std::nullopt, false);
  EXPECT_TRUE(publishes(outbox_.take(guest)).empty());
  EXPECT_TRUE(engine().session_of(guest)->subscriptions.empty());
  publish(pub, "home/hall", "after", QoS::k1);
  EXPECT_TRUE(publishes(outbox_.take(guest)).empty());
}

TEST_F(AuthorizeTest, ASharedGroupPicksAMemberThatMayReadTheTopic) {
  rules(std::string(kRules) + "user guest\ntopic read home/#\n");
  const auto bob = login("b", "bob");      // may read home/kitchen only
  const auto guest = login("g", "guest");  // may read all of home/#
  subscribe(bob, "$share/group/home/#", QoS::k0);
  subscribe(guest, "$share/group/home/#", QoS::k0);
  outbox_.take(bob);
  outbox_.take(guest);
  const auto alice = login("a", "alice");
  for (int i = 0; i < 4; ++i) publish(alice, "home/hall", "not bob's");
  EXPECT_TRUE(publishes(outbox_.take(bob)).empty());
  EXPECT_EQ(publishes(outbox_.take(guest)).size(), 4u);  // none lost to bob's turn
}

TEST_F(AuthorizeTest, AWillOnSysIsNeverPublishedEvenWithoutRules) {
  const auto watcher = login("w", "x");
  subscribe(watcher, "$SYS/#", QoS::k0);
  outbox_.take(watcher);
  protocol::Will will;
  will.topic = "$SYS/broker/version";
  will.payload = core::as_bytes(std::string_view("forged"));
  will.retain = true;
  const auto c = login("c", "y", ProtocolVersion::kV5, will);
  engine().connection_lost(c, now_);
  EXPECT_TRUE(publishes(outbox_.take(watcher)).empty());
  EXPECT_EQ(engine().retained().size(), 0u);
}

}  // namespace
}  // namespace roost::engine::test
