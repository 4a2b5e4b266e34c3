#include "transport/tls.hpp"

// options.h first: it carries the configuration the library was built with.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "transport/tls_detail.hpp"

namespace roost::transport {

namespace {

constexpr std::size_t kRecord = std::size_t{16} * 1024;     // a TLS record's plaintext, at most
constexpr std::size_t kCompactAt = std::size_t{64} * 1024;  // output buffer housekeeping

// Buffers between the two ends of the self-test handshake.
struct Pipe {
  std::vector<std::uint8_t> bytes;
};

int pipe_receive(WOLFSSL*, char* buffer, int size, void* ctx) {
  auto& p = *static_cast<Pipe*>(ctx);
  if (p.bytes.empty()) return WOLFSSL_CBIO_ERR_WANT_READ;
  const std::size_t n = std::min(p.bytes.size(), static_cast<std::size_t>(size));
  std::memcpy(buffer, p.bytes.data(), n);
  p.bytes.erase(p.bytes.begin(), p.bytes.begin() + static_cast<std::ptrdiff_t>(n));
  return static_cast<int>(n);
}

int pipe_send(WOLFSSL*, char* buffer, int size, void* ctx) {
  auto& p = *static_cast<Pipe*>(ctx);
  p.bytes.insert(p.bytes.end(), buffer, buffer + size);
  return size;
}

}  // namespace

namespace detail {

std::string describe(int code) {
  // Loading functions answer plain WOLFSSL_FAILURE (0), whose text is "ok".
  if (code == WOLFSSL_FAILURE) return "missing, unreadable or not in PEM format";
  char buf[WOLFSSL_MAX_ERROR_SZ] = {};
  wolfSSL_ERR_error_string_n(static_cast<unsigned long>(code), buf, sizeof buf);
  return buf;
}

int password_callback(char* buffer, int size, int, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  if (password == nullptr || size <= 0) return 0;
  const int n = std::min(size - 1, static_cast<int>(password->size()));
  std::memcpy(buffer, password->data(), static_cast<std::size_t>(n));
  buffer[n] = '\0';
  return n;
}

// A handshake in memory between a server session of `server` and a client
// that checks nothing: it fails when the key does not belong to the
// certificate (wolfSSL's own check misses that for some key types).
bool self_test(WOLFSSL_CTX* server, std::string& error) {
  WOLFSSL_CTX* client_ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
  if (client_ctx == nullptr) return true;  // cannot test: the first real client will tell
  wolfSSL_CTX_set_verify(client_ctx, WOLFSSL_VERIFY_NONE, nullptr);
  wolfSSL_CTX_SetIORecv(client_ctx, pipe_receive);
  wolfSSL_CTX_SetIOSend(client_ctx, pipe_send);
  WOLFSSL* client = wolfSSL_new(client_ctx);
  WOLFSSL* srv = wolfSSL_new(server);
  Pipe to_server;
  Pipe to_client;
  bool ok = client != nullptr && srv != nullptr;
  if (ok) {
    wolfSSL_SSLSetIORecv(srv, pipe_receive);
    wolfSSL_SSLSetIOSend(srv, pipe_send);
    wolfSSL_set_verify(srv, WOLFSSL_VERIFY_NONE, nullptr);  // no client certificate for the test
    wolfSSL_SetIOReadCtx(client, &to_client);
    wolfSSL_SetIOWriteCtx(client, &to_server);
    wolfSSL_SetIOReadCtx(srv, &to_server);
    wolfSSL_SetIOWriteCtx(srv, &to_client);
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 10 && !(client_done && server_done); ++round) {
      client_done = client_done || wolfSSL_connect(client) == WOLFSSL_SUCCESS;
      server_done = server_done || wolfSSL_accept(srv) == WOLFSSL_SUCCESS;
    }
    ok = client_done && server_done;
    if (!ok) error = describe(wolfSSL_get_error(client, 0));
  }
  if (srv != nullptr) wolfSSL_free(srv);
  if (client != nullptr) wolfSSL_free(client);
  wolfSSL_CTX_free(client_ctx);
  return ok;
}

}  // namespace detail

