#include "protocol/unsubscribe.hpp"

#include "protocol/packet_codec.hpp"

namespace roost::protocol {

void decode(Reader& in, const DecodeContext& context, Unsubscribe& out) {
  out.packet_id = in.u16();
  if (in.failed()) return;
  if (out.packet_id == 0) return in.fail(DecodeErrc::kPacketIdentifierZero);  // [MQTT-2.2.1-3]
  if (is_v5(context.version)) read_properties(in, context, PropertyContext::kUnsubscribe, out.properties);
  while (!in.failed() && !in.at_end()) {
    const std::string_view filter = in.utf8();
    if (in.failed()) return;
    if (const std::optional<DecodeErrc> e = check_filter(filter)) return in.fail(*e);
    out.filters.push_back(filter);
  }
  if (!in.failed() && out.filters.empty()) in.fail(DecodeErrc::kNoTopicFilters);  // [MQTT-3.10.3-2]
}

SizeResult body_size(const Unsubscribe& p, ProtocolVersion v) {
  if (p.packet_id == 0 || p.filters.empty()) return core::fail(EncodeErrc::kInvalidValue);
  std::size_t size = 2;
  if (is_v5(v)) {
    SizeResult props = property_block_size(p.properties, PropertyContext::kUnsubscribe);
    if (!props) return props;
    size += *props;
  }
  for (const std::string_view filter : p.filters) {
    if (auto problem = string_problem(filter)) return core::fail(*problem);
    if (check_filter(filter)) return core::fail(EncodeErrc::kInvalidTopic);
    size += string_field_size(filter.size());
  }
  return size;
}

void write_body(Writer& out, const Unsubscribe& p, ProtocolVersion v) {
  out.u16(p.packet_id);
  if (is_v5(v)) write_properties(out, p.properties, properties_size(p.properties));
  for (const std::string_view filter : p.filters) out.string(filter);
}

std::uint8_t header_flags(const Unsubscribe&) noexcept { return 0x2; }  // [MQTT-3.10.1-1]

}  // namespace roost::protocol
