// Must not compile: broker/protocol may not use wolfSSL.
#include <wolfssl/ssl.h>
