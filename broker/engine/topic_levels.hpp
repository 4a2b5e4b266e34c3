#pragma once
// Splitting topics and filters into levels, and the string-keyed map the
// trees use (lookups by string_view, no temporary strings).

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace roost::engine {

// Splits `s` at '/' into `out` (cleared first); "a//b" has an empty level.
inline void split_levels(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(start));
      return;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class Node>
using ChildMap = std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>>;

}  // namespace roost::engine
