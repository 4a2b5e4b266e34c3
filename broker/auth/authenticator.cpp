#include "auth/authenticator.hpp"

#include "auth/crypto.hpp"

namespace roost::auth {

std::uint64_t fingerprint(std::string_view text) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

Authenticator::Authenticator()
    : secret_(random_bytes(32)), snapshot_(std::make_shared<Snapshot>()), hasher_([this] { run(); }) {}

Authenticator::~Authenticator() {
  {
    std::lock_guard lock(jobs_mutex_);
    stopping_ = true;
  }
  jobs_cv_.notify_all();
  hasher_.join();
}

void Authenticator::run() {
  while (true) {
    std::function<void(bool)> job;
    bool stopping = false;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      stopping = stopping_;
    }
    job(stopping);
  }
}

std::shared_ptr<const Authenticator::Snapshot> Authenticator::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void Authenticator::set_users(std::shared_ptr<const PasswordFile> users) {
  std::lock_guard lock(snapshot_mutex_);
  auto next = std::make_shared<Snapshot>(*snapshot_);
  next->users = std::move(users);
  snapshot_ = std::move(next);
  // Entries carry the credential they were verified against: a changed
  // entry no longer matches. Clearing is simpler and just as correct.
  std::lock_guard cache(cache_mutex_);
  cache_.clear();
}

void Authenticator::set_backends(std::vector<std::shared_ptr<AuthBackend>> backends) {
  std::lock_guard lock(snapshot_mutex_);
  auto next = std::make_shared<Snapshot>(*snapshot_);
  next->backends = std::move(backends);
  snapshot_ = std::move(next);
}

bool Authenticator::has_users() const {
  const auto snap = snapshot();
  return (snap->users && snap->users->size() != 0) || !snap->backends.empty();
}

std::string Authenticator::cache_key(const LoginRequest& request, std::uint64_t credential) const {
  // The password is never kept: a digest keyed with this process's secret.
  std::vector<std::uint8_t> input(secret_);
  input.insert(input.end(), request.password.begin(), request.password.end());
  const auto digest = sha512(input);
  std::string key = request.username;
  key += '\0';
  key.append(reinterpret_cast<const char*>(&credential), sizeof credential);
  key.append(digest.begin(), digest.end());
  return key;
}

void Authenticator::check(LoginRequest request, std::function<void(LoginOutcome)> done) {
  auto snap = snapshot();
  const PasswordEntry* entry = snap->users ? snap->users->find(request.username) : nullptr;
  if (entry == nullptr) return ask_backends(std::move(snap), 0, std::move(request), std::move(done));
  const std::uint64_t credential = fingerprint(entry->stored);
  std::string key = cache_key(request, credential);
  {
    std::lock_guard lock(cache_mutex_);
    if (cache_.contains(key)) return done(LoginOutcome{Verdict::kAllow, credential, true});
  }
  std::unique_lock lock(jobs_mutex_);
  if (jobs_.size() >= kMaxQueued || stopping_) {
    lock.unlock();
    return done(LoginOutcome{Verdict::kError, 0, false});
  }
  // The snapshot keeps the entry alive while the job waits.
  jobs_.emplace_back([this, snap = std::move(snap), entry, credential, key = std::move(key),
                      request = std::move(request), done = std::move(done)](bool stopping) mutable {
    if (stopping) return done(LoginOutcome{Verdict::kError, 0, false});
    const bool ok = entry->hash.verify(request.password);
    if (ok) {
      std::lock_guard cache(cache_mutex_);
      if (cache_.size() >= kMaxCached) cache_.clear();
      cache_.insert(std::move(key));
    }
    done(LoginOutcome{ok ? Verdict::kAllow : Verdict::kDeny, credential, false});
  });
  lock.unlock();
  jobs_cv_.notify_one();
}

void Authenticator::ask_backends(std::shared_ptr<const Snapshot> snap, std::size_t next, LoginRequest request,
                                 std::function<void(LoginOutcome)> done) {
  if (next >= snap->backends.size()) return done(LoginOutcome{Verdict::kDeny, 0, false});
  AuthBackend& backend = *snap->backends[next];
  const std::uint64_t credential = fingerprint(backend.name());
  const LoginRequest& asked = request;
  backend.check(asked, [this, snap, next, request, credential, done = std::move(done)](Verdict v) mutable {
    if (v == Verdict::kUnknown) return ask_backends(std::move(snap), next + 1, std::move(request), std::move(done));
    done(LoginOutcome{v, v == Verdict::kAllow ? credential : 0, false});
  });
}

bool Authenticator::still_valid(const std::string& username, std::uint64_t credential) const {
  const auto snap = snapshot();
  if (const PasswordEntry* entry = snap->users ? snap->users->find(username) : nullptr) {
    return fingerprint(entry->stored) == credential;
  }
  for (const auto& backend : snap->backends) {
    if (fingerprint(backend->name()) == credential) return true;
  }
  return false;
}

core::Duration Authenticator::wait(std::string_view address, core::TimePoint now) const {
  std::lock_guard lock(throttle_mutex_);
  return throttle_.wait(host_of(address), now);
}

core::Duration Authenticator::failed(std::string_view address, core::TimePoint now) {
  std::lock_guard lock(throttle_mutex_);
  return throttle_.failed(host_of(address), now);
}

void Authenticator::succeeded(std::string_view address) {
  std::lock_guard lock(throttle_mutex_);
  throttle_.succeeded(host_of(address));
}

}  // namespace roost::auth
