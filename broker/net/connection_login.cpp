// Connection: checking a CONNECT's login before the engine sees it.
// Passwords are verified by the Authenticator off this thread; meanwhile
// the connection reads nothing more (what came after CONNECT is kept and
// replayed). A failed login is answered after the throttle's delay.

#include "net/connection.hpp"
#include "net/server.hpp"
#include "net/worker.hpp"

namespace roost::net {

using protocol::ReasonCode;

void Connection::login(protocol::Packet& packet, core::TimePoint now) {
  // The CONNECT waits here (with the bytes its views point into) until the login is through.
  login_ = std::make_unique<LoginState>();
  login_->pending = std::make_unique<LoginState::Pending>();
  login_->pending->connect = std::move(packet);
  const auto& c = std::get<protocol::Connect>(login_->pending->connect.body);
  const Endpoint& listener = listener_->settings;
  std::optional<std::string> username;
  if (c.username) username = std::string(*c.username);

  // A verified client certificate names the user; no password is asked for.
  if (listener.tls && (listener.tls->use_identity_as_username || listener.tls->use_subject_as_username)) {
    transport::TlsSession* tls = stack_ ? stack_->tls() : nullptr;
    std::optional<std::string> name;
    if (tls != nullptr) name = listener.tls->use_identity_as_username ? tls->peer_common_name() : tls->peer_subject();
    if (!name) return refuse_login(ReasonCode::kNotAuthorized, "no name in the client certificate", {});
    login_->certificate = true;
    return on_login(std::move(name), auth::LoginOutcome{auth::Verdict::kAllow, 0, false}, true);
  }
  if (listener.use_username_as_clientid && !username) {
    return refuse_login(ReasonCode::kNotAuthorized, "use_username_as_clientid needs a user name", {});
  }
  auth::Authenticator& authenticator = server().authenticator();
  if (!username || !authenticator.has_users()) {
    // Nothing to check a password against: an anonymous client (a user name
    // without users to check it is kept for the ACL, as Mosquitto does).
    if (!listener.allow_anonymous) {
      return refuse_login(
          ReasonCode::kNotAuthorized,
          username ? "no users are configured to check its password" : "anonymous clients are not allowed", {});
    }
    return on_login(std::move(username), auth::LoginOutcome{auth::Verdict::kAllow, 0, false}, true);
  }
  std::string password = c.password ? std::string(core::as_chars(*c.password)) : std::string();
  const core::Duration wait = authenticator.wait(address_, now);
  if (wait <= core::Duration::zero()) return check_password(std::move(*username), std::move(password));
  // This address failed recently: its next attempt waits out the penalty.
  login_->pending->timer.emplace(socket_.get_executor());
  login_->pending->timer->expires_after(wait);
  login_->pending->timer->async_wait([self = shared_from_this(), user = std::move(*username),
                                      password = std::move(password)](const std::error_code& ec) mutable {
    if (!ec && self->login_pending()) self->check_password(std::move(user), std::move(password));
  });
}

void Connection::check_password(std::string username, std::string password) {
  auto executor = socket_.get_executor();
  std::string user = username;
  server().authenticator().check(
      auth::LoginRequest{std::move(username), std::move(password)},
      [self = shared_from_this(), executor, user = std::move(user)](auth::LoginOutcome outcome) mutable {
        // Back to this connection's thread, whichever thread answered.
        asio::post(executor, [self = std::move(self), user = std::move(user), outcome]() mutable {
          self->on_login(std::move(user), outcome);
        });
      });
}

void Connection::on_login(std::optional<std::string> username, auth::LoginOutcome outcome, bool reading) {
  if (state_ != State::kAwaitingConnect || !login_pending()) return;  // closed meanwhile
  const core::TimePoint now = server().now();
  auth::Authenticator& authenticator = server().authenticator();
  if (outcome.verdict == auth::Verdict::kError) {
    return refuse_login(ReasonCode::kServerUnavailable, "the authentication backend did not answer", {});
  }
  if (outcome.verdict != auth::Verdict::kAllow) {
    return refuse_login(ReasonCode::kBadUserNameOrPassword, "bad user name or password",
                        authenticator.failed(address_, now));
  }
  if (username && outcome.credential != 0) {
    server().log().log(core::LogType::kDebug, core::str_cat("Password of user '", *username, "' from ", address_,
                                                            outcome.cached ? " verified (cached)" : " verified"));
    authenticator.succeeded(address_);
    login_->credential = outcome.credential;
  }
  protocol::Packet packet = std::move(login_->pending->connect);
  std::vector<std::uint8_t> rest = std::move(login_->pending->rest);
  login_->pending.reset();
  if (username) {
    // Kept to be checked again after a reload (a name no password vouched
    // for, with credential 0, too: users added later must not find it in).
    login_->username = *username;
  } else {
    login_.reset();  // anonymous: nothing to keep
  }
  connect_engine(std::move(packet), std::move(username), now);
  if (!rest.empty() && !consume(rest, now)) return;
  // Called from a read, the read goes on; after a wait, reading starts again here.
  if (!reading) after_reading();
}

void Connection::refuse_login(ReasonCode reason, std::string_view why, core::Duration delay) {
  const auto& c = std::get<protocol::Connect>(login_->pending->connect.body);
  server().log().log(
      core::LogType::kNotice,
      core::str_cat("Refused connection from ", address_, " as ", c.client_id, c.username ? " (user '" : "",
                    c.username ? *c.username : std::string_view{}, c.username ? "')" : "", ": ", why));
  auto answer = [this, reason] {
    protocol::Connack refusal;
    refusal.reason = reason;
    login_.reset();
    send(refusal);  // 3.x gets the matching return code (4 or 5)
    close_gracefully(false);
  };
  if (delay <= core::Duration::zero()) return answer();
  // The refusal waits: guessing costs the guesser time, and no one else's.
  login_->pending->timer.emplace(socket_.get_executor());
  login_->pending->timer->expires_after(delay);
  login_->pending->timer->async_wait([self = shared_from_this(), answer](const std::error_code& ec) {
    if (!ec && self->login_pending() && self->state_ == State::kAwaitingConnect) answer();
  });
}

void Connection::revalidate(const auth::Authenticator& authenticator, const std::vector<Endpoint>& listeners) {
  if (state_ != State::kConnected) return;
  const Endpoint* now = nullptr;
  for (const Endpoint& e : listeners) {
    if (e.same_socket(listener_->settings)) now = &e;
  }
  const bool anonymous_allowed = (now != nullptr ? now : &listener_->settings)->allow_anonymous;
  bool keep = anonymous_allowed;
  if (login_ && login_->certificate) {
    keep = true;
  } else if (login_ && login_->credential != 0) {
    keep = authenticator.still_valid(login_->username, login_->credential);
  } else if (login_) {
    // A name taken as given: fine only while there are no users to check it against.
    keep = anonymous_allowed && !authenticator.has_users();
  }
  if (keep) return;
  server().log().log(core::LogType::kNotice,
                     core::str_cat("Disconnecting ", address_, login_ ? " (user '" : " (anonymous",
                                   login_ ? login_->username : std::string(), login_ ? "')" : ")",
                                   ": its login no longer stands after the reload"));
  engine_lost(server().now());
  close_from_engine(ReasonCode::kNotAuthorized);
}

}  // namespace roost::net
