// Engine: authorization of publishing, subscribing and delivery, by the
// grants an Authorizer gives each client (ACL files, TOML rules).

#include "engine/engine.hpp"
#include "protocol/topic.hpp"

namespace roost::engine {

void Engine::authorize(Session& session, std::optional<std::string> username) {
  if (!session.auth) {
    if (!authorizer_ && !username) return;
    session.auth = std::make_unique<ClientAuth>();
  }
  session.auth->username = std::move(username);
  session.auth->grants = authorizer_ ? authorizer_->grants(session.username(), session.client_id()) : nullptr;
  if (session.auth->empty()) session.auth.reset();
}

bool Engine::check_subscription(const Session& session, std::string_view filter, SubscriptionOptions& options) const {
  options.checked = false;
  const Grants* grants = session.grants();
  if (grants == nullptr) return true;
  const std::string_view plain =
      protocol::is_shared_filter(filter) ? protocol::parse_shared_filter(filter)->filter : filter;
  switch (grants->can_subscribe(plain)) {
    case SubscribeAccess::kGranted:
      return true;
    case SubscribeAccess::kChecked:
      options.checked = true;
      return true;
    case SubscribeAccess::kDenied:
      // Kept (a reload may allow it again), but nothing is delivered unchecked.
      options.checked = true;
      return false;
  }
  return false;
}

bool Engine::may_publish(const Session& session, std::string_view topic) const {
  // Clients never write $SYS (Mosquitto's rule), wills included; the grants decide the rest.
  if (topic.starts_with("$SYS/") || topic == "$SYS") return false;
  const Grants* grants = session.grants();
  return grants == nullptr || grants->can_publish(topic);
}

bool Engine::may_receive(const Session& session, std::string_view topic) const {
  const Grants* grants = session.grants();
  return grants == nullptr || grants->can_receive(topic);
}

void Engine::set_authorizer(std::shared_ptr<const Authorizer> authorizer) {
  authorizer_ = std::move(authorizer);
  for (auto& [id, session] : sessions_) {
    Session& s = *session;
    // A session restored from the store keeps its user; one never authorized has none.
    std::optional<std::string> username;
    if (s.auth) username = std::move(s.auth->username);
    authorize(s, std::move(username));
    for (auto& [filter, options] : s.subscriptions) {
      check_subscription(s, filter, options);
      subscriptions_.add(filter, &s, options);  // replaces the tree's copy
    }
  }
}

}  // namespace roost::engine
