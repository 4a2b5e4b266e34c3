#pragma once
// Time as a value. The engine and the codec never read a clock: the caller
// passes `now`, so tests control time and nothing sleeps.

#include <chrono>

namespace roost::core {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using Seconds = std::chrono::seconds;

}  // namespace roost::core
