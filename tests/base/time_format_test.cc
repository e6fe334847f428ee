#include "jic/base/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace jic {
namespace {

constexpr int64_t kJuly20At10 = 1469008800;  // 2016-07-20T10:00:00Z

Time Seconds(int64_t s) { return Time::FromUnixSeconds(s); }

// The parsed time, or a failure naming the input.
Time Parse(const std::string& text) {
  Result<Time> t = ParseRfc3339(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
  return t.ok() ? *t : Time();
}

// The reason ParseRfc3339 gives for refusing `text` ("" when it accepts it).
std::string Reason(const std::string& text) {
  Result<Time> t = ParseRfc3339(text);
  if (t.ok()) return "";
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().errors().size(), 1u);
  if (t.status().errors().empty()) return "?";
  EXPECT_EQ(t.status().errors()[0].field, "") << "callers prefix the path";
  return t.status().errors()[0].reason;
}

TEST(ParseRfc3339Test, UtcWithZ) {
  EXPECT_EQ(Parse("2016-07-20T10:00:00Z"), Seconds(kJuly20At10));
  EXPECT_EQ(Parse("1970-01-01T00:00:00Z"), Seconds(0));
  EXPECT_EQ(Parse("1969-12-31T23:59:59Z"), Seconds(-1));
}

TEST(ParseRfc3339Test, LowerCaseSeparatorsAreAllowed) {
  // RFC 3339 section 5.6: "T" and "Z" may be lower case.
  EXPECT_EQ(Parse("2016-07-20t10:00:00z"), Seconds(kJuly20At10));
}

TEST(ParseRfc3339Test, OffsetsAreSubtracted) {
  EXPECT_EQ(Parse("2016-07-20T13:00:00+03:00"), Seconds(kJuly20At10));
  EXPECT_EQ(Parse("2016-07-20T04:30:00-05:30"), Seconds(kJuly20At10));
  EXPECT_EQ(Parse("2016-07-20T10:00:00+00:00"), Seconds(kJuly20At10));
  EXPECT_EQ(Parse("2016-07-20T10:00:00-00:00"), Seconds(kJuly20At10));
  // An offset that crosses midnight and a month end.
  EXPECT_EQ(Parse("2016-08-01T01:00:00+02:00"), Parse("2016-07-31T23:00:00Z"));
  EXPECT_EQ(Parse("2016-12-31T22:00:00-02:00"), Parse("2017-01-01T00:00:00Z"));
  EXPECT_EQ(Parse("2016-07-20T10:00:00+23:59"),
            Seconds(kJuly20At10) - Duration::Seconds(23 * 3600 + 59 * 60));
}

TEST(ParseRfc3339Test, Fractions) {
  const Time base = Seconds(kJuly20At10);
  EXPECT_EQ(Parse("2016-07-20T10:00:00.5Z"), base + Duration::Micros(500000));
  EXPECT_EQ(Parse("2016-07-20T10:00:00.25Z"), base + Duration::Micros(250000));
  EXPECT_EQ(Parse("2016-07-20T10:00:00.000001Z"), base + Duration::Micros(1));
  EXPECT_EQ(Parse("2016-07-20T10:00:00.123456Z"), base + Duration::Micros(123456));
  EXPECT_EQ(Parse("2016-07-20T10:00:00.0Z"), base);
  EXPECT_EQ(Parse("2016-07-20T13:00:00.5+03:00"), base + Duration::Micros(500000));
  // Finer than a microsecond: truncated, not rounded.
  EXPECT_EQ(Parse("2016-07-20T10:00:00.1234567Z"), base + Duration::Micros(123456));
  EXPECT_EQ(Parse("2016-07-20T10:00:00.9999999999999Z"), base + Duration::Micros(999999));
  EXPECT_EQ(Parse("2016-07-20T10:00:00.0000009Z"), base);
  // Before 1970 the fraction still counts forwards.
  EXPECT_EQ(Parse("1969-12-31T23:59:59.5Z"), Time::FromUnixMicros(-500000));
}

TEST(ParseRfc3339Test, LeapYears) {
  EXPECT_EQ(Parse("2016-02-29T12:00:00Z"), Seconds(1456747200));
  EXPECT_EQ(Parse("2000-02-29T00:00:00Z"), Seconds(951782400));  // divisible by 400
  EXPECT_EQ(Parse("2016-03-01T00:00:00Z") - Parse("2016-02-28T00:00:00Z"),
            Duration::Seconds(2 * 86400));
  EXPECT_EQ(Parse("2015-03-01T00:00:00Z") - Parse("2015-02-28T00:00:00Z"),
            Duration::Seconds(86400));
  EXPECT_EQ(Parse("2017-01-01T00:00:00Z") - Parse("2016-01-01T00:00:00Z"),
            Duration::Seconds(366 * 86400));
  EXPECT_EQ(Reason("2015-02-29T00:00:00Z"), "not an RFC 3339 time (day out of range)");
  EXPECT_EQ(Reason("1900-02-29T00:00:00Z"), "not an RFC 3339 time (day out of range)");
  EXPECT_EQ(Reason("2100-02-29T00:00:00Z"), "not an RFC 3339 time (day out of range)");
  EXPECT_EQ(Reason("2016-02-30T00:00:00Z"), "not an RFC 3339 time (day out of range)");
}

TEST(ParseRfc3339Test, DaysPerMonth) {
  const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    char last[32], after[32];
    std::snprintf(last, sizeof last, "2015-%02d-%02dT00:00:00Z", m, days[m - 1]);
    std::snprintf(after, sizeof after, "2015-%02d-%02dT00:00:00Z", m, days[m - 1] + 1);
    EXPECT_EQ(Reason(last), "") << last;
    EXPECT_EQ(Reason(after), "not an RFC 3339 time (day out of range)") << after;
  }
}

