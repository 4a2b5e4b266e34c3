#include "protocol/topic.hpp"

#include <cstdint>
#include <cstring>

namespace roost::protocol {

namespace {

// True when any byte of `word` is zero (the classic SWAR test).
constexpr bool has_zero_byte(std::uint64_t word) {
  return ((word - 0x0101010101010101ull) & ~word & 0x8080808080808080ull) != 0;
}

}  // namespace

bool has_wildcard(std::string_view s) noexcept {
  // Eight bytes at a time: this runs on every PUBLISH topic (find_first_of
  // would call memchr once per character).
  constexpr std::uint64_t kPlus = 0x2B2B2B2B2B2B2B2Bull;
  constexpr std::uint64_t kHash = 0x2323232323232323ull;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (has_zero_byte(word ^ kPlus) || has_zero_byte(word ^ kHash)) return true;
  }
  for (; i < s.size(); ++i) {
    if (s[i] == '+' || s[i] == '#') return true;
  }
  return false;
}

bool is_valid_topic_name(std::string_view topic) noexcept { return !topic.empty() && !has_wildcard(topic); }

bool is_valid_topic_filter(std::string_view filter) noexcept {
  if (filter.empty()) return false;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (c != '+' && c != '#') continue;
    const bool starts_level = i == 0 || filter[i - 1] == '/';
    const bool ends_level = i + 1 == filter.size() || filter[i + 1] == '/';
    if (!starts_level || !ends_level) return false;
    if (c == '#' && i + 1 != filter.size()) return false;
  }
  return true;
}

std::optional<SharedFilter> parse_shared_filter(std::string_view filter) noexcept {
  if (!is_shared_filter(filter)) return std::nullopt;
  const std::string_view rest = filter.substr(kSharePrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  SharedFilter out{rest.substr(0, slash), rest.substr(slash + 1)};
  if (has_wildcard(out.share_name)) return std::nullopt;
  if (!is_valid_topic_filter(out.filter)) return std::nullopt;
  return out;
}

}  // namespace roost::protocol
