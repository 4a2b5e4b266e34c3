#pragma once
// TlsSettings: a TLS listener's configuration (Mosquitto's listener keys).

#include <string>

namespace roost::transport {

struct TlsSettings {
  std::string certfile;                   // PEM, the server certificate followed by its chain
  std::string keyfile;                    // PEM private key
  std::string keyfile_password;           // for an encrypted key ("" : not encrypted)
  std::string cafile;                     // CAs that sign client certificates
  std::string capath;                     // a folder of such CAs (hashed names, as c_rehash makes)
  bool require_certificate = false;       // clients must present a certificate the CAs signed
  bool use_identity_as_username = false;  // the certificate's CN is the user name (no password)
  bool use_subject_as_username = false;   // the certificate's whole subject is the user name
  std::string tls_version = "tlsv1.2";    // the oldest accepted: "tlsv1.2" or "tlsv1.3"
  std::string ciphers;                    // TLS 1.2 cipher list ("": Roost's secure default)
  std::string ciphers_tls13;              // TLS 1.3 suites ("": all of wolfSSL's)
};

}  // namespace roost::transport
