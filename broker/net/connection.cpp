#include "net/connection.hpp"

#include <algorithm>

#include "net/server.hpp"
#include "net/worker.hpp"

namespace roost::net {

using protocol::PacketType;
using protocol::ProtocolVersion;
using protocol::ReasonCode;

namespace {

// A closing connection whose peer does not take its output is cut after this.
constexpr auto kDrainTimeout = std::chrono::seconds(5);

protocol::DecoderLimits connect_limits(const ServerSettings& s) {
  protocol::DecoderLimits limits(s.max_packet_size == 0 ? protocol::kMaxPacketSizeLimit : s.max_packet_size);
  limits.maximum_connect_size = s.max_connect_size;
  return limits;
}

}  // namespace

Connection::Connection(Worker& worker, asio::ip::tcp::socket socket, core::ConnectionId id, std::string address,
                       core::TimePoint now, std::shared_ptr<Link> link, std::shared_ptr<const ListenerContext> listener)
    : worker_(worker),
      link_(std::move(link)),
      socket_(std::move(socket)),
      id_(id),
      address_(std::move(address)),
      listener_(std::move(listener)),
      last_activity_(now),
      decoder_(protocol::Role::kServer, connect_limits(worker.settings())) {}

Server& Connection::server() const noexcept { return worker_.server(); }

void Connection::start() {
  std::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (listener_->layered()) {
    try {
      stack_ = std::make_unique<transport::Stack>(listener_->tls, listener_->websocket());
    } catch (const std::exception& e) {
      server().log().log(core::LogType::kError, core::str_cat("Closing connection from ", address_, ": ", e.what()));
      return close_now();
    }
  }
  wait_readable();
}

void Connection::dispatch(protocol::Packet& packet, core::TimePoint now) {
  const PacketType type = protocol::type_of(packet.body);
  if (type == PacketType::kPublish) return on_publish(packet, now);
  if (type == PacketType::kConnect) return on_connect(packet, now);
  if (type == PacketType::kPingreq) {
    // CONNACK comes first [MQTT-3.2.0-1]: on another worker it may still be on its way.
    if (state_ == State::kAwaitingConnect) {
      if (pending_pings_ < 255) ++pending_pings_;
      return;
    }
    return send(protocol::Pingresp{});
  }
  if (!link_) {
    Server::apply(server().engine(), id_, packet, now);  // worker 0: in place
  } else {
    // Another worker: the packet owns its bytes and moves to the engine's thread.
    EngineCall call{EngineCall::Kind::kPacket, id_, now};
    call.packet = std::move(packet);
    worker_.to_engine(std::move(call));
  }
  if (type == PacketType::kDisconnect) close_gracefully(false);
}

void Connection::engine_lost(core::TimePoint now) {
  if (!link_) return server().engine().connection_lost(id_, now);
  worker_.to_engine(EngineCall{EngineCall::Kind::kLost, id_, now});
}

void Connection::on_connect(protocol::Packet& packet, core::TimePoint now) {
  const auto& c = std::get<protocol::Connect>(packet.body);
  encoder_.emplace(protocol::Role::kServer, c.version);
  keep_alive_ = c.keep_alive;
  // The client may allow up to 65 535 aliases, each holding a topic here:
  // we use no more than we accept ourselves (max_topic_alias).
  outbound_alias_maximum_ =
      std::min(c.properties.topic_alias_maximum.value_or(0), worker_.settings().engine.topic_alias_maximum);
  inbound_alias_maximum_ = worker_.settings().engine.topic_alias_maximum;
  login(packet, now);
}

void Connection::connect_engine(protocol::Packet packet, std::optional<std::string> username, core::TimePoint now) {
  engine::ClientInfo info{address_, std::move(username), listener_->settings.use_username_as_clientid};
  if (!link_) return server().engine().connect(id_, std::move(packet), info, now);
  EngineCall call{EngineCall::Kind::kConnect, id_, now};
  call.packet = std::move(packet);
  call.client = std::move(info);
  worker_.to_engine(std::move(call));
}

void Connection::on_publish(protocol::Packet& packet, core::TimePoint now) {
  auto& p = std::get<protocol::Publish>(packet.body);
  std::string_view topic = p.topic;
  core::SharedBytes topic_storage;
  if (const auto alias = p.properties.topic_alias) {
    // Topic Alias [MQTT-3.3.2-9]..[MQTT-3.3.2-12]: above our maximum is
    // invalid; an empty topic needs a known alias.
    const std::uint16_t maximum = inbound_alias_maximum_;
    if (*alias > maximum) {
      engine_lost(now);
      return close_from_engine(ReasonCode::kTopicAliasInvalid);
    }
    if (!inbound_aliases_) inbound_aliases_ = std::make_unique<std::vector<core::SharedBytes>>(maximum);
    core::SharedBytes& slot = (*inbound_aliases_)[*alias - 1];
    if (!topic.empty()) {
      slot = core::SharedBytes::copy_of(core::as_bytes(topic));
    } else if (slot.empty()) {
      engine_lost(now);
      return close_from_engine(ReasonCode::kProtocolError);
    }
    topic_storage = slot;
    topic = core::as_chars(slot.view());
  }
  if (!link_) {
    if (server().engine().publish(id_, packet, topic, std::move(topic_storage), now)) paused_ = true;
    return;
  }
  // The topic view stays valid: it points into the packet's or the alias's shared bytes.
  EngineCall call{EngineCall::Kind::kPublish, id_, now};
  call.packet = std::move(packet);
  call.topic = topic;
  call.topic_storage = std::move(topic_storage);
  worker_.to_engine(std::move(call));
}

void Connection::on_decode_error(const protocol::DecodeError& error) {
  const auto response = protocol::failure_response(error, decoder_.version(), state_ == State::kConnected);
  if (error.code == protocol::DecodeErrc::kPacketTooLarge) {
    ++worker_.counters.packets_too_large;
    server().log().log(core::LogType::kWarning,
                       core::str_cat("Closing connection from ", address_, ": max_packet_size exceeded"));
  } else if (worker_.settings().connection_messages) {
    server().log().log(core::LogType::kNotice,
                       core::str_cat("Closing connection from ", address_, ": ", protocol::to_string(error.code)));
  }
  if (response.action != protocol::FailureResponse::kClose && response.version) {
    encoder_.emplace(protocol::Role::kServer, *response.version);
    if (response.action == protocol::FailureResponse::kConnackThenClose) {
      protocol::Connack refusal;
      refusal.reason = response.reason;
      send(refusal);
    } else {
      protocol::Disconnect d;
      d.reason = response.reason;
      send(d);
    }
  }
  close_gracefully(true);
}

void Connection::send(const protocol::PacketBody& packet) {
  if (state_ == State::kClosed || !encoder_) return;
  protocol::Frame frame;
  if (!encoder_->encode(packet, frame)) return;  // e.g. DISCONNECT to a 3.x client
  const auto* ack = std::get_if<protocol::Connack>(&packet);
  const bool accepted = ack != nullptr && !protocol::is_failure(ack->reason);
  send_frame(frame, accepted, accepted ? ack->properties.server_keep_alive : std::nullopt);
}

void Connection::send_frame(const protocol::Frame& frame, bool connack_accepted,
                            std::optional<std::uint16_t> server_keep_alive) {
  // Nothing after a DISCONNECT or a refusal this side already sent [MQTT-3.14.4-1].
  if (state_ != State::kAwaitingConnect && state_ != State::kConnected) return;
  if (connack_accepted && state_ == State::kAwaitingConnect) {
    // Accepted: the session's packet limit replaces the CONNECT limit.
    state_ = State::kConnected;
    protocol::DecoderLimits limits = connect_limits(worker_.settings());
    limits.maximum_connect_size = limits.maximum_packet_size;
    decoder_.set_limits(limits);
    if (server_keep_alive) keep_alive_ = *server_keep_alive;
    queue(frame);
    for (; pending_pings_ > 0; --pending_pings_) send(protocol::Pingresp{});
    return;
  }
  queue(frame);
}

void Connection::take_posted(std::size_t estimate) noexcept {
  if (link_) link_->posted.fetch_sub(estimate, std::memory_order_relaxed);
}

bool Connection::deliver(const engine::Delivery& d) {
  if (state_ != State::kConnected) return d.qos != protocol::QoS::k0;
  // QoS 0 is dropped when the client does not keep up; QoS 1/2 are bounded by the window.
  if (d.qos == protocol::QoS::k0 && output_size() > worker_.settings().max_output_buffer) return false;
  const bool v5 = encoder_->version() == ProtocolVersion::kV5;
  protocol::Publish p = engine::publish_of(d, v5);
  if (v5 && outbound_alias_maximum_ != 0) {
    // Our Topic Aliases: the first topics get one; later PUBLISHes to them carry an empty topic.
    if (!outbound_aliases_) outbound_aliases_ = std::make_unique<OutboundAliases>();
    auto& aliases = *outbound_aliases_;
    const auto it = aliases.find(p.topic);  // no string built per delivery
    if (it != aliases.end()) {
      p.properties.topic_alias = it->second;
      p.topic = {};
    } else if (aliases.size() < outbound_alias_maximum_) {
      const auto alias = static_cast<std::uint16_t>(aliases.size() + 1);
      aliases.emplace(std::string(p.topic), alias);
      p.properties.topic_alias = alias;
    }
  }
  protocol::Frame frame;
  if (!encoder_->encode_forward(p, d.message->bytes(), frame, v5 ? d.message->properties() : core::ByteView{})) {
    return false;
  }
  frame.keep_alive(d.message->bytes(), d.message->topic_bytes());
  queue(frame);
  return true;
}

void Connection::close_from_engine(std::optional<ReasonCode> reason) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  if (reason && encoder_ && encoder_->version() == ProtocolVersion::kV5 && state_ == State::kConnected) {
    protocol::Disconnect d;
    d.reason = *reason;
    send(d);
  }
  close_gracefully(false);
}

