// SBS-1 "BaseStation" text, the format dump1090 serves on TCP port 30003, decoded
// into monitor::TrackReports. One line per message:
//
//   MSG,3,1,1,4D2023,1,2026/11/25,11:54:44.047,2026/11/25,11:54:44.094,,22725,,,37.09438,13.78843,,,,,,
//   kind,type,session,aircraft,hexident,flight,date_gen,time_gen,date_log,time_log,callsign,
//   altitude(ft),groundspeed(kt),track(deg),lat,lon,vertical_rate(ft/min),squawk,alert,emergency,
//   spi,is_on_ground
//
// plus the rarer SEL, ID, AIR, STA and CLK lines. Decoding is staged, each stage a
// separate call that a test or a tool can use alone:
//
//   1. CheckSbsLine: the line's integrity (length, printable ASCII, its kind and field
//      count, the newline that ends it); the line is kept verbatim, split into fields.
//   2. SbsParser: typed fields, each valid or not on its own (std::optional): a bad
//      number spoils its field, not the line.
//   3. SbsMerger: per aircraft, the freshest callsign, altitude, speed, track and
//      vertical rate, so that each position message (MSG,2 and MSG,3) becomes a
//      complete TrackReport.
//
// SbsDecoder runs the three over a byte stream (a socket, a file) and counts every
// line it skips and why. Nothing here throws or aborts, whatever the bytes; a bad
// line is counted and skipped. The common path allocates nothing per line.
//
// The decoder reports what the line says: a position 660 km off (a bad CPR
// decode) is decoded as such; judging plausibility is the monitor's job.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "jic/base/units.h"
#include "jic/monitor/track_report.h"

namespace jic::ingest {

// The longest line accepted, without its line terminator.
inline constexpr size_t kMaxSbsLineBytes = 512;
// Fields of a MSG line; other kinds have fewer (SEL, ID, STA 11; AIR, CLK 10).
inline constexpr int kSbsMsgFields = 22;

// Unit conversions of the SBS fields.
inline constexpr double kMetersPerFoot = 0.3048;
inline constexpr double kMpsPerKnot = 1852.0 / 3600.0;
inline constexpr double kMpsPerFootPerMinute = 0.3048 / 60.0;

enum class SbsLineKind : uint8_t { kMsg, kSel, kId, kAir, kSta, kClk };
inline constexpr int kSbsLineKinds = 6;

// Names of the fields by their 0-based position in the line.
enum SbsField : uint8_t {
  kSbsKind = 0,
  kSbsTransmissionType = 1,
  kSbsSessionId = 2,
  kSbsAircraftId = 3,
  kSbsHexIdent = 4,
  kSbsFlightId = 5,
  kSbsDateGenerated = 6,
  kSbsTimeGenerated = 7,
  kSbsDateLogged = 8,
  kSbsTimeLogged = 9,
  kSbsCallsign = 10,  // SEL and ID: the callsign; STA: the status (PL, SL, RM, AD, OK)
  kSbsAltitude = 11,
  kSbsGroundSpeed = 12,
  kSbsTrack = 13,
  kSbsLatitude = 14,
  kSbsLongitude = 15,
  kSbsVerticalRate = 16,
  kSbsSquawk = 17,
  kSbsAlert = 18,
  kSbsEmergency = 19,
  kSbsSpi = 20,
  kSbsOnGround = 21,
};

// What became of one line. kOk, kBlank and kNonIcao are not faults: a blank line
// is a heartbeat, and a '~'-prefixed address (TIS-B, non-ICAO) names no aircraft
// the agreement can list. Every other value is a bad line, counted by reason.
enum class SbsLineStatus : uint8_t {
  kOk = 0,
  kBlank,               // empty line ("\n" or "\r\n"): skipped, counted apart
  kNonIcao,             // '~' address: skipped, counted apart
  kTooLong,             // more than kMaxSbsLineBytes before the terminator
  kUnterminated,        // no '\n' at the end (a stream cut mid-line)
  kNotPrintable,        // a byte outside printable ASCII (0x20-0x7e) before the terminator
  kUnknownKind,         // the first field is not MSG, SEL, ID, AIR, STA or CLK
  kFieldCount,          // MSG without exactly 22 fields, others with too few or > 22
  kBadTransmissionType, // MSG whose second field is not 1..8
  kBadAddress,          // hexident not 6 hex digits (missing on a line that needs one)
};
inline constexpr int kSbsLineStatuses = 10;

// A short snake_case name for metrics labels ("too_long", "field_count").
const char* SbsLineStatusName(SbsLineStatus status);
const char* SbsLineKindName(SbsLineKind kind);  // "MSG", "SEL", ...

// Stage 1: one line, verbatim. The views point into the caller's buffer and are
// valid as long as it is.
struct SbsLine {
  std::string_view text;  // the line without its terminator ("\n" or "\r\n")
  SbsLineKind kind = SbsLineKind::kMsg;
  int field_count = 0;
  std::array<std::string_view, kSbsMsgFields> fields;  // [field_count, 22) are empty
};

// Checks the integrity of `line`, which must include its terminating '\n'
// (optionally preceded by '\r'), and splits it into fields. Returns kOk and fills
// *out; kBlank for an empty line; otherwise the reason the line is bad (*out is
// then unspecified). Allocates nothing.
[[nodiscard]] SbsLineStatus CheckSbsLine(std::string_view line, SbsLine* out);

// Stage 2: the typed fields of one line. An empty field is std::nullopt; a field
// that is present but malformed or out of range is also std::nullopt and its bit
// (1 << SbsField) is set in bad_fields. Values are as the line gives them (feet,
// knots, feet per minute); the merger converts them.
struct SbsMessage {
  SbsLineKind kind = SbsLineKind::kMsg;
  int transmission_type = 0;  // MSG: 1..8; other kinds: 0
  std::optional<uint32_t> icao;  // 24-bit address; always set on MSG lines
  std::optional<int64_t> session_id, aircraft_id, flight_id;
  std::optional<Time> generated;  // date + time generated (fields 7, 8), UTC
  std::optional<Time> logged;     // date + time logged (fields 9, 10), UTC
  std::optional<std::string_view> callsign;  // trimmed; 1-8 letters or digits
  std::optional<double> altitude_ft;         // -5,000..200,000
  std::optional<double> ground_speed_kt;     // 0..5,000
  std::optional<double> track_deg;           // [0, 360); 360 reads as 0
  std::optional<double> lat_deg;             // -90..90
  std::optional<double> lng_deg;             // -180..180
  std::optional<double> vertical_rate_fpm;   // -100,000..100,000
  std::optional<uint16_t> squawk;            // the 12-bit Mode A code (4 octal digits)
  std::optional<bool> alert, emergency, spi, on_ground;  // "0" false; "-1" or "1" true
  std::string_view sta_status;  // STA lines: PL, SL, RM, AD or OK, as given
  uint32_t bad_fields = 0;      // bit (1 << SbsField) per malformed field

