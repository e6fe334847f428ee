// Value types for time, so that a second is never passed where a
// microsecond was meant. Each has named constructors and an explicit
// accessor; arithmetic is only what the engine needs. (Distances are metres
// in doubles named *_m, angles S2's S1Angle / S1ChordAngle.)
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace jic {

// A signed span of time, microsecond resolution.
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Micros(int64_t us) { return Duration(us); }
  static constexpr Duration Seconds(int64_t s) { return Duration(s * 1000000); }
  constexpr int64_t micros() const { return us_; }
  constexpr double seconds() const { return static_cast<double>(us_) / 1e6; }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

// An instant in UTC: microseconds since 1970-01-01T00:00:00Z. Min() and Max()
// stand for "since always" and "for ever" (open ends of a validity period);
// they are far enough from the int64 limits that adding a Duration is safe.
class Time {
 public:
  constexpr Time() = default;
  static constexpr Time FromUnixMicros(int64_t us) { return Time(us); }
  static constexpr Time FromUnixSeconds(int64_t s) { return Time(s * 1000000); }
  static constexpr Time Min() { return Time(-(std::numeric_limits<int64_t>::max() / 4)); }
  static constexpr Time Max() { return Time(std::numeric_limits<int64_t>::max() / 4); }
  constexpr int64_t unix_micros() const { return us_; }
  constexpr bool is_finite() const { return us_ > Min().us_ && us_ < Max().us_; }
  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return Time(us_ + d.micros()); }
  constexpr Time operator-(Duration d) const { return Time(us_ - d.micros()); }
  constexpr Duration operator-(Time o) const { return Duration::Micros(us_ - o.us_); }

 private:
  constexpr explicit Time(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

}  // namespace jic
