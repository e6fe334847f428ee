#include "jic/base/clock.h"

#include <gtest/gtest.h>

#include "jic/base/time_format.h"

namespace jic {
namespace {

TEST(ClockTest, FakeClockSaysWhatItIsTold) {
  FakeClock clock(*ParseRfc3339("2016-07-20T10:00:00Z"));
  EXPECT_EQ(FormatRfc3339(clock.Now()), "2016-07-20T10:00:00Z");
  clock.Advance(Duration::Seconds(90));
  EXPECT_EQ(FormatRfc3339(clock.Now()), "2016-07-20T10:01:30Z");
  clock.Set(*ParseRfc3339("2016-07-21T00:00:00Z"));
  EXPECT_EQ(FormatRfc3339(clock.Now()), "2016-07-21T00:00:00Z");
}

TEST(ClockTest, SystemClockIsUtcNow) {
  const Time t = SystemClock::Get().Now();
  EXPECT_GT(t, *ParseRfc3339("2024-01-01T00:00:00Z"));
  EXPECT_LE(t, SystemClock::Get().Now());
}

}  // namespace
}  // namespace jic
