#include "cli/sub_format.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "cli/sub_json.hpp"

namespace roost::cli {
namespace {

using detail::append_json;
using detail::c_string;
using detail::is_digit;

// mosquitto parses widths into an int without a bound; wider fields than
// this are refused output space rather than risk gigabytes of padding.
constexpr int kMaxWidth = 1 << 20;

// One %-conversion's modifiers: [-][0][width][.precision].
struct Spec {
  bool left = false;
  char pad = ' ';
  int width = 0;
  int precision = -1;  // none
};

void append_repeated(std::string& out, char c, long long count) {
  if (count > 0) out.append(static_cast<std::size_t>(count), c);
}

// printf("%d"), "%-*d", "%0*d" or "%*d", as mosquitto picks them.
void append_int(std::string& out, long long value, const Spec& spec) {
  const std::string digits = std::to_string(value < 0 ? -value : value);
  const std::size_t sign = value < 0 ? 1 : 0;
  const long long fill = static_cast<long long>(spec.width) - static_cast<long long>(digits.size() + sign);
  if (!spec.left && spec.pad != '0') append_repeated(out, ' ', fill);
  if (value < 0) out += '-';
  if (!spec.left && spec.pad == '0') append_repeated(out, '0', fill);
  out += digits;
  if (spec.left) append_repeated(out, ' ', fill);
}

// printf("%*.*s") with mosquitto's flags; the 0 flag never applies to strings.
void append_str(std::string& out, std::string_view value, const Spec& spec) {
  value = c_string(value);
  if (spec.precision >= 0) value = value.substr(0, static_cast<std::size_t>(spec.precision));
  const long long fill = static_cast<long long>(spec.width) - static_cast<long long>(value.size());
  if (!spec.left) append_repeated(out, ' ', fill);
  out += value;
  if (spec.left) append_repeated(out, ' ', fill);
}

enum class Encoding : std::uint8_t { kRaw, kLowerHex, kUpperHex };

// mosquitto's write_payload(), bugs kept: a width also truncates the payload,
// a hex field shows only width/2 bytes rounded down of what fits, and "%-p"
// without a width pads with as many blanks as the payload has bytes (printf
// reads the negative pad length as a left-aligned width).
void append_payload(std::string& out, std::string_view payload, Encoding encoding, const Spec& spec) {
  long long length = static_cast<long long>(payload.size());
  long long pad_length = 0;
  if (spec.width > 0) {
    length = std::min<long long>(length, spec.width);
    if (encoding != Encoding::kRaw) length /= 2;
    pad_length = spec.width - (encoding != Encoding::kRaw ? length * 2 : length);
  } else {
    pad_length = spec.width - length;
  }
  if (!spec.left) append_repeated(out, spec.pad, pad_length);
  const char* digits = encoding == Encoding::kUpperHex ? "0123456789ABCDEF" : "0123456789abcdef";
  for (std::size_t i = 0; i < static_cast<std::size_t>(length); ++i) {
    const auto byte = static_cast<unsigned char>(payload[i]);
    if (encoding == Encoding::kRaw) {
      out += static_cast<char>(byte);
    } else {
      out += digits[byte >> 4];
      out += digits[byte & 0x0f];
    }
  }
  if (spec.left) append_repeated(out, ' ', pad_length < 0 ? -pad_length : pad_length);
}

// strftime into mosquitto's 100-byte buffer; empty when strftime returns 0.
// The format is not a literal because "@X" hands any character to strftime,
// as mosquitto does: glibc copies what it does not know ("@Q" prints "%Q").
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
std::string format_time(const char* format, const std::tm& tm) {
  char buf[100];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return {buf, n};
}
#pragma GCC diagnostic pop

// ---- -F ---------------------------------------------------------------------

// mosquitto_sub's formatted_print() for one message.
class Formatter {
 public:
  Formatter(const OutputOptions& options, const ReceivedMessage& m, Arrival now, std::string& out, std::string& err)
      : options_(options), m_(m), now_(now), out_(out), err_(err) {
    // mosquitto prints tv_nsec; keep anything else within what it could see.
    now_.nanoseconds = std::clamp(now_.nanoseconds, 0L, 999'999'999L);
  }

