#include "addon/ha_auth.hpp"

#include <asio/post.hpp>

#include "auth/crypto.hpp"
#include "protocol/utf8.hpp"

namespace roost::addon {
namespace {

using core::LogType;
constexpr std::chrono::seconds kRememberAllowed{300};
constexpr std::chrono::seconds kJitter{30};
constexpr std::chrono::seconds kRememberDenied{10};

}  // namespace

HomeAssistantAuth::HomeAssistantAuth(std::shared_ptr<Supervisor> supervisor, core::Logger log)
    : supervisor_(std::move(supervisor)), log_(log), secret_(auth::random_bytes(32)) {}

void HomeAssistantAuth::stop() {
  stopping_.store(true);
  asio::post(supervisor_->io(), [self = shared_from_this()] {
    while (!self->waiting_.empty()) {
      Pending p = std::move(self->waiting_.front());
      self->waiting_.pop_front();
      p.done(auth::Verdict::kError);
    }
  });
}

std::string HomeAssistantAuth::key_of(const auth::LoginRequest& request) const {
  std::vector<std::uint8_t> data = secret_;
  data.insert(data.end(), request.username.begin(), request.username.end());
  data.push_back(0);
  data.insert(data.end(), request.password.begin(), request.password.end());
  const auto digest = auth::sha512(data);
  return {digest.begin(), digest.end()};
}

void HomeAssistantAuth::check(const auth::LoginRequest& request, std::function<void(auth::Verdict)> done) {
  if (stopping_.load()) return done(auth::Verdict::kError);
  // User names are checked UTF-8 by the decoder; passwords are binary in MQTT.
  if (protocol::check_utf8(request.password) != protocol::Utf8Status::kValid) return done(auth::Verdict::kDeny);
  Pending p{request, key_of(request), std::move(done)};
  asio::post(supervisor_->io(), [self = shared_from_this(), p = std::move(p)]() mutable { self->start(std::move(p)); });
}

void HomeAssistantAuth::start(Pending p) {
  const auto now = core::Clock::now();
  if (const auto it = remembered_.find(p.key); it != remembered_.end()) {
    if (it->second.until > now) return p.done(it->second.verdict);
    remembered_.erase(it);
  }
  if (stopping_.load()) return p.done(auth::Verdict::kError);
  if (in_flight_ >= kMaxInFlight) {
    if (waiting_.size() >= kMaxWaiting) {
      log_.log(LogType::kWarning, "Home Assistant login of \"" + p.request.username +
                                      "\" refused: too many logins are waiting for the Supervisor");
      return p.done(auth::Verdict::kError);
    }
    waiting_.push_back(std::move(p));
    return;
  }
  ++in_flight_;
  const auth::LoginRequest request = p.request;
  supervisor_->auth(request.username, request.password, kTimeout,
                    [self = shared_from_this(), p = std::move(p)](const SupervisorReply& reply) mutable {
                      self->answered(std::move(p), reply);
                    });
}

void HomeAssistantAuth::answered(Pending p, const SupervisorReply& reply) {
  --in_flight_;
  auth::Verdict verdict = auth::Verdict::kError;
  const auto now = core::Clock::now();
  if (reply.status == 200) {
    verdict = auth::Verdict::kAllow;
    // Jitter from the key's first byte: stable per pair, spread over the house.
    const auto jitter = kJitter * (static_cast<int>(static_cast<std::uint8_t>(p.key[0])) - 128) / 128;
    remembered_[p.key] = Remembered{verdict, now + kRememberAllowed + jitter};
  } else if (reply.status == 400 || reply.status == 401 || reply.status == 403 || reply.status == 404) {
    verdict = auth::Verdict::kDeny;
    remembered_[p.key] = Remembered{verdict, now + kRememberDenied};
    if (reply.status == 403) {
      log_.log(LogType::kError, "The Supervisor refuses Home Assistant logins (is auth_api set?): " + reply.error);
    }
  } else {
    log_.log(LogType::kWarning, "Home Assistant login of \"" + p.request.username +
                                    "\" could not be checked: " + (reply.error.empty() ? "no answer" : reply.error));
  }
  if (remembered_.size() > kMaxRemembered) {
    std::erase_if(remembered_, [now](const auto& entry) { return entry.second.until <= now; });
    if (remembered_.size() > kMaxRemembered) remembered_.clear();
  }
  p.done(verdict);
  while (in_flight_ < kMaxInFlight && !waiting_.empty()) {
    Pending next = std::move(waiting_.front());
    waiting_.pop_front();
    start(std::move(next));
  }
}

}  // namespace roost::addon
