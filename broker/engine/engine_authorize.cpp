// Engine: authorization of publishing, subscribing and delivery, by the
// grants an Authorizer gives each client (ACL files, TOML rules).

#include "engine/engine.hpp"
#include "protocol/topic.hpp"

namespace roost::engine {

void Engine::authorize(Session& session, std::optional<std::string> username, bool trusted) {
  if (!session.auth) {
    if (!authorizer_ && !username && !trusted) return;
    session.auth = std::make_unique<ClientAuth>();
  }
  session.auth->username = std::move(username);
  session.auth->trusted = trusted;
  session.auth->grants =
      authorizer_ && !trusted ? authorizer_->grants(session.username(), session.client_id()) : nullptr;
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
  // Clients never write $SYS (Mosquitto's rule), wills included, except
  // that bridges (the 3.x bridge flag) report their state under
  // $SYS/broker/connection/; the grants decide the rest.
  if (topic.starts_with("$SYS/") || topic == "$SYS") {
    if (!session.bridge || !topic.starts_with("$SYS/broker/connection/")) return false;
  }
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
    bool trusted = false;
    if (s.auth) {
      username = std::move(s.auth->username);
      trusted = s.auth->trusted;
    }
    authorize(s, std::move(username), trusted);
    for (auto& [filter, options] : s.subscriptions) {
      check_subscription(s, filter, options);
      subscriptions_.add(filter, &s, options);  // replaces the tree's copy
    }
  }
}

}  // namespace roost::engine
