#pragma once
// Random valid packets of every type and version, for round-trip property
// tests and for seeding the fuzzer. Deterministic for a given seed. Strings
// and byte fields are views into storage the generator owns, so packets stay
// valid while the generator lives.

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <string_view>

#include "protocol/packet.hpp"
#include "protocol/topic.hpp"

namespace roost::protocol::test {

class PacketGenerator {
 public:
  explicit PacketGenerator(std::uint32_t seed) : rng_(seed) {}

  // A random packet that `sender` may send in `version`.
  PacketBody packet(Role sender, ProtocolVersion version) {
    while (true) {
      const auto type = static_cast<PacketType>(uniform(1, 15));
      if (may_send(sender, type, version)) return packet_of(type, sender, version);
    }
  }

  PacketBody packet_of(PacketType type, Role sender, ProtocolVersion v) {
    switch (type) {
      case PacketType::kConnect:
        return connect(v);
      case PacketType::kConnack:
        return connack(v);
      case PacketType::kPublish:
        return publish(sender, v);
      case PacketType::kPuback:
        return ack<Puback>(v);
      case PacketType::kPubrec:
        return ack<Pubrec>(v);
      case PacketType::kPubrel:
        return ack<Pubrel>(v);
      case PacketType::kPubcomp:
        return ack<Pubcomp>(v);
      case PacketType::kSubscribe:
        return subscribe(v);
      case PacketType::kSuback:
        return suback(v);
      case PacketType::kUnsubscribe:
        return unsubscribe(v);
      case PacketType::kUnsuback:
        return unsuback(v);
      case PacketType::kPingreq:
        return Pingreq{};
      case PacketType::kPingresp:
        return Pingresp{};
      case PacketType::kDisconnect:
        return disconnect(sender, v);
      case PacketType::kAuth:
        return auth(sender);
    }
    return Pingreq{};
  }

 private:
  static bool v5(ProtocolVersion v) { return v == ProtocolVersion::kV5; }

  std::uint32_t uniform(std::uint32_t lo, std::uint32_t hi) {
    return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng_);
  }
  bool chance(int percent) { return uniform(0, 99) < static_cast<std::uint32_t>(percent); }

  std::string_view keep(std::string s) { return storage_.emplace_back(std::move(s)); }

  // Random well-formed UTF-8 without U+0000, wildcards or '/' (1 to 4 byte sequences).
  std::string word(std::size_t max_chars) {
    static constexpr std::string_view kPieces[] = {"a", "Z", "0", "_", "-", " ", "é", "ß", "€", "温", "😀", "\x7f", "$"};
    std::string out;
    const std::size_t n = uniform(0, static_cast<std::uint32_t>(max_chars));
    for (std::size_t i = 0; i < n; ++i) out += kPieces[uniform(0, std::size(kPieces) - 1)];
    return out;
  }
  std::string_view string(std::size_t max_chars = 12) { return keep(word(max_chars)); }
  core::ByteView binary(std::size_t max = 40) {
    std::string b(uniform(0, static_cast<std::uint32_t>(max)), '\0');
    for (char& c : b) c = static_cast<char>(uniform(0, 255));
    return core::as_bytes(keep(std::move(b)));
  }

  std::string_view topic_name() {
    std::string t;
    const std::uint32_t levels = uniform(1, 5);
    for (std::uint32_t i = 0; i < levels; ++i) {
      if (i > 0) t += '/';
      t += word(6);
    }
    if (t.empty()) t = "t";
    return keep(std::move(t));
  }
  std::string_view topic_filter() {
    std::string f;
    const std::uint32_t levels = uniform(1, 5);
    for (std::uint32_t i = 0; i < levels; ++i) {
      if (i > 0) f += '/';
      const std::uint32_t pick = uniform(0, 9);
      if (pick == 0) {
        f += '+';
      } else if (pick == 1 && i + 1 == levels) {
        f += '#';
      } else {
        f += word(5);
      }
    }
    if (f.empty()) f = "#";
    if (chance(15)) f = "$share/" + (word(4).empty() ? std::string("g") : word(4) + "g") + "/" + f;
    return keep(std::move(f));
  }

  QoS qos() { return static_cast<QoS>(uniform(0, 2)); }

  std::uint16_t packet_id() { return static_cast<std::uint16_t>(uniform(1, 65535)); }

