// MqttClient: the MQTT side: CONNACK, publishing and its acknowledgements
// both ways, subscriptions, packet identifiers.

#include "net/mqtt_client.hpp"

#include <asio/post.hpp>

namespace roost::net {

using protocol::PacketType;
using protocol::QoS;
using protocol::ReasonCode;

std::shared_ptr<MqttClient> MqttClient::create(asio::io_context& io, MqttClientOptions options, Handler& handler) {
  return std::shared_ptr<MqttClient>(new MqttClient(io, std::move(options), handler));
}

MqttClient::MqttClient(asio::io_context& io, MqttClientOptions options, Handler& handler)
    : io_(io),
      options_(std::move(options)),
      handler_(&handler),
      resolver_(io),
      socket_(io),
      connect_timer_(io),
      keep_alive_timer_(io),
      encoder_(protocol::Role::kClient, options_.connect.version),
      decoder_(protocol::Role::kClient, protocol::DecoderLimits(options_.maximum_packet_size)) {
  decoder_.set_version(options_.connect.version);
}

MqttClient::~MqttClient() = default;

void MqttClient::on_packet(protocol::Packet& packet) {
  const PacketType type = protocol::type_of(packet.body);
  if (options_.trace) options_.trace(false, packet.body);
  if (state_ == State::kWaitConnack) {
    if (type != PacketType::kConnack)
      return fail("the server sent " + std::string(to_string(type)) + " before CONNACK");
    return on_connack(std::get<protocol::Connack>(packet.body));
  }
  switch (type) {
    case PacketType::kPublish:
      return on_publish(packet);
    case PacketType::kPuback: {
      const auto& ack = std::get<protocol::Puback>(packet.body);
      return on_puback(ack.packet_id, ack.reason, true);
    }
    case PacketType::kPubrec:
      return on_pubrec(std::get<protocol::Pubrec>(packet.body));
    case PacketType::kPubcomp: {
      const auto& ack = std::get<protocol::Pubcomp>(packet.body);
      return on_puback(ack.packet_id, ack.reason, true);
    }
    case PacketType::kPubrel: {
      const auto id = std::get<protocol::Pubrel>(packet.body).packet_id;
      if (options_.manual_acks) return handler_->on_release(id);
      incoming_qos2_.erase(id);
      protocol::Pubcomp comp;
      comp.packet_id = id;
      return send(comp);
    }
    case PacketType::kSuback: {
      const auto& ack = std::get<protocol::Suback>(packet.body);
      const auto it = subscribes_.find(ack.packet_id);
      if (it == subscribes_.end()) return fail("a SUBACK for no SUBSCRIBE");
      SubackDone done = std::move(it->second);
      subscribes_.erase(it);
      used_ids_.erase(ack.packet_id);
      if (done) done(ack);
      return;
    }
    case PacketType::kUnsuback: {
      const auto& ack = std::get<protocol::Unsuback>(packet.body);
      const auto it = unsubscribes_.find(ack.packet_id);
      if (it == unsubscribes_.end()) return fail("an UNSUBACK for no UNSUBSCRIBE");
      UnsubackDone done = std::move(it->second);
      unsubscribes_.erase(it);
      used_ids_.erase(ack.packet_id);
      if (done) done(ack);
      return;
    }
    case PacketType::kPingresp:
      ping_outstanding_ = false;
      return;
    case PacketType::kDisconnect: {
      const auto& d = std::get<protocol::Disconnect>(packet.body);
      std::string why = "the server sent DISCONNECT: " + std::string(to_string(d.reason));
      if (d.properties.reason_string) why += " (" + std::string(*d.properties.reason_string) + ")";
      return fail(why, d.reason);
    }
    default:
      return fail("the server sent an unexpected " + std::string(to_string(type)));
  }
}

void MqttClient::on_connack(const protocol::Connack& connack) {
  connack_ = connack;
  if (connack.reason != ReasonCode::kSuccess) {
    std::string why = "the server refused the connection: " + std::string(to_string(connack.reason));
    if (connack.properties.reason_string) why += " (" + std::string(*connack.properties.reason_string) + ")";
    return fail(why, connack.reason);
  }
  // The views in connack_ die with the packet: keep only what is used later.
  connack_.properties = {};
  connack_.properties.receive_maximum = connack.properties.receive_maximum;
  connack_.properties.maximum_qos = connack.properties.maximum_qos;
  connack_.properties.retain_available = connack.properties.retain_available;
  connack_.properties.server_keep_alive = connack.properties.server_keep_alive;
  connack_.properties.maximum_packet_size = connack.properties.maximum_packet_size;
  connack_.properties.session_expiry_interval = connack.properties.session_expiry_interval;
  state_ = State::kConnected;
  connect_timer_.cancel();
  if (connack.properties.receive_maximum) receive_maximum_ = *connack.properties.receive_maximum;
  if (connack.properties.maximum_packet_size) server_maximum_packet_ = *connack.properties.maximum_packet_size;
  if (connack.properties.server_keep_alive) keep_alive_ = *connack.properties.server_keep_alive;
  arm_keep_alive();
  handler_->on_connected(connack);
}

void MqttClient::on_publish(protocol::Packet& packet) {
  const auto& p = std::get<protocol::Publish>(packet.body);
  if (p.topic.empty()) return fail("the server sent a Topic Alias, which this client never allowed");
  if (p.qos == QoS::k2 && !options_.manual_acks) {
    // Delivered once: a resent PUBLISH with this id is only answered [MQTT-4.3.3].
    if (!incoming_qos2_.insert(p.packet_id).second) {
      protocol::Pubrec rec;
      rec.packet_id = p.packet_id;
      return send(rec);
    }
  }
  // Acknowledged before the handler sees it, as libmosquitto does: a tool
  // that ends on this message still acknowledges it before DISCONNECT.
  if (!options_.manual_acks && p.qos != QoS::k0) acknowledge(p.packet_id, p.qos);
  handler_->on_message(packet);
}

void MqttClient::acknowledge(std::uint16_t packet_id, QoS qos, ReasonCode reason) {
  if (qos == QoS::k1) {
    protocol::Puback ack;
    ack.packet_id = packet_id;
    ack.reason = reason;
    send(ack);
  } else if (qos == QoS::k2) {
    protocol::Pubrec ack;
    ack.packet_id = packet_id;
    ack.reason = reason;
    send(ack);
  }
}

void MqttClient::release(std::uint16_t packet_id, ReasonCode reason) {
  protocol::Pubcomp comp;
  comp.packet_id = packet_id;
  comp.reason = reason;
  send(comp);
}

void MqttClient::on_puback(std::uint16_t id, ReasonCode reason, bool complete) {
  const auto it = inflight_.find(id);
  if (it == inflight_.end()) return;  // a late duplicate
  // PUBACK or a refusing PUBREC: `done`; PUBCOMP: `completed` (QoS 2 whose
  // PUBREC already ran `done`).
  AckDone done = it->second.released ? std::move(it->second.completed) : std::move(it->second.done);
  if (!complete && it->second.released) return;
  inflight_.erase(it);
  used_ids_.erase(id);
  fill_window();
  if (done) done(reason);
  check_idle();
}

void MqttClient::on_pubrec(const protocol::Pubrec& ack) {
  const auto it = inflight_.find(ack.packet_id);
  if (it == inflight_.end() || it->second.qos != QoS::k2) {
    // Not ours (e.g. a resend after we completed it): release it anyway [MQTT-4.3.3].
    protocol::Pubrel rel;
    rel.packet_id = ack.packet_id;
    if (options_.connect.version == protocol::ProtocolVersion::kV5) rel.reason = ReasonCode::kPacketIdentifierNotFound;
    return send(rel);
  }
  if (protocol::is_failure(ack.reason)) return on_puback(ack.packet_id, ack.reason, true);
  const bool first = !it->second.released && !it->second.received;
  it->second.received = true;
  AckDone done = first ? std::move(it->second.done) : AckDone{};
  if (options_.manual_acks) {
    // The owner sends PUBREL (release_outgoing()) once its side has settled.
    if (done) done(ack.reason);
    return;
  }
  it->second.released = true;
  protocol::Pubrel rel;
  rel.packet_id = ack.packet_id;
  send(rel);
  if (done) done(ack.reason);
}

void MqttClient::release_outgoing(std::uint16_t packet_id, AckDone completed) {
  if (state_ != State::kConnected) return;
  auto it = inflight_.find(packet_id);
  if (it == inflight_.end()) {
    // A PUBREL the previous connection owed (the session kept its state).
    used_ids_.insert(packet_id);
    Inflight entry;
    entry.qos = QoS::k2;
    it = inflight_.emplace(packet_id, std::move(entry)).first;
  }
  it->second.released = true;
  it->second.completed = std::move(completed);
  protocol::Pubrel rel;
  rel.packet_id = packet_id;
  send(rel);
}

bool MqttClient::publish(const protocol::Publish& publish, AckDone done) {
  if (state_ != State::kConnected) {
    error_ = "not connected";
    return false;
  }
  protocol::Publish p = publish;
  // What the server takes [MQTT-3.2.2-11] [MQTT-3.2.2-14].
  const auto& limits = connack_.properties;
  if (limits.maximum_qos && static_cast<std::uint8_t>(p.qos) > *limits.maximum_qos) {
    p.qos = static_cast<QoS>(*limits.maximum_qos);
  }
  if (limits.retain_available == 0) p.retain = false;
  if (p.qos == QoS::k0 && publish.qos != QoS::k0 && done) {
    asio::post(io_, [taken = std::move(done)] { taken(ReasonCode::kSuccess); });
    done = nullptr;
  }
  std::optional<std::uint16_t> id;
  if (p.qos != QoS::k0) {
    if (publish.packet_id != 0) {
      if (!used_ids_.insert(publish.packet_id).second) {
        error_ = "packet identifier " + std::to_string(publish.packet_id) + " is in use";
        return false;
      }
      id = publish.packet_id;
    } else {
      id = take_packet_id();
    }
    if (!id) {
      error_ = "no packet identifier is free";
      return false;
    }
    p.packet_id = *id;
  } else {
    p.packet_id = 0;
    p.dup = false;
  }
  if (!encoder_.encode(p, frame_)) {
    if (id) used_ids_.erase(*id);
    error_ = "the message cannot be encoded (a topic or property the protocol does not allow)";
    return false;
  }
  if (frame_.size() > server_maximum_packet_) {
    if (id) used_ids_.erase(*id);
    error_ = "the message is larger than the server's Maximum Packet Size (" + std::to_string(server_maximum_packet_) +
             " bytes)";
    return false;
  }
  if (options_.trace) options_.trace(true, p);
  if (!id) {
    send_frame();
    return true;
  }
  Inflight entry;
  entry.bytes = frame_.flatten();
  entry.qos = p.qos;
  entry.done = std::move(done);
  waiting_.emplace_back(*id, std::move(entry));
  fill_window();
  return true;
}

void MqttClient::fill_window() {
  while (!waiting_.empty() && inflight_.size() < receive_maximum_ && state_ == State::kConnected) {
    auto [id, entry] = std::move(waiting_.front());
    waiting_.pop_front();
    send_raw(entry.bytes);
    // QoS 1 bytes are no longer needed; QoS 2 keeps nothing after PUBREC either.
    entry.bytes = {};
    inflight_.emplace(id, std::move(entry));
  }
}

bool MqttClient::subscribe(const protocol::Subscribe& subscribe, SubackDone done) {
  if (state_ != State::kConnected) return false;
  const auto id = take_packet_id();
  if (!id) return false;
  protocol::Subscribe s = subscribe;
  s.packet_id = *id;
  if (!encoder_.encode(s, frame_)) {
    used_ids_.erase(*id);
    error_ = "the subscription cannot be encoded (an invalid topic filter?)";
    return false;
  }
  if (options_.trace) options_.trace(true, s);
  subscribes_.emplace(*id, std::move(done));
  send_frame();
  return true;
}

bool MqttClient::unsubscribe(const protocol::Unsubscribe& unsubscribe, UnsubackDone done) {
  if (state_ != State::kConnected) return false;
  const auto id = take_packet_id();
  if (!id) return false;
  protocol::Unsubscribe u = unsubscribe;
  u.packet_id = *id;
  if (!encoder_.encode(u, frame_)) {
    used_ids_.erase(*id);
    error_ = "the unsubscription cannot be encoded (an invalid topic filter?)";
    return false;
  }
  if (options_.trace) options_.trace(true, u);
  unsubscribes_.emplace(*id, std::move(done));
  send_frame();
  return true;
}

std::optional<std::uint16_t> MqttClient::take_packet_id() {
  if (used_ids_.size() >= 65535) return std::nullopt;
  while (used_ids_.contains(next_id_) || next_id_ == 0) ++next_id_;
  const std::uint16_t id = next_id_++;
  used_ids_.insert(id);
  return id;
}

void MqttClient::when_idle(std::function<void()> f) {
  idle_waiters_.push_back(std::move(f));
  check_idle();
}

void MqttClient::check_idle() {
  if (idle_waiters_.empty() || !inflight_.empty() || !waiting_.empty() || write_active_ || !pending_.empty()) return;
  if (state_ != State::kConnected) return;
  auto waiters = std::move(idle_waiters_);
  idle_waiters_.clear();
  for (auto& f : waiters) f();
}

}  // namespace roost::net
