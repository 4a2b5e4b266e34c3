#include "engine/message.hpp"

#include <chrono>

#include "protocol/wire.hpp"

namespace roost::engine {

namespace {

// The forwardable properties of `p`, encoded once for every subscriber.
core::SharedBytes encode_forwardable(const protocol::Properties& p) {
  const protocol::Properties keep = protocol::forwardable(p);
  const std::size_t size = protocol::properties_size(keep);
  if (size == 0) return {};
  core::SharedBytes out = core::SharedBytes::allocate(size);
  protocol::Writer writer(out.mutable_data());
  protocol::write_property_list(writer, keep);
  return out;
}

std::optional<core::TimePoint> deadline(const protocol::Properties& p, core::TimePoint now) {
  if (!p.message_expiry_interval) return std::nullopt;
  return now + core::Seconds(*p.message_expiry_interval);
}

}  // namespace

Message::Message(Parts parts) noexcept
    : body_(std::move(parts.body)),
      topic_storage_(std::move(parts.topic_storage)),
      properties_(std::move(parts.properties)),
      topic_(parts.topic),
      payload_(parts.payload),
      expires_at_(parts.expires_at),
      origin_(parts.origin),
      qos_(parts.qos),
      retain_(parts.retain) {}

MessageRef Message::from_publish(const protocol::Packet& packet, std::string_view topic,
                                 core::SharedBytes topic_storage, SessionId origin, core::TimePoint now) {
  const auto& publish = std::get<protocol::Publish>(packet.body);
  Parts parts;
  parts.body = packet.backing;
  parts.topic_storage = std::move(topic_storage);
  parts.properties = encode_forwardable(publish.properties);
  parts.topic = topic;
  parts.payload = publish.payload;
  parts.qos = publish.qos;
  parts.retain = publish.retain;
  parts.origin = origin;
  parts.expires_at = deadline(publish.properties, now);
  return std::make_shared<const Message>(std::move(parts));
}

MessageRef Message::from_will(const protocol::Packet& connect, SessionId origin, core::TimePoint now) {
  const auto& will = *std::get<protocol::Connect>(connect.body).will;
  Parts parts;
  parts.body = connect.backing;
  parts.properties = encode_forwardable(will.properties);
  parts.topic = will.topic;
  parts.payload = will.payload;
  parts.qos = will.qos;
  parts.retain = will.retain;
  parts.origin = origin;
  parts.expires_at = deadline(will.properties, now);
  return std::make_shared<const Message>(std::move(parts));
}

MessageRef Message::make(std::string_view topic, core::ByteView payload, protocol::QoS qos, bool retain,
                         core::TimePoint now, std::optional<std::uint32_t> expiry_interval) {
  // One buffer: topic then payload.
  core::SharedBytes body = core::SharedBytes::allocate(topic.size() + payload.size());
  std::uint8_t* out = body.mutable_data();
  if (!topic.empty()) std::copy(topic.begin(), topic.end(), out);
  if (!payload.empty()) std::copy(payload.begin(), payload.end(), out + topic.size());
  Parts parts;
  parts.topic = core::as_chars(body.view().first(topic.size()));
  parts.payload = body.view().subspan(topic.size());
  parts.body = std::move(body);
  parts.qos = qos;
  parts.retain = retain;
  if (expiry_interval) parts.expires_at = now + core::Seconds(*expiry_interval);
  return std::make_shared<const Message>(std::move(parts));
}

MessageRef Message::restore(std::string_view topic, core::ByteView payload, core::ByteView properties,
                            protocol::QoS qos, bool retain, std::optional<core::TimePoint> expires_at) {
  MessageRef m = make(topic, payload, qos, retain, core::TimePoint{});
  Parts parts;
  parts.body = m->body_;
  parts.topic = m->topic_;
  parts.payload = m->payload_;
  if (!properties.empty()) {
    parts.properties = core::SharedBytes::allocate(properties.size());
    std::copy(properties.begin(), properties.end(), parts.properties.mutable_data());
  }
  parts.qos = qos;
  parts.retain = retain;
  parts.expires_at = expires_at;
  return std::make_shared<const Message>(std::move(parts));
}

std::optional<std::uint32_t> Message::remaining_expiry(core::TimePoint now) const noexcept {
  if (!expires_at_) return std::nullopt;
  if (now >= *expires_at_) return 0;
  // Rounded up, so a message with time left never shows 0 [MQTT-3.3.2-6].
  const auto left = std::chrono::ceil<core::Seconds>(*expires_at_ - now).count();
  return static_cast<std::uint32_t>(left);
}

}  // namespace roost::engine
