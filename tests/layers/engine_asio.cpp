// Must not compile: broker/engine may not use Asio.
#include <asio.hpp>
