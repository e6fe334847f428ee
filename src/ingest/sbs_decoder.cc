#include "jic/ingest/sbs_decoder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace jic::ingest {
namespace {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads s[i, i+n) as decimal digits.
bool Digits(std::string_view s, size_t i, size_t n, int* out) {
  if (i + n > s.size()) return false;
  int v = 0;
  for (size_t k = i; k < i + n; ++k) {
    if (!IsDigit(s[k])) return false;
    v = v * 10 + (s[k] - '0');
  }
  *out = v;
  return true;
}

// "YYYY/MM/DD" as days since the epoch.
bool ParseDate(std::string_view s, int64_t* days) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '/' || s[7] != '/' || !Digits(s, 0, 4, &y) ||
      !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) {
    return false;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, m)) {
    return false;
  }
  *days = DaysFromCivil(y, m, d);
  return true;
}

// "HH:MM:SS" with an optional fraction ("11:54:44.047"), as microseconds into
// the day. Digits past the microsecond are read and dropped.
bool ParseTimeOfDay(std::string_view s, int64_t* us) {
  int h, m, sec;
  if (s.size() < 8 || s[2] != ':' || s[5] != ':' || !Digits(s, 0, 2, &h) ||
      !Digits(s, 3, 2, &m) || !Digits(s, 6, 2, &sec) || h > 23 || m > 59 || sec > 59) {
    return false;
  }
  int64_t frac = 0;
  if (s.size() > 8) {
    if (s[8] != '.' || s.size() == 9) return false;
    int64_t scale = 100000;
    for (size_t i = 9; i < s.size(); ++i) {
      if (!IsDigit(s[i])) return false;
      frac += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  *us = ((h * 60 + m) * 60 + sec) * int64_t{1000000} + frac;
  return true;
}

// A decimal number filling the whole field, finite and within [lo, hi].
bool ParseNumber(std::string_view s, double lo, double hi, double* out) {
  double v;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < lo || v > hi) {
    return false;
  }
  *out = v;
  return true;
}

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseIcao(std::string_view s, uint32_t* out) {
  if (s.size() != 6) return false;
  uint32_t v = 0;
  for (char c : s) {
    int h = HexValue(c);
    if (h < 0) return false;
    v = (v << 4) | static_cast<uint32_t>(h);
  }
  *out = v;
  return true;
}

bool ParseFlag(std::string_view s, bool* out) {
  if (s == "0") {
    *out = false;
  } else if (s == "-1" || s == "1") {
    *out = true;  // BaseStation writes -1 for true; some clients write 1
  } else {
    return false;
  }
  return true;
}

bool ParseSquawk(std::string_view s, uint16_t* out) {
  if (s.size() != 4) return false;
  uint16_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '7') return false;
    v = static_cast<uint16_t>(v * 8 + (c - '0'));
  }
  *out = v;
  return true;
}

