// Reading a property list ([MQTT-2.2.2]): identifiers, duplicates and values.

#include "protocol/properties.hpp"
#include "protocol/property_table.hpp"
#include "protocol/wire.hpp"

namespace roost::protocol {

namespace {

using detail::PropertyEntry;

// Fails `r` with `problem`, if there is one.
void check(Reader& r, std::optional<DecodeErrc> problem) {
  if (!r.failed() && problem) r.fail(*problem);
}

// Reads the value of one property into its field of `out`.
void read_value(Reader& r, const PropertyEntry& e, PropertyContext context, Role sender,
                std::size_t maximum_user_properties, Properties& out) {
  const PropertyId id = e.info.id;
  switch (e.info.type) {
    case PropertyType::kByte:
      out.*e.byte = r.u8();
      check(r, detail::check_number(id, e.info.type, *(out.*e.byte)));
      break;
    case PropertyType::kTwoByteInteger:
      out.*e.two = r.u16();
      check(r, detail::check_number(id, e.info.type, *(out.*e.two)));
      break;
    case PropertyType::kFourByteInteger:
      out.*e.four = r.u32();
      check(r, detail::check_number(id, e.info.type, *(out.*e.four)));
      break;
    case PropertyType::kUtf8String:
      out.*e.text = r.utf8();
      check(r, detail::check_text(id, *(out.*e.text)));
      break;
    case PropertyType::kBinaryData:
      out.*e.binary = r.binary();
      break;
    case PropertyType::kVariableByteInteger: {
      // Subscription Identifier: never from a client in PUBLISH [MQTT-3.3.4-6].
      if (context == PropertyContext::kPublish && sender == Role::kClient) {
        return r.fail(DecodeErrc::kSubscriptionIdentifierFromClient);
      }
      const std::uint32_t value = r.variable_int();
      check(r, detail::check_number(id, e.info.type, value));
      out.subscription_identifiers.push_back(value);
      break;
    }
    case PropertyType::kUtf8StringPair: {
      if (out.user_properties.size() >= maximum_user_properties) {
        return r.fail(DecodeErrc::kTooManyUserProperties);
      }
      const std::string_view name = r.utf8();
      const std::string_view value = r.utf8();
      if (!r.failed()) out.user_properties.push_back({name, value});
      break;
    }
  }
}

bool repeatable(PropertyId id, PropertyContext context) {
  return id == PropertyId::kUserProperty ||
         (id == PropertyId::kSubscriptionIdentifier && context == PropertyContext::kPublish);
}

}  // namespace

void read_properties(Reader& in, PropertyContext context, Role sender, std::size_t maximum_user_properties,
                     Properties& out) {
  const std::uint32_t length = in.variable_int();
  if (in.failed()) return;
  if (length > in.remaining()) return in.fail(DecodeErrc::kPropertyLengthOverflow);
  Reader r(in.bytes(length));
  std::uint64_t seen = 0;  // bit per property identifier (all are below 64)
  while (!r.at_end() && !r.failed()) {
    // The identifier is a Variable Byte Integer, in practice one byte [MQTT-2.2.2.2].
    const std::uint32_t id = r.variable_int();
    if (r.failed()) break;
    const PropertyEntry* e = detail::find_entry(id);
    if (e == nullptr) {
      r.fail(DecodeErrc::kUnknownProperty);
    } else if ((e->contexts & detail::context_bit(context)) == 0) {
      r.fail(DecodeErrc::kPropertyNotAllowed);
    } else if ((seen & (std::uint64_t{1} << id)) != 0 && !repeatable(e->info.id, context)) {
      r.fail(DecodeErrc::kDuplicateProperty);
    } else {
      seen |= std::uint64_t{1} << id;
      read_value(r, *e, context, sender, maximum_user_properties, out);
    }
  }
  if (r.failed()) return in.fail(r.error());
  // "It is a Protocol Error to include Authentication Data if there is no
  // Authentication Method" (5.0 section 3.1.2.11.10; likewise in CONNACK and AUTH).
  if (out.authentication_data && !out.authentication_method) in.fail(DecodeErrc::kAuthenticationDataWithoutMethod);
}

}  // namespace roost::protocol
