// libFuzzer target for the Encoder: builds a packet of any type from the
// fuzz input, with arbitrary strings (invalid UTF-8, wildcards, U+0000),
// numbers and properties, and checks the codec's promise: whatever the
// encoder accepts, the peer's decoder accepts and decodes to the same packet.

#include <cstdlib>
#include <deque>
#include <fuzzer/FuzzedDataProvider.h>
#include <string>

#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"

namespace {

using namespace roost::protocol;
using roost::core::ByteView;

[[noreturn]] void invariant_broken() { std::abort(); }

// Builds packet fields from the fuzz input; owns every string it hands out.
class Builder {
 public:
  explicit Builder(FuzzedDataProvider& in) : in_(in) {}

  std::string_view text() { return strings_.emplace_back(in_.ConsumeRandomLengthString(40)); }
  ByteView bytes() { return roost::core::as_bytes(text()); }
  bool flag() { return in_.ConsumeBool(); }
  template <class T>
  T number() {
    return in_.ConsumeIntegral<T>();
  }
  QoS qos() { return static_cast<QoS>(in_.ConsumeIntegralInRange<int>(0, 3)); }
  ReasonCode reason() { return static_cast<ReasonCode>(number<std::uint8_t>()); }

  // Any properties at all, allowed or not: the encoder must sort them out.
  Properties properties() {
    Properties p;
    const int count = in_.ConsumeIntegralInRange(0, 6);
    for (int i = 0; i < count; ++i) {
      switch (in_.ConsumeIntegralInRange(0, 12)) {
        case 0:
          p.payload_format_indicator = number<std::uint8_t>();
          break;
        case 1:
          p.message_expiry_interval = number<std::uint32_t>();
          break;
        case 2:
          p.content_type = text();
          break;
        case 3:
          p.response_topic = text();
          break;
        case 4:
          p.correlation_data = bytes();
          break;
        case 5:
          p.subscription_identifiers.push_back(number<std::uint32_t>());
          break;
        case 6:
          p.session_expiry_interval = number<std::uint32_t>();
          break;
        case 7:
          p.authentication_method = text();
          break;
        case 8:
          p.authentication_data = bytes();
          break;
        case 9:
          p.reason_string = text();
          break;
        case 10:
          p.receive_maximum = number<std::uint16_t>();
          break;
        case 11:
          p.topic_alias = number<std::uint16_t>();
          break;
        default:
          p.user_properties.push_back({text(), text()});
          break;
      }
    }
    return p;
  }