bool IsAlnum(char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool ValidCallsign(std::string_view s) {
  if (s.empty() || s.size() > 8) return false;
  for (char c : s) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

struct KindInfo {
  std::string_view name;
  SbsLineKind kind;
  int min_fields;
};
constexpr KindInfo kKinds[] = {
    {"MSG", SbsLineKind::kMsg, kSbsMsgFields}, {"SEL", SbsLineKind::kSel, 11},
    {"ID", SbsLineKind::kId, 11},              {"AIR", SbsLineKind::kAir, 10},
    {"STA", SbsLineKind::kSta, 11},            {"CLK", SbsLineKind::kClk, 10},
};

}  // namespace

const char* SbsLineStatusName(SbsLineStatus status) {
  switch (status) {
    case SbsLineStatus::kOk: return "ok";
    case SbsLineStatus::kBlank: return "blank";
    case SbsLineStatus::kNonIcao: return "non_icao";
    case SbsLineStatus::kTooLong: return "too_long";
    case SbsLineStatus::kUnterminated: return "unterminated";
    case SbsLineStatus::kNotPrintable: return "not_printable";
    case SbsLineStatus::kUnknownKind: return "unknown_kind";
    case SbsLineStatus::kFieldCount: return "field_count";
    case SbsLineStatus::kBadTransmissionType: return "bad_transmission_type";
    case SbsLineStatus::kBadAddress: return "bad_address";
  }
  return "unknown";
}

const char* SbsLineKindName(SbsLineKind kind) {
  for (const KindInfo& k : kKinds) {
    if (k.kind == kind) return k.name.data();  // the literals are NUL-terminated
  }
  return "?";
}

SbsLineStatus CheckSbsLine(std::string_view line, SbsLine* out) {
  size_t n = line.size();
  const bool terminated = n > 0 && line[n - 1] == '\n';
  if (terminated) {
    --n;
    if (n > 0 && line[n - 1] == '\r') --n;
  }
  if (n > kMaxSbsLineBytes) return SbsLineStatus::kTooLong;
  if (!terminated) return SbsLineStatus::kUnterminated;
  if (n == 0) return SbsLineStatus::kBlank;
  const std::string_view text = line.substr(0, n);

  // One pass: printable ASCII, and the field boundaries. A line with too many
  // fields is still scanned, so that a bad byte is reported first whatever
  // the field count.
  unsigned bad = 0;
  bool too_many = false;
  int count = 0;
  const char* start = text.data();
  const char* const end = text.data() + n;
  for (const char* p = start; p < end; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    bad |= static_cast<unsigned char>(c - 0x20) > 0x5e;
    if (c == ',') {
      if (count == kSbsMsgFields - 1) {
        too_many = true;
      } else {
        out->fields[count++] = std::string_view(start, p - start);
        start = p + 1;
      }
    }
  }
  if (bad) return SbsLineStatus::kNotPrintable;
  if (too_many) return SbsLineStatus::kFieldCount;
  out->fields[count++] = std::string_view(start, end - start);
  for (int i = count; i < kSbsMsgFields; ++i) out->fields[i] = {};

  const KindInfo* info = nullptr;
  const std::string_view kind = out->fields[0];
  if (kind.size() == 3 && kind[0] == 'M' && kind[1] == 'S' && kind[2] == 'G') {
    info = &kKinds[0];  // nearly every line
  } else {
    for (const KindInfo& k : kKinds) {
      if (kind == k.name) info = &k;
    }
  }
  if (info == nullptr) return SbsLineStatus::kUnknownKind;
  if (info->kind == SbsLineKind::kMsg ? count != kSbsMsgFields : count < info->min_fields) {
    return SbsLineStatus::kFieldCount;
  }
  out->text = text;
  out->kind = info->kind;
  out->field_count = count;
  return SbsLineStatus::kOk;
}

// Reads a date field and a time field together. Returns true and sets *out
// when they give a time; otherwise sets *bad_date / *bad_time for the field at
// fault (none when both are empty). An empty date with no date to infer is at
// fault, and so is an empty time beside a date.
bool SbsParser::ParseDateTime(std::string_view date, std::string_view time, Time* out,
                              bool* bad_date, bool* bad_time) {
  *bad_date = *bad_time = false;
  if (time.empty() && date.empty()) return false;
  int64_t days = 0;
  bool inferred = false;
  if (date.empty()) {
    if (!infer_days_ && options_.default_date) {
      const int64_t us = options_.default_date->unix_micros();
      infer_days_ = us >= 0 ? us / kMicrosPerDay : -((-us + kMicrosPerDay - 1) / kMicrosPerDay);
    }
    if (infer_days_) {
      days = *infer_days_;
      inferred = true;
    } else {
      *bad_date = true;
    }
  } else if (have_date_ && date.size() == date_text_.size() &&
             std::memcmp(date.data(), date_text_.data(), date_text_.size()) == 0) {
    days = date_days_;
    infer_days_ = days;
  } else if (ParseDate(date, &days)) {
    std::memcpy(date_text_.data(), date.data(), date_text_.size());
    date_days_ = days;
    have_date_ = true;
    infer_days_ = days;
  } else {
    *bad_date = true;
  }
  int64_t us = 0;
  if (time.empty() || !ParseTimeOfDay(time, &us)) *bad_time = true;
  if (*bad_date || *bad_time) return false;
  Time t = Time::FromUnixMicros(days * kMicrosPerDay + us) - options_.utc_offset;
  if (inferred && last_time_) {
    const Duration half_day = Duration::Seconds(12 * 3600);
    if (t < *last_time_ - half_day) {
      // Midnight has passed since the last date was seen: undated lines are on
      // the next day from now on.
      t = t + Duration::Micros(kMicrosPerDay);
      ++*infer_days_;
    } else if (t > *last_time_ + half_day) {
      t = t - Duration::Micros(kMicrosPerDay);  // a late line from before midnight
    }
  }
  last_time_ = t;
  *out = t;
  return true;
}

SbsLineStatus SbsParser::Parse(const SbsLine& line, SbsMessage* out) {
  *out = SbsMessage();
  out->kind = line.kind;
  const auto& f = line.fields;
  const bool msg = line.kind == SbsLineKind::kMsg;
  if (msg) {
    if (f[kSbsTransmissionType].size() != 1 || f[kSbsTransmissionType][0] < '1' ||
        f[kSbsTransmissionType][0] > '8') {
      return SbsLineStatus::kBadTransmissionType;
    }
    out->transmission_type = f[kSbsTransmissionType][0] - '0';
  }
  const std::string_view hex = f[kSbsHexIdent];
  if (!hex.empty() && hex[0] == '~') return SbsLineStatus::kNonIcao;
  if (!hex.empty() || msg) {
    uint32_t icao;
    if (!ParseIcao(hex, &icao)) return SbsLineStatus::kBadAddress;
    out->icao = icao;
  }

  uint32_t bad = 0;
  auto field = [&](SbsField i) { return f[i]; };
  auto mark = [&](SbsField i) { bad |= uint32_t{1} << i; };
  auto integer = [&](SbsField i, std::optional<int64_t>* o) {
    if (field(i).empty()) return;
    int64_t v;
    if (ParseInt(field(i), &v)) {
      *o = v;
    } else {
      mark(i);
    }
  };
  integer(kSbsSessionId, &out->session_id);
  integer(kSbsAircraftId, &out->aircraft_id);
  integer(kSbsFlightId, &out->flight_id);

  auto date_time = [&](SbsField date, SbsField time, std::optional<Time>* o) {
    Time t;
    bool bad_date, bad_time;
    if (ParseDateTime(field(date), field(time), &t, &bad_date, &bad_time)) *o = t;
    if (bad_date) mark(date);
    if (bad_time) mark(time);
  };
  date_time(kSbsDateGenerated, kSbsTimeGenerated, &out->generated);
  date_time(kSbsDateLogged, kSbsTimeLogged, &out->logged);

  if (line.kind == SbsLineKind::kSta) {
    out->sta_status = field(kSbsCallsign);
  } else if (!field(kSbsCallsign).empty()) {
    const std::string_view cs = TrimSpaces(field(kSbsCallsign));
    if (ValidCallsign(cs)) {
      out->callsign = cs;
    } else if (!cs.empty()) {
      mark(kSbsCallsign);
    }
  }
  if (!msg) {
    out->bad_fields = bad;
    return SbsLineStatus::kOk;
  }

  auto number = [&](SbsField i, double lo, double hi, std::optional<double>* o) {
    if (field(i).empty()) return;
    double v;
    if (ParseNumber(field(i), lo, hi, &v)) {
      *o = v;
    } else {
      mark(i);
    }
  };
  number(kSbsAltitude, -5000, 200000, &out->altitude_ft);
  number(kSbsGroundSpeed, 0, 5000, &out->ground_speed_kt);
  number(kSbsTrack, 0, 360, &out->track_deg);
  if (out->track_deg && *out->track_deg == 360) out->track_deg = 0.0;
  number(kSbsLatitude, -90, 90, &out->lat_deg);
  number(kSbsLongitude, -180, 180, &out->lng_deg);
  number(kSbsVerticalRate, -100000, 100000, &out->vertical_rate_fpm);
  if (!field(kSbsSquawk).empty()) {
    uint16_t sq;
    if (ParseSquawk(field(kSbsSquawk), &sq)) {
      out->squawk = sq;
    } else {
      mark(kSbsSquawk);
    }
  }
  auto flag = [&](SbsField i, std::optional<bool>* o) {
    if (field(i).empty()) return;
    bool v;
    if (ParseFlag(field(i), &v)) {
      *o = v;
    } else {
      mark(i);
    }
  };
  flag(kSbsAlert, &out->alert);
  flag(kSbsEmergency, &out->emergency);
  flag(kSbsSpi, &out->spi);
  flag(kSbsOnGround, &out->on_ground);
  out->bad_fields = bad;
  return SbsLineStatus::kOk;
}

template <typename T>
bool SbsMerger::Fresh(const Seen<T>& s, Time now, Duration max_age) {
  if (s.at == Time::Min()) return false;
  const Duration age = now > s.at ? now - s.at : s.at - now;
  if (age <= max_age) return true;
  ++counters_.stale_fields;
  return false;
}

void SbsMerger::Sweep(Time now) {
  // At most once per second of message time, so that a full table of live
  // aircraft does not cost a scan per new address.
  if (last_sweep_) {
    const Duration since = now > *last_sweep_ ? now - *last_sweep_ : *last_sweep_ - now;
    if (since < Duration::Seconds(1)) return;
  }
  last_sweep_ = now;
  const Duration keep = std::max(options_.max_field_age, options_.max_callsign_age);
  for (auto it = state_.begin(); it != state_.end();) {
    const Duration age = now > it->second.last ? now - it->second.last : it->second.last - now;
    if (age > keep) {
      state_.erase(it++);
      ++counters_.removed;
    } else {
      ++it;
    }
  }
}

SbsMerger::Aircraft* SbsMerger::Find(uint32_t icao, Time now) {
  auto it = state_.find(icao);
  if (it != state_.end()) return &it->second;
  if (state_.size() >= options_.max_aircraft) {
    Sweep(now);
    if (state_.size() >= options_.max_aircraft) return nullptr;
  }
  return &state_[icao];
}

bool SbsMerger::Merge(const SbsMessage& msg, monitor::TrackReport* out) {
  if (!msg.icao) return false;
  const bool position = msg.kind == SbsLineKind::kMsg &&
                        (msg.transmission_type == 2 || msg.transmission_type == 3) &&
                        msg.lat_deg && msg.lng_deg;
  const std::optional<Time> time = msg.time();
  if (!time) {
    // Nothing undated is merged: its age could not be judged.
    if (position) ++counters_.positions_without_time;
    return false;
  }
  const Time now = *time;
  if (msg.kind == SbsLineKind::kSta && msg.sta_status == "RM") {
    counters_.removed += state_.erase(*msg.icao);
    return false;
  }
  if (msg.kind != SbsLineKind::kMsg && msg.kind != SbsLineKind::kId) return false;

  Aircraft* a = Find(*msg.icao, now);
  if (a == nullptr) {
    ++counters_.untracked;
  } else {
    a->last = now;
    if (msg.callsign) {
      a->callsign.value.fill('\0');
      std::memcpy(a->callsign.value.data(), msg.callsign->data(), msg.callsign->size());
      a->callsign.at = now;
    }
    auto keep = [now](const std::optional<double>& v, Seen<double>* s) {
      if (v) {
        s->value = *v;
        s->at = now;
      }
    };
    keep(msg.altitude_ft, &a->altitude_ft);
    keep(msg.ground_speed_kt, &a->ground_speed_kt);
    keep(msg.track_deg, &a->track_deg);
    keep(msg.vertical_rate_fpm, &a->vertical_rate_fpm);
  }
  if (!position) return false;

  static constexpr char kHex[] = "0123456789abcdef";
  char hex[6];
  for (int i = 0; i < 6; ++i) hex[i] = kHex[(*msg.icao >> (20 - 4 * i)) & 0xf];
  out->icao24.assign(hex, 6);
  out->lat_deg = *msg.lat_deg;
  out->lng_deg = *msg.lng_deg;
  out->time = now;

  // The message's own field, else the aircraft's if fresh enough; converted.
  auto pick = [&](const std::optional<double>& own, Seen<double> Aircraft::*seen,
                  double scale) -> std::optional<double> {
    if (own) return *own * scale;
    if (a != nullptr && Fresh(a->*seen, now, options_.max_field_age)) {
      return (a->*seen).value * scale;
    }
    return std::nullopt;
  };
  if (msg.callsign) {
    out->callsign.assign(msg.callsign->data(), msg.callsign->size());
  } else if (a != nullptr && Fresh(a->callsign, now, options_.max_callsign_age)) {
    const auto& cs = a->callsign.value;
    out->callsign.assign(cs.data(), std::find(cs.begin(), cs.end(), '\0') - cs.begin());
  } else {
    out->callsign.clear();
  }
  // A surface position (MSG,2) has no barometric altitude; an airborne one's
  // altitude from before landing would mislead.
  out->alt_m = msg.transmission_type == 2
                   ? std::nullopt
                   : pick(msg.altitude_ft, &Aircraft::altitude_ft, kMetersPerFoot);
  out->gs_mps = pick(msg.ground_speed_kt, &Aircraft::ground_speed_kt, kMpsPerKnot);
  out->track_deg = pick(msg.track_deg, &Aircraft::track_deg, 1.0);
  out->vrate_mps = pick(msg.vertical_rate_fpm, &Aircraft::vertical_rate_fpm, kMpsPerFootPerMinute);
  ++counters_.reports;
  return true;
}

uint64_t SbsCounters::bad_lines_total() const {
  uint64_t n = 0;
  for (uint64_t c : bad_lines) n += c;
  return n;
}

SbsDecoder::SbsDecoder(SbsDecoderOptions options)
    : parser_(options.parser), merger_(options.merger) {
  partial_.reserve(kMaxSbsLineBytes + 2);
}

void SbsDecoder::Count(SbsLineStatus status) {
  switch (status) {
    case SbsLineStatus::kOk: return;
    case SbsLineStatus::kBlank: ++counters_.blank; return;
    case SbsLineStatus::kNonIcao: ++counters_.non_icao; return;
    default: ++counters_.bad_lines[static_cast<int>(status)]; return;
  }
}

bool SbsDecoder::DecodeLine(std::string_view line, monitor::TrackReport* out,
                            SbsLineStatus* status) {
  ++counters_.lines;
  SbsLineStatus s = CheckSbsLine(line, &line_);
  if (s == SbsLineStatus::kOk) s = parser_.Parse(line_, &message_);
  if (status != nullptr) *status = s;
  Count(s);
  if (s != SbsLineStatus::kOk) return false;
  ++counters_.by_kind[static_cast<int>(message_.kind)];
  if (message_.kind == SbsLineKind::kMsg) ++counters_.msg_by_type[message_.transmission_type];
  counters_.bad_fields += message_.bad_field_count();
  return merger_.Merge(message_, out);
}

void SbsDecoder::Feed(std::string_view bytes, ReportSink sink) {
  // The longest unterminated start of a line that may still be good: the text
  // and a '\r' before its '\n'.
  constexpr size_t kMaxPending = kMaxSbsLineBytes + 1;
  while (!bytes.empty()) {
    const void* nl_ptr = std::memchr(bytes.data(), '\n', bytes.size());
    if (nl_ptr == nullptr) {
      if (discarding_) return;
      if (partial_.size() + bytes.size() > kMaxPending) {
        ++counters_.lines;
        ++counters_.bad_lines[static_cast<int>(SbsLineStatus::kTooLong)];
        partial_.clear();
        discarding_ = true;
      } else {
        partial_.append(bytes);
      }
      return;
    }
    const size_t nl = static_cast<const char*>(nl_ptr) - bytes.data();
    std::string_view line = bytes.substr(0, nl + 1);
    bytes.remove_prefix(nl + 1);
    if (discarding_) {
      discarding_ = false;  // the end of a too-long line, already counted
      continue;
    }
    if (!partial_.empty()) {
      if (partial_.size() + line.size() > kMaxPending + 1) {
        // Too long: let CheckSbsLine say so without copying the rest.
        partial_.clear();
        ++counters_.lines;
        ++counters_.bad_lines[static_cast<int>(SbsLineStatus::kTooLong)];
        continue;
      }
      partial_.append(line);
      line = partial_;
    }
    if (DecodeLine(line, &report_)) sink(report_);
    partial_.clear();
  }
}

void SbsDecoder::Finish() {
  if (!partial_.empty()) {
    // Counted as unterminated; such a line never yields a report.
    monitor::TrackReport unused;
    DecodeLine(partial_, &unused);
  }
  partial_.clear();
  discarding_ = false;
}

SbsCounters SbsDecoder::counters() const {
  SbsCounters c = counters_;
  c.merger = merger_.counters();
  return c;
}

}  // namespace jic::ingest
