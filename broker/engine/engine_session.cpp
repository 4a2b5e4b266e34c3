// Engine: the end of connections and sessions, wills and timers
// ([MQTT-3.1.2-8] wills, [MQTT-3.1.2.11.2] session expiry, [MQTT-3.1.3.2.2] will delay).

#include "engine/engine.hpp"

namespace roost::engine {

void Engine::end_connection(Session& session, bool publish_will, core::TimePoint now) {
  session.detach();
  update_congestion(session);
  stats_.clients_connected = connections_.size();
  if (publish_will) {
    release_will(session, now);
  } else {
    session.will.reset();
  }
  if (session.expiry_interval == 0) return end_session(session, now);
  sync_session(session, now);  // offline since now
  if (session.expiry_interval != Session::kNeverExpires) {
    session.expiry_timer = expiry_timers_.emplace(now + core::Seconds(session.expiry_interval), &session);
  }
}

// The connection is gone and its will stands: publish it now, or when its
// delay (or the session, whichever ends first) is up.
void Engine::release_will(Session& session, core::TimePoint now) {
  if (!session.will) return;
  const std::uint32_t delay = std::min(session.will->delay, session.expiry_interval);
  if (delay == 0) return publish_will(session, now);
  if (session.will_timer) will_timers_.erase(*session.will_timer);
  session.will_timer = will_timers_.emplace(now + core::Seconds(delay), &session);
  if (session.persisted()) {
    PersistEvent& e = persist(PersistEvent::Kind::kWillPut, &session);
    e.entry.message = session.will->message;
    e.time = now + core::Seconds(delay);
  }
}

void Engine::publish_will(Session& session, core::TimePoint now) {
  if (session.will_timer) {
    will_timers_.erase(*session.will_timer);
    session.will_timer.reset();
    if (session.persisted()) persist(PersistEvent::Kind::kWillDelete, &session);
  }
  if (!session.will) return;
  const MessageRef message = std::move(session.will->message);
  session.will.reset();
  // The rules may have changed since CONNECT (a reload).
  if (!may_publish(session, message->topic())) {
    log_.log(core::LogType::kNotice,
             core::str_cat("Dropped the will of ", session.client_id(), " on ", message->topic(), ": not authorized"));
    return;
  }
  log_.log(core::LogType::kInformation,
           core::str_cat("Publishing will of ", session.client_id(), " on ", message->topic()));
  ++stats_.publish_received;
  if (message->retain()) retain(message);
  route(message, session.id(), now);
}

void Engine::cancel_timers(Session& session) {
  if (session.will_timer) {
    will_timers_.erase(*session.will_timer);
    session.will_timer.reset();
    if (session.persisted()) persist(PersistEvent::Kind::kWillDelete, &session);
  }
  if (session.expiry_timer) {
    expiry_timers_.erase(*session.expiry_timer);
    session.expiry_timer.reset();
  }
}

void Engine::end_session(Session& session, core::TimePoint now) {
  if (session.congested) {
    session.congested = false;
    --congested_;
  }
  for (const auto& [filter, options] : session.subscriptions) subscriptions_.remove(filter, &session);
  // A will still waiting goes out when its session ends [MQTT-3.1.3-9].
  if (session.will) publish_will(session, now);
  cancel_timers(session);
  if (session.persisted()) {
    persist(PersistEvent::Kind::kSessionDelete, &session);
    session.set_persisted(false);
  }
  if (session.online()) connections_.erase(session.connection());
  const auto it = sessions_.find(session.client_id());
  sessions_.erase(it);  // destroys `session` (its id, the key, goes last)
}

std::size_t Engine::stored_messages() const noexcept {
  std::size_t n = retained_.size();
  for (const auto& [id, session] : sessions_) n += session->queue.size() + session->inflight.size();
  return n;
}

void Engine::tick(core::TimePoint now) {
  PersistScope scope(*this);
  while (!will_timers_.empty() && will_timers_.begin()->first <= now) {
    Session& session = *will_timers_.begin()->second;
    publish_will(session, now);  // removes the timer
  }
  while (!expiry_timers_.empty() && expiry_timers_.begin()->first <= now) {
    Session& session = *expiry_timers_.begin()->second;
    expiry_timers_.erase(expiry_timers_.begin());
    session.expiry_timer.reset();
    ++stats_.sessions_expired;
    log_.log(core::LogType::kNotice, core::str_cat("Expiring session of ", session.client_id()));
    end_session(session, now);
  }
}

}  // namespace roost::engine
