// Engine: PUBLISH and the QoS flows in both directions ([MQTT-4.3], [MQTT-4.4], [MQTT-4.6]).

#include "engine_test_util.hpp"

namespace roost::engine::test {
namespace {

using protocol::Publish;

TEST_F(EngineTest, QoS0_DeliveredToEverySubscriber) {
  const ConnectionId a = connected("a");
  const ConnectionId b = connected("b", ProtocolVersion::kV311);
  const ConnectionId pub = connected("p", ProtocolVersion::kV31);
  subscribe(a, "t/+");
  subscribe(b, "t/#");
  outbox_.take(a);
  outbox_.take(b);
  publish(pub, "t/1", "hello");
  for (const ConnectionId c : {a, b}) {
    const auto packets = outbox_.take(c);
    const auto got = publishes(packets);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].topic, "t/1");
    EXPECT_EQ(text(got[0].payload), "hello");
    EXPECT_EQ(got[0].qos, QoS::k0);
  }
  EXPECT_TRUE(outbox_.take(pub).empty());  // QoS 0: no acknowledgement
}

TEST_F(EngineTest, QoS1_PublisherGetsPuback) {  // [MQTT-4.3.2-4]
  const ConnectionId sub = connected("s");
  subscribe(sub, "t");
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x", QoS::k1, false, 7);
  const auto packets = outbox_.take(pub);
  ASSERT_EQ(packets.size(), 1u);
  const auto& ack = std::get<protocol::Puback>(packets[0].body);
  EXPECT_EQ(ack.packet_id, 7);
  EXPECT_EQ(ack.reason, ReasonCode::kSuccess);
}

TEST_F(EngineTest, QoS1_NoMatchingSubscribersIsReportedInFive) {  // 5.0 PUBACK 0x10
  const ConnectionId v5 = connected("p5");
  publish(v5, "nobody", "x", QoS::k1, false, 1);
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(v5).at(0).body).reason, ReasonCode::kNoMatchingSubscribers);
  const ConnectionId v3 = connected("p3", ProtocolVersion::kV311);
  publish(v3, "nobody", "x", QoS::k1, false, 1);
  EXPECT_EQ(std::get<protocol::Puback>(outbox_.take(v3).at(0).body).reason, ReasonCode::kSuccess);
}

TEST_F(EngineTest, QoS2_ExactlyOnceEvenWhenThePublishIsRetransmitted) {  // [MQTT-4.3.3-10]
  const ConnectionId sub = connected("s");
  subscribe(sub, "t", QoS::k2);
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "once", QoS::k2, false, 9);
  ASSERT_EQ(std::get<protocol::Pubrec>(outbox_.take(pub).at(0).body).packet_id, 9);
  // The publisher did not see the PUBREC and sends again with DUP.
  publish(pub, "t", "once", QoS::k2, false, 9);
  ASSERT_EQ(std::get<protocol::Pubrec>(outbox_.take(pub).at(0).body).packet_id, 9);
  protocol::Pubrel rel;
  rel.packet_id = 9;
  engine().pubrel(pub, rel, now_);
  EXPECT_EQ(std::get<protocol::Pubcomp>(outbox_.take(pub).at(0).body).reason, ReasonCode::kSuccess);
  const auto packets = outbox_.take(sub);
  EXPECT_EQ(publishes(packets).size(), 1u);
  // After PUBREL the identifier is free: the same id is a new message.
  publish(pub, "t", "twice", QoS::k2, false, 9);
  const auto again = outbox_.take(sub);
  EXPECT_EQ(publishes(again).size(), 1u);
}

TEST_F(EngineTest, QoS2_PubrelForUnknownIdentifierSaysNotFoundInFive) {  // [MQTT-3.7.2-1]
  const ConnectionId pub = connected("p");
  protocol::Pubrel rel;
  rel.packet_id = 77;
  engine().pubrel(pub, rel, now_);
  EXPECT_EQ(std::get<protocol::Pubcomp>(outbox_.take(pub).at(0).body).reason, ReasonCode::kPacketIdentifierNotFound);
}

TEST_F(EngineTest, Outgoing_QoS2FullFlowToSubscriber) {  // [MQTT-4.3.3]
  const ConnectionId sub = connected("s");
  subscribe(sub, "t", QoS::k2);
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x", QoS::k2);
  auto packets = outbox_.take(sub);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::k2);
  protocol::Pubrec rec;
  rec.packet_id = got[0].packet_id;
  engine().pubrec(sub, rec, now_);
  packets = outbox_.take(sub);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<protocol::Pubrel>(packets[0].body).packet_id, rec.packet_id);
  protocol::Pubcomp comp;
  comp.packet_id = rec.packet_id;
  engine().pubcomp(sub, comp, now_);
  EXPECT_TRUE(engine().session_of(sub)->inflight.empty());
}

