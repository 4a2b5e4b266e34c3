#include "auth/password_hash.hpp"

#include <charconv>

#include "core/base64.hpp"
#include "core/log.hpp"

namespace roost::auth {

namespace {

// Splits `text` at every '$'.
std::vector<std::string_view> fields(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('$', start);
    out.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

bool parse_u32(std::string_view text, std::uint32_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

core::Result<PasswordHash, std::string> PasswordHash::parse(std::string_view text) {
  using core::fail;
  PasswordHash h;
  std::string_view salt;
  std::string_view hash;
  std::vector<std::string_view> f = fields(text);
  if (text.starts_with("$7$")) {
    if (f.size() != 5) return fail(std::string("a $7$ hash has the form $7$<iterations>$<salt>$<hash>"));
    h.format_ = Format::kMosquittoPbkdf2;
    if (!parse_u32(f[2], h.iterations_)) return fail(std::string("the iteration count is not a number"));
    salt = f[3];
    hash = f[4];
  } else if (text.starts_with("$6$")) {
    if (f.size() != 4) return fail(std::string("a $6$ hash has the form $6$<salt>$<hash>"));
    h.format_ = Format::kMosquittoSha512;
    h.iterations_ = 1;
    salt = f[2];
    hash = f[3];
  } else if (text.starts_with("PBKDF2$")) {
    if (f.size() != 5)
      return fail(std::string("a PBKDF2 hash has the form PBKDF2$<sha512|sha256>$<iterations>$<salt>$<hash>"));
    h.format_ = Format::kGoAuthPbkdf2;
    if (f[1] == "sha512") {
      h.digest_ = Digest::kSha512;
    } else if (f[1] == "sha256") {
      h.digest_ = Digest::kSha256;
    } else {
      return fail(core::str_cat("unknown digest \"", f[1], "\" (sha512 or sha256)"));
    }
    if (!parse_u32(f[2], h.iterations_)) return fail(std::string("the iteration count is not a number"));
    salt = f[3];
    hash = f[4];
  } else if (text.starts_with("pbkdf2-sha512$") || text.starts_with("$pbkdf2-sha512$")) {
    if (text.front() == '$') f.erase(f.begin());
    if (f.size() != 4)
      return fail(std::string("a PHC hash has the form pbkdf2-sha512$i=<iterations>,l=<length>$<salt>$<hash>"));
    h.format_ = Format::kPhcPbkdf2;
    std::uint32_t length = 0;
    std::string_view params = f[1];
    while (!params.empty()) {
      const std::size_t comma = params.find(',');
      const std::string_view p = params.substr(0, comma);
      params = comma == std::string_view::npos ? std::string_view{} : params.substr(comma + 1);
      if (p.starts_with("i=") && parse_u32(p.substr(2), h.iterations_)) continue;
      if (p.starts_with("l=") && parse_u32(p.substr(2), length)) continue;
      return fail(core::str_cat("unknown parameter \"", p, "\" (i=<iterations>,l=<length>)"));
    }
    salt = f[2];
    hash = f[3];
    auto decoded = core::base64_decode(hash);
    if (decoded && length != 0 && decoded->size() != length) {
      return fail(std::string("the hash is not as long as its l= parameter says"));
    }
  } else {
    return fail(std::string("not a known password hash ($7$, $6$, PBKDF2$ or pbkdf2-sha512$)"));
  }
  if (h.iterations_ == 0 || h.iterations_ > kMaxIterations) {
    return fail(core::str_cat("the iteration count must be between 1 and ", kMaxIterations));
  }
  auto s = core::base64_decode(salt);
  auto d = core::base64_decode(hash);
  if (!s || s->empty()) return fail(std::string("the salt is not base64"));
  if (!d || d->empty()) return fail(std::string("the hash is not base64"));
  if (h.format_ != Format::kGoAuthPbkdf2 && h.format_ != Format::kPhcPbkdf2 && d->size() != 64) {
    return fail(std::string("the hash is not 64 bytes long (SHA-512)"));
  }
  if (d->size() > 1024) return fail(std::string("the hash is too long"));
  h.salt_ = std::move(*s);
  h.hash_ = std::move(*d);
  return h;
}

PasswordHash PasswordHash::make_sha512(Format format, std::string_view password, std::uint32_t iterations,
                                       std::size_t salt_size) {
  PasswordHash h;
  h.format_ = format;
  h.digest_ = Digest::kSha512;
  h.iterations_ = iterations;
  h.salt_ = random_bytes(salt_size);
  h.hash_ = pbkdf2(Digest::kSha512, password, h.salt_, iterations, 64);
  return h;
}

PasswordHash PasswordHash::make(std::string_view password, std::uint32_t iterations) {
  return make_sha512(Format::kMosquittoPbkdf2, password, iterations, 12);
}

PasswordHash PasswordHash::make_go_auth(std::string_view password, std::uint32_t iterations) {
  return make_sha512(Format::kGoAuthPbkdf2, password, iterations, 16);
}

bool PasswordHash::verify(std::string_view password) const {
  std::vector<std::uint8_t> computed;
  if (format_ == Format::kMosquittoSha512) {
    std::vector<std::uint8_t> input(password.begin(), password.end());
    input.insert(input.end(), salt_.begin(), salt_.end());
    computed = sha512(input);
  } else {
    computed = pbkdf2(digest_, password, salt_, iterations_, hash_.size());
  }
  return !computed.empty() && constant_time_equal(computed, hash_);
}

std::string PasswordHash::to_string() const {
  switch (format_) {
    case Format::kMosquittoPbkdf2:
      return core::str_cat("$7$", iterations_, "$", core::base64_encode(salt_), "$", core::base64_encode(hash_));
    case Format::kMosquittoSha512:
      return core::str_cat("$6$", core::base64_encode(salt_), "$", core::base64_encode(hash_));
    case Format::kGoAuthPbkdf2:
      return core::str_cat("PBKDF2$", digest_ == Digest::kSha512 ? "sha512" : "sha256", "$", iterations_, "$",
                           core::base64_encode(salt_), "$", core::base64_encode(hash_));
    case Format::kPhcPbkdf2:
      return core::str_cat("pbkdf2-sha512$i=", iterations_, ",l=", hash_.size(), "$", core::base64_encode(salt_, false),
                           "$", core::base64_encode(hash_, false));
  }
  return {};
}

}  // namespace roost::auth
