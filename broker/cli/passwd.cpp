#include "cli/passwd.hpp"

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <vector>

#include "auth/crypto.hpp"
#include "auth/password_file.hpp"
#include "auth/password_hash.hpp"
#include "core/base64.hpp"
#include "core/files.hpp"
#include "core/log.hpp"

namespace roost::cli {

namespace {

constexpr std::string_view kUsage =
    "Usage: roost passwd [-H HASH] [-I iterations] [-c | -D] FILE USER\n"
    "       roost passwd [-H HASH] [-I iterations] [-c] -b FILE USER PASSWORD\n"
    "       roost passwd [-H HASH] [-I iterations] -p PASSWORD\n"
    "       roost passwd -U FILE\n"
    "\n"
    " -b : batch mode: the password is the last argument (it shows in the process list)\n"
    " -c : create a new password file, replacing any that exists\n"
    " -D : delete the user\n"
    " -H : the hash: sha512-pbkdf2 (default, $7$), sha512 ($6$, for Mosquitto 1.x) or\n"
    "      pbkdf2 (PBKDF2$sha512$..., mosquitto-go-auth's, as the official Home Assistant\n"
    "      add-on's password_pre_hashed logins take it)\n"
    " -p : print the hash of PASSWORD and write no file (as go-auth's pw -p)\n"
    " -I : PBKDF2 iterations (default 100000)\n"
    " -U : hash every plain-text password of a file (user:password lines)\n"
    "\n"
    "Files are compatible with mosquitto_passwd and Mosquitto's password_file.\n";

std::string make_hash(const PasswdEdit& edit, std::string_view password) {
  if (edit.go_auth) return auth::PasswordHash::make_go_auth(password, edit.iterations).to_string();
  if (!edit.sha512) return auth::PasswordHash::make(password, edit.iterations).to_string();
  // $6$: SHA-512(password || salt), 12-byte salt, as mosquitto_passwd -H sha512 writes.
  const std::vector<std::uint8_t> salt = auth::random_bytes(12);
  std::vector<std::uint8_t> input(password.begin(), password.end());
  input.insert(input.end(), salt.begin(), salt.end());
  return core::str_cat("$6$", core::base64_encode(salt), "$", core::base64_encode(auth::sha512(input)));
}

bool looks_hashed(std::string_view stored) { return auth::PasswordHash::parse(stored).has_value(); }

}  // namespace

core::Result<std::string, std::string> edit_password_text(std::string_view text, const PasswdEdit& edit) {
  if (edit.op != PasswdOp::kUpgrade) {
    if (edit.user.empty()) return core::fail(std::string("the user name is empty"));
    if (edit.user.find(':') != std::string::npos) return core::fail(std::string("a user name cannot contain ':'"));
    if (edit.user.find_first_of("\r\n") != std::string::npos) {
      return core::fail(std::string("a user name cannot contain a line break"));
    }
  }
  std::string out;
  bool found = false;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::string_view user;
    std::string_view stored;
    if (!auth::split_password_line(line, user, stored)) {
      out.append(line).push_back('\n');  // comments and blank lines stay
      continue;
    }
    if (edit.op == PasswdOp::kUpgrade) {
      if (looks_hashed(stored)) {
        out.append(line).push_back('\n');  // already hashed: hashing it again would lock the user out
      } else {
        out += core::str_cat(user, ":", make_hash(edit, stored), "\n");
      }
      continue;
    }
    if (user != edit.user) {
      out.append(line).push_back('\n');
      continue;
    }
    if (found) continue;  // a duplicate line of the same user goes
    found = true;
    if (edit.op == PasswdOp::kSet) out += core::str_cat(user, ":", make_hash(edit, edit.password), "\n");
  }
  if (edit.op == PasswdOp::kDelete && !found) return core::fail(core::str_cat("user ", edit.user, " not found"));
  if (edit.op == PasswdOp::kSet && !found) out += core::str_cat(edit.user, ":", make_hash(edit, edit.password), "\n");
  return out;
}

