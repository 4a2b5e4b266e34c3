// Engine: subscriptions, retained messages and wills ([MQTT-3.8], [MQTT-3.10],
// [MQTT-3.3.1] retain, [MQTT-3.1.2-8] will, [MQTT-4.8.2] shared subscriptions).

#include "engine_test_util.hpp"

namespace roost::engine::test {
namespace {

const protocol::Suback& suback(const std::vector<protocol::Packet>& packets) {
  return std::get<protocol::Suback>(packets.at(0).body);
}

TEST_F(EngineTest, Subscribe_SubackGrantsTheRequestedQoS) {  // [MQTT-3.8.4-1]
  const ConnectionId c = connected("s");
  subscribe(c, "a/+", QoS::k2);
  const auto packets = outbox_.take(c);
  EXPECT_EQ(suback(packets).reason_codes, std::vector<ReasonCode>{ReasonCode::kGrantedQoS2});
  EXPECT_EQ(engine().subscription_count(), 1u);
}

TEST_F(EngineTest, Subscribe_OverlappingSubscriptionsDeliverOnceAtHighestQoSWithAllIdentifiers) {
  // [MQTT-3.3.4-2], [MQTT-3.3.4-3], [MQTT-3.3.4-5]
  const ConnectionId c = connected("s");
  subscribe(c, "a/#", QoS::k0, 1);
  subscribe(c, "a/+", QoS::k1, 2);
  subscribe(c, "a/b", QoS::k0, 3);
  outbox_.take(c);
  const ConnectionId pub = connected("p");
  publish(pub, "a/b", "x", QoS::k2);
  const auto packets = outbox_.take(c);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::k1);
  auto ids = got[0].properties.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST_F(EngineTest, Subscribe_ResubscribingReplacesTheOptions) {  // [MQTT-3.8.4-3]
  const ConnectionId c = connected("s");
  subscribe(c, "t", QoS::k0);
  subscribe(c, "t", QoS::k1);
  EXPECT_EQ(engine().subscription_count(), 1u);
  outbox_.take(c);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x", QoS::k1);
  const auto packets = outbox_.take(c);
  EXPECT_EQ(publishes(packets).at(0).qos, QoS::k1);
}

TEST_F(EngineTest, Subscribe_DollarTopicsAreNotMatchedByLeadingWildcards) {  // [MQTT-4.7.2-1]
  const ConnectionId c = connected("s");
  subscribe(c, "#");
  subscribe(c, "+/broker/uptime");
  outbox_.take(c);
  engine().publish_internal(Message::make("$SYS/broker/uptime", core::as_bytes("1"), QoS::k0, false, now_), now_);
  EXPECT_TRUE(outbox_.take(c).empty());
  subscribe(c, "$SYS/#");
  outbox_.take(c);
  engine().publish_internal(Message::make("$SYS/broker/uptime", core::as_bytes("2"), QoS::k0, false, now_), now_);
  const auto packets = outbox_.take(c);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

TEST_F(EngineTest, Subscribe_NoLocalSkipsThePublishersOwnSession) {  // [MQTT-3.8.3-3]
  const ConnectionId c = connected("chat");
  subscribe(c, "room", QoS::k0, 0, true);
  outbox_.take(c);
  publish(c, "room", "mine");
  EXPECT_TRUE(outbox_.take(c).empty());
  const ConnectionId other = connected("other");
  publish(other, "room", "theirs");
  const auto packets = outbox_.take(c);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

TEST_F(EngineTest, Subscribe_RetainAsPublishedKeepsTheFlag) {  // [MQTT-3.3.1-12], [MQTT-3.3.1-13]
  const ConnectionId keep = connected("keep");
  const ConnectionId clear = connected("clear");
  subscribe(keep, "t", QoS::k0, 0, false, true, protocol::RetainHandling::kDoNotSend);
  subscribe(clear, "t", QoS::k0, 0, false, false, protocol::RetainHandling::kDoNotSend);
  outbox_.take(keep);
  outbox_.take(clear);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x", QoS::k0, true);
  const auto kept = outbox_.take(keep);
  const auto cleared = outbox_.take(clear);
  EXPECT_TRUE(publishes(kept).at(0).retain);
  EXPECT_FALSE(publishes(cleared).at(0).retain);
}

TEST_F(EngineTest, Unsubscribe_AnswersPerFilter) {  // [MQTT-3.11.3-1]
  const ConnectionId c = connected("s");
  subscribe(c, "a");
  outbox_.take(c);
  protocol::Unsubscribe u;
  u.packet_id = 5;
  u.filters = {"a", "never"};
  engine().unsubscribe(c, u, now_);
  const auto packets = outbox_.take(c);
  const auto& ack = std::get<protocol::Unsuback>(packets.at(0).body);
  EXPECT_EQ(ack.reason_codes, (std::vector<ReasonCode>{ReasonCode::kSuccess, ReasonCode::kNoSubscriptionExisted}));
  EXPECT_EQ(engine().subscription_count(), 0u);
}

TEST_F(EngineTest, Shared_EachMessageGoesToOneMemberRoundRobin) {  // [MQTT-4.8.2-3]
  const ConnectionId a = connected("a");
  const ConnectionId b = connected("b");
  const ConnectionId plain = connected("plain");
  subscribe(a, "$share/workers/jobs/+");
  subscribe(b, "$share/workers/jobs/+");
  subscribe(plain, "jobs/#");
  outbox_.take(a);
  outbox_.take(b);
  outbox_.take(plain);
  const ConnectionId pub = connected("p");
  for (int i = 0; i < 4; ++i) publish(pub, "jobs/x", std::to_string(i));
  const auto to_a = outbox_.take(a);
  const auto to_b = outbox_.take(b);
  const auto to_plain = outbox_.take(plain);
  EXPECT_EQ(publishes(to_a).size(), 2u);
  EXPECT_EQ(publishes(to_b).size(), 2u);
  EXPECT_EQ(publishes(to_plain).size(), 4u);
}

TEST_F(EngineTest, Shared_OnlineMemberPreferredOverOffline) {
  const ConnectionId a = connect("a", ProtocolVersion::kV5, false, 3600);
  const ConnectionId b = connected("b");
  subscribe(a, "$share/g/t");
  subscribe(b, "$share/g/t");
  engine().connection_lost(a, now_);
  outbox_.take(b);
  const ConnectionId pub = connected("p");
  for (int i = 0; i < 3; ++i) publish(pub, "t", "x", QoS::k1);
  const auto packets = outbox_.take(b);
  EXPECT_EQ(publishes(packets).size(), 3u);
}

TEST_F(EngineTest, Retained_SentOnSubscribeWithRetainFlag) {  // [MQTT-3.3.1-6], [MQTT-3.3.1-8]
  const ConnectionId pub = connected("p");
  publish(pub, "home/temp", "21", QoS::k1, true);
  publish(pub, "home/hum", "40", QoS::k0, true);
  const ConnectionId c = connected("s");
  subscribe(c, "home/+", QoS::k1);
  const auto packets = outbox_.take(c);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 2u);
  for (const auto& p : got) EXPECT_TRUE(p.retain);
  EXPECT_TRUE(std::holds_alternative<protocol::Suback>(packets.at(0).body));  // SUBACK first
  EXPECT_EQ(engine().retained().size(), 2u);
}

TEST_F(EngineTest, Retained_ReplacedAndDeletedByEmptyPayload) {  // [MQTT-3.3.1-5], [MQTT-3.3.1-6]
  const ConnectionId pub = connected("p");
  publish(pub, "t", "old", QoS::k0, true);
  publish(pub, "t", "new", QoS::k0, true);
  const ConnectionId c = connected("s");
  subscribe(c, "t");
  auto packets = outbox_.take(c);
  ASSERT_EQ(publishes(packets).size(), 1u);
  EXPECT_EQ(text(publishes(packets)[0].payload), "new");
  publish(pub, "t", "", QoS::k0, true);
  EXPECT_EQ(engine().retained().size(), 0u);
  outbox_.take(c);
  const ConnectionId late = connected("late");
  subscribe(late, "t");
  packets = outbox_.take(late);
  EXPECT_TRUE(publishes(packets).empty());
}

TEST_F(EngineTest, Retained_RetainHandlingControlsWhatIsSent) {  // [MQTT-3.3.1-9] .. [MQTT-3.3.1-11]
  const ConnectionId pub = connected("p");
  publish(pub, "t", "r", QoS::k0, true);
  const ConnectionId c = connected("s");
  subscribe(c, "t", QoS::k0, 0, false, false, protocol::RetainHandling::kDoNotSend);
  auto packets = outbox_.take(c);
  EXPECT_TRUE(publishes(packets).empty());
  subscribe(c, "t", QoS::k0, 0, false, false, protocol::RetainHandling::kSendIfNewSubscription);
  packets = outbox_.take(c);
  EXPECT_TRUE(publishes(packets).empty());  // the subscription existed
  subscribe(c, "u/#", QoS::k0, 0, false, false, protocol::RetainHandling::kSendIfNewSubscription);
  subscribe(c, "t", QoS::k0, 0, false, false, protocol::RetainHandling::kSendOnSubscribe);
  packets = outbox_.take(c);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

TEST_F(EngineTest, Retained_NotSentForSharedSubscriptions) {
  const ConnectionId pub = connected("p");
  publish(pub, "t", "r", QoS::k0, true);
  const ConnectionId c = connected("s");
  subscribe(c, "$share/g/t");
  const auto packets = outbox_.take(c);
  EXPECT_TRUE(publishes(packets).empty());
}

TEST_F(EngineTest, Retained_ExpiredMessageIsNotSent) {  // [MQTT-3.3.2-5]
  const ConnectionId pub = connected("p");
  protocol::Properties props;
  props.message_expiry_interval = 5;
  publish(pub, "t", "r", QoS::k0, true, 0, props);
  advance(std::chrono::seconds(6));
  const ConnectionId c = connected("s");
  subscribe(c, "t");
  const auto packets = outbox_.take(c);
  EXPECT_TRUE(publishes(packets).empty());
  EXPECT_EQ(engine().retained().size(), 0u);
}

protocol::Will will_on(std::string_view topic, std::optional<std::uint32_t> delay = std::nullopt) {
  protocol::Will w;
  w.topic = topic;
  w.payload = core::as_bytes("offline");
  w.qos = QoS::k1;
  w.properties.will_delay_interval = delay;
  return w;
}

TEST_F(EngineTest, Will_PublishedWhenTheConnectionIsLost) {  // [MQTT-3.1.2-8]
  const ConnectionId watcher = connected("w");
  subscribe(watcher, "status/#", QoS::k1);
  outbox_.take(watcher);
  const ConnectionId c = connect("dev", ProtocolVersion::kV311, true, std::nullopt, will_on("status/dev"));
  engine().connection_lost(c, now_);
  const auto packets = outbox_.take(watcher);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "status/dev");
  EXPECT_EQ(text(got[0].payload), "offline");
}

TEST_F(EngineTest, Will_NotPublishedAfterNormalDisconnect) {  // [MQTT-3.1.2-10]
  const ConnectionId watcher = connected("w");
  subscribe(watcher, "status/#");
  outbox_.take(watcher);
  const ConnectionId c = connect("dev", ProtocolVersion::kV5, true, std::nullopt, will_on("status/dev"));
  engine().disconnect(c, protocol::Disconnect{}, now_);
  EXPECT_TRUE(outbox_.take(watcher).empty());
}

TEST_F(EngineTest, Will_PublishedAfterDisconnectWithWillMessage) {  // 5.0 reason 0x04
  const ConnectionId watcher = connected("w");
  subscribe(watcher, "status/#");
  outbox_.take(watcher);
  const ConnectionId c = connect("dev", ProtocolVersion::kV5, true, std::nullopt, will_on("status/dev"));
  protocol::Disconnect d;
  d.reason = ReasonCode::kDisconnectWithWillMessage;
  engine().disconnect(c, d, now_);
  const auto packets = outbox_.take(watcher);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

TEST_F(EngineTest, Will_DelayedAndCancelledByReconnection) {  // [MQTT-3.1.3-9]
  const ConnectionId watcher = connected("w");
  subscribe(watcher, "status/#");
  outbox_.take(watcher);
  const ConnectionId c = connect("dev", ProtocolVersion::kV5, false, 3600, will_on("status/dev", 10));
  engine().connection_lost(c, now_);
  advance(std::chrono::seconds(5));
  EXPECT_TRUE(outbox_.take(watcher).empty());
  connect("dev", ProtocolVersion::kV5, false, 3600);
  advance(std::chrono::seconds(10));
  EXPECT_TRUE(outbox_.take(watcher).empty());
}

TEST_F(EngineTest, Will_DelayedWillIsPublishedWhenDue) {
  const ConnectionId watcher = connected("w");
  subscribe(watcher, "status/#");
  outbox_.take(watcher);
  const ConnectionId c = connect("dev", ProtocolVersion::kV5, false, 3600, will_on("status/dev", 10));
  engine().connection_lost(c, now_);
  advance(std::chrono::seconds(10));
  const auto packets = outbox_.take(watcher);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

TEST_F(EngineTest, Will_SessionEndingFirstPublishesTheWill) {  // will delay > session expiry
  const ConnectionId watcher = connected("w");
  subscribe(watcher, "status/#");
  outbox_.take(watcher);
  const ConnectionId c = connect("dev", ProtocolVersion::kV5, false, 5, will_on("status/dev", 60));
  engine().connection_lost(c, now_);
  advance(std::chrono::seconds(5));
  const auto packets = outbox_.take(watcher);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

TEST_F(EngineTest, Will_RetainedWillIsStored) {
  protocol::Will w = will_on("status/dev");
  w.retain = true;
  const ConnectionId c = connect("dev", ProtocolVersion::kV311, true, std::nullopt, w);
  engine().connection_lost(c, now_);
  EXPECT_EQ(engine().retained().size(), 1u);
}

TEST_F(EngineTest, Will_SessionTakeoverPublishesTheOldWill) {  // [MQTT-3.1.4-3]
  const ConnectionId watcher = connected("w");
  subscribe(watcher, "status/#");
  outbox_.take(watcher);
  connect("dev", ProtocolVersion::kV311, true, std::nullopt, will_on("status/dev"));
  connect("dev", ProtocolVersion::kV311, true);
  const auto packets = outbox_.take(watcher);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

}  // namespace
}  // namespace roost::engine::test

namespace roost::engine::test {
namespace {

TEST_F(EngineTest, Retained_ManyRetainedMessagesWaitForOutputRoomInsteadOfBeingDropped) {
  const ConnectionId pub = connected("p");
  for (int i = 0; i < 50; ++i) publish(pub, "many/" + std::to_string(i), "v", QoS::k0, true);
  const ConnectionId c = connected("s");
  outbox_.refuse_qos0 = true;  // the output is full from the start
  subscribe(c, "many/#");
  auto packets = outbox_.take(c);
  EXPECT_TRUE(publishes(packets).empty());
  EXPECT_EQ(engine().session_of(c)->queue.size(), 50u);
  outbox_.refuse_qos0 = false;
  engine().writable(c, now_);
  packets = outbox_.take(c);
  EXPECT_EQ(publishes(packets).size(), 50u);
  EXPECT_EQ(engine().stats().publish_dropped, 0u);
}

}  // namespace
}  // namespace roost::engine::test
