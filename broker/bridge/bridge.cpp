#include "bridge/bridge.hpp"

#include <algorithm>
#include <asio/post.hpp>

#include "bridge/bridge_detail.hpp"
#include "core/log.hpp"
#include "protocol/properties.hpp"
#include "protocol/wire.hpp"
#include "transport/tls.hpp"

namespace roost::bridge {

using config::BridgeTopic;
using protocol::QoS;

namespace {

constexpr std::size_t kMaxRemoteOutput = std::size_t{4} << 20;  // QoS 0 is dropped past this
constexpr std::size_t kMaxEarly = 65535;                        // remote messages held until the local end is up

}  // namespace

using detail::bytes_of;
using detail::comes_in;
using detail::kNeverExpires;

Bridge::Bridge(net::Server& server, config::BridgeSettings settings, std::shared_ptr<const transport::TlsContext> tls)
    : server_(server),
      settings_(std::move(settings)),
      tls_(std::move(tls)),
      retry_(server.io()),
      watch_(server.io()),
      random_(std::random_device{}()) {
  if (settings_.remote_password) {
    password_.assign(settings_.remote_password->begin(), settings_.remote_password->end());
  }
}

Bridge::~Bridge() {
  if (client_) client_->close();
}

void Bridge::start() {
  publish_state(false);
  if (settings_.start_type == "lazy") {
    // The local session must exist (and subscribe) for messages to wait in it.
    attach_local();
    detach_local();
    return watch();
  }
  connect();
}

void Bridge::stop() {
  stopping_ = true;
  retry_.cancel();
  watch_.cancel();
  if (client_ && client_->connected() && settings_.notifications && !settings_.notifications_local_only) {
    protocol::Publish down;
    down.topic = settings_.notification_topic;
    down.payload = bytes_of(will_payload_);
    down.retain = true;
    client_->publish(down);
  }
  if (client_) client_->disconnect();
  if (local_ != core::ConnectionId::kNone) publish_state(false);
  detach_local();
}

void Bridge::connect() {
  // One connection at a time: a new one only once the last is over.
  if (stopping_ || (client_ && !client_->finished())) return;
  if (settings_.start_type == "once" && started_once_) return;
  started_once_ = true;
  const config::BridgeAddress& address = settings_.addresses[address_ % settings_.addresses.size()];
  net::MqttClientOptions o;
  o.host = address.host;
  o.port = address.port;
  o.tls = tls_;
  o.manual_acks = true;
  protocol::Connect& c = o.connect;
  const bool v5 = settings_.protocol == "mqttv5";
  c.version = v5 ? protocol::ProtocolVersion::kV5 : protocol::ProtocolVersion::kV311;
  c.bridge = settings_.try_private && !v5;
  c.clean_start = settings_.clean_start;
  c.keep_alive = settings_.keepalive;
  c.client_id = settings_.remote_clientid;
  if (settings_.remote_username) c.username = *settings_.remote_username;
  if (settings_.remote_password) c.password = core::ByteView(password_.data(), password_.size());
  if (v5 && !settings_.clean_start) c.properties.session_expiry_interval = kNeverExpires;
  // What the remote may have in flight towards us is what this broker takes from a client.
  if (v5 && server_.engine().settings().receive_maximum != 65535) {
    c.properties.receive_maximum = server_.engine().settings().receive_maximum;
  }
  if (settings_.notifications && !settings_.notifications_local_only) {
    protocol::Will w;
    w.topic = settings_.notification_topic;
    w.payload = bytes_of(will_payload_);
    w.qos = QoS::k1;
    w.retain = true;
    c.will = w;
  }
  server_.log().log(core::LogType::kNotice,
                    core::str_cat("Connecting bridge ", settings_.name, " (", address.host, ":", address.port, ")"));
  client_ = net::MqttClient::create(server_.io(), std::move(o), *this);
  client_->start();
}

void Bridge::on_connected(const protocol::Connack& connack) {
  failures_ = 0;
  last_traffic_ = server_.now();
  remote_session_ = connack.session_present;
  server_.log().log(core::LogType::kNotice,
                    core::str_cat("Bridge ", settings_.name, " connected to ",
                                  settings_.addresses[address_ % settings_.addresses.size()].host));
  if (settings_.notifications && !settings_.notifications_local_only) {
    // QoS 0: the bridge's own messages take no packet identifier, so every
    // identifier is the local session's own (see deliver()).
    protocol::Publish up;
    up.topic = settings_.notification_topic;
    static constexpr std::string_view kUp = "1";
    up.payload = bytes_of(kUp);
    up.retain = true;
    client_->publish(up);
  }
  protocol::Subscribe s;
  std::vector<std::string> filters;
  filters.reserve(settings_.topics.size());
  for (const BridgeTopic& t : settings_.topics) {
    if (!comes_in(t)) continue;
    filters.push_back(t.remote_prefix + t.pattern);
    protocol::Subscription sub;
    sub.filter = filters.back();
    sub.max_qos = static_cast<QoS>(t.qos);
    // 5.0: what this bridge publishes there never comes back (try_private's
    // bridge flag does this for 3.1.1), and retained messages stay retained.
    sub.no_local = settings_.try_private && client_->version() == protocol::ProtocolVersion::kV5;
    sub.retain_as_published = client_->version() == protocol::ProtocolVersion::kV5;
    s.subscriptions.push_back(sub);
  }
  if (s.subscriptions.empty()) return local_up();
  // The local end joins once the SUBACK is in: its identifier is free again
  // for the local session's messages.
  client_->subscribe(s, [this](const protocol::Suback& ack) {
    for (const auto code : ack.reason_codes) {
      if (protocol::is_failure(code)) {
        server_.log().log(core::LogType::kWarning,
                          core::str_cat("Bridge ", settings_.name, ": the remote broker refused a subscription (",
                                        protocol::to_string(code), ")"));
      }
    }
    local_up();
  });
}

bool Bridge::deliver(const engine::Delivery& d) {
  const std::string_view topic = d.message->topic();
  std::optional<std::string> remote = to_remote(topic);
  const core::ConnectionId local = local_;
  const std::uint16_t local_id = d.packet_id;
  const QoS qos = d.qos;
  // Runs when the remote has the message (PUBACK, PUBREC): the local
  // session's copy is acknowledged. Never from inside an engine call.
  const auto ack_locally = [this, local, local_id, qos](protocol::ReasonCode reason) {
    if (local_ != local) return;  // the local end reconnected meanwhile: the engine resends
    if (protocol::is_failure(reason)) {
      server_.log().log(core::LogType::kWarning,
                        core::str_cat("Bridge ", settings_.name, ": the remote broker refused a message (",
                                      protocol::to_string(reason), ")"));
    }
    if (qos == QoS::k1) {
      protocol::Puback ack;
      ack.packet_id = local_id;
      server_.engine().puback(local_, ack, server_.now());
    } else {
      protocol::Pubrec ack;
      ack.packet_id = local_id;
      ack.reason = protocol::is_failure(reason) ? reason : protocol::ReasonCode::kSuccess;
      server_.engine().pubrec(local_, ack, server_.now());
    }
  };
  const auto ack_later = [this, ack_locally] {
    asio::post(server_.io(), [ack_locally] { ack_locally(protocol::ReasonCode::kSuccess); });
  };
  if (!remote) {
    // Not a topic this bridge forwards (overlapping filters): taken, not resent forever.
    if (qos != QoS::k0) ack_later();
    return true;
  }
  // The local end is attached only while the remote one is connected; if
  // not, the message stays in flight and is sent again on reconnection.
  if (!client_ || !client_->connected()) return qos != QoS::k0;
  if (qos == QoS::k0 && client_->output_bytes() > kMaxRemoteOutput) {
    blocked_ = true;  // on_drained() tells the engine there is room again
    return false;
  }
  last_traffic_ = server_.now();
  protocol::Publish p;
  p.topic = *remote;
  p.payload = d.message->payload();
  p.qos = qos;
  p.retain = d.retain;
  // The local session's packet identifier and DUP flag: a message resent
  // after a reconnection is the same message to the remote [MQTT-4.4.0-1].
  p.packet_id = local_id;
  p.dup = d.dup;
  // 5.0 to 5.0: the message's properties go along (User Properties, Content Type, ...).
  std::vector<std::uint8_t> props;
  if (client_->version() == protocol::ProtocolVersion::kV5 && !d.message->properties().empty()) {
    const core::ByteView list = d.message->properties();
    props.resize(protocol::variable_int_size(static_cast<std::uint32_t>(list.size())));
    protocol::Writer w(props.data());
    w.variable_int(static_cast<std::uint32_t>(list.size()));
    props.insert(props.end(), list.begin(), list.end());
    protocol::Reader r(core::ByteView(props.data(), props.size()));
    protocol::read_properties(r, protocol::PropertyContext::kPublish, protocol::Role::kClient, 256, p.properties);
    if (r.failed()) p.properties = {};
  }
  if (client_->version() == protocol::ProtocolVersion::kV5) p.properties.message_expiry_interval = d.message_expiry;
  if (!client_->publish(p, qos == QoS::k0 ? net::MqttClient::AckDone{} : net::MqttClient::AckDone(ack_locally))) {
    // Too large for the remote, or not encodable there: it never will be.
    server_.log().log(core::LogType::kWarning,
                      core::str_cat("Bridge ", settings_.name, ": cannot forward ", topic, ": ", client_->error()));
    if (qos != QoS::k0) ack_later();
  }
  return true;
}

void Bridge::on_drained() {
  if (!blocked_ || local_ == core::ConnectionId::kNone) return;
  blocked_ = false;
  server_.engine().writable(local_, server_.now());
}

void Bridge::on_message(const protocol::Packet& packet) {
  const auto& in = std::get<protocol::Publish>(packet.body);
  const std::optional<std::string> topic = to_local(in.topic);
  last_traffic_ = server_.now();
  if (!topic) {
    // Not a topic of ours (the remote matched more than asked): taken, dropped.
    if (in.qos != QoS::k0) client_->acknowledge(in.packet_id, in.qos);
    return;
  }
  if (!local_ready_) {
    // A kept remote session sends what waited for the bridge at once,
    // before the local end is up (it joins at SUBACK): held until then.
    if (early_.size() >= kMaxEarly) {
      server_.log().log(core::LogType::kWarning,
                        core::str_cat("Bridge ", settings_.name, ": too many messages before the local end was up"));
      client_->close();
      on_closed("reconnecting", std::nullopt);
      return;
    }
    early_.push_back(packet);
    return;
  }
  protocol::Packet local;
  local.backing = packet.backing;
  protocol::Publish p = in;
  const core::SharedBytes storage = core::SharedBytes::copy_of(bytes_of(*topic));
  p.topic = core::as_chars(storage.view());
  p.properties.topic_alias.reset();
  p.properties.subscription_identifiers.clear();
  local.body = p;
  server_.engine().publish(local_, local, p.topic, storage, server_.now());
}

void Bridge::on_release(std::uint16_t packet_id) {
  if (!local_ready_) {
    early_releases_.push_back(packet_id);
    return;
  }
  protocol::Pubrel rel;
  rel.packet_id = packet_id;
  server_.engine().pubrel(local_, rel, server_.now());
}

void Bridge::on_closed(const std::string& why, std::optional<protocol::ReasonCode>) {
  const bool was_up = local_ != core::ConnectionId::kNone;
  detach_local();
  if (was_up) publish_state(false);
  if (stopping_) return;
  const config::BridgeAddress& address = settings_.addresses[address_ % settings_.addresses.size()];
  server_.log().log(core::LogType::kWarning,
                    core::str_cat("Bridge ", settings_.name, " (", address.host, ":", address.port,
                                  "): ", why.empty() ? std::string("disconnected") : why));
  if (!was_up) ++address_;  // a failed attempt: the next address (failover)
  schedule_reconnect();
}

void Bridge::schedule_reconnect() {
  if (stopping_ || settings_.start_type == "once") return;
  if (settings_.start_type == "lazy" && local_queue() < settings_.threshold) return watch();
  // Exponential backoff from restart_timeout to restart_timeout_max, with
  // ±25 % jitter so that many bridges do not come back in step.
  const unsigned shift = std::min(failures_++, 16U);
  const double base =
      std::min<double>(settings_.restart_timeout_max, static_cast<double>(settings_.restart_timeout) * (1U << shift));
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  const auto delay = std::chrono::duration<double>(base * jitter(random_));
  retry_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
  retry_.async_wait([this](std::error_code ec) {
    if (!ec) connect();
  });
}

void Bridge::watch() {
  watch_.expires_after(std::chrono::seconds(1));
  watch_.async_wait([this](std::error_code ec) {
    if (ec || stopping_) return;
    const bool up = client_ && client_->connected();
    if (!up && local_queue() >= settings_.threshold) {
      server_.log().log(core::LogType::kNotice,
                        core::str_cat("Bridge ", settings_.name, ": ", local_queue(), " messages waiting"));
      return connect();
    }
    if (up && server_.now() - last_traffic_ >= core::Seconds(settings_.idle_timeout)) {
      server_.log().log(core::LogType::kNotice, core::str_cat("Bridge ", settings_.name, " idle: disconnecting"));
      client_->disconnect();
    }
    watch();
  });
}

}  // namespace roost::bridge