namespace {

// Reads a line from the terminal without echo; nothing when there is no terminal.
bool read_secret(const char* prompt, std::string& out) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  const int in = fd >= 0 ? fd : STDIN_FILENO;
  termios old{};
  const bool tty = ::tcgetattr(in, &old) == 0;
  // Echo off before the prompt shows: TCSAFLUSH drops what was typed
  // earlier, and nothing typed after the prompt may be lost.
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(in, TCSAFLUSH, &quiet);
  }
  if (fd >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(fd, prompt, std::strlen(prompt));
  } else {
    std::fputs(prompt, stderr);
  }
  out.clear();
  char c = 0;
  bool got = false;
  while (::read(in, &c, 1) == 1) {
    got = true;
    if (c == '\n') break;
    if (c != '\r') out.push_back(c);
  }
  if (tty) ::tcsetattr(in, TCSAFLUSH, &old);
  if (fd >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(fd, "\n", 1);
    ::close(fd);
  }
  return got;
}

int usage(const char* what) {
  if (what != nullptr) std::fprintf(stderr, "Error: %s\n\n", what);
  std::fwrite(kUsage.data(), 1, kUsage.size(), what != nullptr ? stderr : stdout);
  return what != nullptr ? 1 : 0;
}

}  // namespace

int passwd_main(int argc, char** argv) {
  PasswdEdit edit;
  bool create = false;
  bool batch = false;
  std::optional<std::string> print;  // -p PASSWORD
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") return usage(nullptr);
    if (a == "-c") {
      create = true;
    } else if (a == "-D") {
      edit.op = PasswdOp::kDelete;
    } else if (a == "-b") {
      batch = true;
    } else if (a == "-U") {
      edit.op = PasswdOp::kUpgrade;
    } else if (a == "-H") {
      if (++i >= argc) return usage("-H needs sha512-pbkdf2, sha512 or pbkdf2");
      const std::string_view h = argv[i];
      if (h != "sha512" && h != "sha512-pbkdf2" && h != "pbkdf2") {
        return usage("-H must be sha512-pbkdf2, sha512 or pbkdf2");
      }
      edit.sha512 = h == "sha512";
      edit.go_auth = h == "pbkdf2";
    } else if (a == "-p") {
      if (++i >= argc) return usage("-p needs a password");
      print = argv[i];
    } else if (a == "-I") {
      if (++i >= argc) return usage("-I needs a number of iterations");
      const std::string_view n = argv[i];
      const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), edit.iterations);
      if (ec != std::errc{} || end != n.data() + n.size() || edit.iterations == 0 ||
          edit.iterations > auth::PasswordHash::kMaxIterations) {
        return usage("-I needs a number of iterations from 1 to 10000000");
      }
    } else if (a.starts_with('-') && a.size() > 1) {
      return usage(core::str_cat("unknown option ", a).c_str());
    } else {
      args.emplace_back(a);
    }
  }
  if (print) {
    if (create || batch || edit.op != PasswdOp::kSet || !args.empty()) return usage("-p takes no file");
    std::printf("%s\n", make_hash(edit, *print).c_str());
    return 0;
  }
  if (create && edit.op != PasswdOp::kSet) return usage("-c cannot be combined with -D or -U");
  const std::size_t wanted = edit.op == PasswdOp::kUpgrade ? 1 : batch ? 3 : 2;
  if (edit.op == PasswdOp::kDelete && batch) return usage("-D takes no password");
  if (args.size() != wanted) return usage("wrong number of arguments");
  const std::string& path = args[0];
  if (edit.op != PasswdOp::kUpgrade) edit.user = args[1];
  if (edit.op == PasswdOp::kSet) {
    if (batch) {
      edit.password = args[2];
    } else {
      std::string again;
      if (!read_secret("Password: ", edit.password) || !read_secret("Reenter password: ", again)) {
        std::fprintf(stderr, "Error: no password given\n");
        return 1;
      }
      if (edit.password != again) {
        std::fprintf(stderr, "Error: Passwords do not match.\n");
        return 1;
      }
    }
  }
  std::string text;
  std::string error;
  if (!create && !core::read_text_file(path, text, error)) {
    std::fprintf(stderr, "Error: %s\n", error.c_str());
    return 1;
  }
  auto edited = edit_password_text(text, edit);
  if (!edited) {
    std::fprintf(stderr, "Error: %s\n", edited.error().c_str());
    return 1;
  }
  if (!core::write_file_atomically(path, *edited, std::nullopt, error)) {
    std::fprintf(stderr, "Error: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace roost::cli