void release_thread_tls() {
#if defined(FP_ECC)
  wc_ecc_fp_free();
#endif
}

void init_tls() {
  static std::once_flag once;
  std::call_once(once, [] { wolfSSL_Init(); });
}

TlsContext::TlsContext(const TlsSettings& s) : settings_(s) {
  init_tls();
  ctx_ = wolfSSL_CTX_new(wolfSSLv23_server_method());
  if (ctx_ == nullptr) throw std::runtime_error("TLS: cannot create a context");
  auto fail = [this](const std::string& what) {
    wolfSSL_CTX_free(ctx_);
    ctx_ = nullptr;
    throw std::runtime_error(what);
  };
  int min_version = WOLFSSL_TLSV1_2;
  if (s.tls_version == "tlsv1.3") {
    min_version = WOLFSSL_TLSV1_3;
  } else if (s.tls_version != "tlsv1.2") {
    fail("tls_version must be \"tlsv1.2\" or \"tlsv1.3\", not \"" + s.tls_version + "\"");
  }
  if (wolfSSL_CTX_SetMinVersion(ctx_, min_version) != WOLFSSL_SUCCESS) fail("TLS: cannot set the minimum version");
  // Only the listed suites are enabled: this is what keeps RC4 and NULL out.
  // TLS 1.3 suites first: wolfSSL picks in the server's order, and a client
  // offering both versions must not be answered with a TLS 1.2 suite in a
  // TLS 1.3 handshake (wolfSSL then fails it as a version error).
  const std::string ciphers = (s.ciphers_tls13.empty() ? std::string(kDefaultCiphers13) : s.ciphers_tls13) + ":" +
                              (s.ciphers.empty() ? std::string(kDefaultCiphers12) : s.ciphers);
  if (wolfSSL_CTX_set_cipher_list(ctx_, ciphers.c_str()) != WOLFSSL_SUCCESS) {
    fail("ciphers: wolfSSL knows none of \"" + ciphers + "\"");
  }
  if (!settings_.keyfile_password.empty()) {
    wolfSSL_CTX_set_default_passwd_cb(ctx_, detail::password_callback);
    wolfSSL_CTX_set_default_passwd_cb_userdata(ctx_, &settings_.keyfile_password);
  }
  if (s.certfile.empty() || s.keyfile.empty()) fail("a TLS listener needs certfile and keyfile");
  if (int rc = wolfSSL_CTX_use_certificate_chain_file(ctx_, s.certfile.c_str()); rc != WOLFSSL_SUCCESS) {
    fail("certfile " + s.certfile + ": cannot load the certificate (" + detail::describe(rc) + ")");
  }
  if (int rc = wolfSSL_CTX_use_PrivateKey_file(ctx_, s.keyfile.c_str(), WOLFSSL_FILETYPE_PEM); rc != WOLFSSL_SUCCESS) {
    fail("keyfile " + s.keyfile + ": cannot load the private key (" + detail::describe(rc) +
         (s.keyfile_password.empty() ? "; if it is encrypted, set keyfile_password)" : ")"));
  }
  std::string why;
  if (wolfSSL_CTX_check_private_key(ctx_) != WOLFSSL_SUCCESS || !detail::self_test(ctx_, why)) {
    fail("keyfile " + s.keyfile + " does not belong to the certificate in " + s.certfile +
         (why.empty() ? "" : " (a test handshake failed: " + why + ")"));
  }
  const bool verify = s.require_certificate || s.use_identity_as_username || s.use_subject_as_username;
  if (!s.cafile.empty() || !s.capath.empty()) {
    const int rc = wolfSSL_CTX_load_verify_locations(ctx_, s.cafile.empty() ? nullptr : s.cafile.c_str(),
                                                     s.capath.empty() ? nullptr : s.capath.c_str());
    if (rc != WOLFSSL_SUCCESS) fail("cafile/capath: cannot load the CA certificates (" + detail::describe(rc) + ")");
  } else if (verify) {
    fail("require_certificate needs cafile or capath (the CAs that sign client certificates)");
  }
  wolfSSL_CTX_set_verify(ctx_, verify ? WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT : WOLFSSL_VERIFY_NONE,
                         nullptr);
  wolfSSL_CTX_SetIORecv(ctx_, &TlsSession::on_receive);
  wolfSSL_CTX_SetIOSend(ctx_, &TlsSession::on_send);
}

