#include "jic/base/clock.h"

#include <chrono>

namespace jic {

Time SystemClock::Now() const {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return Time::FromUnixMicros(us.count());
}

const SystemClock& SystemClock::Get() {
  static const SystemClock clock;
  return clock;
}

}  // namespace jic