  // Properties a packet of `context` may carry, each present with some chance.
  Properties properties(PropertyContext context, Role sender) {
    Properties p;
    auto maybe = [&](PropertyId id) { return property_allowed(id, context) && chance(30); };
    if (maybe(PropertyId::kPayloadFormatIndicator))
      p.payload_format_indicator = static_cast<std::uint8_t>(uniform(0, 1));
    if (maybe(PropertyId::kMessageExpiryInterval)) p.message_expiry_interval = uniform(0, 0xFFFFFFFF);
    if (maybe(PropertyId::kContentType)) p.content_type = string();
    if (maybe(PropertyId::kResponseTopic)) p.response_topic = topic_name();
    if (maybe(PropertyId::kCorrelationData)) p.correlation_data = binary();
    if (maybe(PropertyId::kSubscriptionIdentifier) &&
        !(context == PropertyContext::kPublish && sender == Role::kClient)) {
      const std::uint32_t n = context == PropertyContext::kPublish ? uniform(1, 3) : 1;
      for (std::uint32_t i = 0; i < n; ++i) {
        static constexpr std::uint32_t kEdges[] = {1, 127, 128, 16'383, 16'384, 2'097'151, 2'097'152, 268'435'455};
        p.subscription_identifiers.push_back(chance(50) ? kEdges[uniform(0, 7)] : uniform(1, 268'435'455));
      }
    }
    if (maybe(PropertyId::kSessionExpiryInterval) &&
        !(context == PropertyContext::kDisconnect && sender == Role::kServer)) {
      p.session_expiry_interval = uniform(0, 0xFFFFFFFF);
    }
    if (maybe(PropertyId::kAssignedClientIdentifier)) p.assigned_client_identifier = string();
    if (maybe(PropertyId::kServerKeepAlive)) p.server_keep_alive = static_cast<std::uint16_t>(uniform(0, 65535));
    if (maybe(PropertyId::kAuthenticationMethod) || context == PropertyContext::kAuth) {
      p.authentication_method = string();
      if (chance(50)) p.authentication_data = binary();
    }
    if (maybe(PropertyId::kRequestProblemInformation))
      p.request_problem_information = static_cast<std::uint8_t>(uniform(0, 1));
    if (maybe(PropertyId::kWillDelayInterval)) p.will_delay_interval = uniform(0, 0xFFFFFFFF);
    if (maybe(PropertyId::kRequestResponseInformation)) {
      p.request_response_information = static_cast<std::uint8_t>(uniform(0, 1));
    }
    if (maybe(PropertyId::kResponseInformation)) p.response_information = string();
    if (maybe(PropertyId::kServerReference)) p.server_reference = string();
    if (maybe(PropertyId::kReasonString)) p.reason_string = string(30);
    if (maybe(PropertyId::kReceiveMaximum)) p.receive_maximum = static_cast<std::uint16_t>(uniform(1, 65535));
    if (maybe(PropertyId::kTopicAliasMaximum)) p.topic_alias_maximum = static_cast<std::uint16_t>(uniform(0, 65535));
    if (maybe(PropertyId::kTopicAlias)) p.topic_alias = static_cast<std::uint16_t>(uniform(1, 65535));
    if (maybe(PropertyId::kMaximumQoS)) p.maximum_qos = static_cast<std::uint8_t>(uniform(0, 1));
    if (maybe(PropertyId::kRetainAvailable)) p.retain_available = static_cast<std::uint8_t>(uniform(0, 1));
    if (maybe(PropertyId::kUserProperty)) {
      const std::uint32_t n = uniform(1, 4);
      for (std::uint32_t i = 0; i < n; ++i) p.user_properties.push_back({string(8), string(8)});
    }
    if (maybe(PropertyId::kMaximumPacketSize)) p.maximum_packet_size = uniform(1, 0xFFFFFFFF);
    if (maybe(PropertyId::kWildcardSubscriptionAvailable)) {
      p.wildcard_subscription_available = static_cast<std::uint8_t>(uniform(0, 1));
    }
    if (maybe(PropertyId::kSubscriptionIdentifierAvailable)) {
      p.subscription_identifier_available = static_cast<std::uint8_t>(uniform(0, 1));
    }
    if (maybe(PropertyId::kSharedSubscriptionAvailable)) {
      p.shared_subscription_available = static_cast<std::uint8_t>(uniform(0, 1));
    }
    return p;
  }

  Connect connect(ProtocolVersion v) {
    Connect c;
    c.version = v;
    c.bridge = !v5(v) && chance(10);
    c.clean_start = chance(50);
    c.keep_alive = static_cast<std::uint16_t>(uniform(0, 65535));
    if (v5(v)) c.properties = properties(PropertyContext::kConnect, Role::kClient);
    c.client_id = string(10);
    if (c.client_id.empty() && v == ProtocolVersion::kV31) c.client_id = "c";
    if (c.client_id.empty() && v == ProtocolVersion::kV311) c.clean_start = true;
    if (chance(40)) {
      Will& w = c.will.emplace();
      w.topic = topic_name();
      w.payload = binary(60);
      w.qos = qos();
      w.retain = chance(50);
      if (v5(v)) w.properties = properties(PropertyContext::kWill, Role::kClient);
    }
    if (chance(50)) c.username = string();
    if (chance(50) && (c.username || v5(v))) c.password = binary(20);
    return c;
  }

