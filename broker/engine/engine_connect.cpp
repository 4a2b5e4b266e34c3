// Engine: connecting, disconnecting and taking over sessions ([MQTT-3.1], [MQTT-3.14]).

#include <algorithm>

#include "engine/engine.hpp"

namespace roost::engine {

using protocol::ProtocolVersion;
using protocol::ReasonCode;

Engine::Engine(EngineSettings settings, Outbox& outbox, core::Logger logger)
    : settings_(std::move(settings)), outbox_(outbox), log_(logger) {}

Engine::~Engine() = default;

Session* Engine::online(core::ConnectionId connection) noexcept {
  const auto it = connections_.find(connection);
  return it == connections_.end() ? nullptr : it->second;
}

bool Engine::explains(const Session& session) noexcept {
  return session.version() == ProtocolVersion::kV5 && session.request_problem_information &&
         (session.max_packet_size == 0 || session.max_packet_size >= 256);
}

Session* Engine::online_or_refuse(core::ConnectionId connection) {
  if (Session* session = online(connection)) return session;
  // During an extended authentication the client may send only AUTH or
  // DISCONNECT until CONNACK [MQTT-4.12.0-4]: anything else ends it.
  if (const auto pending = pending_auth_.find(connection); pending != pending_auth_.end()) {
    const PendingAuth stopped = std::move(pending->second);
    pending_auth_.erase(pending);
    refuse(connection, std::get<protocol::Connect>(stopped.connect.body), ReasonCode::kProtocolError, stopped.client,
           "packet before the authentication ended");
  }
  return nullptr;
}

const Session* Engine::session_of(core::ConnectionId connection) const noexcept {
  const auto it = connections_.find(connection);
  return it == connections_.end() ? nullptr : it->second;
}

const Session* Engine::find_session(std::string_view client_id) const noexcept {
  const auto it = sessions_.find(client_id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void Engine::refuse(core::ConnectionId connection, const protocol::Connect& connect, ReasonCode reason,
                    const ClientInfo& client, std::string_view why) {
  const ProtocolVersion version = connect.version;
  log_.log(core::LogType::kNotice, core::str_cat("Refused connection from ", client.address, ": ", why, " (",
                                                 protocol::to_string(reason), ")"));
  protocol::Connack refusal;
  refusal.reason = reason;
  // A Reason String is allowed in CONNACK whatever Request Problem
  // Information says [MQTT-3.1.2-29]; it only reaches 5.0 clients.
  // Not when it would take the CONNACK past the client's Maximum Packet Size [MQTT-3.2.2-19].
  const std::uint32_t limit = connect.properties.maximum_packet_size.value_or(0);
  if (version == ProtocolVersion::kV5 && (limit == 0 || why.size() + 16 <= limit)) {
    refusal.properties.reason_string = why;
  }
  // 3.x can only say what a return code says [MQTT-3.2.2-6].
  if (version == ProtocolVersion::kV5 || protocol::to_v3_connack_code(reason)) outbox_.send(connection, refusal);
  outbox_.close(connection, std::nullopt);
}

void Engine::connect(core::ConnectionId connection, protocol::Packet packet, const ClientInfo& client,
                     core::TimePoint now) {
  PersistScope scope(*this);
  const auto& c = std::get<protocol::Connect>(packet.body);
  const ProtocolVersion v = c.version;
  const bool v5 = v == ProtocolVersion::kV5;

  // Client identifier: an empty one gets a name [MQTT-3.1.3-6]; the codec
  // already refused the cases the spec forbids.
  const std::string_view client_id = c.client_id;
  if (client_id.empty() && !settings_.allow_zero_length_clientid) {
    return refuse(connection, c, ReasonCode::kClientIdentifierNotValid, client, "empty client id");
  }
  if (client_id.size() > settings_.max_client_id_length) {
    ++stats_.limit_hits.max_client_id_length;
    return refuse(connection, c, ReasonCode::kClientIdentifierNotValid, client, "max_client_id_length exceeded");
  }
  // Keep Alive above the limit: 5.0 is told the server's value; 3.x has no
  // way to be told, so it is refused as Mosquitto does (identifier rejected).
  std::optional<std::uint16_t> server_keep_alive;
  const bool limited = settings_.max_keepalive < 65535;
  if (c.keep_alive > settings_.max_keepalive || (limited && c.keep_alive == 0)) {
    if (!v5) {
      ++stats_.limit_hits.max_keepalive;
      return refuse(connection, c, ReasonCode::kClientIdentifierNotValid, client, "max_keepalive exceeded");
    }
    server_keep_alive = settings_.max_keepalive;
  }
  if (const auto& method = c.properties.authentication_method) {
    // Extended authentication [MQTT-4.12]: only methods registered here.
    const auto factory = auth_methods_.find(*method);
    if (factory == auth_methods_.end()) {
      return refuse(connection, c, ReasonCode::kBadAuthenticationMethod, client, "unknown authentication method");
    }
    PendingAuth pending{std::move(packet), client, server_keep_alive, factory->second()};
    const auto& started = std::get<protocol::Connect>(pending.connect.body);
    const AuthStep step = pending.method->start(client_id, started.properties.authentication_data);
    pending_auth_.insert_or_assign(connection, std::move(pending));
    return auth_step(connection, step, now);
  }
  accept(connection, std::move(packet), client, server_keep_alive, nullptr, now);
}

// Acts on one step of a connect-time exchange.
void Engine::auth_step(core::ConnectionId connection, const AuthStep& step, core::TimePoint now) {
  auto it = pending_auth_.find(connection);
  if (it == pending_auth_.end()) return;
  const auto& c = std::get<protocol::Connect>(it->second.connect.body);
  if (step.outcome == AuthStep::Outcome::kContinue) {
    protocol::Auth more;
    more.reason = ReasonCode::kContinueAuthentication;
    more.properties.authentication_method = c.properties.authentication_method;
    if (!step.data.empty()) more.properties.authentication_data = core::as_bytes(step.data);
    outbox_.send(connection, more);
    return;
  }
  PendingAuth pending = std::move(it->second);
  pending_auth_.erase(it);
  if (step.outcome == AuthStep::Outcome::kFailure) {
    return refuse(connection, std::get<protocol::Connect>(pending.connect.body), step.reason, pending.client,
                  "extended authentication failed");
  }
  accept(connection, std::move(pending.connect), pending.client, pending.server_keep_alive, &step, now);
}

void Engine::accept(core::ConnectionId connection, protocol::Packet packet, const ClientInfo& client,
                    std::optional<std::uint16_t> server_keep_alive, const AuthStep* auth, core::TimePoint now) {
  const auto& c = std::get<protocol::Connect>(packet.body);
  const ProtocolVersion v = c.version;
  const bool v5 = v == ProtocolVersion::kV5;
  std::string client_id(c.client_id);
  // use_username_as_clientid: the user name replaces the client id (the
  // network layer refused clients without one).
  if (client.username_as_client_id && client.username) client_id = *client.username;
  const bool assigned = client_id.empty();
  if (assigned) {
    // Never the id of a session that exists (one restored from the store
    // may hold an id this run would assign again).
    do {
      client_id =
          core::str_cat(settings_.auto_id_prefix, next_assigned_id_++, "-", static_cast<std::uint64_t>(connection));
    } while (sessions_.contains(client_id));
  }

  bool session_present = false;
  Session& session = open_session(client_id, c.clean_start, client.username, session_present, now);
  session.attach(connection, v);
  connections_[connection] = &session;
  stats_.clients_connected = connections_.size();
  stats_.clients_maximum = std::max(stats_.clients_maximum, stats_.clients_connected);

  // The client's limits on what it receives (5.0); 3.x gets the configured window.
  const std::uint16_t window = c.properties.receive_maximum.value_or(65535);
  session.send_window =
      settings_.max_inflight_messages == 0 ? window : std::min(window, settings_.max_inflight_messages);
  session.max_packet_size = c.properties.maximum_packet_size.value_or(0);
  session.request_problem_information = c.properties.request_problem_information.value_or(1) == 1;
  session.bridge = c.bridge;
  if (v5) {
    session.expiry_interval = c.properties.session_expiry_interval.value_or(0);
  } else if (c.clean_start) {
    session.expiry_interval = 0;
  } else {
    const std::uint32_t configured = settings_.persistent_client_expiration;
    session.expiry_interval = configured == 0 ? Session::kNeverExpires : configured;
  }
  authorize(session, client.username, client.trusted);
  session.will.reset();
  if (c.will && !may_publish(session, c.will->topic)) {
    // Accepted, as Mosquitto does, but the will is never published.
    log_.log(core::LogType::kWarning, core::str_cat("Client ", session.client_id(), " may not publish its will on ",
                                                    c.will->topic, ": the will is dropped"));
  } else if (c.will) {
    session.will = std::make_unique<PendingWill>(PendingWill{
        Message::from_will(packet, session.id(), now), v5 ? c.will->properties.will_delay_interval.value_or(0) : 0});
  }
  sync_session(session, now);

  if (const auto& method = c.properties.authentication_method) {
    if (!session.auth) session.auth = std::make_unique<ClientAuth>();
    session.auth->method = *method;
  } else if (session.auth) {
    session.auth->method.clear();
  }
  if (session.auth) {
    session.auth->reauth.reset();
    if (session.auth->empty()) session.auth.reset();
  }
  protocol::Connack ack = make_connack(session, c, session_present, assigned, server_keep_alive);
  // Request Response Information [MQTT-3.1.2-28]: the server may answer it.
  std::string response_information;
  if (v5 && c.properties.request_response_information.value_or(0) == 1 && !settings_.response_topic_prefix.empty()) {
    response_information = core::str_cat(settings_.response_topic_prefix, session.client_id());
    ack.properties.response_information = response_information;
  }
  if (auth != nullptr) {
    ack.properties.authentication_method = c.properties.authentication_method;
    if (!auth->data.empty()) ack.properties.authentication_data = core::as_bytes(auth->data);
  }
  outbox_.send(connection, ack);
  if (settings_.connection_messages) {
    log_.log(core::LogType::kNotice,
             core::str_cat("New client connected from ", client.address, " as ", session.client_id(), " (",
                           protocol::to_string(v), ", c", c.clean_start ? 1 : 0, ", k", c.keep_alive,
                           client.username ? ", u'" : "", client.username ? *client.username : std::string(),
                           client.username ? "'" : "", ")"));
  }
  // Resume: unacknowledged messages go again, then the queue [MQTT-4.4.0-1].
  resend_inflight(session, now);
  pump(session, now);
}

Session& Engine::open_session(const std::string& client_id, bool clean_start,
                              const std::optional<std::string>& username, bool& session_present, core::TimePoint now) {
  const auto it = sessions_.find(client_id);
  if (it != sessions_.end()) {
    Session& existing = *it->second;
    if (existing.online()) take_over(existing, now);
    const std::string* owner = existing.username();
    const bool same_user = owner == nullptr ? !username.has_value() : username.has_value() && *owner == *username;
    if (!clean_start && !same_user) {
      log_.log(core::LogType::kNotice,
               core::str_cat("Client id ", client_id, " was another user's: its session starts afresh"));
    }
    if (!clean_start && same_user) {
      // A new connection before the will's delay: no will [MQTT-3.1.3-9].
      cancel_timers(existing);
      existing.will.reset();
      session_present = true;
      return existing;
    }
    end_session(existing, now);
  }
  auto session = std::make_unique<Session>(client_id, static_cast<SessionId>(next_session_id_++));
  Session& ref = *session;
  sessions_.emplace(ref.client_id(), std::move(session));
  return ref;
}

void Engine::take_over(Session& session, core::TimePoint now) {
  // The existing connection ends with 0x8E Session taken over [MQTT-3.1.4-3];
  // it did not send DISCONNECT, so its will is handled as for a lost connection.
  // The session itself stays: the new connection resumes or ends it.
  const core::ConnectionId old = session.connection();
  log_.log(core::LogType::kNotice,
           core::str_cat("Client ", session.client_id(), " already connected, closing old connection"));
  connections_.erase(old);
  outbox_.close(old, ReasonCode::kSessionTakenOver);
  session.detach();
  update_congestion(session);
  stats_.clients_connected = connections_.size();
  release_will(session, now);
}

protocol::Connack Engine::make_connack(const Session& session, const protocol::Connect& c, bool session_present,
                                       bool assigned_id, std::optional<std::uint16_t> server_keep_alive) const {
  protocol::Connack ack;
  ack.session_present = session_present;
  if (c.version != ProtocolVersion::kV5) return ack;
  protocol::Properties& p = ack.properties;
  if (assigned_id) p.assigned_client_identifier = session.client_id();
  if (server_keep_alive) p.server_keep_alive = *server_keep_alive;
  if (settings_.receive_maximum != 65535) p.receive_maximum = settings_.receive_maximum;
  if (settings_.maximum_qos != protocol::QoS::k2) p.maximum_qos = static_cast<std::uint8_t>(settings_.maximum_qos);
  if (!settings_.retain_available) p.retain_available = 0;
  if (settings_.maximum_packet_size != 0) p.maximum_packet_size = settings_.maximum_packet_size;
  if (settings_.topic_alias_maximum != 0) p.topic_alias_maximum = settings_.topic_alias_maximum;
  return ack;
}

void Engine::disconnect(core::ConnectionId connection, const protocol::Disconnect& d, core::TimePoint now) {
  PersistScope scope(*this);
  Session* session = online(connection);
  if (session == nullptr) return;
  if (const auto& expiry = d.properties.session_expiry_interval) {
    // A session that was to end with its connection cannot be extended now.
    if (session->expiry_interval == 0 && *expiry != 0) {
      connections_.erase(connection);
      outbox_.close(connection, ReasonCode::kProtocolError);
      return end_connection(*session, true, now);
    }
    session->expiry_interval = *expiry;
  }
  connections_.erase(connection);
  // DISCONNECT 0x00 discards the will; 0x04 asks for it [MQTT-3.14.4-3].
  end_connection(*session, d.reason == ReasonCode::kDisconnectWithWillMessage, now);
}

void Engine::connection_lost(core::ConnectionId connection, core::TimePoint now) {
  PersistScope scope(*this);
  pending_auth_.erase(connection);
  Session* session = online(connection);
  if (session == nullptr) return;
  connections_.erase(connection);
  if (settings_.connection_messages) {
    log_.log(core::LogType::kNotice, core::str_cat("Client ", session->client_id(), " closed its connection"));
  }
  end_connection(*session, true, now);
}

void Engine::register_auth_method(std::string name, AuthMethodFactory factory) {
  auth_methods_.insert_or_assign(std::move(name), std::move(factory));
}

void Engine::auth(core::ConnectionId connection, const protocol::Auth& a, core::TimePoint now) {
  PersistScope scope(*this);
  if (const auto pending = pending_auth_.find(connection); pending != pending_auth_.end()) {
    const auto& c = std::get<protocol::Connect>(pending->second.connect.body);
    // The same method, continuing [MQTT-4.12.0-2], [MQTT-4.12.0-5].
    if (a.properties.authentication_method != c.properties.authentication_method ||
        a.reason != ReasonCode::kContinueAuthentication) {
      const PendingAuth stopped = std::move(pending->second);
      pending_auth_.erase(pending);
      return refuse(connection, std::get<protocol::Connect>(stopped.connect.body), ReasonCode::kProtocolError,
                    stopped.client, "AUTH out of sequence");
    }
    const AuthStep step = pending->second.method->next(a.properties.authentication_data);
    return auth_step(connection, step, now);
  }
  Session* session = online(connection);
  if (session == nullptr) return;
  auto end = [&](ReasonCode reason) {
    connections_.erase(connection);
    outbox_.close(connection, reason);
    end_connection(*session, true, now);
  };
  // Re-authentication uses the method of CONNECT [MQTT-4.12.1-1]; without
  // one, AUTH is a Protocol Error [MQTT-4.12.0-7].
  if (session->auth_method().empty() || a.properties.authentication_method != session->auth_method()) {
    return end(ReasonCode::kProtocolError);
  }
  ClientAuth& state = *session->auth;  // it holds the method
  AuthStep step;
  if (a.reason == ReasonCode::kReAuthenticate) {
    state.reauth = auth_methods_.at(state.method)();
    step = state.reauth->start(session->client_id(), a.properties.authentication_data);
  } else if (a.reason == ReasonCode::kContinueAuthentication && state.reauth) {
    step = state.reauth->next(a.properties.authentication_data);
  } else {
    return end(ReasonCode::kProtocolError);
  }
  if (step.outcome == AuthStep::Outcome::kFailure) {
    state.reauth.reset();
    return end(step.reason);  // [MQTT-4.12.1-2]
  }
  protocol::Auth reply;
  reply.reason =
      step.outcome == AuthStep::Outcome::kSuccess ? ReasonCode::kSuccess : ReasonCode::kContinueAuthentication;
  reply.properties.authentication_method = session->auth_method();
  if (!step.data.empty()) reply.properties.authentication_data = core::as_bytes(step.data);
  if (step.outcome == AuthStep::Outcome::kSuccess) state.reauth.reset();
  outbox_.send(connection, reply);
}

}  // namespace roost::engine
