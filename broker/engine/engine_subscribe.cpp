// Engine: SUBSCRIBE and UNSUBSCRIBE ([MQTT-3.8], [MQTT-3.10]).

#include <algorithm>

#include "engine/engine.hpp"
#include "protocol/topic.hpp"

namespace roost::engine {

using protocol::QoS;
using protocol::ReasonCode;

namespace {

ReasonCode granted(QoS qos) { return static_cast<ReasonCode>(static_cast<std::uint8_t>(qos)); }

}  // namespace

void Engine::subscribe(core::ConnectionId connection, const protocol::Subscribe& s, core::TimePoint now) {
  PersistScope scope(*this);
  Session* session = online_or_refuse(connection);
  if (session == nullptr) return;
  const std::uint32_t identifier =
      s.properties.subscription_identifiers.empty() ? 0 : s.properties.subscription_identifiers.front();
  protocol::Suback ack;
  ack.packet_id = s.packet_id;
  ack.reason_codes.reserve(s.subscriptions.size());
  // Subscriptions to send retained messages for, once SUBACK is out.
  std::vector<std::pair<std::string_view, SubscriptionOptions>> retained_for;
  std::string why;  // a Reason String for the first refused filter
  for (const protocol::Subscription& sub : s.subscriptions) {
    const std::string_view plain =
        protocol::is_shared_filter(sub.filter) ? protocol::parse_shared_filter(sub.filter)->filter : sub.filter;
    const bool too_long = settings_.max_topic_length != 0 && plain.size() > settings_.max_topic_length;
    if (too_long ||
        (settings_.max_topic_levels != 0 &&
         1 + static_cast<std::size_t>(std::count(plain.begin(), plain.end(), '/')) > settings_.max_topic_levels)) {
      ++(too_long ? stats_.limit_hits.max_topic_length : stats_.limit_hits.max_topic_levels);
      log_.log(core::LogType::kWarning,
               core::str_cat("Refused subscription of ", session->client_id(), " to ", sub.filter, ": ",
                             too_long ? "max_topic_length" : "max_topic_levels", " exceeded"));
      if (why.empty() && explains(*session)) {
        why = core::str_cat(too_long ? "max_topic_length" : "max_topic_levels", " exceeded by ", sub.filter);
      }
      ack.reason_codes.push_back(ReasonCode::kTopicFilterInvalid);
      continue;
    }
    SubscriptionOptions options;
    options.max_qos = std::min(sub.max_qos, settings_.maximum_qos);
    options.no_local = sub.no_local || session->bridge;
    options.retain_as_published = sub.retain_as_published || session->bridge;
    options.retain_handling = sub.retain_handling;
    options.identifier = identifier;
    if (!check_subscription(*session, sub.filter, options)) {
      ++stats_.subscribe_denied;
      log_.log(core::LogType::kNotice,
               core::str_cat("Denied subscription of ", session->client_id(), " to ", sub.filter, ": not authorized"));
      if (why.empty() && explains(*session)) why = core::str_cat("not authorized to read ", sub.filter);
      ack.reason_codes.push_back(ReasonCode::kNotAuthorized);
      continue;
    }
    const bool existed = subscriptions_.add(sub.filter, session, options);
    session->subscriptions[std::string(sub.filter)] = options;
    if (session->persisted()) {
      PersistEvent& e = persist(PersistEvent::Kind::kSubscriptionPut, session);
      e.text = sub.filter;
      e.options = options;
    }
    ack.reason_codes.push_back(granted(options.max_qos));
    log_.log(core::LogType::kSubscribe,
             core::str_cat(session->client_id(), " ", static_cast<int>(options.max_qos), " ", sub.filter));
    // Retain Handling [MQTT-3.3.1-9]..[MQTT-3.3.1-11]; never for shared subscriptions.
    const bool send = !protocol::is_shared_filter(sub.filter) &&
                      (options.retain_handling == protocol::RetainHandling::kSendOnSubscribe ||
                       (options.retain_handling == protocol::RetainHandling::kSendIfNewSubscription && !existed));
    if (send) retained_for.emplace_back(sub.filter, options);
  }
  if (!why.empty()) ack.properties.reason_string = why;
  if (session->version() == protocol::ProtocolVersion::kV31 &&
      std::any_of(ack.reason_codes.begin(), ack.reason_codes.end(), protocol::is_failure)) {
    // MQTT 3.1 has no failure code in SUBACK: refusing means closing.
    log_.log(core::LogType::kNotice, core::str_cat("Closing the MQTT 3.1 connection of ", session->client_id(),
                                                   ": a subscription was refused"));
    connections_.erase(connection);
    outbox_.close(connection, std::nullopt);
    return end_connection(*session, true, now);
  }
  outbox_.send(connection, ack);
  for (const auto& [filter, options] : retained_for) send_retained(*session, filter, options, now);
}

void Engine::send_retained(Session& session, std::string_view filter, const SubscriptionOptions& options,
                           core::TimePoint now) {
  retained_scratch_.clear();
  retained_.match(filter, now, retained_scratch_);
  for (const MessageRef& message : retained_scratch_) {
    std::vector<std::uint32_t> identifiers;
    if (options.identifier != 0) identifiers.push_back(options.identifier);
    const QoS qos = settings_.upgrade_outgoing_qos ? options.max_qos : std::min(options.max_qos, message->qos());
    // Sent because of a new subscription: the retain flag is set [MQTT-3.3.1-8].
    // They go through the queue, paced by the window and the output (a new
    // '#' subscriber may be owed 100 000 of them); the retained store, not
    // max_queued_messages, bounds how many.
    if (message->expired(now)) continue;
    if (options.checked && !may_receive(session, message->topic())) continue;
    session.queued_bytes += message->payload().size();
    session.queue.push_back(Outgoing{message, std::move(identifiers), qos, true, 0, Outgoing::State::kQueued});
    persist_entry(session, session.queue.back());
  }
  retained_scratch_.clear();
  pump(session, now);
}

void Engine::unsubscribe(core::ConnectionId connection, const protocol::Unsubscribe& u, core::TimePoint) {
  PersistScope scope(*this);
  Session* session = online_or_refuse(connection);
  if (session == nullptr) return;
  protocol::Unsuback ack;
  ack.packet_id = u.packet_id;
  for (const std::string_view filter : u.filters) {
    const bool removed = subscriptions_.remove(filter, session);
    if (removed) {
      session->subscriptions.erase(std::string(filter));
      if (session->persisted()) persist(PersistEvent::Kind::kSubscriptionDelete, session).text = filter;
    }
    ack.reason_codes.push_back(removed ? ReasonCode::kSuccess : ReasonCode::kNoSubscriptionExisted);
    log_.log(core::LogType::kUnsubscribe, core::str_cat(session->client_id(), " ", filter));
  }
  outbox_.send(connection, ack);
}

}  // namespace roost::engine
