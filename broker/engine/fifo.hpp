#pragma once
// Fifo: a queue on one vector. Unlike std::deque (which allocates a 512-byte
// block as soon as it exists), an empty Fifo costs three words: most
// sessions never queue anything, and 10 000 idle sessions add up.

#include <cstddef>
#include <utility>
#include <vector>

namespace roost::engine {

template <class T>
class Fifo {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  T& front() noexcept { return items_[head_]; }
  const T& front() const noexcept { return items_[head_]; }
  T& back() noexcept { return items_.back(); }
  const T& back() const noexcept { return items_.back(); }

  void push_back(T value) { items_.push_back(std::move(value)); }

  // Puts `value` back in front (after a pop_front that could not be sent).
  void push_front(T value) {
    if (head_ > 0) {
      items_[--head_] = std::move(value);
    } else {
      items_.insert(items_.begin(), std::move(value));
    }
  }

  void pop_front() {
    items_[head_] = T{};  // release what it holds now
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
      // Compact once the consumed part is at least half.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

  // Iteration from front to back.
  auto begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() noexcept { return items_.end(); }
  auto begin() const noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const noexcept { return items_.end(); }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace roost::engine
