#pragma once
// Internal to broker/protocol: table 2-4 of MQTT 5.0 as data. Each entry says
// which packets may carry the property and which Properties field holds it,
// so reading, writing, sizing, checking and comparing are loops over one table.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/errors.hpp"
#include "protocol/properties.hpp"

namespace roost::protocol::detail {

struct PropertyEntry {
  PropertyInfo info;
  std::uint16_t contexts = 0;  // bit per PropertyContext
  // The field holding the value; the one matching info.type is set. User
  // Property and Subscription Identifier are vectors, handled by id.
  std::optional<std::uint8_t> Properties::*byte = nullptr;
  std::optional<std::uint16_t> Properties::*two = nullptr;
  std::optional<std::uint32_t> Properties::*four = nullptr;
  std::optional<std::string_view> Properties::*text = nullptr;
  std::optional<ByteView> Properties::*binary = nullptr;
};

// Every property, in identifier order.
std::span<const PropertyEntry> property_table() noexcept;

// The entry for identifier `id`, or null.
const PropertyEntry* find_entry(std::uint32_t id) noexcept;

constexpr std::uint16_t context_bit(PropertyContext c) noexcept {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c));
}

// The value rules of table 2-4 and the property sections, shared by reading
// and sending: every Byte property is 0 or 1; Receive Maximum, Maximum Packet
// Size and Subscription Identifier are not 0; Topic Alias 0 is its own error.
std::optional<DecodeErrc> check_number(PropertyId id, PropertyType type, std::uint32_t value) noexcept;

// A Response Topic is a Topic Name: not empty, no wildcards [MQTT-3.3.2-14].
std::optional<DecodeErrc> check_text(PropertyId id, std::string_view value) noexcept;

}  // namespace roost::protocol::detail
