#pragma once
// Acl: topic rules in Mosquitto's ACL file format, read as it is:
//   # comment
//   topic [read|write|readwrite|deny] <filter>     (before any `user` line:
//                                                  for anonymous clients)
//   user <name>                                    (the topic lines that
//                                                  follow are that user's)
//   pattern [read|write|readwrite|deny] <filter>   (everyone; %u is the user
//                                                  name, %c the client id)
// The TOML configuration can also give rules to "other users": logged-in
// clients the ACL names nowhere (the Home Assistant add-on gives its
// Supervisor-checked users full access this way).
// Without an access word a rule grants readwrite. `deny` wins over every
// grant, wherever it comes from (Mosquitto lets a user's grant win over a
// pattern's deny; Roost does not). The same rules can be written in the
// TOML configuration (see config). Implements engine::Authorizer: each
// client gets its rules resolved once, at CONNECT.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "engine/authorizer.hpp"

namespace roost::auth {

enum class Access : std::uint8_t { kDeny = 0, kRead = 1, kWrite = 2, kReadWrite = 3 };

struct AclRule {
  Access access = Access::kReadWrite;
  std::string filter;  // may hold %u and %c in a pattern
};

// Parses the part of a `topic` or `pattern` line after the keyword:
// "[access] <filter>". The filter must be a valid topic filter (after
// substitution, for patterns).
core::Result<AclRule, std::string> parse_acl_rule(std::string_view text, bool pattern);

class Acl : public engine::Authorizer {
 public:
  // Every problem names `source`:line.
  static core::Result<Acl, std::string> parse(std::string_view text, std::string_view source);
  static core::Result<Acl, std::string> load(const std::string& path);

  void add_anonymous(AclRule rule) { anonymous_.push_back(std::move(rule)); }
  void add_user(const std::string& user, AclRule rule) { users_[user].push_back(std::move(rule)); }
  void add_pattern(AclRule rule) { patterns_.push_back(std::move(rule)); }
  void add_other_user(AclRule rule) { other_users_.push_back(std::move(rule)); }
  // Appends `other`'s rules to these.
  void merge(const Acl& other);
  bool empty() const noexcept {
    return anonymous_.empty() && users_.empty() && patterns_.empty() && other_users_.empty();
  }

  // engine::Authorizer
  std::unique_ptr<const engine::Grants> grants(const std::string* username, std::string_view client_id) const override;

 private:
  std::vector<AclRule> anonymous_;
  std::unordered_map<std::string, std::vector<AclRule>> users_;
  std::vector<AclRule> patterns_;
  std::vector<AclRule> other_users_;  // for users with no rules of their own
};

// One client's resolved rules (its own, or the anonymous ones, plus the
// patterns with %u and %c filled in).
class AclGrants : public engine::Grants {
 public:
  void add(Access access, std::string filter);
  bool can_publish(std::string_view topic) const override;
  bool can_receive(std::string_view topic) const override;
  engine::SubscribeAccess can_subscribe(std::string_view filter) const override;

 private:
  bool allowed(std::string_view topic, Access wanted) const;
  std::vector<std::string> deny_;
  std::vector<std::string> read_;
  std::vector<std::string> write_;
};

}  // namespace roost::auth
