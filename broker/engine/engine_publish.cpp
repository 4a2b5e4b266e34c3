// Engine: PUBLISH in both directions and the QoS 1/2 flows ([MQTT-4.3], [MQTT-4.4]).

#include <algorithm>

#include "engine/engine.hpp"
#include "protocol/encoder.hpp"

namespace roost::engine {

using protocol::ProtocolVersion;
using protocol::QoS;
using protocol::ReasonCode;

namespace {

std::size_t count_levels(std::string_view topic) { return 1 + std::count(topic.begin(), topic.end(), '/'); }

}  // namespace

bool Engine::publish(core::ConnectionId connection, const protocol::Packet& packet, std::string_view topic,
                     core::SharedBytes topic_storage, core::TimePoint now) {
  PersistScope scope(*this);
  Session* session = online_or_refuse(connection);
  if (session == nullptr) return false;
  const auto& p = std::get<protocol::Publish>(packet.body);
  const bool v5 = session->version() == ProtocolVersion::kV5;

  // What CONNACK promised the client it may not do [MQTT-3.2.2-11], [MQTT-3.2.2-14].
  if (p.qos > settings_.maximum_qos || (p.retain && !settings_.retain_available)) {
    connections_.erase(connection);
    outbox_.close(connection, p.retain && !settings_.retain_available ? ReasonCode::kRetainNotSupported
                                                                      : ReasonCode::kQoSNotSupported);
    end_connection(*session, true, now);
    return false;
  }
  // Exactly once: a PUBLISH whose identifier awaits PUBREL is not delivered again [MQTT-4.3.3-10].
  if (p.qos == QoS::k2 && session->incoming_qos2.contains(p.packet_id)) {
    send_ack(connection, protocol::PacketType::kPubrec, p.packet_id, ReasonCode::kSuccess);
    return false;
  }
  if (p.qos == QoS::k2 && session->incoming_qos2.size() >= settings_.receive_maximum) {
    connections_.erase(connection);  // [MQTT-3.3.4-7]
    outbox_.close(connection, ReasonCode::kReceiveMaximumExceeded);
    end_connection(*session, true, now);
    return false;
  }
  // The server's own limits: the message is dropped, the client told in 5.0.
  std::optional<ReasonCode> refused;
  std::string_view limit;
  if (settings_.message_size_limit != 0 && p.payload.size() > settings_.message_size_limit) {
    refused = ReasonCode::kQuotaExceeded;
    limit = "message_size_limit";
    ++stats_.limit_hits.message_size_limit;
  } else if (settings_.max_topic_length != 0 && topic.size() > settings_.max_topic_length) {
    refused = ReasonCode::kTopicNameInvalid;
    limit = "max_topic_length";
    ++stats_.limit_hits.max_topic_length;
  } else if (settings_.max_topic_levels != 0 && count_levels(topic) > settings_.max_topic_levels) {
    refused = ReasonCode::kTopicNameInvalid;
    limit = "max_topic_levels";
    ++stats_.limit_hits.max_topic_levels;
  }
  // Authorization: clients never write $SYS [Mosquitto's rule]; the grants decide the rest.
  const bool denied = !refused && !may_publish(*session, topic);
  if (denied) {
    refused = ReasonCode::kNotAuthorized;
    limit = "not authorized";
    ++stats_.publish_denied;
    log_.log(core::LogType::kNotice,
             core::str_cat("Denied PUBLISH from ", session->client_id(), " on ", topic, ": ", "not authorized"));
  }
  if (refused && !denied) {
    ++stats_.messages_refused;
    log_.log(core::LogType::kWarning, core::str_cat("Dropped PUBLISH from ", session->client_id(), " on ", topic, ": ",
                                                    limit, " exceeded (", protocol::to_string(*refused), ")"));
  }
  if (refused) {
    if (p.qos != QoS::k0) {
      const std::string why = explains(*session)
                                  ? core::str_cat(limit, denied ? std::string_view{} : std::string_view{" exceeded"})
                                  : std::string();
      send_ack(connection, p.qos == QoS::k1 ? protocol::PacketType::kPuback : protocol::PacketType::kPubrec,
               p.packet_id, v5 ? *refused : ReasonCode::kSuccess, why);
    }
    return false;
  }

  ++stats_.publish_received;
  const MessageRef message = Message::from_publish(packet, topic, std::move(topic_storage), session->id(), now);
  if (message->retain()) retain(message);
  route_hit_congestion_ = false;
  const std::size_t receivers = route(message, session->id(), now);
  const bool pause = route_hit_congestion_;
  if (p.qos == QoS::k0) return pause;
  if (p.qos == QoS::k2) {
    session->incoming_qos2.insert(p.packet_id);
    if (session->persisted()) persist(PersistEvent::Kind::kIncomingPut, session).number = p.packet_id;
  }
  // 5.0 may say nobody was listening [MQTT-3.4.2.1].
  const ReasonCode reason = v5 && receivers == 0 ? ReasonCode::kNoMatchingSubscribers : ReasonCode::kSuccess;
  send_ack(connection, p.qos == QoS::k1 ? protocol::PacketType::kPuback : protocol::PacketType::kPubrec, p.packet_id,
           reason);
  return pause;
}

void Engine::publish_internal(const MessageRef& message, core::TimePoint now) {
  PersistScope scope(*this);
  if (message->retain()) retain(message);
  route(message, SessionId::kBroker, now);
}

std::size_t Engine::route(const MessageRef& message, SessionId origin, core::TimePoint now) {
  matches_.clear();
  subscriptions_.match(message->topic(), matches_);
  // One delivery per session, at the highest QoS of its matching
  // subscriptions, with all their identifiers [MQTT-3.3.4-2], [MQTT-3.3.4-3].
  const std::uint64_t stamp = ++route_stamp_;
  std::size_t count = 0;
  for (const Match& m : matches_) {
    Session& s = *m.session;
    // No Local: not back to the publisher's own session [MQTT-3.8.3-3].
    if (m.options->no_local && s.id() == origin) continue;
    // A subscription that cannot vouch for every topic it matches.
    if (m.options->checked && !may_receive(s, message->topic())) continue;
    if (s.route_stamp != stamp) {
      s.route_stamp = stamp;
      s.route_slot = static_cast<std::uint32_t>(count++);
      if (targets_.size() < count) targets_.resize(count);
      Target& t = targets_[s.route_slot];
      t.session = &s;
      t.qos = QoS::k0;
      t.retain = false;
      t.identifiers.clear();
    }
    Target& t = targets_[s.route_slot];
    t.qos = std::max(t.qos, m.options->max_qos);
    // Retain As Published keeps the flag; otherwise it is cleared [MQTT-3.3.1-12].
    t.retain = t.retain || (m.options->retain_as_published && message->retain());
    if (m.options->identifier != 0) t.identifiers.push_back(m.options->identifier);
  }
  for (std::size_t i = 0; i < count; ++i) {
    Target& t = targets_[i];
    const QoS qos = settings_.upgrade_outgoing_qos ? t.qos : std::min(t.qos, message->qos());
    deliver(*t.session, message, qos, t.retain, std::move(t.identifiers), now);
    t.identifiers.clear();
  }
  return count;
}

void Engine::deliver(Session& session, const MessageRef& message, QoS qos, bool retain,
                     std::vector<std::uint32_t> identifiers, core::TimePoint now) {
  if (message->expired(now)) {
    ++stats_.publish_dropped;
    ++stats_.publish_dropped_expired;
    return;
  }
  Outgoing entry{message, std::move(identifiers), qos, retain, 0, Outgoing::State::kQueued};
  if (!session.online()) {
    // Offline: QoS 1 and 2 wait in the session; QoS 0 only if configured.
    if (qos != QoS::k0 || (settings_.queue_qos0_messages && session.expiry_interval != 0))
      enqueue(session, std::move(entry));
    return;
  }
  if (qos == QoS::k0 || (session.queue.empty() && session.inflight.size() < session.send_window)) {
    // Live QoS 0 that finds the output full is dropped (the stated policy).
    if (send_now(session, entry, now) == SendResult::kOutputFull) {
      ++stats_.publish_dropped;
      ++stats_.publish_dropped_output_full;
    }
    return;
  }
  enqueue(session, std::move(entry));
}

void Engine::enqueue(Session& session, Outgoing entry) {
  const std::size_t bytes = entry.message->payload().size();
  const bool full = (settings_.max_queued_messages != 0 && session.queue.size() >= settings_.max_queued_messages) ||
                    (settings_.max_queued_bytes != 0 && session.queued_bytes + bytes > settings_.max_queued_bytes);
  if (full) {
    // Policy: the newest message is dropped and counted; the queue keeps its order.
    ++stats_.publish_dropped;
    ++stats_.publish_dropped_queue_full;
    return;
  }
  session.queued_bytes += bytes;
  session.queue.push_back(std::move(entry));
  persist_entry(session, session.queue.back());
  update_congestion(session);
  route_hit_congestion_ = route_hit_congestion_ || session.congested;
}

void Engine::update_congestion(Session& session) noexcept {
  // Hysteresis between a half-full and a quarter-full queue, so publishers
  // resume in batches rather than one message at a time.
  const std::size_t limit = settings_.max_queued_messages == 0 ? 2000 : settings_.max_queued_messages;
  const std::size_t high = std::max<std::size_t>(1, limit / 2);
  const std::size_t low = limit / 4;
  const bool congested =
      session.online() && (session.congested ? session.queue.size() > low : session.queue.size() >= high);
  if (congested == session.congested) return;
  session.congested = congested;
  if (congested) {
    ++congested_;
  } else {
    --congested_;
  }
}

// Sends `entry` now; QoS 1/2 entries move into the inflight window.
Engine::SendResult Engine::send_now(Session& session, Outgoing& entry, core::TimePoint now) {
  const ProtocolVersion v = session.version();
  if (session.max_packet_size != 0) {
    // Never more than the client accepts; a message that does not fit is
    // treated as delivered [MQTT-3.1.2-25].
    protocol::Publish probe;
    probe.qos = entry.qos;
    probe.packet_id = entry.qos == QoS::k0 ? 0 : 1;
    probe.topic = entry.message->topic();
    probe.payload = entry.message->payload();
    probe.properties.subscription_identifiers = entry.subscription_identifiers;
    const core::ByteView props = v == ProtocolVersion::kV5 ? entry.message->properties() : core::ByteView{};
    if (protocol::Encoder(protocol::Role::kServer, v).forward_size(probe, props) > session.max_packet_size) {
      ++stats_.publish_dropped;
      ++stats_.publish_dropped_too_large;
      return SendResult::kDropped;
    }
  }
  if (entry.qos != QoS::k0) {
    entry.packet_id = session.take_packet_id();
    entry.state = entry.qos == QoS::k1 ? Outgoing::State::kAwaitingPuback : Outgoing::State::kAwaitingPubrec;
  }
  const Delivery d{entry.message,
                   entry.qos,
                   entry.packet_id,
                   false,
                   entry.retain,
                   entry.subscription_identifiers,
                   entry.message->remaining_expiry(now)};
  if (!outbox_.deliver(session.connection(), d)) return SendResult::kOutputFull;
  ++stats_.publish_sent;
  if (entry.qos != QoS::k0) {
    session.inflight.push_back(std::move(entry));
    persist_entry(session, session.inflight.back());
  } else {
    forget_entry(session, entry);  // queued QoS 0 of an offline session, sent now
  }
  return SendResult::kSent;
}

void Engine::pump(Session& session, core::TimePoint now) {
  while (session.online() && !session.queue.empty()) {
    // QoS 1/2 wait for room in the window; queued QoS 0 (e.g. retained
    // messages for a new subscription) waits for room in the output.
    if (session.queue.front().qos != QoS::k0 && session.inflight.size() >= session.send_window) break;
    Outgoing entry = std::move(session.queue.front());
    session.queue.pop_front();
    session.queued_bytes -= entry.message->payload().size();
    if (entry.message->expired(now)) {
      ++stats_.publish_dropped;
      ++stats_.publish_dropped_expired;
      forget_entry(session, entry);
      continue;
    }
    const SendResult sent = send_now(session, entry, now);
    if (sent == SendResult::kDropped) forget_entry(session, entry);
    if (sent == SendResult::kOutputFull) {
      session.queued_bytes += entry.message->payload().size();
      session.queue.push_front(std::move(entry));
      break;  // writable() resumes
    }
  }
  if (session.congested) update_congestion(session);
}

void Engine::writable(core::ConnectionId connection, core::TimePoint now) {
  PersistScope scope(*this);
  if (Session* session = online(connection); session != nullptr && !session->queue.empty()) pump(*session, now);
}

void Engine::resend_inflight(Session& session, core::TimePoint now) {
  for (Outgoing& o : session.inflight) {
    if (o.state == Outgoing::State::kAwaitingPubcomp) {
      protocol::Pubrel rel;
      rel.packet_id = o.packet_id;
      outbox_.send(session.connection(), rel);
      continue;
    }
    // Re-sent with DUP set [MQTT-4.4.0-1], [MQTT-3.3.1-1].
    const Delivery d{
        o.message, o.qos, o.packet_id, true, o.retain, o.subscription_identifiers, o.message->remaining_expiry(now)};
    outbox_.deliver(session.connection(), d);
  }
}

void Engine::puback(core::ConnectionId connection, const protocol::Puback& ack, core::TimePoint now) {
  PersistScope scope(*this);
  Session* session = online_or_refuse(connection);
  if (session == nullptr) return;
  const Outgoing* entry = session->find_inflight(ack.packet_id);
  if (entry == nullptr || entry->state != Outgoing::State::kAwaitingPuback) return;  // late or unknown: ignored
  forget_entry(*session, *entry);
  session->erase_inflight(entry);
  pump(*session, now);
}

void Engine::pubrec(core::ConnectionId connection, const protocol::Pubrec& ack, core::TimePoint now) {
  PersistScope scope(*this);
  Session* session = online_or_refuse(connection);
  if (session == nullptr) return;
  Outgoing* entry = session->find_inflight(ack.packet_id);
  if (entry == nullptr) {
    send_ack(connection, protocol::PacketType::kPubrel, ack.packet_id,
             session->version() == ProtocolVersion::kV5 ? ReasonCode::kPacketIdentifierNotFound : ReasonCode::kSuccess);
    return;
  }
  if (protocol::is_failure(ack.reason)) {
    // Refused by the receiver: the exchange ends here, no PUBREL [MQTT-4.3.3-4].
    forget_entry(*session, *entry);
    session->erase_inflight(entry);
    return pump(*session, now);
  }
  entry->state = Outgoing::State::kAwaitingPubcomp;
  entry->message.reset();  // the message is delivered; only the identifier is kept [MQTT-4.3.3-4]
  persist_entry(*session, *entry);
  // Strict: after the new state is stored, or a crash would send the PUBLISH again.
  send_ack(connection, protocol::PacketType::kPubrel, ack.packet_id, ReasonCode::kSuccess);
}

void Engine::pubrel(core::ConnectionId connection, const protocol::Pubrel& ack, core::TimePoint) {
  PersistScope scope(*this);
  Session* session = online_or_refuse(connection);
  if (session == nullptr) return;
  ReasonCode reason = ReasonCode::kSuccess;
  if (session->incoming_qos2.erase(ack.packet_id) == 0) {
    if (session->version() == ProtocolVersion::kV5) reason = ReasonCode::kPacketIdentifierNotFound;
  } else if (session->persisted()) {
    persist(PersistEvent::Kind::kIncomingDelete, session).number = ack.packet_id;
  }
  send_ack(connection, protocol::PacketType::kPubcomp, ack.packet_id, reason);
}

void Engine::pubcomp(core::ConnectionId connection, const protocol::Pubcomp& ack, core::TimePoint now) {
  PersistScope scope(*this);
  Session* session = online_or_refuse(connection);
  if (session == nullptr) return;
  const Outgoing* entry = session->find_inflight(ack.packet_id);
  if (entry == nullptr || entry->state != Outgoing::State::kAwaitingPubcomp) return;
  forget_entry(*session, *entry);
  session->erase_inflight(entry);
  pump(*session, now);
}

}  // namespace roost::engine
