// The client end of TLS: TlsContext from TlsClientSettings, and what a
// client session does besides a server's (SNI, the host name check, ALPN,
// the ClientHello).

// options.h first: it carries the configuration the library was built with.
#include <arpa/inet.h>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "transport/tls.hpp"
#include "transport/tls_detail.hpp"

namespace roost::transport {

namespace {

// Whether a client certificate and its key belong together: a handshake
// with them as a server's (wolfSSL_CTX_check_private_key passes any pair
// of ECC keys).
bool key_pair_works(const TlsClientSettings& s, std::string& why) {
  WOLFSSL_CTX* server = wolfSSL_CTX_new(wolfSSLv23_server_method());
  if (server == nullptr) return true;  // cannot test: the server will tell
  std::string password = s.keyfile_password;
  wolfSSL_CTX_set_default_passwd_cb(server, detail::password_callback);
  wolfSSL_CTX_set_default_passwd_cb_userdata(server, &password);
  const bool ok = wolfSSL_CTX_use_certificate_chain_file(server, s.certfile.c_str()) == WOLFSSL_SUCCESS &&
                  wolfSSL_CTX_use_PrivateKey_file(server, s.keyfile.c_str(), WOLFSSL_FILETYPE_PEM) == WOLFSSL_SUCCESS &&
                  detail::self_test(server, why);
  wolfSSL_CTX_free(server);
  return ok;
}

// The host name without the brackets of an IPv6 literal; `ip` is set when
// it is an IP address (no SNI for those [RFC 6066 3]; the certificate must
// list it as an IP address, not a DNS name), in the form wolfSSL compares
// the certificate's with: IPv6 as eight groups of four hex digits.
std::string bare_host(std::string_view name, std::string& ip) {
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  std::string host(name);
  std::uint8_t addr[16];
  if (inet_pton(AF_INET, host.c_str(), addr) == 1) {
    ip = host;
  } else if (inet_pton(AF_INET6, host.c_str(), addr) == 1) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < sizeof addr; ++i) {
      if (i != 0 && i % 2 == 0) ip += ':';
      ip += kHex[addr[i] >> 4];
      ip += kHex[addr[i] & 0xF];
    }
  }
  return host;
}

}  // namespace

namespace detail {

// What is wrong with the server's certificate chain, when `code` says
// it did not verify (nullptr otherwise). wolfSSL's own texts are cryptic
// ("ASN no signer error to confirm failure") and its verify-result strings
// mostly "unknown error number".
const char* certificate_problem(int code) {
  switch (code) {
    case ASN_NO_SIGNER_E:
      return "not signed by a trusted CA";
    case ASN_SELF_SIGNED_E:
      return "self-signed";
    case ASN_AFTER_DATE_E:
      return "expired";
    case ASN_BEFORE_DATE_E:
      return "not yet valid";
    case ASN_SIG_CONFIRM_E:
    case ASN_SIG_KEY_E:
      return "a bad signature";
    case ASN_PATHLEN_INV_E:
    case ASN_PATHLEN_SIZE_E:
      return "a chain longer than its CA allows";
    case NO_PEER_CERT:
      return "none sent";
    case VERIFY_CERT_ERROR:
      return "rejected";
    default:
      return nullptr;
  }
}

}  // namespace detail

