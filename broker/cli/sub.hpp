#pragma once
// roost sub: subscribes and prints what arrives, flag for flag, byte for
// byte and exit code for exit code as mosquitto_sub 2.0.

namespace roost::cli {

// argv holds the arguments after "sub".
int sub_main(int argc, char** argv);

}  // namespace roost::cli