TEST_F(EngineTest, Outgoing_QoSIsTheMinimumOfMessageAndSubscription) {  // [MQTT-3.8.4-8]
  const ConnectionId sub = connected("s");
  subscribe(sub, "t", QoS::k1);
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x", QoS::k2);
  publish(pub, "t", "y", QoS::k0);
  const auto packets = outbox_.take(sub);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].qos, QoS::k1);
  EXPECT_EQ(got[1].qos, QoS::k0);
}

class SmallWindow : public EngineTest {
  EngineSettings settings() const override {
    EngineSettings s;
    s.max_inflight_messages = 2;
    s.max_queued_messages = 3;
    return s;
  }
};

TEST_F(SmallWindow, Outgoing_WindowLimitsInflightAndAcksReleaseTheQueue) {
  const ConnectionId sub = connected("s");
  subscribe(sub, "t", QoS::k1);
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  for (int i = 0; i < 5; ++i) publish(pub, "t", std::to_string(i), QoS::k1);
  auto packets = outbox_.take(sub);
  auto got = publishes(packets);
  ASSERT_EQ(got.size(), 2u);  // the window
  EXPECT_EQ(engine().session_of(sub)->queue.size(), 3u);
  protocol::Puback ack;
  ack.packet_id = got[0].packet_id;
  engine().puback(sub, ack, now_);
  packets = outbox_.take(sub);
  got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(text(got[0].payload), "2");  // in order [MQTT-4.6.0-6]
}

TEST_F(SmallWindow, Outgoing_FullQueueDropsTheNewestAndCountsIt) {
  const ConnectionId sub = connected("s");
  subscribe(sub, "t", QoS::k1);
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  for (int i = 0; i < 7; ++i) publish(pub, "t", std::to_string(i), QoS::k1);
  EXPECT_EQ(engine().session_of(sub)->queue.size(), 3u);
  EXPECT_EQ(engine().stats().publish_dropped_queue_full, 2u);
  EXPECT_EQ(text(engine().session_of(sub)->queue.back().message->payload()), "4");
}

TEST_F(EngineTest, Outgoing_ReceiveMaximumOfTheClientIsTheWindow) {  // [MQTT-3.3.4-9]
  const auto c = static_cast<ConnectionId>(50);
  protocol::Connect connect;
  connect.client_id = "rm";
  connect.properties.receive_maximum = 1;
  engine().connect(c, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
  outbox_.take(c);
  subscribe(c, "t", QoS::k1);
  outbox_.take(c);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "a", QoS::k1);
  publish(pub, "t", "b", QoS::k1);
  const auto packets = outbox_.take(c);
  EXPECT_EQ(publishes(packets).size(), 1u);
}

TEST_F(EngineTest, Outgoing_UnacknowledgedMessagesAreResentWithDupOnResume) {  // [MQTT-4.4.0-1]
  const ConnectionId sub = connect("s", ProtocolVersion::kV311, false);
  outbox_.take(sub);
  subscribe(sub, "t", QoS::k1);
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "first", QoS::k1);
  const auto packets = outbox_.take(sub);
  const std::uint16_t id = publishes(packets).at(0).packet_id;
  engine().connection_lost(sub, now_);
  publish(pub, "t", "while away", QoS::k1);
  const ConnectionId again = connect("s", ProtocolVersion::kV311, false);
  const auto resumed = outbox_.take(again);
  const auto got = publishes(resumed);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].dup);
  EXPECT_EQ(got[0].packet_id, id);
  EXPECT_EQ(text(got[0].payload), "first");
  EXPECT_FALSE(got[1].dup);
  EXPECT_EQ(text(got[1].payload), "while away");
}

TEST_F(EngineTest, Outgoing_PubrelResentWhenPubcompWasMissing) {  // [MQTT-4.4.0-1]
  const ConnectionId sub = connect("s", ProtocolVersion::kV5, false, 100);
  outbox_.take(sub);
  subscribe(sub, "t", QoS::k2);
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x", QoS::k2);
  const auto packets = outbox_.take(sub);
  protocol::Pubrec rec;
  rec.packet_id = publishes(packets).at(0).packet_id;
  engine().pubrec(sub, rec, now_);
  outbox_.take(sub);
  engine().connection_lost(sub, now_);
  const ConnectionId again = connect("s", ProtocolVersion::kV5, false, 100);
  const auto resumed = outbox_.take(again);
  ASSERT_EQ(resumed.size(), 2u);  // CONNACK, PUBREL
  EXPECT_EQ(std::get<protocol::Pubrel>(resumed[1].body).packet_id, rec.packet_id);
}

