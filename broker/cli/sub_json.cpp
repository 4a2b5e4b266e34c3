#include "cli/sub_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace roost::cli::detail {
namespace {

// ---- JSON, as cJSON 1.7.15 prints and parses it -------------------------

// cJSON's print_number: 15 significant digits unless they do not read back
// within DBL_EPSILON, then 17; NaN and infinities become null.
void append_json_number(std::string& out, double d) {
  if (std::isnan(d) || std::isinf(d)) {
    out += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%1.15g", d);
  const double test = std::strtod(buf, nullptr);
  const double max = std::max(std::fabs(test), std::fabs(d));
  if (!(std::fabs(test - d) <= max * std::numeric_limits<double>::epsilon())) {
    std::snprintf(buf, sizeof buf, "%1.17g", d);
  }
  out += buf;
}

// JSON's two-character escapes: the byte, and the letter after the backslash.
constexpr std::string_view kEscaped{"\"\\\b\f\n\r\t", 7};
constexpr std::string_view kEscapeLetters = "\"\\bfnrt";

// cJSON's print_string_ptr: bytes from 0x7f up are copied unchanged.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : c_string(s)) {
    const std::size_t k = kEscaped.find(c);
    if (k != std::string_view::npos) {
      out += '\\';
      out += kEscapeLetters[k];
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

// An object as cJSON prints it; `depth` is the printer's depth where the
// object starts (0 for the outermost), --pretty indents members by depth+1 tabs.
class JsonObject {
 public:
  JsonObject(std::string& out, bool pretty, std::size_t depth) : out_(out), pretty_(pretty), depth_(depth) {
    out_ += pretty_ ? "{\n" : "{";
  }
  // Starts a member; its value is appended next, at depth() + 1.
  void key(std::string_view name) {
    if (!empty_) out_ += pretty_ ? ",\n" : ",";
    empty_ = false;
    if (pretty_) out_.append(depth_ + 1, '\t');
    append_json_string(out_, name);
    out_ += pretty_ ? ":\t" : ":";
  }
  void close() {
    if (pretty_ && !empty_) out_ += '\n';
    if (pretty_) out_.append(depth_, '\t');
    out_ += '}';
  }
  std::size_t depth() const { return depth_; }

 private:
  std::string& out_;
  bool pretty_;
  std::size_t depth_;
  bool empty_ = true;
};

// cJSON_ParseWithOpts(payload, &end, true) followed by cJSON_Print: %J does
// not copy the payload, it re-prints what cJSON parsed (27.0 becomes 27,
// "\u00e9" becomes the raw UTF-8, whitespace goes). Parses and prints in one
// pass; on failure the caller throws the partial output away.
class JsonReprinter {
 public:
  JsonReprinter(std::string_view in, std::string& out, bool pretty) : in_(in), out_(out), pretty_(pretty) {}

  bool run() {
    // strlen() decides where cJSON stops; mosquitto then insists that it
    // stopped at the payload's end, so a NUL byte anywhere fails.
    if (in_.find('\0') != std::string_view::npos) return false;
    if (in_.size() >= 4 && in_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // a UTF-8 BOM
    skip_whitespace();
    if (!value(1)) return false;
    skip_whitespace();
    return pos_ == in_.size();
  }

 private:
  // The nesting cJSON refuses (CJSON_NESTING_LIMIT).
  static constexpr std::size_t kNestingLimit = 1000;

  char at(std::size_t i) const { return i < in_.size() ? in_[i] : '\0'; }
  // cJSON skips every byte up to and including space, not only JSON's four.
  void skip_whitespace() {
    while (pos_ < in_.size() && static_cast<unsigned char>(in_[pos_]) <= 0x20) ++pos_;
  }
  bool literal(std::string_view word) {
    if (!in_.substr(pos_).starts_with(word)) return false;
    out_ += word;
    pos_ += word.size();
    return true;
  }

  bool value(std::size_t depth) {
    if (literal("null") || literal("false") || literal("true")) return true;
    const char c = at(pos_);
    if (c == '"') {
      std::string s;
      if (!string(s)) return false;
      append_json_string(out_, s);
      return true;
    }
    if (c == '-' || is_digit(c)) return number();
    if (c == '[') return array(depth);
    if (c == '{') return object(depth);
    return false;
  }

  bool number() {
    std::size_t end = pos_;
    while (end < in_.size() && std::string_view("0123456789+-eE.").find(in_[end]) != std::string_view::npos) ++end;
    const std::string text(in_.substr(pos_, end - pos_));
    char* stop = nullptr;
    const double d = std::strtod(text.c_str(), &stop);
    if (stop == text.c_str()) return false;
    pos_ += static_cast<std::size_t>(stop - text.c_str());
    append_json_number(out_, d);
    return true;
  }

  bool array(std::size_t depth) {
    if (nesting_ >= kNestingLimit) return false;
    ++nesting_;
    ++pos_;
    skip_whitespace();
    out_ += '[';
    if (at(pos_) != ']') {
      if (pos_ >= in_.size()) return false;
      for (bool first = true;; first = false) {
        if (!first) out_ += pretty_ ? ", " : ",";
        skip_whitespace();
        if (!value(depth + 1)) return false;
        skip_whitespace();
        if (at(pos_) != ',') break;
        ++pos_;
      }
      if (at(pos_) != ']') return false;
    }
    ++pos_;
    out_ += ']';
    --nesting_;
    return true;
  }

  bool object(std::size_t depth) {
    if (nesting_ >= kNestingLimit) return false;
    ++nesting_;
    ++pos_;
    skip_whitespace();
    JsonObject object(out_, pretty_, depth);
    if (at(pos_) != '}') {
      if (pos_ >= in_.size()) return false;
      for (;;) {
        skip_whitespace();
        std::string name;
        if (!string(name)) return false;
        skip_whitespace();
        if (at(pos_) != ':') return false;
        ++pos_;
        skip_whitespace();
        object.key(name);
        if (!value(depth + 1)) return false;
        skip_whitespace();
        if (at(pos_) != ',') break;
        ++pos_;
      }
      if (at(pos_) != '}') return false;
    }
    ++pos_;
    object.close();
    --nesting_;
    return true;
  }

  // cJSON's parse_hex4: any bad digit makes the whole value 0, not an error.
  unsigned hex4(std::size_t i) const {
    unsigned h = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = in_[i + k];
      unsigned digit = 0;
      if (is_digit(c)) {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<unsigned>(c - 'A' + 10);
      } else {
        return 0;
      }
      h = (h << 4) | digit;
    }
    return h;
  }

  // A \uXXXX escape (two for a surrogate pair) at `p`, before `end`, as
  // UTF-8; returns the escape's length, 0 when cJSON refuses it.
  std::size_t utf16(std::size_t p, std::size_t end, std::string& s) const {
    if (end - p < 6) return 0;
    std::uint32_t code = hex4(p + 2);
    std::size_t length = 6;
    if (code >= 0xDC00 && code <= 0xDFFF) return 0;
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (end - (p + 6) < 6 || in_[p + 6] != '\\' || in_[p + 7] != 'u') return 0;
      const std::uint32_t low = hex4(p + 8);
      if (low < 0xDC00 || low > 0xDFFF) return 0;
      code = 0x10000 + (((code & 0x3FF) << 10) | (low & 0x3FF));
      length = 12;
    }
    // cJSON's UTF-8 encoder: a lead byte, then six bits per continuation byte.
    const int continuation = code < 0x80 ? 0 : code < 0x800 ? 1 : code < 0x10000 ? 2 : 3;
    constexpr unsigned char kLead[] = {0x00, 0xC0, 0xE0, 0xF0};
    s += static_cast<char>(kLead[continuation] | (code >> (6 * continuation)));
    for (int k = continuation - 1; k >= 0; --k) s += static_cast<char>(0x80 | ((code >> (6 * k)) & 0x3F));
    return length;
  }

  // A string at pos_, decoded (it may hold a NUL from \u0000, which then
  // ends it when printed). Raw control bytes are accepted, as cJSON does.
  bool string(std::string& s) {
    if (at(pos_) != '"') return false;
    std::size_t end = pos_ + 1;
    while (end < in_.size() && in_[end] != '"') end += in_[end] == '\\' ? 2 : 1;
    if (end >= in_.size()) return false;
    for (std::size_t p = pos_ + 1; p < end;) {
      if (in_[p] != '\\') {
        s += in_[p++];
        continue;
      }
      const char letter = in_[p + 1];
      std::size_t length = 2;
      if (letter == 'u') {
        length = utf16(p, end, s);
        if (length == 0) return false;
      } else if (const std::size_t k = kEscapeLetters.find(letter); k != std::string_view::npos) {
        s += kEscaped[k];
      } else if (letter == '/') {
        s += '/';
      } else {
        return false;
      }
      p += length;
    }
    pos_ = end + 1;
    return true;
  }

  std::string_view in_;
  std::string& out_;
  bool pretty_;
  std::size_t pos_ = 0;
  std::size_t nesting_ = 0;
};

// ---- %j and %J ------------------------------------------------------------

constexpr std::uint8_t kPayloadFormatIndicator = 0x01;
constexpr std::uint8_t kMessageExpiryInterval = 0x02;
constexpr std::uint8_t kContentType = 0x03;
constexpr std::uint8_t kResponseTopic = 0x08;
constexpr std::uint8_t kCorrelationData = 0x09;
constexpr std::uint8_t kSubscriptionIdentifier = 0x0B;
constexpr std::uint8_t kTopicAlias = 0x23;
constexpr std::uint8_t kUserProperty = 0x26;

// The properties of `m`, one identifier each, in the order %j lists them:
// m.property_order as far as it matches what is present, then the rest in
// ascending order.
std::vector<std::uint8_t> listing_order(const ReceivedMessage& m) {
  std::pair<std::uint8_t, std::size_t> left[] = {
      {kPayloadFormatIndicator, m.payload_format_indicator ? 1 : 0},
      {kMessageExpiryInterval, m.message_expiry_interval ? 1 : 0},
      {kContentType, m.content_type ? 1 : 0},
      {kResponseTopic, m.response_topic ? 1 : 0},
      {kCorrelationData, m.correlation_data ? 1 : 0},
      {kSubscriptionIdentifier, m.subscription_identifiers.size()},
      {kTopicAlias, m.topic_alias ? 1 : 0},
      {kUserProperty, m.user_properties.size()},
  };
  std::vector<std::uint8_t> order;
  for (const std::uint8_t id : m.property_order) {
    for (auto& [known, count] : left) {
      if (known == id && count > 0) {
        order.push_back(id);
        --count;
      }
    }
  }
  for (auto& [id, count] : left) order.insert(order.end(), count, id);
  return order;
}

void append_json_properties(JsonObject& root, const ReceivedMessage& m, std::string& out, bool pretty) {
  root.key("properties");
  JsonObject properties(out, pretty, root.depth() + 1);
  std::size_t next_identifier = 0;
  bool users_listed = false;
  // mosquitto reads the Topic Alias with the Message Expiry's identifier,
  // finds nothing and prints whatever its 16-bit scratch variable last held:
  // the Correlation Data's length if that came earlier, else 0.
  std::uint16_t scratch = 0;
  for (const std::uint8_t id : listing_order(m)) {
    switch (id) {
      case kPayloadFormatIndicator:
        properties.key("payload-format-indicator");
        append_json_number(out, *m.payload_format_indicator);
        break;
      case kMessageExpiryInterval:
        properties.key("message-expiry-interval");
        append_json_number(out, *m.message_expiry_interval);
        break;
      case kContentType:
        properties.key("content-type");
        append_json_string(out, *m.content_type);
        break;
      case kResponseTopic:
        properties.key("response-topic");
        append_json_string(out, *m.response_topic);
        break;
      case kCorrelationData:
        properties.key("correlation-data");
        append_json_string(out, *m.correlation_data);
        scratch = static_cast<std::uint16_t>(m.correlation_data->size());
        break;
      case kSubscriptionIdentifier:
        properties.key("subscription-identifier");
        append_json_number(out, m.subscription_identifiers[next_identifier++]);
        break;
      case kTopicAlias:
        properties.key("topic-alias");
        append_json_number(out, scratch);
        break;
      default:
        // Every User Property goes into one object, where the first was.
        if (users_listed) break;
        users_listed = true;
        properties.key("user-properties");
        JsonObject users(out, pretty, properties.depth() + 1);
        for (const auto& [name, value] : m.user_properties) {
          users.key(name);
          append_json_string(out, value);
        }
        users.close();
    }
  }
  properties.close();
}

bool has_properties(const ReceivedMessage& m) {
  return m.payload_format_indicator || m.message_expiry_interval || m.content_type || m.response_topic ||
         m.correlation_data || !m.subscription_identifiers.empty() || m.topic_alias || !m.user_properties.empty();
}

// strftime's "%Y-%m-%dT%H:%M:%S.000000Z%z" into mosquitto's 100-byte buffer;
// empty when strftime returns 0.
std::string timestamp(const std::tm& tm) {
  char buf[100];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000Z%z", &tm);
  return {buf, n};
}

}  // namespace

// mosquitto's json_print(); false when %J's payload is not JSON, with
// nothing appended.
bool append_json(const OutputOptions& options, const ReceivedMessage& m, const std::tm& tm, long nanoseconds,
                 bool escaped, std::string& out) {
  std::string json;
  JsonObject root(json, options.pretty, 0);
  // Microseconds spliced into a strftime result, then the 'Z' put back.
  const std::string time = timestamp(tm);
  char micros[24];
  std::snprintf(micros, sizeof micros, "%06ld", nanoseconds / 1000);
  root.key("tst");
  append_json_string(json, time.size() < 26 ? time : time.substr(0, 20) + micros + time.substr(26));
  root.key("topic");
  append_json_string(json, m.topic);
  root.key("qos");
  append_json_number(json, m.qos);
  root.key("retain");
  append_json_number(json, m.retain ? 1 : 0);
  root.key("payloadlen");
  append_json_number(json, static_cast<double>(m.payload.size()));
  if (m.qos > 0) {
    root.key("mid");
    append_json_number(json, m.packet_id);
  }
  if (has_properties(m)) append_json_properties(root, m, json, options.pretty);
  root.key("payload");
  if (m.payload.empty()) {
    json += "null";  // libmosquitto hands over no payload buffer at all
  } else if (escaped) {
    append_json_string(json, m.payload);
  } else if (!JsonReprinter(m.payload, json, options.pretty).run()) {
    return false;
  }
  root.close();
  out += json;
  return true;
}

}  // namespace roost::cli::detail