  void run(std::string_view format) {
    format = c_string(format);
    const std::size_t len = format.size();
    for (std::size_t i = 0; i < len; ++i) {
      const char c = format[i];
      if (c == '%') {
        if (i == len - 1) continue;
        // The same walk as mosquitto's, which never lets i pass the last byte.
        Spec spec;
        ++i;
        if (format[i] == '-') {
          spec.left = true;
          if (i < len - 1) ++i;
        }
        if (format[i] == '0') {
          spec.pad = '0';
          if (i < len - 1) ++i;
        }
        while (i < len - 1 && is_digit(format[i])) spec.width = grow(spec.width, format[i++]);
        if (format[i] == '.' && i < len - 1) {
          ++i;
          spec.precision = 0;
          while (i < len - 1 && is_digit(format[i])) spec.precision = grow(spec.precision, format[i++]);
        }
        field(format[i], spec);
      } else if (c == '@') {
        if (i == len - 1) continue;
        const char what = format[++i];
        if (what == '@') {
          out_ += '@';
          continue;
        }
        const std::tm* tm = time();
        if (tm == nullptr) {
          report("Error obtaining system time.\n");
          return;  // mosquitto gives up on the message, newline included
        }
        if (what == 'N') {
          append_nanoseconds();
        } else {
          const char strftime_format[] = {'%', what, '\0'};
          out_ += format_time(strftime_format, *tm);
        }
      } else if (c == '\\') {
        if (i == len - 1) continue;
        constexpr std::string_view kFrom = "\\0aenrtv";
        constexpr std::string_view kTo{"\\\0\a\033\n\r\t\v", 8};
        const std::size_t k = kFrom.find(format[++i]);
        if (k != std::string_view::npos) out_ += kTo[k];
      } else {
        out_ += c;
      }
    }
    if (options_.eol) out_ += '\n';
  }

 private:
  static int grow(int value, char digit) { return std::min(value * 10 + (digit - '0'), kMaxWidth); }

  void report(std::string_view line) {
    if (!options_.quiet) err_ += line;
  }

  // localtime_r of the arrival, or nothing after reporting the failure.
  const std::tm* time() {
    if (!tm_) {
      const auto seconds = static_cast<std::time_t>(now_.seconds);
      std::tm tm{};
      if (localtime_r(&seconds, &tm) == nullptr) {
        report("Error obtaining system time.\n");
        return nullptr;
      }
      tm_ = tm;
    }
    return &*tm_;
  }

  void append_nanoseconds() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%09ld", now_.nanoseconds);
    out_ += buf;
  }

  void field(char conversion, const Spec& spec) {
    const ReceivedMessage& m = m_;
    switch (conversion) {
      case '%':
        out_ += '%';
        break;
      case 'A':
        blank_or_int(m.topic_alias, spec);
        break;
      case 'C':
        blank_or_str(m.content_type, spec);
        break;
      case 'D':
        if (m.correlation_data) out_ += *m.correlation_data;
        break;
      case 'E':
        // printed as an int: intervals from 2^31 up come out negative
        blank_or_int(m.message_expiry_interval
                         ? std::optional<std::int32_t>(static_cast<std::int32_t>(*m.message_expiry_interval))
                         : std::nullopt,
                     spec);
        break;
      case 'F':
        blank_or_int(m.payload_format_indicator, spec);
        break;
      case 'I': {
        const std::tm* tm = time();
        if (tm == nullptr) return report("Error obtaining system time.\n");
        const std::string text = format_time("%FT%T%z", *tm);
        blank_or_str(text.empty() ? std::nullopt : std::optional<std::string_view>(text), spec);
        break;
      }
      case 'j':
      case 'J': {
        const std::tm* tm = time();
        if (tm == nullptr) return report("Error obtaining system time.\n");
        if (!append_json(options_, m, *tm, now_.nanoseconds, conversion == 'j', out_)) {
          report("Error: Message payload is not valid JSON on topic " + std::string(c_string(m.topic)) + ".\n");
        }
        break;
      }
      case 'l':
        append_int(out_, static_cast<long long>(m.payload.size()), spec);
        break;
      case 'm':
        append_int(out_, m.packet_id, spec);
        break;
      case 'P':
        for (std::size_t i = 0; i < m.user_properties.size(); ++i) {
          if (i > 0) out_ += ' ';
          out_ += c_string(m.user_properties[i].first);
          out_ += ':';
          out_ += c_string(m.user_properties[i].second);
        }
        break;
      case 'p':
        append_payload(out_, m.payload, Encoding::kRaw, spec);
        break;
      case 'q':
        out_ += static_cast<char>('0' + m.qos);
        break;
      case 'R':
        if (m.response_topic) append_str(out_, *m.response_topic, spec);  // no blank when absent
        break;
      case 'r':
        out_ += m.retain ? '1' : '0';
        break;
      case 'S':
        blank_or_int(m.subscription_identifiers.empty() ? std::nullopt
                                                        : std::optional<std::uint32_t>(m.subscription_identifiers[0]),
                     spec);
        break;
      case 't':
        append_str(out_, m.topic, spec);
        break;
      case 'U': {
        const std::tm* tm = time();
        if (tm == nullptr) return report("Error obtaining system time.\n");
        const std::string seconds = format_time("%s", *tm);
        if (seconds.empty()) break;
        out_ += seconds;
        out_ += '.';
        append_nanoseconds();
        break;
      }
      case 'x':
        append_payload(out_, m.payload, Encoding::kLowerHex, spec);
        break;
      case 'X':
        append_payload(out_, m.payload, Encoding::kUpperHex, spec);
        break;
      default:
        break;  // check_format refuses the rest; mosquitto prints nothing
    }
  }

