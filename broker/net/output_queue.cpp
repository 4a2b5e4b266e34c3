#include "net/output_queue.hpp"

#include <algorithm>
#include <cassert>

namespace roost::net {

void OutputQueue::Batch::clear() noexcept {
  block.clear();
  pieces.clear();
  keep.clear();
  total = remaining = first = first_offset = 0;
}

void OutputQueue::append(const protocol::Frame& frame) {
  protocol::Frame::Buffers buffers;
  const std::size_t n = frame.buffers(buffers);
  bool kept = false;
  for (std::size_t i = 0; i < n; ++i) {
    const core::ByteView b = buffers[i];
    // The frame's own bytes are always copied (they die with the frame);
    // large views into shared message bytes are referenced.
    if (b.size() <= kCopyLimit || !frame.is_view(i)) {
      // Extend the last piece when it is also in the block.
      if (!pending_.pieces.empty() && pending_.pieces.back().view == nullptr) {
        pending_.pieces.back().length += b.size();
      } else {
        pending_.pieces.push_back(Piece{nullptr, pending_.block.size(), b.size()});
      }
      pending_.block.insert(pending_.block.end(), b.begin(), b.end());
    } else {
      pending_.pieces.push_back(Piece{b.data(), 0, b.size()});
      if (!kept) {
        for (const core::SharedBytes* k : frame.kept()) {
          if (!k->empty()) pending_.keep.push_back(*k);
        }
        kept = true;
      }
    }
    pending_.total += b.size();
  }
}

void OutputQueue::prepare(std::vector<core::ByteView>& out, std::size_t max) {
  out.clear();
  if (writing_.remaining == 0) {
    writing_.clear();
    std::swap(writing_, pending_);
    writing_.remaining = writing_.total;
  }
  for (std::size_t i = writing_.first; i < writing_.pieces.size() && out.size() < max; ++i) {
    const Piece& p = writing_.pieces[i];
    const std::uint8_t* data = p.view != nullptr ? p.view : writing_.block.data() + p.offset;
    const std::size_t skip = i == writing_.first ? writing_.first_offset : 0;
    out.emplace_back(data + skip, p.length - skip);
  }
}

void OutputQueue::consume(std::size_t n) {
  assert(n <= writing_.remaining);
  writing_.remaining -= n;
  while (n > 0) {
    const Piece& p = writing_.pieces[writing_.first];
    const std::size_t left = p.length - writing_.first_offset;
    if (n < left) {
      writing_.first_offset += n;
      return;
    }
    n -= left;
    ++writing_.first;
    writing_.first_offset = 0;
  }
  if (writing_.remaining == 0) writing_.clear();
}

}  // namespace roost::net
