#include "auth/acl.hpp"

#include <algorithm>

#include "auth/password_file.hpp"
#include "core/log.hpp"
#include "protocol/topic.hpp"

namespace roost::auth {

namespace {

std::string_view trim(std::string_view s) noexcept {
  const std::size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const std::size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// Splits off the first word of `s` (words separated by spaces or tabs).
std::string_view first_word(std::string_view s, std::string_view& rest) noexcept {
  const std::size_t end = s.find_first_of(" \t");
  rest = end == std::string_view::npos ? std::string_view{} : trim(s.substr(end));
  return s.substr(0, end);
}

// %u and %c replaced; nothing when a value the pattern needs is missing or
// holds a wildcard (a user named "+" must not read everyone's topics).
std::optional<std::string> substitute(std::string_view filter, const std::string* username,
                                      std::string_view client_id) {
  std::string out;
  out.reserve(filter.size() + 16);
  for (std::size_t i = 0; i < filter.size(); ++i) {
    if (filter[i] == '%' && i + 1 < filter.size() && (filter[i + 1] == 'u' || filter[i + 1] == 'c')) {
      std::string_view value;
      if (filter[i + 1] == 'u') {
        if (username == nullptr) return std::nullopt;
        value = *username;
      } else {
        value = client_id;
      }
      if (value.find_first_of("+#") != std::string_view::npos || value.empty()) return std::nullopt;
      out += value;
      ++i;
    } else {
      out += filter[i];
    }
  }
  return out;
}

}  // namespace

core::Result<AclRule, std::string> parse_acl_rule(std::string_view text, bool pattern) {
  text = trim(text);
  std::string_view rest;
  const std::string_view word = first_word(text, rest);
  AclRule rule;
  std::string_view filter = text;
  if (word == "read" || word == "write" || word == "readwrite" || word == "deny") {
    rule.access = word == "read"    ? Access::kRead
                  : word == "write" ? Access::kWrite
                  : word == "deny"  ? Access::kDeny
                                    : Access::kReadWrite;
    filter = rest;
  }
  if (filter.empty()) return core::fail(std::string("a rule needs a topic filter"));
  rule.filter = std::string(filter);
  // A pattern is checked with sample values in place of %u and %c.
  std::string check(filter);
  if (pattern) {
    const std::string user = "u";
    check = substitute(filter, &user, "c").value_or(check);
  }
  if (!protocol::is_valid_topic_filter(check)) {
    return core::fail(core::str_cat("\"", filter, "\" is not a valid topic filter"));
  }
  if (protocol::is_shared_filter(check)) {
    return core::fail(core::str_cat("\"", filter, "\": rules name the filter without $share/<group>/"));
  }
  return rule;
}

core::Result<Acl, std::string> Acl::parse(std::string_view text, std::string_view source) {
  Acl acl;
  std::string errors;
  std::optional<std::string> user;  // the section we are in (none: anonymous)
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    std::string_view rest;
    const std::string_view keyword = first_word(line, rest);
    const std::string where = core::str_cat(source, ":", number, ": ");
    if (keyword == "user") {
      if (rest.empty()) {
        errors += where + "`user` needs a user name\n";
        continue;
      }
      user = std::string(rest);
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") {
      errors += core::str_cat(where, "unknown line \"", keyword, "\" (topic, pattern, user or a # comment)\n");
      continue;
    }
    auto rule = parse_acl_rule(rest, keyword == "pattern");
    if (!rule) {
      errors += where + rule.error() + "\n";
      continue;
    }
    if (keyword == "pattern") {
      acl.add_pattern(std::move(*rule));
    } else if (user) {
      acl.add_user(*user, std::move(*rule));
    } else {
      acl.add_anonymous(std::move(*rule));
    }
  }
  if (!errors.empty()) {
    errors.pop_back();
    return core::fail(std::move(errors));
  }
  return acl;
}

core::Result<Acl, std::string> Acl::load(const std::string& path) { return load_file<Acl>(path); }

void Acl::merge(const Acl& other) {
  anonymous_.insert(anonymous_.end(), other.anonymous_.begin(), other.anonymous_.end());
  for (const auto& [user, rules] : other.users_) {
    auto& mine = users_[user];
    mine.insert(mine.end(), rules.begin(), rules.end());
  }
  patterns_.insert(patterns_.end(), other.patterns_.begin(), other.patterns_.end());
  other_users_.insert(other_users_.end(), other.other_users_.begin(), other.other_users_.end());
}

std::unique_ptr<const engine::Grants> Acl::grants(const std::string* username, std::string_view client_id) const {
  auto g = std::make_unique<AclGrants>();
  const std::vector<AclRule>* own = &anonymous_;
  if (username != nullptr) {
    const auto it = users_.find(*username);
    own = it == users_.end() ? &other_users_ : &it->second;
  }
  if (own != nullptr) {
    for (const AclRule& r : *own) g->add(r.access, r.filter);
  }
  for (const AclRule& r : patterns_) {
    if (auto filter = substitute(r.filter, username, client_id)) {
      // A client id with a '/' could widen a pattern only into valid filters; an invalid result is dropped.
      if (protocol::is_valid_topic_filter(*filter)) g->add(r.access, std::move(*filter));
    }
  }
  return g;
}

void AclGrants::add(Access access, std::string filter) {
  switch (access) {
    case Access::kDeny:
      deny_.push_back(std::move(filter));
      break;
    case Access::kRead:
      read_.push_back(std::move(filter));
      break;
    case Access::kWrite:
      write_.push_back(std::move(filter));
      break;
    case Access::kReadWrite:
      read_.push_back(filter);
      write_.push_back(std::move(filter));
      break;
  }
}

bool AclGrants::allowed(std::string_view topic, Access wanted) const {
  const auto matches = [topic](const std::string& f) { return protocol::topic_matches(f, topic); };
  if (std::any_of(deny_.begin(), deny_.end(), matches)) return false;
  const auto& grants = wanted == Access::kRead ? read_ : write_;
  return std::any_of(grants.begin(), grants.end(), matches);
}

bool AclGrants::can_publish(std::string_view topic) const { return allowed(topic, Access::kWrite); }

bool AclGrants::can_receive(std::string_view topic) const { return allowed(topic, Access::kRead); }

engine::SubscribeAccess AclGrants::can_subscribe(std::string_view filter) const {
  using engine::SubscribeAccess;
  // Refused when a deny covers it all, or no grant reaches any of its topics.
  for (const std::string& d : deny_) {
    if (protocol::filter_covers(d, filter)) return SubscribeAccess::kDenied;
  }
  bool reaches = false;
  bool covered = false;
  for (const std::string& r : read_) {
    if (protocol::filters_intersect(r, filter)) reaches = true;
    if (protocol::filter_covers(r, filter)) covered = true;
  }
  if (!reaches) return SubscribeAccess::kDenied;
  const bool denied_somewhere = std::any_of(
      deny_.begin(), deny_.end(), [filter](const std::string& d) { return protocol::filters_intersect(d, filter); });
  return covered && !denied_somewhere ? SubscribeAccess::kGranted : SubscribeAccess::kChecked;
}

}  // namespace roost::auth
