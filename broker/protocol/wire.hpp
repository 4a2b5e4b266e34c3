#pragma once
// Primitive MQTT data types on the wire ([MQTT-1.5]): big-endian integers,
// Variable Byte Integers, length-prefixed strings and binary data.
//
// Reader keeps a sticky error: after the first failure every read returns a
// zero value, so a decoder reads a run of fields and checks failed() once.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "protocol/errors.hpp"

namespace roost::protocol {

using core::ByteView;

inline constexpr std::uint32_t kMaxVariableByteInteger = 268'435'455;
inline constexpr std::size_t kMaxStringLength = 65'535;

// Number of bytes a Variable Byte Integer takes for `value` (1-4).
constexpr std::size_t variable_int_size(std::uint32_t value) noexcept {
  return value < 128 ? 1 : value < 16'384 ? 2 : value < 2'097'152 ? 3 : 4;
}

// Size of a UTF-8 string or binary field: two length bytes and the data.
constexpr std::size_t string_field_size(std::size_t length) noexcept { return 2 + length; }

class Reader {
 public:
  // `minimal_integers`: reject non-minimal Variable Byte Integers (5.0).
  explicit Reader(ByteView data, bool minimal_integers = true) noexcept
      : data_(data), minimal_integers_(minimal_integers) {}

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool at_end() const noexcept { return remaining() == 0; }
  bool failed() const noexcept { return error_.has_value(); }
  DecodeErrc error() const noexcept { return *error_; }

  // Records `code` unless an earlier failure is already recorded.
  void fail(DecodeErrc code) noexcept {
    if (!error_) error_ = code;
  }

  std::uint8_t u8() noexcept;
  std::uint16_t u16() noexcept;
  std::uint32_t u32() noexcept;
  std::uint32_t variable_int() noexcept;
  // A UTF-8 Encoded String, validated [MQTT-1.5.4].
  std::string_view utf8() noexcept;
  // Binary Data: two length bytes and the bytes.
  ByteView binary() noexcept;
  // The next `n` bytes.
  ByteView bytes(std::size_t n) noexcept;
  // Everything not yet read.
  ByteView rest() noexcept { return bytes(remaining()); }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
  bool minimal_integers_;
  std::optional<DecodeErrc> error_;
};

// Writes into a buffer the caller sized exactly (sizes are computed first).
class Writer {
 public:
  explicit Writer(std::uint8_t* out) noexcept : out_(out) {}

  void u8(std::uint8_t v) noexcept { *out_++ = v; }
  void u16(std::uint16_t v) noexcept {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) noexcept {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void variable_int(std::uint32_t v) noexcept;
  void raw(ByteView b) noexcept;
  void string(std::string_view s) noexcept;  // length must be <= kMaxStringLength
  void binary(ByteView b) noexcept;          // length must be <= kMaxStringLength

  std::uint8_t* position() const noexcept { return out_; }

 private:
  std::uint8_t* out_;
};

// Result of decoding a Variable Byte Integer from the front of a byte stream.
enum class VarIntStatus { kOk, kNeedMore, kTooLong, kNonMinimal };

struct VarIntDecode {
  VarIntStatus status;
  std::uint32_t value;
  std::size_t length;  // bytes used when kOk
};

// Decodes a Variable Byte Integer from the front of `data`.
VarIntDecode decode_variable_int(ByteView data, bool minimal) noexcept;

}  // namespace roost::protocol
