#pragma once
// OutputQueue: what a connection has to write, ready for gather writes.
//
// Small pieces (headers, small payloads) are copied into one contiguous
// block, so a burst of small messages leaves in a single writev with few
// iovecs; large payloads are referenced, not copied, and their buffers kept
// alive until written. The extra copy of small payloads costs less than the
// iovec and syscall overhead it saves (see docs/benchmarks.md).
//
// Two batches: the one being written stays untouched until the write
// completes; appends go to the other.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/shared_bytes.hpp"
#include "protocol/frame.hpp"

namespace roost::net {

class OutputQueue {
 public:
  // Pieces up to this size are copied into the contiguous block.
  static constexpr std::size_t kCopyLimit = 512;

  // Queues `frame` (copying its small segments, keeping its buffers alive).
  void append(const protocol::Frame& frame);

  // Bytes queued and not yet written.
  std::size_t size() const noexcept { return writing_.remaining + pending_.total; }
  bool empty() const noexcept { return size() == 0; }

  // The next buffers to write, at most `max` of them, into `out` (cleared
  // first). They stay valid until consume() is called.
  void prepare(std::vector<core::ByteView>& out, std::size_t max);

  // `n` bytes of what prepare() gave were written.
  void consume(std::size_t n);

 private:
  struct Piece {
    const std::uint8_t* view = nullptr;  // null: bytes [offset, offset + length) of the block
    std::size_t offset = 0;
    std::size_t length = 0;
  };
  struct Batch {
    std::vector<std::uint8_t> block;
    std::vector<Piece> pieces;
    std::vector<core::SharedBytes> keep;  // buffers the views point into
    std::size_t total = 0;                // bytes in the batch
    std::size_t remaining = 0;            // bytes not yet written (writing batch only)
    std::size_t first = 0;                // first piece not fully written
    std::size_t first_offset = 0;         // bytes of that piece already written
    void clear() noexcept;
  };

  Batch writing_;
  Batch pending_;
};

}  // namespace roost::net
