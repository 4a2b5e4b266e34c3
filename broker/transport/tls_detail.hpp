#pragma once
// Internal to broker/transport: the helpers that the TLS server end
// (tls.cpp) and client end (tls_client.cpp) share.

#include <string>

struct WOLFSSL_CTX;

namespace roost::transport::detail {

// wolfSSL's text for an error code, or what a failed file load means.
std::string describe(int code);

// wolfSSL's password callback; `userdata` is the std::string password.
int password_callback(char* buffer, int size, int rwflag, void* userdata);

// Whether a handshake in memory with a server session of `server` succeeds
// (false, with wolfSSL's reason in `error`, when key and certificate differ).
bool self_test(WOLFSSL_CTX* server, std::string& error);

// What is wrong with the server's certificate chain, when `code` says
// it did not verify (nullptr otherwise).
const char* certificate_problem(int code);

}  // namespace roost::transport::detail
