// Must not compile: broker/protocol may not use toml++.
#include <toml++/toml.h>
