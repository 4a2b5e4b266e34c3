// Allowed: the protocol layer, core and the standard library.
#include <vector>

#include "core/shared_bytes.hpp"
#include "protocol/packet.hpp"

int layer_probe_allowed() { return static_cast<int>(std::vector<int>{1}.size()); }