TEST_F(EngineTest, Offline_QoS0IsNotQueuedQoS1Is) {
  const ConnectionId sub = connect("s", ProtocolVersion::kV311, false);
  outbox_.take(sub);
  subscribe(sub, "t", QoS::k1);
  engine().connection_lost(sub, now_);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "zero", QoS::k0);
  publish(pub, "t", "one", QoS::k1);
  EXPECT_EQ(engine().find_session("s")->queue.size(), 1u);
}

TEST_F(EngineTest, Expiry_QueuedMessagePastItsExpiryIsDropped) {  // [MQTT-3.3.2-5]
  const ConnectionId sub = connect("s", ProtocolVersion::kV5, false, 3600);
  outbox_.take(sub);
  subscribe(sub, "t", QoS::k1);
  engine().connection_lost(sub, now_);
  const ConnectionId pub = connected("p");
  protocol::Properties props;
  props.message_expiry_interval = 10;
  publish(pub, "t", "short-lived", QoS::k1, false, 0, props);
  publish(pub, "t", "lasting", QoS::k1);
  advance(std::chrono::seconds(11));
  const ConnectionId again = connect("s", ProtocolVersion::kV5, false, 3600);
  const auto packets = outbox_.take(again);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(text(got[0].payload), "lasting");
  EXPECT_EQ(engine().stats().publish_dropped_expired, 1u);
}

TEST_F(EngineTest, Expiry_RemainingIntervalIsSent) {  // [MQTT-3.3.2-6]
  const ConnectionId sub = connect("s", ProtocolVersion::kV5, false, 3600);
  outbox_.take(sub);
  subscribe(sub, "t", QoS::k1);
  engine().connection_lost(sub, now_);
  const ConnectionId pub = connected("p");
  protocol::Properties props;
  props.message_expiry_interval = 100;
  publish(pub, "t", "x", QoS::k1, false, 0, props);
  advance(std::chrono::seconds(30));
  const ConnectionId again = connect("s", ProtocolVersion::kV5, false, 3600);
  const auto packets = outbox_.take(again);
  EXPECT_EQ(publishes(packets).at(0).properties.message_expiry_interval, 70u);
}

TEST_F(EngineTest, Properties_PassedThroughUnchangedAndInOrder) {  // [MQTT-3.3.2-18], [MQTT-3.3.2-17]
  const ConnectionId sub = connected("s");
  subscribe(sub, "t");
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  protocol::Properties props;
  props.payload_format_indicator = 1;
  props.content_type = "application/json";
  props.response_topic = "reply/here";
  props.correlation_data = core::as_bytes("id-42");
  props.user_properties = {{"z", "1"}, {"a", "2"}, {"z", "3"}};
  publish(pub, "t", "{}", QoS::k0, false, 0, props);
  const auto packets = outbox_.take(sub);
  const auto got = publishes(packets).at(0).properties;
  EXPECT_EQ(got.payload_format_indicator, 1);
  EXPECT_EQ(got.content_type, "application/json");
  EXPECT_EQ(got.response_topic, "reply/here");
  EXPECT_EQ(text(*got.correlation_data), "id-42");
  EXPECT_EQ(got.user_properties, props.user_properties);
}

