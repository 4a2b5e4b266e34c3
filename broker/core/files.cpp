#include "core/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace roost::core {

bool read_text_file(const std::string& path, std::string& out, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  if (!ok) error = "cannot read " + path;
  return ok;
}

bool write_file_atomically(const std::string& requested, const std::string& text, std::optional<mode_t> mode,
                           std::string& error) {
  std::string path = requested;
  if (char* real = mode ? nullptr : ::realpath(requested.c_str(), nullptr)) {
    path = real;
    std::free(real);
  }
  struct stat old {};
  const bool exists = ::stat(path.c_str(), &old) == 0;
  std::string tmp = path + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    error = "cannot write next to " + path + ": " + std::strerror(errno);
    return false;
  }
  const mode_t wanted = mode ? *mode : exists ? (old.st_mode & 07777) : 0600;
  bool ok = ::fchmod(fd, wanted) == 0;
  if (!mode && exists && ::fchown(fd, old.st_uid, old.st_gid) != 0 && errno != EPERM) ok = false;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace roost::core
