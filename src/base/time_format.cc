#include "jic/base/time_format.h"

#include <cstdio>

namespace jic {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

Status Bad(const std::string& why) {
  return Status::Invalid("", "not an RFC 3339 time (" + why + ")");
}

// Reads exactly n digits at s[*i]; false when any is not a digit.
bool Digits(std::string_view s, size_t* i, int n, int* out) {
  if (*i + n > s.size()) return false;
  int v = 0;
  for (int k = 0; k < n; ++k) {
    char c = s[*i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *i += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* i, char a, char b = 0) {
  if (*i >= s.size()) return false;
  if (s[*i] != a && (b == 0 || s[*i] != b)) return false;
  ++*i;
  return true;
}

}  // namespace

Result<Time> ParseRfc3339(std::string_view s) {
  size_t i = 0;
  int year, mon, day, hour, min, sec;
  if (!Digits(s, &i, 4, &year) || !Expect(s, &i, '-') || !Digits(s, &i, 2, &mon) ||
      !Expect(s, &i, '-') || !Digits(s, &i, 2, &day) || !Expect(s, &i, 'T', 't') ||
      !Digits(s, &i, 2, &hour) || !Expect(s, &i, ':') || !Digits(s, &i, 2, &min) ||
      !Expect(s, &i, ':') || !Digits(s, &i, 2, &sec)) {
    return Bad("expected YYYY-MM-DDTHH:MM:SSZ");
  }
  if (year < 1) return Bad("year out of range");
  if (mon < 1 || mon > 12) return Bad("month out of range");
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, mon)) return Bad("day out of range");
  if (hour > 23) return Bad("hour out of range");
  if (min > 59) return Bad("minute out of range");
  if (sec > 59) return Bad("second out of range; leap seconds are not supported");
  int64_t frac_us = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    int64_t scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (scale > 0) frac_us += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++digits;
    }
    if (digits == 0) return Bad("empty fraction of a second");
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!Digits(s, &i, 2, &oh) || !Expect(s, &i, ':') || !Digits(s, &i, 2, &om) || oh > 23 ||
        om > 59) {
      return Bad("bad UTC offset");
    }
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return Bad("missing time zone: end with Z or an offset such as +03:00");
  }
  if (i != s.size()) return Bad("trailing characters");
  int64_t days = DaysFromCivil(year, mon, day);
  int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec - offset_s;
  return Time::FromUnixMicros(secs * 1000000 + frac_us);
}

std::string FormatRfc3339(Time t) {
  int64_t us = t.unix_micros();
  int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  int64_t frac = us - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                        static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  std::string out(buf, n);
  if (frac != 0) {
    // Milliseconds when they suffice, else microseconds (".250", ".000001").
    if (frac % 1000 == 0) {
      std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac / 1000));
    } else {
      std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    }
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace jic
