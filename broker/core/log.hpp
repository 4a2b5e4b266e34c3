#pragma once
// The logging facade: one line per event, filtered by type (Mosquitto's log
// types, so `log_type` settings carry over). Where lines go is the sink's
// business (net/app provide stdout, file, syslog, $SYS sinks).

#include <atomic>
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

// Where lines go, and which types are wanted (changeable while running, e.g.
// on a configuration reload; atomic because every thread reads it).
class LogSink {
 public:
  explicit LogSink(std::uint32_t types) noexcept : types_(types) {}
  virtual ~LogSink() = default;
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  // Called on the thread that logs; `line` has no trailing newline.
  virtual void write(LogType type, std::string_view line) = 0;

  bool wants(LogType type) const noexcept {
    return (types_.load(std::memory_order_relaxed) & static_cast<std::uint32_t>(type)) != 0;
  }
  void set_types(std::uint32_t types) noexcept { types_.store(types, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint32_t> types_;
};

// Filters by type and forwards to a sink. Cheap to copy: a pointer.
class Logger {
 public:
  Logger() = default;
  explicit Logger(LogSink* sink) noexcept : sink_(sink) {}

  bool enabled(LogType type) const noexcept { return sink_ != nullptr && sink_->wants(type); }
  void log(LogType type, std::string_view line) const {
    if (enabled(type)) sink_->write(type, line);
  }

 private:
  LogSink* sink_ = nullptr;
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