TEST(ParseRfc3339Test, YearRange) {
  EXPECT_EQ(Parse("0001-01-01T00:00:00Z"), Seconds(-62135596800));
  EXPECT_EQ(Parse("9999-12-31T23:59:59Z"), Seconds(253402300799));
  EXPECT_EQ(Reason("0000-12-31T00:00:00Z"), "not an RFC 3339 time (year out of range)");
}

TEST(ParseRfc3339Test, BadInputsSayWhy) {
  const std::string shape = "not an RFC 3339 time (expected YYYY-MM-DDTHH:MM:SSZ)";
  struct Case {
    const char* text;
    std::string reason;
  } cases[] = {
      {"", shape},
      {"2016-07-20", shape},
      {"2016-07-20T10:00Z", shape},
      {"2016-7-20T10:00:00Z", shape},
      {"16-07-20T10:00:00Z", shape},
      {"2016/07/20T10:00:00Z", shape},
      {"2016-07-20 10:00:00Z", shape},
      {"2016-07-20X10:00:00Z", shape},
      {"2016-07-20T1a:00:00Z", shape},
      {"+2016-07-20T10:00:00Z", shape},
      {"1469008800", shape},
      {"2016-00-20T10:00:00Z", "not an RFC 3339 time (month out of range)"},
      {"2016-13-20T10:00:00Z", "not an RFC 3339 time (month out of range)"},
      {"2016-07-00T10:00:00Z", "not an RFC 3339 time (day out of range)"},
      {"2016-07-32T10:00:00Z", "not an RFC 3339 time (day out of range)"},
      {"2016-04-31T10:00:00Z", "not an RFC 3339 time (day out of range)"},
      {"2016-07-20T24:00:00Z", "not an RFC 3339 time (hour out of range)"},
      {"2016-07-20T10:60:00Z", "not an RFC 3339 time (minute out of range)"},
      {"2016-12-31T23:59:60Z",
       "not an RFC 3339 time (second out of range; leap seconds are not supported)"},
      {"2016-07-20T10:00:00.Z", "not an RFC 3339 time (empty fraction of a second)"},
      {"2016-07-20T10:00:00",
       "not an RFC 3339 time (missing time zone: end with Z or an offset "
       "such as +03:00)"},
      {"2016-07-20T10:00:00.5",
       "not an RFC 3339 time (missing time zone: end with Z or an "
       "offset such as +03:00)"},
      {"2016-07-20T10:00:00 Z",
       "not an RFC 3339 time (missing time zone: end with Z or an "
       "offset such as +03:00)"},
      {"2016-07-20T10:00:00+3:00", "not an RFC 3339 time (bad UTC offset)"},
      {"2016-07-20T10:00:00+0300", "not an RFC 3339 time (bad UTC offset)"},
      {"2016-07-20T10:00:00+03", "not an RFC 3339 time (bad UTC offset)"},
      {"2016-07-20T10:00:00+24:00", "not an RFC 3339 time (bad UTC offset)"},
      {"2016-07-20T10:00:00+03:60", "not an RFC 3339 time (bad UTC offset)"},
      {"2016-07-20T10:00:00ZZ", "not an RFC 3339 time (trailing characters)"},
      {"2016-07-20T10:00:00Z ", "not an RFC 3339 time (trailing characters)"},
      {"2016-07-20T10:00:00+03:00:00", "not an RFC 3339 time (trailing characters)"},
  };
  for (const Case& c : cases) EXPECT_EQ(Reason(c.text), c.reason) << "input: '" << c.text << "'";
}