 private:
  FuzzedDataProvider& in_;
  std::deque<std::string> strings_;
};

template <class Ack>
Ack ack(Builder& b, bool v5) {
  Ack a;
  a.packet_id = b.number<std::uint16_t>();
  if (v5) {
    a.reason = b.reason();
    a.properties = b.properties();
  }
  return a;
}

// A packet of a fuzz-chosen type. 5.0-only fields are set only for 5.0, so a
// successful round trip must give back exactly this packet.
PacketBody build(Builder& b, FuzzedDataProvider& in, ProtocolVersion v) {
  const bool v5 = v == ProtocolVersion::kV5;
  switch (in.ConsumeIntegralInRange(1, 15)) {
    case 1: {
      Connect c;
      c.version = v;
      c.bridge = !v5 && b.flag();
      c.clean_start = b.flag();
      c.keep_alive = b.number<std::uint16_t>();
      c.client_id = b.text();
      if (v5) c.properties = b.properties();
      if (b.flag()) c.will = Will{b.text(), b.bytes(), b.qos(), b.flag(), v5 ? b.properties() : Properties{}};
      if (b.flag()) c.username = b.text();
      if (b.flag()) c.password = b.bytes();
      return c;
    }
    case 2: {
      Connack c;
      c.session_present = v != ProtocolVersion::kV31 && b.flag();
      c.reason = b.reason();
      if (v5) c.properties = b.properties();
      return c;
    }
    case 3: {
      Publish p;
      p.qos = b.qos();
      p.dup = b.flag();
      p.retain = b.flag();
      p.topic = b.text();
      if (p.qos != QoS::k0) p.packet_id = b.number<std::uint16_t>();
      if (v5) p.properties = b.properties();
      p.payload = b.bytes();
      return p;
    }
    case 4:
      return ack<Puback>(b, v5);
    case 5:
      return ack<Pubrec>(b, v5);
    case 6:
      return ack<Pubrel>(b, v5);
    case 7:
      return ack<Pubcomp>(b, v5);
    case 8: {
      Subscribe s;
      s.packet_id = b.number<std::uint16_t>();
      if (v5) s.properties = b.properties();
      const int n = in.ConsumeIntegralInRange(0, 3);
      for (int i = 0; i < n; ++i) {
        Subscription sub;
        sub.filter = b.text();
        sub.max_qos = b.qos();
        if (v5) {
          sub.no_local = b.flag();
          sub.retain_as_published = b.flag();
          sub.retain_handling = static_cast<RetainHandling>(in.ConsumeIntegralInRange(0, 3));
        }
        s.subscriptions.push_back(sub);
      }
      return s;
    }
    case 9:
    case 11: {
      const bool sub = in.ConsumeBool();
      std::vector<ReasonCode> codes(in.ConsumeIntegralInRange(0, 3));
      for (ReasonCode& c : codes) c = b.reason();
      if (sub) return Suback{b.number<std::uint16_t>(), v5 ? b.properties() : Properties{}, codes};
      return Unsuback{b.number<std::uint16_t>(), v5 ? b.properties() : Properties{},
                      v5 ? codes : std::vector<ReasonCode>{}};
    }
    case 10: {
      Unsubscribe u;
      u.packet_id = b.number<std::uint16_t>();
      if (v5) u.properties = b.properties();
      const int n = in.ConsumeIntegralInRange(0, 3);
      for (int i = 0; i < n; ++i) u.filters.push_back(b.text());
      return u;
    }
    case 12:
      return Pingreq{};
    case 13:
      return Pingresp{};
    case 14:
      return v5 ? Disconnect{b.reason(), b.properties()} : Disconnect{};
    default:
      return Auth{b.reason(), b.properties()};
  }
}

// What a 3.x peer decodes for a field the 3.x wire carries in reduced form.
PacketBody as_decoded(PacketBody packet, ProtocolVersion v) {
  if (v == ProtocolVersion::kV5) return packet;
  if (auto* c = std::get_if<Connack>(&packet)) c->reason = *from_v3_connack_code(*to_v3_connack_code(c->reason));
  if (auto* s = std::get_if<Suback>(&packet)) {
    for (ReasonCode& code : s->reason_codes) {
      if (is_failure(code)) code = ReasonCode::kUnspecifiedError;  // the one 3.1.1 failure code
    }
  }
  return packet;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const Role sender = in.ConsumeBool() ? Role::kClient : Role::kServer;
  const ProtocolVersion version = static_cast<ProtocolVersion>(in.ConsumeIntegralInRange(3, 5));
  Builder builder(in);
  const PacketBody packet = build(builder, in, version);
  Frame frame;
  if (!Encoder(sender, version).encode(packet, frame)) return 0;  // refused: nothing promised

  const std::vector<std::uint8_t> wire = frame.flatten();
  if (wire.size() != frame.size()) invariant_broken();
  Decoder decoder(sender == Role::kServer ? Role::kClient : Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  if (type_of(packet) != PacketType::kConnect) decoder.set_version(version);
  ByteView input(wire.data(), wire.size());
  Packet decoded;
  auto status = decoder.next(input, decoded);
  if (!status || !*status || !input.empty()) invariant_broken();  // encoded but refused
  if (!(decoded.body == as_decoded(packet, version))) invariant_broken();
  return 0;
}
