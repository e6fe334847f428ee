// Clock: the only way jic code reads the time of day, so that tests can fake
// it and decide() never sees it.
#pragma once

#include "jic/base/units.h"

namespace jic {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// The system's UTC clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  Time Now() const override;
  static const SystemClock& Get();
};

// A clock that says what it is told. Not thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time t) : t_(t) {}
  Time Now() const override { return t_; }
  void Set(Time t) { t_ = t; }
  void Advance(Duration d) { t_ = t_ + d; }

 private:
  Time t_;
};

}  // namespace jic
