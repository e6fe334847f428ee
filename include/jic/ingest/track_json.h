// The body of POST /v1/tracks: a batch of position reports as JSON.
//
//   {"reports": [{"icao24": "4d2023", "callsign": "AMC421", "lat": 37.09438, "lng": 13.78843,
//                 "alt_m": 6926.6, "time": "2026-11-25T11:54:44.047Z",
//                 "gs_mps": 199.1, "track_deg": 158, "vrate_mps": -9.75}]}
//
// Required: icao24 (6 hex digits, either case; stored lower-case), lat (-90..90),
// lng (-180..180), alt_m (-8,000..100,000 m, or null when unknown, e.g. on the
// surface) and time (RFC 3339). Optional, absent or null when unknown: callsign
// (1-8 letters or digits after trimming spaces), gs_mps (0..2,000), track_deg
// ([0, 360]; 360 reads as 0) and vrate_mps (-1,000..1,000). Unknown and repeated
// keys are errors. A batch is taken whole or not at all: one bad report refuses
// the batch, and the Status lists every problem with its path
// ("reports[3].lat: latitude 91 is outside -90..90").
//
// Parsed with simdjson (DOM), which validates UTF-8 and reads 10+ M reports/s.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jic/base/status.h"
#include "jic/monitor/track_report.h"

namespace jic::ingest {

inline constexpr size_t kMaxTrackBatchReports = 10000;
// A larger body is refused before it is parsed (10,000 reports of ~250 bytes fit
// with room for whitespace).
inline constexpr size_t kMaxTrackBatchBytes = 8 * 1024 * 1024;
// At most this many problems are listed; a last entry says how many more there were.
inline constexpr size_t kMaxTrackBatchErrors = 100;

// Parses batches, reusing its buffers from one call to the next (no allocation
// per call once warm, except for the reports' vector). Holds up to the largest
// body seen (at most kMaxTrackBatchBytes) plus simdjson's tape for it.
// Not thread-safe: one per thread.
class TrackBatchParser {
 public:
  TrackBatchParser();
  ~TrackBatchParser();
  TrackBatchParser(const TrackBatchParser&) = delete;
  TrackBatchParser& operator=(const TrackBatchParser&) = delete;

  // Returns the batch's reports in order, or kInvalidArgument listing each
  // problem by path (an empty path: the body as a whole, e.g. malformed JSON).
  Result<std::vector<monitor::TrackReport>> Parse(std::string_view body);

  // The same into *out, whose contents are replaced (on failure: left empty).
  // A caller that keeps its vector from one batch to the next reuses its
  // reports' storage.
  Status Parse(std::string_view body, std::vector<monitor::TrackReport>* out);

 private:
  Status ParseInto(std::string_view body, std::vector<monitor::TrackReport>* out);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot form of TrackBatchParser::Parse (builds a parser per call).
Result<std::vector<monitor::TrackReport>> ParseTrackBatchJson(std::string_view body);

// The batch as a body ParseTrackBatchJson reads back to equal reports: numbers
// in their shortest round-trip form, time as RFC 3339 UTC, alt_m null when
// unknown, other unknown optional fields left out.
// REQUIRES: every report valid as above (e.g. one that ParseTrackBatchJson or
// SbsMerger produced).
std::string TrackBatchToJson(const std::vector<monitor::TrackReport>& reports);

}  // namespace jic::ingest