  // The message's own time: generated, else logged; nullopt when neither is valid.
  std::optional<Time> time() const { return generated ? generated : logged; }
  int bad_field_count() const { return std::popcount(bad_fields); }
};

struct SbsParserOptions {
  // The UTC day used for a time whose date field is empty before any line has
  // carried a date (later lines use the last date seen). Only its day counts.
  // Default: none (such a time is not valid).
  std::optional<Time> default_date;
  // The feed's clock minus UTC. dump1090 writes the host's local time; a host
  // that does not run on UTC needs its offset here. Default: 0.
  Duration utc_offset;
};

// Stage 2. Keeps the last date seen, so it reads one stream; use one per feed.
// Not thread-safe.
class SbsParser {
 public:
  explicit SbsParser(SbsParserOptions options = {}) : options_(options) {}

  // Parses a line that CheckSbsLine accepted. Returns kOk and fills *out (whose
  // views point into line.text); kNonIcao for a '~' address; kBadTransmissionType
  // or kBadAddress when the line cannot be attributed to an aircraft message.
  // A malformed field is not a failure: see SbsMessage::bad_fields.
  // When a date field is empty its time takes the date of the last line that had
  // one (or options.default_date), moved by a day when that puts it within 12 h
  // of the last time seen: past midnight the undated times are on the next day,
  // and a late line from just before midnight stays on the day before.
  [[nodiscard]] SbsLineStatus Parse(const SbsLine& line, SbsMessage* out);

 private:
  bool ParseDateTime(std::string_view date, std::string_view time, Time* out, bool* bad_date,
                     bool* bad_time);