void Connection::check_timeouts(core::TimePoint now) {
  if (state_ == State::kClosing) {
    if (now - last_activity_ > kDrainTimeout) close_now();
    return;
  }
  // A publisher we stopped reading, or one waiting for the engine, is not to blame.
  if (paused_ || deferred_) last_activity_ = now;
  if (state_ == State::kAwaitingConnect) {
    // A login being checked may wait out the throttle and then its refusal's delay.
    const core::Duration limit =
        core::Seconds(worker_.settings().connect_timeout) +
        (login_pending() ? 2 * auth::LoginThrottle::kMax + core::Seconds(5) : core::Duration{});
    if (now - last_activity_ > limit) close_now();
    return;
  }
  // Nothing to write: give the write memory back (an idle connection keeps none).
  if (!writing_ && output_size() == 0) {
    output_.reset();
  }
  // One and a half keep alive periods without a packet [MQTT-3.1.2-22]
  // (paused or deferred connections were exempted above).
  if (state_ == State::kConnected && keep_alive_ != 0 &&
      now - last_activity_ > std::chrono::milliseconds(1500) * keep_alive_) {
    if (worker_.settings().connection_messages) {
      server().log().log(core::LogType::kNotice, core::str_cat("Client ", address_, " has exceeded its keep alive"));
    }
    engine_lost(now);
    close_from_engine(ReasonCode::kKeepAliveTimeout);
  }
}

void Connection::shut_down() { close_from_engine(ReasonCode::kServerShuttingDown); }

void Connection::close_gracefully(bool tell_engine) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  if (tell_engine) engine_lost(server().now());
  // Reading stops (the pending wait finds the state closing); queued output
  // drains, then the socket closes. cancel() would abort the write too.
  state_ = State::kClosing;
  last_activity_ = server().now();
  if (!writing_) flush();
}

void Connection::close_now() {
  if (state_ == State::kClosed) return;
  const bool tell_engine = state_ != State::kClosing;
  state_ = State::kClosed;
  if (tell_engine) engine_lost(server().now());
  if (login_) login_->pending.reset();  // cancels a pending wait
  std::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  worker_.forget(id_);
}

}  // namespace roost::net
