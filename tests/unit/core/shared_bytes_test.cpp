// SharedBytes and Result, the vocabulary types of the publish path.

#include "core/shared_bytes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "core/result.hpp"

namespace roost::core {
namespace {

TEST(SharedBytes, CopiesShareOneBuffer) {
  SharedBytes a = SharedBytes::copy_of(as_bytes("hello"));
  EXPECT_EQ(a.use_count(), 1u);
  SharedBytes b = a;
  EXPECT_EQ(a.data(), b.data());
  EXPECT_EQ(a.use_count(), 2u);
  {
    SharedBytes c = b;
    EXPECT_EQ(a.use_count(), 3u);
  }
  EXPECT_EQ(a.use_count(), 2u);
  EXPECT_EQ(as_chars(b.view()), "hello");
}

TEST(SharedBytes, MovesTransferOwnership) {
  SharedBytes a = SharedBytes::copy_of(as_bytes("x"));
  const std::uint8_t* data = a.data();
  SharedBytes b = std::move(a);
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.use_count(), 1u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  a = b;
  EXPECT_EQ(b.use_count(), 2u);
  a = SharedBytes{};
  EXPECT_EQ(b.use_count(), 1u);
}

TEST(SharedBytes, EmptyAndZeroSizedBuffers) {
  SharedBytes none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.use_count(), 0u);
  SharedBytes zero = SharedBytes::allocate(0);
  EXPECT_TRUE(zero.empty());
  EXPECT_EQ(zero.use_count(), 1u);
}

TEST(SharedBytes, DataIsAlignedForAnyScalar) {
  SharedBytes b = SharedBytes::allocate(3);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % alignof(std::max_align_t), 0u);
}

Result<int, std::string> parse_digit(char c) {
  if (c < '0' || c > '9') return fail(std::string("not a digit"));
  return c - '0';
}

TEST(Result, HoldsAValueOrAnError) {
  auto ok = parse_digit('7');
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 7);
  auto bad = parse_digit('x');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "not a digit");
}

TEST(Result, SameTypeForValueAndError) {
  Result<int, int> value = 3;
  Result<int, int> error = fail(3);
  EXPECT_TRUE(value.has_value());
  EXPECT_FALSE(error.has_value());
  EXPECT_EQ(error.error(), 3);
}

TEST(Result, VoidResult) {
  Result<void, int> ok;
  Result<void, int> bad = fail(5);
  EXPECT_TRUE(ok);
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error(), 5);
}

}  // namespace
}  // namespace roost::core
