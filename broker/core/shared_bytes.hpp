#pragma once
// SharedBytes: an immutable, reference-counted byte buffer.
//
// The publish path copies a message's bytes once, into one SharedBytes; every
// queue, inflight table and retained entry then holds the same buffer. The
// count is atomic because buffers are handed between threads as immutable
// values; the bytes themselves are written only before the first copy.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/bytes.hpp"

namespace roost::core {

class SharedBytes {
 public:
  SharedBytes() noexcept = default;

  // Allocates `size` uninitialised bytes (one allocation: header and data).
  // The creator fills them through mutable_data() before sharing the buffer.
  static SharedBytes allocate(std::size_t size);

  // Allocates a buffer holding a copy of `bytes`.
  static SharedBytes copy_of(ByteView bytes);

  SharedBytes(const SharedBytes& other) noexcept : block_(other.block_) { retain(); }
  SharedBytes(SharedBytes&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  SharedBytes& operator=(const SharedBytes& other) noexcept {
    SharedBytes copy(other);
    swap(copy);
    return *this;
  }
  SharedBytes& operator=(SharedBytes&& other) noexcept {
    SharedBytes moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~SharedBytes() { release(); }

  void swap(SharedBytes& other) noexcept { std::swap(block_, other.block_); }

  const std::uint8_t* data() const noexcept;
  std::size_t size() const noexcept { return block_ ? block_->size : 0; }
  bool empty() const noexcept { return size() == 0; }
  ByteView view() const noexcept { return {data(), size()}; }

  // Writable access for the creator, before the buffer is shared.
  std::uint8_t* mutable_data() noexcept;

  // Number of holders; for tests and diagnostics only.
  std::uint32_t use_count() const noexcept { return block_ ? block_->refs.load(std::memory_order_relaxed) : 0; }

 private:
  struct Block {
    std::atomic<std::uint32_t> refs;
    std::uint32_t size;
  };

  explicit SharedBytes(Block* block) noexcept : block_(block) {}
  void retain() noexcept {
    if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept;

  Block* block_ = nullptr;
};

}  // namespace roost::core