TlsContext::~TlsContext() {
  if (ctx_ != nullptr) wolfSSL_CTX_free(ctx_);
}

void ByteQueue::append(core::ByteView bytes) {
  if (head_ != 0 && head_ == data_.size()) {
    data_.clear();
    head_ = 0;
  }
  data_.insert(data_.end(), bytes.begin(), bytes.end());
}

void ByteQueue::consume(std::size_t n) noexcept {
  head_ += std::min(n, size());
  if (head_ == data_.size()) {
    data_.clear();
    head_ = 0;
    if (data_.capacity() > kCompactAt) std::vector<std::uint8_t>().swap(data_);  // a burst is over
  } else if (head_ > kCompactAt && head_ * 2 > data_.size()) {
    data_.erase(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void ByteQueue::take(std::vector<std::uint8_t>& out) {
  out.clear();
  if (head_ == 0) {
    out.swap(data_);
  } else {
    out.assign(data_.begin() + static_cast<std::ptrdiff_t>(head_), data_.end());
    data_.clear();
  }
  head_ = 0;
}

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context, std::string server_name)
    : context_(std::move(context)), server_name_(std::move(server_name)) {
  ssl_ = wolfSSL_new(context_->get());
  if (ssl_ == nullptr) throw std::runtime_error("TLS: cannot create a session");
  wolfSSL_SetIOReadCtx(ssl_, this);
  wolfSSL_SetIOWriteCtx(ssl_, this);
  if (context_->is_client()) {
    set_up_client();
    return;
  }
  // ALPN "mqtt" when the client offers it; clients that offer none or
  // others still connect [MQTT 5.0 4.2 leaves ALPN optional].
  char alpn[] = "mqtt";
  wolfSSL_UseALPN(ssl_, alpn, sizeof alpn - 1, WOLFSSL_ALPN_CONTINUE_ON_MISMATCH);
}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) wolfSSL_free(ssl_);
}

int TlsSession::on_receive(WOLFSSL*, char* buffer, int size, void* self) {
  auto& s = *static_cast<TlsSession*>(self);
  if (s.input_.empty()) return WOLFSSL_CBIO_ERR_WANT_READ;
  const std::size_t n = std::min(s.input_.size(), static_cast<std::size_t>(size));
  std::memcpy(buffer, s.input_.data(), n);
  s.input_ = s.input_.subspan(n);
  return static_cast<int>(n);
}

int TlsSession::on_send(WOLFSSL*, char* buffer, int size, void* self) {
  auto& s = *static_cast<TlsSession*>(self);
  s.output_.append(core::ByteView(reinterpret_cast<const std::uint8_t*>(buffer), static_cast<std::size_t>(size)));
  return size;
}

bool TlsSession::fail(int rc) {
  const int code = wolfSSL_get_error(ssl_, rc);
  if (code == WOLFSSL_ERROR_WANT_READ || code == WOLFSSL_ERROR_WANT_WRITE) return true;
  if (code == WOLFSSL_ERROR_ZERO_RETURN) {
    closed_ = true;
    return false;
  }
  error_ = detail::describe(code);
  if (is_client() && !established_) {
    // wolfSSL's texts ("peer subject name mismatch") do not say whose.
    if (code == DOMAIN_NAME_MISMATCH || code == IPADDR_MISMATCH) {
      error_ = "the server's certificate is not for " + server_name_ + " (" + error_ + ")";
    } else if (const char* problem = detail::certificate_problem(code)) {
      error_ = std::string("the server's certificate failed verification: ") + problem + " (" + error_ + ")";
    }
  }
  return false;
}

