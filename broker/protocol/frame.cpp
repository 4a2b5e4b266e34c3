#include "protocol/frame.hpp"

#include <cassert>

namespace roost::protocol {

std::size_t Frame::buffers(Buffers& out) const noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    const Segment& s = segments_[i];
    out[i] = s.view ? core::ByteView{s.view, s.length} : core::ByteView{own() + s.offset, s.length};
  }
  return count_;
}

std::vector<std::uint8_t> Frame::flatten() const {
  std::vector<std::uint8_t> out;
  out.reserve(size_);
  Buffers bufs;
  const std::size_t n = buffers(bufs);
  for (std::size_t i = 0; i < n; ++i) out.insert(out.end(), bufs[i].begin(), bufs[i].end());
  return out;
}

std::uint8_t* Frame::reset(std::size_t n) {
  count_ = 0;
  size_ = 0;
  keep_alive_ = {};
  keep_alive_more_ = {};
  on_heap_ = n > kInlineBytes;
  if (!on_heap_) return inline_.data();
  heap_.resize(n);
  return heap_.data();
}

void Frame::add_own(std::size_t offset, std::size_t length) noexcept {
  assert(count_ < kMaxSegments);
  if (length == 0) return;
  segments_[count_++] = {nullptr, static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(length)};
  size_ += length;
}

void Frame::add_view(core::ByteView view) noexcept {
  assert(count_ < kMaxSegments);
  if (view.empty()) return;
  segments_[count_++] = {view.data(), 0, static_cast<std::uint32_t>(view.size())};
  size_ += view.size();
}

}  // namespace roost::protocol
