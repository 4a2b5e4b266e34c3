#pragma once
// Base64 (RFC 4648 standard alphabet), as password files write it: encoded
// with padding, decoded with or without it. No line breaks, no whitespace.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace roost::core {

std::string base64_encode(ByteView bytes, bool pad = true);

// The bytes `text` encodes, or nothing when it is not base64 (a character
// outside the alphabet, a bad length, bits left over in the last character).
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace roost::core