bool TlsSession::read(core::ByteView cipher, std::vector<std::uint8_t>& plain) {
  input_ = cipher;
  while (!established_) {
    const std::size_t before = input_.size();
    const int rc = is_client() ? wolfSSL_connect(ssl_) : wolfSSL_accept(ssl_);
    if (rc == WOLFSSL_SUCCESS) {
      established_ = true;
      break;
    }
    if (!fail(rc)) return false;
    if (input_.empty()) return true;  // more handshake bytes to come
    if (input_.size() == before) {
      error_ = "TLS handshake made no progress";
      return false;
    }
  }
  std::uint8_t chunk[kRecord];
  while (true) {
    const int n = wolfSSL_read(ssl_, chunk, sizeof chunk);
    if (n > 0) {
      plain.insert(plain.end(), chunk, chunk + n);
      continue;
    }
    if (!fail(n)) return false;
    return true;  // wants more bytes: every byte given was taken
  }
}

bool TlsSession::write(core::ByteView plain) {
  while (!plain.empty()) {
    const int size = static_cast<int>(std::min(plain.size(), kRecord));
    const int n = wolfSSL_write(ssl_, plain.data(), size);
    if (n <= 0) {
      const int code = wolfSSL_get_error(ssl_, n);
      error_ = detail::describe(code);
      return false;
    }
    plain = plain.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

void TlsSession::shutdown() {
  if (established_ && !closed_) wolfSSL_shutdown(ssl_);
}

std::string TlsSession::version() const { return established_ ? wolfSSL_get_version(ssl_) : ""; }

std::string TlsSession::alpn() const {
  char* name = nullptr;
  unsigned short size = 0;
  if (wolfSSL_ALPN_GetProtocol(ssl_, &name, &size) != WOLFSSL_SUCCESS || name == nullptr) return {};
  return std::string(name, size);
}

std::optional<std::string> TlsSession::peer_common_name() const {
  WOLFSSL_X509* cert = wolfSSL_get_peer_certificate(ssl_);
  if (cert == nullptr) return std::nullopt;
  char cn[256] = {};
  const int n = wolfSSL_X509_NAME_get_text_by_NID(wolfSSL_X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  wolfSSL_X509_free(cert);
  if (n <= 0) return std::nullopt;
  return std::string(cn, static_cast<std::size_t>(n));
}

std::optional<std::string> TlsSession::peer_subject() const {
  WOLFSSL_X509* cert = wolfSSL_get_peer_certificate(ssl_);
  if (cert == nullptr) return std::nullopt;
  // RFC 2253, as Mosquitto writes it ("O=Example,CN=client"), so ACL files
  // written for Mosquitto's use_subject_as_username match.
  std::optional<std::string> out;
  if (WOLFSSL_BIO* bio = wolfSSL_BIO_new(wolfSSL_BIO_s_mem())) {
    if (wolfSSL_X509_NAME_print_ex(bio, wolfSSL_X509_get_subject_name(cert), 0, 1 /* XN_FLAG_RFC2253 */) ==
        WOLFSSL_SUCCESS) {
      char* data = nullptr;
      const long n = wolfSSL_BIO_get_mem_data(bio, &data);
      if (n > 0 && data != nullptr) {
        // wolfSSL separates the RDNs with ", ", OpenSSL (and so Mosquitto)
        // with ","; commas inside values are escaped ("\\,") and stay.
        const std::string_view printed(data, static_cast<std::size_t>(n));
        std::string name;
        for (std::size_t i = 0; i < printed.size(); ++i) {
          name += printed[i];
          if (printed[i] == ',' && (i == 0 || printed[i - 1] != '\\') && i + 1 < printed.size() &&
              printed[i + 1] == ' ') {
            ++i;
          }
        }
        out = std::move(name);
      }
    }
    wolfSSL_BIO_free(bio);
  }
  wolfSSL_X509_free(cert);
  return out;
}

}  // namespace roost::transport
