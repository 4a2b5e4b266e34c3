#pragma once
// Message: one application message as it travels through the broker. It is
// built once per incoming PUBLISH (or will) and never changed; every queue,
// inflight table and the retained store share it through a MessageRef.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/shared_bytes.hpp"
#include "protocol/packet.hpp"

namespace roost::engine {

// Which session published a message (0: the broker itself, e.g. $SYS).
enum class SessionId : std::uint64_t { kBroker = 0 };

class Message;
using MessageRef = std::shared_ptr<const Message>;

class Message {
 public:
  // From a decoded PUBLISH: the packet's bytes are kept, not copied.
  // `topic_storage` holds the topic when it came from a Topic Alias.
  static MessageRef from_publish(const protocol::Packet& packet, std::string_view topic,
                                 core::SharedBytes topic_storage, SessionId origin, core::TimePoint now);

  // From a CONNECT's will; the CONNECT packet's bytes are kept.
  static MessageRef from_will(const protocol::Packet& connect, SessionId origin, core::TimePoint now);

  // A message the broker makes itself (copies `topic` and `payload`).
  static MessageRef make(std::string_view topic, core::ByteView payload, protocol::QoS qos, bool retain,
                         core::TimePoint now, std::optional<std::uint32_t> expiry_interval = std::nullopt);

  std::string_view topic() const noexcept { return topic_; }
  core::ByteView payload() const noexcept { return payload_; }
  protocol::QoS qos() const noexcept { return qos_; }
  bool retain() const noexcept { return retain_; }
  SessionId origin() const noexcept { return origin_; }
  // The forwardable 5.0 properties, wire-encoded (see protocol::forwardable).
  core::ByteView properties() const noexcept { return properties_.view(); }
  // The buffer topic() and payload() point into.
  const core::SharedBytes& bytes() const noexcept { return body_; }

  // Message Expiry: whether it has passed, and the interval left to send on.
  bool expired(core::TimePoint now) const noexcept { return expires_at_ && now >= *expires_at_; }
  std::optional<std::uint32_t> remaining_expiry(core::TimePoint now) const noexcept;

  // When it expires (Message Expiry Interval), if it does.
  const std::optional<core::TimePoint>& expires_at() const noexcept { return expires_at_; }

  // A message read back from a store (copies everything).
  static MessageRef restore(std::string_view topic, core::ByteView payload, core::ByteView properties,
                            protocol::QoS qos, bool retain, std::optional<core::TimePoint> expires_at);

  // The buffer topic() points into when it is not bytes() (a Topic Alias).
  const core::SharedBytes& topic_bytes() const noexcept { return topic_storage_; }

  // Public for make_shared; use the factories.
  struct Parts {
    core::SharedBytes body;
    core::SharedBytes topic_storage;
    core::SharedBytes properties;
    std::string_view topic;
    core::ByteView payload;
    protocol::QoS qos = protocol::QoS::k0;
    bool retain = false;
    SessionId origin = SessionId::kBroker;
    std::optional<core::TimePoint> expires_at;
  };
  explicit Message(Parts parts) noexcept;

 private:
  core::SharedBytes body_;
  core::SharedBytes topic_storage_;
  core::SharedBytes properties_;
  std::string_view topic_;
  core::ByteView payload_;
  std::optional<core::TimePoint> expires_at_;
  SessionId origin_;
  protocol::QoS qos_;
  bool retain_;
};

}  // namespace roost::engine
