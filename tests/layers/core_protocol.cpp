// Must not compile: layers point down, core may not include protocol.
#include "protocol/packet.hpp"