TEST_F(EngineTest, MaximumPacketSize_ClientNeverGetsMoreThanItAllows) {  // [MQTT-3.1.2-24], [MQTT-3.1.2-25]
  const auto c = static_cast<ConnectionId>(60);
  protocol::Connect connect;
  connect.client_id = "small";
  connect.properties.maximum_packet_size = 64;
  engine().connect(c, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
  outbox_.take(c);
  subscribe(c, "t", QoS::k1);
  outbox_.take(c);
  const ConnectionId pub = connected("p");
  publish(pub, "t", std::string(100, 'x'), QoS::k1);
  publish(pub, "t", "fits", QoS::k1);
  const auto packets = outbox_.take(c);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(text(got[0].payload), "fits");
  EXPECT_EQ(engine().stats().publish_dropped_too_large, 1u);
  EXPECT_EQ(engine().session_of(c)->inflight.size(), 1u);  // the large one is not waiting for PUBACK
}

class LimitedServer : public EngineTest {
  EngineSettings settings() const override {
    EngineSettings s;
    s.maximum_qos = QoS::k1;
    s.message_size_limit = 10;
    return s;
  }
};

TEST_F(LimitedServer, Publish_AboveMaximumQoSIsAProtocolError) {  // [MQTT-3.2.2-11]
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x", QoS::k2);
  EXPECT_EQ(outbox_.connections[pub].close_reason, ReasonCode::kQoSNotSupported);
}

TEST_F(LimitedServer, Publish_AboveTheSizeLimitIsRefusedWithQuotaExceeded) {
  const ConnectionId sub = connected("s");
  subscribe(sub, "t");
  outbox_.take(sub);
  const ConnectionId pub = connected("p");
  publish(pub, "t", "this payload is too long", QoS::k1, false, 3);
  const auto acks = outbox_.take(pub);
  const auto& ack = std::get<protocol::Puback>(acks.at(0).body);
  EXPECT_EQ(ack.reason, ReasonCode::kQuotaExceeded);
  EXPECT_EQ(ack.properties.reason_string, "message_size_limit exceeded");
  EXPECT_TRUE(outbox_.take(sub).empty());
}

TEST_F(LimitedServer, Publish_NoReasonStringWhenTheClientAskedForNoProblemInformation) {  // [MQTT-3.1.2-29]
  const auto pub = static_cast<ConnectionId>(next_connection_++);
  protocol::Connect connect;
  connect.client_id = "quiet";
  connect.properties.request_problem_information = 0;
  engine().connect(pub, as_packet(connect), ClientInfo{"x", std::nullopt, false}, now_);
  outbox_.take(pub);
  publish(pub, "t", "this payload is too long", QoS::k1, false, 3);
  const auto acks = outbox_.take(pub);
  const auto& ack = std::get<protocol::Puback>(acks.at(0).body);
  EXPECT_EQ(ack.reason, ReasonCode::kQuotaExceeded);
  EXPECT_FALSE(ack.properties.reason_string.has_value());
}

TEST_F(EngineTest, Qos0_FullOutputDropsAndCounts) {
  const ConnectionId sub = connected("s");
  subscribe(sub, "t");
  outbox_.take(sub);
  outbox_.refuse_qos0 = true;
  const ConnectionId pub = connected("p");
  publish(pub, "t", "x");
  EXPECT_EQ(engine().stats().publish_dropped_output_full, 1u);
}

}  // namespace
}  // namespace roost::engine::test

namespace roost::engine::test {
namespace {

class FlowControl : public EngineTest {
  EngineSettings settings() const override {
    EngineSettings s;
    s.max_inflight_messages = 1;
    s.max_queued_messages = 8;  // high water 4, low water 2
    return s;
  }
};

TEST_F(FlowControl, PublisherIsToldToPauseWhileASubscriberIsCongested) {
  const ConnectionId sub = connected("slow");
  subscribe(sub, "t", QoS::k1);
  outbox_.take(sub);
  const ConnectionId pub = connected("fast");
  auto publish_returns = [&](const std::string& payload) {
    protocol::Publish p;
    p.topic = "t";
    p.payload = core::as_bytes(payload);
    p.qos = QoS::k1;
    p.packet_id = next_id_++;
    const protocol::Packet packet = as_packet(p);
    return engine().publish(pub, packet, "t", {}, now_);
  };
  EXPECT_FALSE(publish_returns("0"));                                             // in flight
  for (int i = 1; i <= 3; ++i) EXPECT_FALSE(publish_returns(std::to_string(i)));  // queue 1..3
  EXPECT_TRUE(publish_returns("4"));                                              // queue reaches 4: pause
  EXPECT_EQ(engine().congested(), 1u);
  // The subscriber acknowledges; the queue drains to the low-water mark.
  for (int i = 0; i < 3; ++i) {
    auto packets = outbox_.take(sub);
    const auto got = publishes(packets);
    ASSERT_EQ(got.size(), 1u);
    protocol::Puback ack;
    ack.packet_id = got[0].packet_id;
    engine().puback(sub, ack, now_);
  }
  EXPECT_EQ(engine().congested(), 0u);
  EXPECT_EQ(engine().stats().publish_dropped, 0u);
}

TEST_F(FlowControl, DisconnectedSubscriberIsNotCongested) {
  const ConnectionId sub = connect("slow", ProtocolVersion::kV5, false, 3600);
  outbox_.take(sub);
  subscribe(sub, "t", QoS::k1);
  const ConnectionId pub = connected("fast");
  for (int i = 0; i < 6; ++i) publish(pub, "t", "x", QoS::k1);
  EXPECT_EQ(engine().congested(), 1u);
  engine().connection_lost(sub, now_);
  EXPECT_EQ(engine().congested(), 0u);
}

}  // namespace
}  // namespace roost::engine::test
