#pragma once
// Topic Names and Topic Filters ([MQTT-4.7]) and shared subscriptions ([MQTT-4.8.2]).

#include <optional>
#include <string_view>

namespace roost::protocol {

// True when `s` contains '+' or '#'.
bool has_wildcard(std::string_view s) noexcept;

// A Topic Name a PUBLISH may carry: at least one character [MQTT-4.7.3-1]
// and no wildcard [MQTT-3.3.2-2]. UTF-8 is checked by the reader.
bool is_valid_topic_name(std::string_view topic) noexcept;

// A Topic Filter: at least one character; '#' alone in the last level
// [MQTT-4.7.1-2]; '+' alone in its level [MQTT-4.7.1-3].
bool is_valid_topic_filter(std::string_view filter) noexcept;

// Relations between filters and topics, with [MQTT-4.7.2-1]: a filter
// starting with a wildcard matches no topic starting with '$'. Arguments are
// valid names and filters (not checked again).
// True when `topic` matches `filter` ("a/#" matches "a").
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;
// True when some topic matches both filters.
bool filters_intersect(std::string_view a, std::string_view b) noexcept;
// True when every topic `inner` matches also matches `outer`.
bool filter_covers(std::string_view outer, std::string_view inner) noexcept;

inline constexpr std::string_view kSharePrefix = "$share/";

struct SharedFilter {
  std::string_view share_name;
  std::string_view filter;
};

// True when `filter` starts with "$share/".
constexpr bool is_shared_filter(std::string_view filter) noexcept { return filter.starts_with(kSharePrefix); }

// Splits "$share/{ShareName}/{filter}". Nothing when `filter` is not shared, or
// when the ShareName is empty or holds '+' or '#' [MQTT-4.8.2-1], or the part
// after it is missing or not a valid Topic Filter [MQTT-4.8.2-2].
std::optional<SharedFilter> parse_shared_filter(std::string_view filter) noexcept;

}  // namespace roost::protocol