  Connack connack(ProtocolVersion v) {
    Connack c;
    if (v5(v)) {
      static constexpr std::uint8_t kCodes[] = {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                                                0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
      c.reason = static_cast<ReasonCode>(kCodes[uniform(0, std::size(kCodes) - 1)]);
      c.properties = properties(PropertyContext::kConnack, Role::kServer);
    } else {
      c.reason = *from_v3_connack_code(static_cast<std::uint8_t>(uniform(0, 5)));
    }
    c.session_present = v != ProtocolVersion::kV31 && !is_failure(c.reason) && chance(50);
    return c;
  }

  Publish publish(Role sender, ProtocolVersion v) {
    Publish p;
    p.qos = qos();
    p.dup = p.qos != QoS::k0 && chance(20);
    p.retain = chance(30);
    p.topic = topic_name();
    if (p.qos != QoS::k0) p.packet_id = packet_id();
    if (v5(v)) {
      p.properties = properties(PropertyContext::kPublish, sender);
      if (p.properties.topic_alias && chance(50)) p.topic = "";
    }
    p.payload = binary(chance(5) ? 400 : 80);
    return p;
  }

  template <class Ack>
  Ack ack(ProtocolVersion v) {
    Ack a;
    a.packet_id = packet_id();
    if (v5(v)) {
      static constexpr std::uint8_t kPubCodes[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
      static constexpr std::uint8_t kRelCodes[] = {0x00, 0x92};
      const bool rel = Ack::kPacketType == PacketType::kPubrel || Ack::kPacketType == PacketType::kPubcomp;
      a.reason =
          static_cast<ReasonCode>(rel ? kRelCodes[uniform(0, 1)] : kPubCodes[uniform(0, std::size(kPubCodes) - 1)]);
      if (chance(50)) a.properties = properties(property_context(Ack::kPacketType), Role::kClient);
    }
    return a;
  }

  Subscribe subscribe(ProtocolVersion v) {
    Subscribe s;
    s.packet_id = packet_id();
    if (v5(v)) s.properties = properties(PropertyContext::kSubscribe, Role::kClient);
    const std::uint32_t n = uniform(1, 4);
    for (std::uint32_t i = 0; i < n; ++i) {
      Subscription sub;
      sub.filter = topic_filter();
      sub.max_qos = qos();
      if (v5(v)) {
        sub.no_local = !is_shared_filter(sub.filter) && chance(50);
        sub.retain_as_published = chance(50);
        sub.retain_handling = static_cast<RetainHandling>(uniform(0, 2));
      }
      s.subscriptions.push_back(sub);
    }
    return s;
  }

  Suback suback(ProtocolVersion v) {
    Suback s;
    s.packet_id = packet_id();
    static constexpr std::uint8_t kV5Codes[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
    static constexpr std::uint8_t kV3Codes[] = {0x00, 0x01, 0x02, 0x80};
    if (v5(v)) s.properties = properties(PropertyContext::kSuback, Role::kServer);
    const std::uint32_t n = uniform(1, 5);
    // 3.1 has no failure code: its SUBACK only grants QoS levels.
    const std::uint32_t last_v3 = v == ProtocolVersion::kV31 ? 2 : 3;
    for (std::uint32_t i = 0; i < n; ++i) {
      s.reason_codes.push_back(static_cast<ReasonCode>(v5(v) ? kV5Codes[uniform(0, std::size(kV5Codes) - 1)]
                                                             : kV3Codes[uniform(0, last_v3)]));
    }
    return s;
  }

  Unsubscribe unsubscribe(ProtocolVersion v) {
    Unsubscribe u;
    u.packet_id = packet_id();
    if (v5(v)) u.properties = properties(PropertyContext::kUnsubscribe, Role::kClient);
    const std::uint32_t n = uniform(1, 4);
    for (std::uint32_t i = 0; i < n; ++i) u.filters.push_back(topic_filter());
    return u;
  }

  Unsuback unsuback(ProtocolVersion v) {
    Unsuback u;
    u.packet_id = packet_id();
    if (!v5(v)) return u;
    static constexpr std::uint8_t kCodes[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
    u.properties = properties(PropertyContext::kUnsuback, Role::kServer);
    const std::uint32_t n = uniform(1, 5);
    for (std::uint32_t i = 0; i < n; ++i) u.reason_codes.push_back(static_cast<ReasonCode>(kCodes[uniform(0, 6)]));
    return u;
  }

  Disconnect disconnect(Role sender, ProtocolVersion v) {
    Disconnect d;
    if (!v5(v)) return d;
    static constexpr std::uint8_t kCodes[] = {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                              0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                              0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
    do {
      d.reason = static_cast<ReasonCode>(kCodes[uniform(0, std::size(kCodes) - 1)]);
    } while (!may_send_reason(d.reason, PacketType::kDisconnect, sender));
    if (chance(50)) d.properties = properties(PropertyContext::kDisconnect, sender);
    return d;
  }

  Auth auth(Role sender) {
    Auth a;
    if (sender == Role::kServer && chance(20)) return a;  // Remaining Length 0: Success
    static constexpr std::uint8_t kCodes[] = {0x00, 0x18, 0x19};
    do {
      a.reason = static_cast<ReasonCode>(kCodes[uniform(0, 2)]);
    } while (!may_send_reason(a.reason, PacketType::kAuth, sender));
    a.properties = properties(PropertyContext::kAuth, sender);
    return a;
  }

  std::mt19937 rng_;
  std::deque<std::string> storage_;
};

}  // namespace roost::protocol::test
