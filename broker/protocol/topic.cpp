#include "protocol/topic.hpp"

namespace roost::protocol {

bool is_valid_topic_name(std::string_view topic) noexcept {
  return !topic.empty() && topic.find_first_of("+#") == std::string_view::npos;
}

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
  if (out.share_name.find_first_of("+#") != std::string_view::npos) return std::nullopt;
  if (!is_valid_topic_filter(out.filter)) return std::nullopt;
  return out;
}

}  // namespace roost::protocol
