// Bridge: the local end, a session of this broker's engine (attached
// while the remote end is connected), and the topic mapping.

#include <algorithm>

#include "bridge/bridge.hpp"
#include "bridge/bridge_detail.hpp"
#include "engine/message.hpp"
#include "protocol/topic.hpp"

namespace roost::bridge {

using config::BridgeTopic;
using detail::bytes_of;
using detail::comes_in;
using detail::goes_out;
using detail::kNeverExpires;
using protocol::QoS;

namespace detail {

std::optional<std::string> rewrite(std::string_view topic, const BridgeTopic& t, bool outgoing) {
  const std::string& from = outgoing ? t.local_prefix : t.remote_prefix;
  const std::string& to = outgoing ? t.remote_prefix : t.local_prefix;
  if (!protocol::topic_matches(from + t.pattern, topic) || !topic.starts_with(from)) return std::nullopt;
  return to + std::string(topic.substr(from.size()));
}

}  // namespace detail

void Bridge::local_up() {
  attach_local();
  if (local_ == core::ConnectionId::kNone) return;
  if (!remote_session_) {
    // The remote forgot the session: QoS 2 messages it had sent and not yet
    // released never will be; their identifiers are freed here.
    std::vector<std::uint16_t> stale;
    if (const engine::Session* session = server_.engine().find_session(settings_.local_clientid)) {
      stale.assign(session->incoming_qos2.begin(), session->incoming_qos2.end());
    }
    for (const std::uint16_t id : stale) {
      forgotten_.push_back(id);
      protocol::Pubrel rel;
      rel.packet_id = id;
      server_.engine().pubrel(local_, rel, server_.now());
    }
  }
  publish_state(true);
  // What came before, in order.
  std::vector<protocol::Packet> early = std::move(early_);
  std::vector<std::uint16_t> releases = std::move(early_releases_);
  early_.clear();
  early_releases_.clear();
  for (const protocol::Packet& packet : early) on_message(packet);
  for (const std::uint16_t id : releases) on_release(id);
  if (settings_.start_type == "lazy") watch();
}

void Bridge::attach_local() {
  if (local_ != core::ConnectionId::kNone) return;
  local_ = server_.attach(*this);
  local_ready_ = false;
  protocol::Packet packet;
  packet.backing = core::SharedBytes::copy_of(bytes_of(settings_.local_clientid));
  protocol::Connect c;
  c.version = protocol::ProtocolVersion::kV5;
  c.clean_start = false;
  c.client_id = core::as_chars(packet.backing.view());
  c.properties.session_expiry_interval = kNeverExpires;
  packet.body = c;
  engine::ClientInfo info;
  info.address = "bridge " + settings_.name;
  info.trusted = true;
  server_.engine().connect(local_, std::move(packet), info, server_.now());
  if (!local_ready_) return;  // refused (send() logged why)
  // Subscriptions: the configured `out` topics, and none left from an earlier configuration.
  protocol::Subscribe s;
  s.packet_id = 1;
  std::vector<std::string> filters;
  filters.reserve(settings_.topics.size());
  for (const BridgeTopic& t : settings_.topics) {
    if (!goes_out(t)) continue;
    filters.push_back(t.local_prefix + t.pattern);
    protocol::Subscription sub;
    sub.filter = filters.back();
    sub.max_qos = static_cast<QoS>(t.qos);
    sub.no_local = true;
    sub.retain_as_published = true;
    // The session keeps its subscriptions: retained messages go to the
    // remote when a topic is new to the bridge, not at every reconnection.
    sub.retain_handling = protocol::RetainHandling::kSendIfNewSubscription;
    s.subscriptions.push_back(sub);
  }
  protocol::Unsubscribe u;
  u.packet_id = 2;
  if (const engine::Session* session = server_.engine().find_session(settings_.local_clientid)) {
    for (const auto& [filter, options] : session->subscriptions) {
      if (std::find(filters.begin(), filters.end(), filter) == filters.end()) u.filters.push_back(filter);
    }
  }
  // Copies: unsubscribing erases the strings the views point into.
  std::vector<std::string> stale(u.filters.begin(), u.filters.end());
  u.filters.assign(stale.begin(), stale.end());
  if (!u.filters.empty()) server_.engine().unsubscribe(local_, u, server_.now());
  if (!s.subscriptions.empty()) server_.engine().subscribe(local_, s, server_.now());
}

void Bridge::detach_local() {
  early_.clear();
  early_releases_.clear();
  forgotten_.clear();
  blocked_ = false;
  if (local_ == core::ConnectionId::kNone) return;
  const core::ConnectionId id = local_;
  local_ = core::ConnectionId::kNone;
  local_ready_ = false;
  server_.detach(id, true);
}

void Bridge::send(const protocol::PacketBody& packet) {
  switch (protocol::type_of(packet)) {
    case protocol::PacketType::kConnack: {
      const auto& ack = std::get<protocol::Connack>(packet);
      local_ready_ = !protocol::is_failure(ack.reason);
      if (!local_ready_) {
        server_.log().log(core::LogType::kError,
                          core::str_cat("Bridge ", settings_.name, ": the local session was refused (",
                                        protocol::to_string(ack.reason), ")"));
      }
      return;
    }
    case protocol::PacketType::kPuback:
      if (client_)
        client_->acknowledge(std::get<protocol::Puback>(packet).packet_id, QoS::k1,
                             std::get<protocol::Puback>(packet).reason);
      return;
    case protocol::PacketType::kPubrec:
      if (client_)
        client_->acknowledge(std::get<protocol::Pubrec>(packet).packet_id, QoS::k2,
                             std::get<protocol::Pubrec>(packet).reason);
      return;
    case protocol::PacketType::kPubcomp: {
      const std::uint16_t id = std::get<protocol::Pubcomp>(packet).packet_id;
      if (const auto it = std::find(forgotten_.begin(), forgotten_.end(), id); it != forgotten_.end()) {
        forgotten_.erase(it);  // the remote forgot this one (see local_up())
        return;
      }
      if (client_) client_->release(id);
      return;
    }
    case protocol::PacketType::kPubrel: {
      // The engine releases a QoS 2 message the remote has (PUBREC came):
      // PUBREL goes on to the remote, and its PUBCOMP completes the local
      // one. Both sides keep the state across reconnections and restarts
      // (the engine's session is in the store), under the same identifier.
      const core::ConnectionId local = local_;
      const std::uint16_t id = std::get<protocol::Pubrel>(packet).packet_id;
      if (!client_ || !client_->connected()) return;  // the engine sends it again after the reconnection
      client_->release_outgoing(id, [this, local, id](protocol::ReasonCode) {
        if (local_ != local) return;
        protocol::Pubcomp comp;
        comp.packet_id = id;
        server_.engine().pubcomp(local_, comp, server_.now());
      });
      return;
    }
    default:
      return;  // SUBACK, UNSUBACK, DISCONNECT: nothing to do
  }
}

void Bridge::closed_by_engine(std::optional<protocol::ReasonCode> reason) {
  // Taken over by a client with the same id, or refused by the engine: the
  // remote end goes too (what it would send has nowhere to go and stays
  // with the remote), and the bridge tries again later.
  const core::ConnectionId id = local_;
  local_ = core::ConnectionId::kNone;
  local_ready_ = false;
  server_.detach(id, false);
  if (stopping_) return;
  server_.log().log(core::LogType::kWarning,
                    core::str_cat("Bridge ", settings_.name, ": the local session ", settings_.local_clientid,
                                  " was closed (", reason ? protocol::to_string(*reason) : "taken over", ")"));
  if (client_) client_->close();
  publish_state(false);
  schedule_reconnect();
}

std::size_t Bridge::local_queue() const {
  const engine::Session* session = server_.engine().find_session(settings_.local_clientid);
  return session == nullptr ? 0 : session->queue.size() + session->inflight.size();
}

void Bridge::publish_state(bool up) {
  if (!settings_.notifications) return;
  const std::string_view payload = up ? "1" : "0";
  server_.engine().publish_internal(
      engine::Message::make(settings_.notification_topic, bytes_of(payload), QoS::k1, true, server_.now()),
      server_.now());
}

std::optional<std::string> Bridge::to_remote(std::string_view local_topic) const {
  for (const BridgeTopic& t : settings_.topics) {
    if (!goes_out(t)) continue;
    if (auto r = detail::rewrite(local_topic, t, true)) return r;
  }
  return std::nullopt;
}

std::optional<std::string> Bridge::to_local(std::string_view remote_topic) const {
  for (const BridgeTopic& t : settings_.topics) {
    if (!comes_in(t)) continue;
    if (auto r = detail::rewrite(remote_topic, t, false)) return r;
  }
  return std::nullopt;
}

}  // namespace roost::bridge
