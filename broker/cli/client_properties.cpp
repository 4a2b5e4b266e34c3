// -D COMMAND IDENTIFIER VALUE: MQTT 5 properties on the tools' command line.

#include <cctype>
#include <charconv>

#include "cli/client_args.hpp"
#include "protocol/property_table.hpp"

namespace roost::cli {

using protocol::PropertyContext;

namespace {

std::optional<PropertyContext> property_command(std::string_view name) {
  if (name == "connect") return PropertyContext::kConnect;
  if (name == "publish") return PropertyContext::kPublish;
  if (name == "subscribe") return PropertyContext::kSubscribe;
  if (name == "unsubscribe") return PropertyContext::kUnsubscribe;
  if (name == "disconnect") return PropertyContext::kDisconnect;
  if (name == "will") return PropertyContext::kWill;
  return std::nullopt;
}

protocol::Properties* properties_for(ClientArgs& args, PropertyContext context) {
  switch (context) {
    case PropertyContext::kConnect:
      return &args.connect_properties;
    case PropertyContext::kPublish:
      return &args.publish_properties;
    case PropertyContext::kSubscribe:
      return &args.subscribe_properties;
    case PropertyContext::kUnsubscribe:
      return &args.unsubscribe_properties;
    case PropertyContext::kDisconnect:
      return &args.disconnect_properties;
    case PropertyContext::kWill:
      return &args.will_properties;
    default:
      return nullptr;
  }
}

// "Payload Format Indicator" -> "payload-format-indicator", as -D names them.
std::string flag_name(std::string_view spec_name) {
  std::string out;
  for (const char c : spec_name) out += c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

// -D COMMAND IDENTIFIER VALUE (user-property: NAME VALUE). `i` points at COMMAND.
std::string parse_property(int argc, char** argv, int& i, ClientArgs& args) {
  if (i + 2 >= argc) return "-D argument given but not enough values.";
  const std::string_view command = argv[i];
  const std::string_view identifier = argv[i + 1];
  const auto context = property_command(command);
  if (!context) return "Invalid command " + std::string(command) + " given in -D argument.";
  protocol::Properties& props = *properties_for(args, *context);
  const protocol::detail::PropertyEntry* entry = nullptr;
  for (const auto& e : protocol::detail::property_table()) {
    if (flag_name(e.info.name) == identifier) entry = &e;
  }
  if (entry == nullptr) return "Invalid property name " + std::string(identifier) + " given in -D argument.";
  if (!protocol::property_allowed(entry->info.id, *context)) {
    return std::string(identifier) + " property not allowed for " + std::string(command) + " in -D argument.";
  }
  const std::string_view value = argv[i + 2];
  if (entry->info.id == protocol::PropertyId::kUserProperty) {
    if (i + 3 >= argc) return "-D argument given but not enough values.";
    props.user_properties.push_back({args.keep(std::string(value)), args.keep(argv[i + 3])});
    i += 3;
    return {};
  }
  i += 2;
  std::string bad = "Invalid value " + std::string(value) + " for " + std::string(identifier) + ".";
  switch (entry->info.type) {
    case protocol::PropertyType::kByte: {
      std::uint8_t n = 0;
      if (!parse_number(value, n)) return bad;
      props.*(entry->byte) = n;
      return {};
    }
    case protocol::PropertyType::kTwoByteInteger: {
      std::uint16_t n = 0;
      if (!parse_number(value, n)) return bad;
      props.*(entry->two) = n;
      return {};
    }
    case protocol::PropertyType::kFourByteInteger:
    case protocol::PropertyType::kVariableByteInteger: {
      std::uint32_t n = 0;
      if (!parse_number(value, n)) return bad;
      if (entry->info.id == protocol::PropertyId::kSubscriptionIdentifier) {
        props.subscription_identifiers = {n};
      } else {
        props.*(entry->four) = n;
      }
      return {};
    }
    case protocol::PropertyType::kUtf8String:
      props.*(entry->text) = args.keep(std::string(value));
      return {};
    case protocol::PropertyType::kBinaryData: {
      const std::string_view kept = args.keep(std::string(value));
      props.*(entry->binary) = core::ByteView(reinterpret_cast<const std::uint8_t*>(kept.data()), kept.size());
      return {};
    }
    default:
      return bad;
  }
}

}  // namespace roost::cli
