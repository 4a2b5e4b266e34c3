#include "core/shared_bytes.hpp"

#include <cstring>
#include <limits>
#include <new>

namespace roost::core {

namespace {
// Data starts after the header, aligned for any scalar type.
constexpr std::size_t kHeaderSize = alignof(std::max_align_t) > 8 ? alignof(std::max_align_t) : 8;
}  // namespace

SharedBytes SharedBytes::allocate(std::size_t size) {
  if (size > std::numeric_limits<std::uint32_t>::max()) throw std::bad_alloc();
  static_assert(sizeof(Block) <= kHeaderSize);
  void* raw = ::operator new(kHeaderSize + size);
  auto* block = new (raw) Block{};
  block->refs.store(1, std::memory_order_relaxed);
  block->size = static_cast<std::uint32_t>(size);
  return SharedBytes(block);
}

SharedBytes SharedBytes::copy_of(ByteView bytes) {
  SharedBytes out = allocate(bytes.size());
  if (!bytes.empty()) std::memcpy(out.mutable_data(), bytes.data(), bytes.size());
  return out;
}

const std::uint8_t* SharedBytes::data() const noexcept {
  return block_ ? reinterpret_cast<const std::uint8_t*>(block_) + kHeaderSize : nullptr;
}

std::uint8_t* SharedBytes::mutable_data() noexcept {
  return block_ ? reinterpret_cast<std::uint8_t*>(block_) + kHeaderSize : nullptr;
}

void SharedBytes::release() noexcept {
  if (block_ == nullptr) return;
  // acq_rel: the last holder must see every write made before other releases.
  if (block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    block_->~Block();
    ::operator delete(block_);
  }
  block_ = nullptr;
}

}  // namespace roost::core
