#include "protocol/topic.hpp"

#include <cstdint>
#include <cstring>

namespace roost::protocol {

namespace {

// True when any byte of `word` is zero (the classic SWAR test).
constexpr bool has_zero_byte(std::uint64_t word) {
  return ((word - 0x0101010101010101ull) & ~word & 0x8080808080808080ull) != 0;
}

// Walks the levels of a topic or filter without copying.
class Levels {
 public:
  explicit Levels(std::string_view s) noexcept : s_(s) {}
  bool next(std::string_view& level) noexcept {
    if (done_) return false;
    const std::size_t slash = s_.find('/', pos_);
    if (slash == std::string_view::npos) {
      level = s_.substr(pos_);
      done_ = true;
    } else {
      level = s_.substr(pos_, slash - pos_);
      pos_ = slash + 1;
    }
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  bool done_ = false;
};

bool starts_with_wildcard(std::string_view s) noexcept { return !s.empty() && (s[0] == '+' || s[0] == '#'); }

}  // namespace

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
  if (topic.starts_with('$') && starts_with_wildcard(filter)) return false;
  Levels f(filter);
  Levels t(topic);
  std::string_view fl;
  std::string_view tl;
  while (f.next(fl)) {
    if (fl == "#") return true;  // the rest, or nothing: "a/#" matches "a"
    if (!t.next(tl)) return false;
    if (fl != "+" && fl != tl) return false;
  }
  return !t.next(tl);
}

bool filters_intersect(std::string_view a, std::string_view b) noexcept {
  // A topic starting with '$' is matched by neither a leading wildcard nor a
  // filter without that literal first level.
  if ((a.starts_with('$') && starts_with_wildcard(b)) || (b.starts_with('$') && starts_with_wildcard(a))) return false;
  Levels la(a);
  Levels lb(b);
  std::string_view x;
  std::string_view y;
  while (true) {
    const bool more_a = la.next(x);
    const bool more_b = lb.next(y);
    if ((more_a && x == "#") || (more_b && y == "#")) return true;
    if (!more_a || !more_b) return more_a == more_b;
    if (x != "+" && y != "+" && x != y) return false;
  }
}

bool filter_covers(std::string_view outer, std::string_view inner) noexcept {
  if (starts_with_wildcard(outer) && inner.starts_with('$')) return false;
  Levels lo(outer);
  Levels li(inner);
  std::string_view x;
  std::string_view y;
  while (true) {
    const bool more_o = lo.next(x);
    const bool more_i = li.next(y);
    if (more_o && x == "#") return true;
    if (more_i && y == "#") return false;  // any depth, which only '#' covers
    if (!more_o || !more_i) return more_o == more_i;
    if (y == "+") {
      if (x != "+") return false;
    } else if (x != "+" && x != y) {
      return false;
    }
  }
}

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