  SbsParserOptions options_;
  // The last valid date field, and its day number (cache: most lines repeat it).
  std::array<char, 10> date_text_{};
  bool have_date_ = false;
  int64_t date_days_ = 0;
  // The day given to undated times: the last date seen (or the default),
  // advanced when midnight passes.
  std::optional<int64_t> infer_days_;
  std::optional<Time> last_time_;  // the last valid time
};

struct SbsMergerOptions {
  // A merged altitude, ground speed, track or vertical rate older than this (in
  // message time) is left out of a report. Default: 30 s.
  Duration max_field_age = Duration::Seconds(30);
  // The same for the callsign, which changes rarely and is sent less often.
  // Default: 300 s.
  Duration max_callsign_age = Duration::Seconds(300);
  // The most aircraft whose state is kept. When full, aircraft silent for longer
  // than both ages are dropped; when that frees nothing, a new aircraft's
  // messages are reported without merging (counted in untracked). Default: 65536.
  size_t max_aircraft = 65536;
};

struct SbsMergerCounters {
  uint64_t reports = 0;                 // TrackReports emitted
  uint64_t positions_without_time = 0;  // a valid position but no valid time: not reported
  uint64_t stale_fields = 0;            // merged fields left out for their age
  uint64_t untracked = 0;               // messages not merged because the table was full
  uint64_t removed = 0;                 // aircraft dropped (STA RM, or silent when full)
};

// Stage 3: merges the message types of each aircraft. Not thread-safe.
class SbsMerger {
 public:
  explicit SbsMerger(SbsMergerOptions options = {}) : options_(options) {}

  // Folds `msg` into its aircraft's state. When `msg` is a MSG,2 or MSG,3 with a
  // valid latitude, longitude and time, fills *out with its position and time and
  // the freshest other fields (the message's own first), and returns true; a
  // surface position (MSG,2) carries no altitude. Otherwise returns false and
  // leaves *out alone. An ID line sets the callsign; STA with status RM drops the
  // aircraft. Values are converted to metres, m/s and m/s up; icao24 is 6
  // lower-case hex digits. Reuse *out: its strings then allocate nothing.
  bool Merge(const SbsMessage& msg, monitor::TrackReport* out);

  size_t aircraft() const { return state_.size(); }
  const SbsMergerCounters& counters() const { return counters_; }

 private:
  template <typename T>
  struct Seen {
    T value{};
    Time at = Time::Min();  // Min(): never seen
  };
  struct Aircraft {
    Seen<std::array<char, 8>> callsign;  // NUL-padded
    Seen<double> altitude_ft, ground_speed_kt, track_deg, vertical_rate_fpm;
    Time last = Time::Min();
  };

  Aircraft* Find(uint32_t icao, Time now);
  template <typename T>
  bool Fresh(const Seen<T>& s, Time now, Duration max_age);
  void Sweep(Time now);

  SbsMergerOptions options_;
  absl::flat_hash_map<uint32_t, Aircraft> state_;
  std::optional<Time> last_sweep_;
  SbsMergerCounters counters_;
};

struct SbsDecoderOptions {
  SbsParserOptions parser;
  SbsMergerOptions merger;
};

// Every count an SBS feed exports as metrics.
struct SbsCounters {
  uint64_t lines = 0;     // every line, good or bad (a cut last line included)
  uint64_t blank = 0;     // heartbeats
  uint64_t non_icao = 0;  // '~' addresses, skipped
  std::array<uint64_t, kSbsLineKinds> by_kind{};  // good lines by SbsLineKind
  std::array<uint64_t, 9> msg_by_type{};          // good MSG lines by transmission type 1..8
  std::array<uint64_t, kSbsLineStatuses> bad_lines{};  // by SbsLineStatus (kTooLong..)
  uint64_t bad_fields = 0;  // malformed fields in good lines
  SbsMergerCounters merger;

  uint64_t bad_lines_total() const;
};

// The three stages over a byte stream. Not thread-safe: one per feed.
class SbsDecoder {
 public:
  using ReportSink = absl::FunctionRef<void(const monitor::TrackReport&)>;

  explicit SbsDecoder(SbsDecoderOptions options = {});

  // Decodes the next bytes of the stream, split anywhere (a line may straddle
  // calls: its start is kept until its end arrives). Calls sink for each report,
  // in stream order; the reference is valid during the call only. A line that
  // grows past kMaxSbsLineBytes is counted as too long and skipped up to its
  // newline without being buffered.
  void Feed(std::string_view bytes, ReportSink sink);

  // Ends the stream: an unfinished last line is counted (kUnterminated) and
  // dropped. The decoder may then read a new stream; merged state is kept.
  void Finish();

  // Decodes one whole line, terminator included. Returns true and fills *out when
  // it yields a report. Returns what became of the line in *status if not null.
  bool DecodeLine(std::string_view line, monitor::TrackReport* out,
                  SbsLineStatus* status = nullptr);

  // A snapshot of the counts so far.
  SbsCounters counters() const;
  const SbsMerger& merger() const { return merger_; }

 private:
  void Count(SbsLineStatus status);

  SbsParser parser_;
  SbsMerger merger_;
  SbsCounters counters_;  // all but merger
  std::string partial_;   // the start of a line cut by the end of a Feed
  bool discarding_ = false;  // skipping the rest of a too-long line
  SbsLine line_;
  SbsMessage message_;
  monitor::TrackReport report_;
};

}  // namespace jic::ingest
