// Must not compile: layers point down, protocol may not include engine.
#include "engine/engine.hpp"
