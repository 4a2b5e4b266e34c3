#pragma once
// roost passwd: manages password files, flag for flag like mosquitto_passwd
// (plus -I from Mosquitto 2.1):
//   roost passwd [-H sha512-pbkdf2|sha512] [-I iterations] [-c | -D] FILE USER
//   roost passwd [-H ...] [-I iterations] [-c] -b FILE USER PASSWORD
//   roost passwd -U FILE
//   roost passwd [-H ...] [-I iterations] -p PASSWORD   (prints the hash, as go-auth's `pw -p`)
// Files are rewritten whole and atomically (a temporary file renamed over
// the old one); new files get mode 0600, existing ones keep their owner,
// group and mode; comments and the order of users are kept.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace roost::cli {

// The default PBKDF2 iterations of new hashes (`pw -p`'s default; `-I` changes it).
inline constexpr std::uint32_t kDefaultIterations = 100'000;

enum class PasswdOp : std::uint8_t {
  kSet,      // add the user, or replace its password
  kDelete,   // remove the user
  kUpgrade,  // hash every plain-text password
};

struct PasswdEdit {
  PasswdOp op = PasswdOp::kSet;
  std::string user;
  std::string password;
  bool sha512 = false;  // -H sha512: the old salted SHA-512 ($6$), for Mosquitto 1.x
  std::uint32_t iterations = kDefaultIterations;
  bool go_auth = false;  // -H pbkdf2: PBKDF2$sha512$..., as mosquitto-go-auth's `pw` (the official add-on)
};

// The password file `text` after `edit`, or why it cannot be done.
core::Result<std::string, std::string> edit_password_text(std::string_view text, const PasswdEdit& edit);

// The subcommand; `argv` starts after "passwd". Returns the exit code.
int passwd_main(int argc, char** argv);

}  // namespace roost::cli
