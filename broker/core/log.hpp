#pragma once
// The logging facade: one line per event, filtered by type (Mosquitto's log
// types, so `log_type` settings carry over). Where lines go is the sink's
// business (net/app provide stdout, file, syslog, $SYS sinks).

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace roost::core {

enum class LogType : std::uint32_t {
  kError = 1,
  kWarning = 2,
  kNotice = 4,
  kInformation = 8,
  kDebug = 16,
  kSubscribe = 32,
  kUnsubscribe = 64,
};

std::string_view to_string(LogType type) noexcept;

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Called on the thread that logs; `line` has no trailing newline.
  virtual void write(LogType type, std::string_view line) = 0;
};

// Filters by type and forwards to a sink. Cheap to copy; holds no state of
// its own, so each thread may use its own copy.
class Logger {
 public:
  Logger() = default;
  Logger(LogSink* sink, std::uint32_t types) noexcept : sink_(sink), types_(types) {}

  bool enabled(LogType type) const noexcept {
    return sink_ != nullptr && (types_ & static_cast<std::uint32_t>(type)) != 0;
  }
  void log(LogType type, std::string_view line) const {
    if (enabled(type)) sink_->write(type, line);
  }

 private:
  LogSink* sink_ = nullptr;
  std::uint32_t types_ = 0;
};

namespace detail {
inline void append(std::string& out, std::string_view s) { out += s; }
inline void append(std::string& out, const char* s) { out += s; }
inline void append(std::string& out, char c) { out += c; }
template <class T>
requires std::is_integral_v<T>
void append(std::string& out, T value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}
}  // namespace detail

// Concatenates strings and integers into one string (for log lines).
template <class... Parts>
std::string str_cat(const Parts&... parts) {
  std::string out;
  (detail::append(out, parts), ...);
  return out;
}

}  // namespace roost::core
