#pragma once
// TlsSettings: a TLS listener's configuration (Mosquitto's listener keys).
// TlsClientSettings: an outgoing connection's (mosquitto_pub's --cafile...).

#include <string>
#include <vector>

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

struct TlsClientSettings {
  std::string cafile;             // PEM CAs that sign the server's certificate
  std::string capath;             // a folder of such CAs (hashed names, as c_rehash makes)
  bool use_os_certs = false;      // also trust the system's CAs (/etc/ssl/certs)
  std::string certfile;           // PEM client certificate followed by its chain ("": none)
  std::string keyfile;            // its private key
  std::string keyfile_password;   // for an encrypted key ("" : not encrypted)
  bool insecure = false;          // skip the check that the certificate names the host (the chain is still verified)
  bool verify = true;             // false: accept any certificate at all, CAs or not
  std::string tls_version;        // "": 1.2 or 1.3; "tlsv1.2" or "tlsv1.3": only that version
  std::string ciphers;            // TLS 1.2 cipher list ("": kDefaultCiphers12), TLS 1.3 suites always offered
  std::vector<std::string> alpn;  // protocols to offer, e.g. {"mqtt"} (empty: no ALPN extension)
};

}  // namespace roost::transport