  // An absent number leaves width padding (zeros with the 0 flag).
  template <typename T>
  void blank_or_int(const std::optional<T>& value, const Spec& spec) {
    if (value) {
      append_int(out_, static_cast<long long>(*value), spec);
    } else {
      append_repeated(out_, spec.pad, spec.width);
    }
  }

  void blank_or_str(const std::optional<std::string_view>& value, const Spec& spec) {
    if (value) {
      append_str(out_, *value, spec);
    } else {
      append_repeated(out_, ' ', spec.width);
    }
  }

  const OutputOptions& options_;
  const ReceivedMessage& m_;
  Arrival now_;
  std::string& out_;
  std::string& err_;
  std::optional<std::tm> tm_;
};

}  // namespace

std::optional<std::string> check_format(std::string_view format) {
  const std::string_view s = c_string(format);
  const std::size_t len = s.size();
  const std::string incomplete = "Error: Incomplete format specifier.";
  for (std::size_t i = 0; i < len; ++i) {
    if (s[i] == '%') {
      if (i == len - 1) return incomplete;
      if (s[i + 1] == '0' || s[i + 1] == '-') {
        if (++i == len - 1) return incomplete;
      }
      while (is_digit(s[i + 1])) {
        if (++i == len - 1) return incomplete;
      }
      if (s[i + 1] == '.') {
        if (++i == len - 1) return incomplete;
        while (is_digit(s[i + 1])) {
          if (++i == len - 1) return incomplete;
        }
      }
      if (std::string_view("%ACDEFIlmPpqRSrtjJUxX").find(s[i + 1]) == std::string_view::npos) {
        return "Error: Invalid format specifier '" + std::string(1, s[i + 1]) + "'.";
      }
      ++i;
    } else if (s[i] == '@') {
      if (i == len - 1) return incomplete;
      ++i;
    } else if (s[i] == '\\') {
      if (i == len - 1) return "Error: Incomplete escape specifier.";
      if (std::string_view("\\0aenrtv").find(s[i + 1]) == std::string_view::npos) {
        return "Error: Invalid escape specifier '" + std::string(1, s[i + 1]) + "'.";
      }
      ++i;
    }
  }
  return std::nullopt;
}

void format_message(const OutputOptions& options, const ReceivedMessage& m, Arrival now, std::string& out,
                    std::string& err) {
  if (options.format) {
    Formatter(options, m, now, out, err).run(*options.format);
  } else if (options.verbose) {
    // An empty payload prints as "(null)", and with -N not at all.
    if (!m.payload.empty()) {
      out += c_string(m.topic);
      out += ' ';
      out += m.payload;
      if (options.eol) out += '\n';
    } else if (options.eol) {
      out += c_string(m.topic);
      out += " (null)\n";
    }
  } else if (!m.payload.empty()) {  // an empty payload prints nothing, not even the newline
    out += m.payload;
    if (options.eol) out += '\n';
  }
}

void format_message(const OutputOptions& options, const ReceivedMessage& m, Arrival now, std::string& out) {
  std::string ignored;
  format_message(options, m, now, out, ignored);
}

}  // namespace roost::cli