TlsContext::TlsContext(const TlsClientSettings& s) : client_settings_(s), client_(true) {
  init_tls();
  const bool only12 = s.tls_version == "tlsv1.2";
  const bool only13 = s.tls_version == "tlsv1.3";
  if (!only12 && !only13 && !s.tls_version.empty()) {
    throw std::runtime_error("tls_version must be \"tlsv1.2\", \"tlsv1.3\" or empty (either), not \"" + s.tls_version +
                             "\"");
  }
  ctx_ = wolfSSL_CTX_new(only12   ? wolfTLSv1_2_client_method()
                         : only13 ? wolfTLSv1_3_client_method()
                                  : wolfSSLv23_client_method());
  if (ctx_ == nullptr) throw std::runtime_error("TLS: cannot create a context");
  auto fail = [this](const std::string& what) {
    wolfSSL_CTX_free(ctx_);
    ctx_ = nullptr;
    throw std::runtime_error(what);
  };
  if (!only12 && !only13 && wolfSSL_CTX_SetMinVersion(ctx_, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
    fail("TLS: cannot set the minimum version");
  }
  // As for the server, only the listed suites: no RC4, no NULL.
  const std::string ciphers12 = s.ciphers.empty() ? std::string(kDefaultCiphers12) : s.ciphers;
  const std::string ciphers = only12   ? ciphers12
                              : only13 ? std::string(kDefaultCiphers13)
                                       : std::string(kDefaultCiphers13) + ":" + ciphers12;
  if (wolfSSL_CTX_set_cipher_list(ctx_, ciphers.c_str()) != WOLFSSL_SUCCESS) {
    fail("ciphers: wolfSSL knows none of \"" + ciphers + "\"");
  }
  if (!client_settings_.keyfile_password.empty()) {
    wolfSSL_CTX_set_default_passwd_cb(ctx_, detail::password_callback);
    wolfSSL_CTX_set_default_passwd_cb_userdata(ctx_, &client_settings_.keyfile_password);
  }
  if (s.certfile.empty() != s.keyfile.empty()) {
    fail(s.certfile.empty() ? "keyfile " + s.keyfile + " needs certfile (the client certificate)"
                            : "certfile " + s.certfile + " needs keyfile (the certificate's private key)");
  }
  if (!s.certfile.empty()) {
    if (int rc = wolfSSL_CTX_use_certificate_chain_file(ctx_, s.certfile.c_str()); rc != WOLFSSL_SUCCESS) {
      fail("certfile " + s.certfile + ": cannot load the certificate (" + detail::describe(rc) + ")");
    }
    if (int rc = wolfSSL_CTX_use_PrivateKey_file(ctx_, s.keyfile.c_str(), WOLFSSL_FILETYPE_PEM);
        rc != WOLFSSL_SUCCESS) {
      fail("keyfile " + s.keyfile + ": cannot load the private key (" + detail::describe(rc) +
           (s.keyfile_password.empty() ? "; if it is encrypted, set keyfile_password)" : ")"));
    }
    std::string why;
    if (wolfSSL_CTX_check_private_key(ctx_) != WOLFSSL_SUCCESS || !key_pair_works(s, why)) {
      fail("keyfile " + s.keyfile + " does not belong to the certificate in " + s.certfile +
           (why.empty() ? "" : " (a test handshake failed: " + why + ")"));
    }
  }
  if (!s.cafile.empty() || !s.capath.empty()) {
    const int rc = wolfSSL_CTX_load_verify_locations(ctx_, s.cafile.empty() ? nullptr : s.cafile.c_str(),
                                                     s.capath.empty() ? nullptr : s.capath.c_str());
    if (rc != WOLFSSL_SUCCESS) {
      fail((s.cafile.empty() ? "capath " + s.capath : "cafile " + s.cafile) + ": cannot load the CA certificates (" +
           detail::describe(rc) + ")");
    }
  }
  if (s.use_os_certs && wolfSSL_CTX_load_system_CA_certs(ctx_) != WOLFSSL_SUCCESS) {
    fail("use_os_certs: cannot load the system's CA certificates");
  }
  if (s.verify && s.cafile.empty() && s.capath.empty() && !s.use_os_certs) {
    fail("a TLS client needs cafile, capath or use_os_certs to verify the server (or verify off to trust anyone)");
  }
  wolfSSL_CTX_set_verify(ctx_, s.verify ? WOLFSSL_VERIFY_PEER : WOLFSSL_VERIFY_NONE, nullptr);
  wolfSSL_CTX_SetIORecv(ctx_, &TlsSession::on_receive);
  wolfSSL_CTX_SetIOSend(ctx_, &TlsSession::on_send);
}

void TlsSession::set_up_client() {
  const TlsClientSettings& s = context_->client_settings();
  const auto give_up = [this](const std::string& why) {
    wolfSSL_free(ssl_);
    ssl_ = nullptr;
    throw std::runtime_error(why);
  };
  std::string ip;
  const std::string host = bare_host(server_name_, ip);
  if (!host.empty() && ip.empty() &&
      wolfSSL_UseSNI(ssl_, WOLFSSL_SNI_HOST_NAME, host.data(), static_cast<unsigned short>(host.size())) !=
          WOLFSSL_SUCCESS) {
    give_up("TLS: cannot send the server name " + host);
  }
  if (s.verify && !s.insecure) {
    if (host.empty()) give_up("TLS: the server's name is needed to check its certificate (or set insecure)");
    // wolfSSL checks the name while it verifies the chain: DNS names against
    // the DNS SANs (or CN), addresses against the IP SANs.
    const int rc = ip.empty() ? wolfSSL_check_domain_name(ssl_, host.c_str())
                              : wolfSSL_X509_VERIFY_PARAM_set1_ip_asc(wolfSSL_get0_param(ssl_), ip.c_str());
    if (rc != WOLFSSL_SUCCESS) give_up("TLS: cannot check the certificate for " + host);
  }
  if (!s.alpn.empty()) {
    std::string list;  // wolfSSL takes them comma-separated
    for (const std::string& p : s.alpn) list += (list.empty() ? "" : ",") + p;
    if (wolfSSL_UseALPN(ssl_, list.data(), static_cast<unsigned>(list.size()), WOLFSSL_ALPN_FAILED_ON_MISMATCH) !=
        WOLFSSL_SUCCESS) {
      give_up("TLS: cannot offer ALPN " + list);
    }
  }
}

bool TlsSession::start() {
  if (!is_client() || established_) return true;
  input_ = {};
  const int rc = wolfSSL_connect(ssl_);
  if (rc == WOLFSSL_SUCCESS) established_ = true;
  return rc == WOLFSSL_SUCCESS || fail(rc);
}

}  // namespace roost::transport
