// Must not compile: broker/protocol may not use Asio.
#include <asio.hpp>
