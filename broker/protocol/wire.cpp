#include "protocol/wire.hpp"

#include <cstring>

#include "protocol/utf8.hpp"

namespace roost::protocol {

std::uint8_t Reader::u8() noexcept {
  if (failed() || remaining() < 1) {
    fail(DecodeErrc::kTruncated);
    return 0;
  }
  return data_[pos_++];
}

std::uint16_t Reader::u16() noexcept {
  if (failed() || remaining() < 2) {
    fail(DecodeErrc::kTruncated);
    return 0;
  }
  const auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::uint32_t Reader::u32() noexcept {
  const std::uint32_t hi = u16();
  const std::uint32_t lo = u16();
  return failed() ? 0 : (hi << 16) | lo;
}

std::uint32_t Reader::variable_int() noexcept {
  if (failed()) return 0;
  const VarIntDecode d = decode_variable_int(data_.subspan(pos_), minimal_integers_);
  switch (d.status) {
    case VarIntStatus::kOk:
      pos_ += d.length;
      return d.value;
    case VarIntStatus::kNeedMore:
      fail(DecodeErrc::kTruncated);
      return 0;
    case VarIntStatus::kTooLong:
      fail(DecodeErrc::kRemainingLengthTooLong);
      return 0;
    case VarIntStatus::kNonMinimal:
      fail(DecodeErrc::kNonMinimalVariableInteger);
      return 0;
  }
  return 0;
}

ByteView Reader::bytes(std::size_t n) noexcept {
  if (failed() || remaining() < n) {
    fail(DecodeErrc::kTruncated);
    return {};
  }
  ByteView out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

ByteView Reader::binary() noexcept {
  const std::uint16_t length = u16();
  return bytes(length);
}

std::string_view Reader::utf8() noexcept {
  const std::string_view s = core::as_chars(binary());
  if (failed()) return {};
  switch (check_utf8(s)) {
    case Utf8Status::kValid:
      return s;
    case Utf8Status::kIllFormed:
      fail(DecodeErrc::kInvalidUtf8);
      return {};
    case Utf8Status::kNullCharacter:
      fail(DecodeErrc::kUtf8NullCharacter);
      return {};
  }
  return {};
}

void Writer::variable_int(std::uint32_t v) noexcept {
  do {
    auto byte = static_cast<std::uint8_t>(v % 128);
    v /= 128;
    if (v > 0) byte |= 0x80;
    u8(byte);
  } while (v > 0);
}

void Writer::raw(ByteView b) noexcept {
  if (b.empty()) return;
  std::memcpy(out_, b.data(), b.size());
  out_ += b.size();
}

void Writer::string(std::string_view s) noexcept { binary(core::as_bytes(s)); }

void Writer::binary(ByteView b) noexcept {
  u16(static_cast<std::uint16_t>(b.size()));
  raw(b);
}

VarIntDecode decode_variable_int(ByteView data, bool minimal) noexcept {
  std::uint32_t value = 0;
  std::uint32_t multiplier = 1;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i >= data.size()) return {VarIntStatus::kNeedMore, 0, 0};
    const std::uint8_t byte = data[i];
    value += (byte & 0x7Fu) * multiplier;
    if ((byte & 0x80) == 0) {
      // A last byte of 0 after the first means a shorter encoding existed.
      if (minimal && i > 0 && byte == 0) return {VarIntStatus::kNonMinimal, 0, 0};
      return {VarIntStatus::kOk, value, i + 1};
    }
    multiplier *= 128;
  }
  return {VarIntStatus::kTooLong, 0, 0};
}

}  // namespace roost::protocol