TEST(ParseRfc3339Test, NulInsideTheTextIsRefused) {
  const std::string text("2016-07-20T10:00:00Z\0junk", 25);
  EXPECT_EQ(Reason(text), "not an RFC 3339 time (trailing characters)");
}

TEST(FormatRfc3339Test, WholeSecondsHaveNoFraction) {
  EXPECT_EQ(FormatRfc3339(Seconds(kJuly20At10)), "2016-07-20T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(Seconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Seconds(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(Seconds(1456747200)), "2016-02-29T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(Seconds(-62135596800)), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Seconds(253402300799)), "9999-12-31T23:59:59Z");
}

TEST(FormatRfc3339Test, FractionsAsTheHeaderShowsThem) {
  const Time base = Seconds(kJuly20At10);
  // time_format.h: "2016-07-20T10:00:00.250Z": milliseconds when they suffice.
  EXPECT_EQ(FormatRfc3339(base + Duration::Micros(250000)), "2016-07-20T10:00:00.250Z");
  EXPECT_EQ(FormatRfc3339(base + Duration::Micros(500000)), "2016-07-20T10:00:00.500Z");
  EXPECT_EQ(FormatRfc3339(base + Duration::Micros(1000)), "2016-07-20T10:00:00.001Z");
  EXPECT_EQ(FormatRfc3339(base + Duration::Micros(1)), "2016-07-20T10:00:00.000001Z");
  EXPECT_EQ(FormatRfc3339(base + Duration::Micros(123456)), "2016-07-20T10:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339(base + Duration::Micros(999999)), "2016-07-20T10:00:00.999999Z");
  EXPECT_EQ(FormatRfc3339(Time::FromUnixMicros(-500000)), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(FormatRfc3339(Time::FromUnixMicros(-1)), "1969-12-31T23:59:59.999999Z");
}

TEST(FormatRfc3339Test, CanonicalFormOfParsedText) {
  EXPECT_EQ(FormatRfc3339(Parse("2016-07-20T13:00:00.5+03:00")), "2016-07-20T10:00:00.500Z");
  EXPECT_EQ(FormatRfc3339(Parse("2016-07-20t10:00:00.000z")), "2016-07-20T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(Parse("2016-03-01T00:30:00+01:00")), "2016-02-29T23:30:00Z");
}

TEST(Rfc3339RoundTripTest, RandomTimesFromYear1To9999) {
  std::mt19937_64 rng(20160720);
  const int64_t lo = -62135596800LL * 1000000;  // 0001-01-01
  const int64_t hi = 253402300799LL * 1000000 + 999999;
  std::uniform_int_distribution<int64_t> any(lo, hi);
  std::uniform_int_distribution<int> shape(0, 3);
  for (int i = 0; i < 3000; ++i) {
    int64_t us = any(rng);
    // Exercise the three fraction shapes: none, milliseconds, microseconds.
    switch (shape(rng)) {
      case 0:
        us -= ((us % 1000000) + 1000000) % 1000000;
        break;
      case 1:
        us -= ((us % 1000) + 1000) % 1000;
        break;
      default:
        break;
    }
    const Time t = Time::FromUnixMicros(us);
    const std::string text = FormatRfc3339(t);
    Result<Time> back = ParseRfc3339(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    ASSERT_EQ(back->unix_micros(), us) << text;
    ASSERT_EQ(FormatRfc3339(*back), text);
  }
}

}  // namespace
}  // namespace jic
