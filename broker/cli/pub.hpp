#pragma once
// roost pub: publishes one message (or one per line of stdin) and exits,
// flag for flag and exit code for exit code as mosquitto_pub 2.0.

namespace roost::cli {

// argv holds the arguments after "pub".
int pub_main(int argc, char** argv);

}  // namespace roost::cli
