// Engine: the events a store keeps, and restoring what it kept.

#include <algorithm>

#include "engine/engine.hpp"

namespace roost::engine {

using protocol::QoS;

namespace {

// $SYS messages are made again every sys_interval: never stored.
bool is_sys(std::string_view topic) { return topic.starts_with("$SYS/"); }

}  // namespace

Engine::PersistScope::~PersistScope() {
  Engine& e = engine_;
  if (--e.persist_depth_ != 0) return;
  std::uint64_t ticket = 0;
  if (!e.persist_events_.empty() && e.persistence_ != nullptr) ticket = e.persistence_->submit(e.persist_events_);
  e.persist_events_.clear();
  if (ticket != 0) e.last_ticket_ = ticket;
  if (e.scope_acks_.empty()) return;
  if (ticket == 0 && e.held_acks_.empty()) {
    // Nothing of this call to wait for, nothing earlier waiting: now.
    for (const HeldAck& ack : e.scope_acks_) e.send_held(ack);
  } else {
    // After this call's changes, and never before an earlier held ack.
    for (HeldAck& ack : e.scope_acks_) {
      ack.ticket = e.last_ticket_;
      e.held_acks_.push_back(std::move(ack));
    }
  }
  e.scope_acks_.clear();
}

void Engine::send_ack(core::ConnectionId connection, protocol::PacketType type, std::uint16_t packet_id,
                      protocol::ReasonCode reason, std::string_view why) {
  HeldAck ack{0, connection, type, packet_id, reason, std::string(why)};
  if (!settings_.acks_after_commit || persistence_ == nullptr || persist_depth_ == 0) return send_held(ack);
  scope_acks_.push_back(std::move(ack));
}

void Engine::send_held(const HeldAck& ack) {
  std::optional<std::string_view> reason_string;
  if (!ack.why.empty()) reason_string = ack.why;
  auto fill = [&](auto& packet) {
    packet.packet_id = ack.packet_id;
    packet.reason = ack.reason;
    packet.properties.reason_string = reason_string;
  };
  switch (ack.type) {
    case protocol::PacketType::kPuback: {
      protocol::Puback a;
      fill(a);
      return outbox_.send(ack.connection, a);
    }
    case protocol::PacketType::kPubrec: {
      protocol::Pubrec a;
      fill(a);
      return outbox_.send(ack.connection, a);
    }
    case protocol::PacketType::kPubrel: {
      protocol::Pubrel a;
      fill(a);
      return outbox_.send(ack.connection, a);
    }
    default: {
      protocol::Pubcomp a;
      fill(a);
      return outbox_.send(ack.connection, a);
    }
  }
}

void Engine::committed(std::uint64_t ticket) {
  while (!held_acks_.empty() && held_acks_.front().ticket <= ticket) {
    const HeldAck ack = std::move(held_acks_.front());
    held_acks_.pop_front();
    // A connection that ended meanwhile gets nothing: its client sends again.
    if (connections_.contains(ack.connection)) send_held(ack);
  }
}

PersistEvent& Engine::persist(PersistEvent::Kind kind, const Session* session) {
  PersistEvent& e = persist_events_.emplace_back();
  e.kind = kind;
  if (session != nullptr) e.session = session->id();
  return e;
}

void Engine::sync_session(Session& session, core::TimePoint now) {
  if (persistence_ == nullptr) return;
  if (session.expiry_interval == 0) {
    if (session.persisted()) {
      persist(PersistEvent::Kind::kSessionDelete, &session);
      session.set_persisted(false);
    }
    return;
  }
  PersistEvent& e = persist(PersistEvent::Kind::kSessionPut, &session);
  e.text = session.client_id();
  e.number = session.expiry_interval;
  e.flag = session.online();
  e.time = now;
  if (const std::string* user = session.username()) e.username = *user;
  if (session.persisted()) return;
  // Newly durable (a new session, or one taken over by a connection that
  // keeps it): everything it holds goes with it.
  session.set_persisted(true);
  for (const auto& [filter, options] : session.subscriptions) {
    PersistEvent& s = persist(PersistEvent::Kind::kSubscriptionPut, &session);
    s.text = filter;
    s.options = options;
  }
  for (Outgoing& o : session.inflight) {
    o.seq = 0;
    persist_entry(session, o);
  }
  for (Outgoing& o : session.queue) {
    o.seq = 0;
    persist_entry(session, o);
  }
  for (const std::uint16_t id : session.incoming_qos2) {
    persist(PersistEvent::Kind::kIncomingPut, &session).number = id;
  }
}

void Engine::persist_entry(Session& session, Outgoing& entry) {
  if (!session.persisted()) return;
  // Live QoS 0 is never stored; QoS 0 queued for an offline session is.
  if (entry.qos == QoS::k0 && (session.online() || entry.seq != 0)) return;
  const bool fresh = entry.seq == 0;
  if (fresh) entry.seq = next_seq_++;
  PersistEvent& e = persist(PersistEvent::Kind::kEntryPut, &session);
  e.flag = fresh;
  e.entry = entry;
}

void Engine::forget_entry(const Session& session, const Outgoing& entry) {
  if (!session.persisted() || entry.seq == 0) return;
  PersistEvent& e = persist(PersistEvent::Kind::kEntryDelete, &session);
  e.entry.seq = entry.seq;
}

void Engine::retain(const MessageRef& message) {
  retained_.set(message);
  if (persistence_ == nullptr || is_sys(message->topic())) return;
  if (message->payload().empty()) {
    persist(PersistEvent::Kind::kRetainedDelete, nullptr).text = message->topic();
  } else {
    persist(PersistEvent::Kind::kRetainedPut, nullptr).entry.message = message;
  }
}

void Engine::restore(RestoredState state, core::TimePoint now) {
  PersistScope scope(*this);
  next_session_id_ = std::max(next_session_id_, state.next_session_id);
  for (const MessageRef& m : state.retained) {
    if (!m->expired(now)) retained_.set(m);
  }
  for (RestoredSession& r : state.sessions) {
    if (sessions_.contains(r.client_id)) continue;  // a store keeps one per client id; be safe
    auto owned = std::make_unique<Session>(r.client_id, r.id);
    Session& s = *owned;
    sessions_.emplace(s.client_id(), std::move(owned));
    next_session_id_ = std::max(next_session_id_, static_cast<std::uint64_t>(r.id) + 1);
    s.expiry_interval = r.expiry_interval;
    s.set_persisted(true);
    // Its user, so the ACL (set_authorizer(), at start) applies while it is offline.
    if (r.username) {
      s.auth = std::make_unique<ClientAuth>();
      s.auth->username = std::move(r.username);
    }
    for (auto& [filter, options] : r.subscriptions) {
      subscriptions_.add(filter, &s, options);
      s.subscriptions.emplace(std::move(filter), options);
    }
    for (Outgoing& o : r.entries) {
      next_seq_ = std::max(next_seq_, o.seq + 1);
      if (o.state == Outgoing::State::kQueued) {
        s.queued_bytes += o.message ? o.message->payload().size() : 0;
        s.queue.push_back(std::move(o));
      } else {
        s.inflight.push_back(std::move(o));
      }
    }
    for (const std::uint16_t id : r.incoming_qos2) s.incoming_qos2.insert(id);
    if (r.will) {
      s.will = std::make_unique<PendingWill>(PendingWill{std::move(r.will), 0});
      s.will_timer = will_timers_.emplace(std::max(r.will_due, now), &s);
    }
    if (s.expiry_interval != Session::kNeverExpires) {
      s.expiry_timer = expiry_timers_.emplace(r.offline_since + core::Seconds(s.expiry_interval), &s);
    }
    if (r.was_online) sync_session(s, r.offline_since);  // offline since the restart, stored so
  }
  if (persistence_ != nullptr) {
    for (const SessionId id : state.expired_sessions) persist(PersistEvent::Kind::kSessionDelete, nullptr).session = id;
    for (std::string& topic : state.expired_retained) {
      persist(PersistEvent::Kind::kRetainedDelete, nullptr).text = std::move(topic);
    }
  }
  // A will still waiting when its session ended goes out [MQTT-3.1.3-9]:
  // those sessions expired while the broker was down.
  for (const MessageRef& will : state.due_wills) {
    log_.log(core::LogType::kInformation, core::str_cat("Publishing will of an expired session on ", will->topic()));
    ++stats_.publish_received;
    if (will->retain()) retain(will);
    route(will, SessionId::kBroker, now);
  }
}

}  // namespace roost::engine
