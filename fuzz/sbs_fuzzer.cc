// libFuzzer target: the SBS-1 decoder must take any bytes without crashing,
// give the same reports and counts wherever the stream is cut, account for
// every line, and emit only reports that hold TrackReport's contract.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jic/ingest/sbs_decoder.h"

namespace {

using jic::ingest::SbsCounters;
using jic::ingest::SbsDecoder;
using jic::ingest::SbsDecoderOptions;
using jic::monitor::TrackReport;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool ValidReport(const TrackReport& r) {
  if (r.icao24.size() != 6) return false;
  for (char c : r.icao24) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  if (r.callsign.size() > 8) return false;
  for (char c : r.callsign) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  if (!(r.lat_deg >= -90 && r.lat_deg <= 90 && r.lng_deg >= -180 && r.lng_deg <= 180)) return false;
  if (r.alt_m && !std::isfinite(*r.alt_m)) return false;
  if (r.gs_mps && !(*r.gs_mps >= 0 && std::isfinite(*r.gs_mps))) return false;
  if (r.track_deg && !(*r.track_deg >= 0 && *r.track_deg < 360)) return false;
  if (r.vrate_mps && !std::isfinite(*r.vrate_mps)) return false;
  return r.time.is_finite();
}

bool Same(const TrackReport& a, const TrackReport& b) {
  return a.icao24 == b.icao24 && a.callsign == b.callsign && a.lat_deg == b.lat_deg &&
         a.lng_deg == b.lng_deg && a.alt_m == b.alt_m && a.time == b.time &&
         a.gs_mps == b.gs_mps && a.track_deg == b.track_deg && a.vrate_mps == b.vrate_mps;
}

bool Same(const SbsCounters& a, const SbsCounters& b) {
  return a.lines == b.lines && a.blank == b.blank && a.non_icao == b.non_icao &&
         a.by_kind == b.by_kind && a.msg_by_type == b.msg_by_type && a.bad_lines == b.bad_lines &&
         a.bad_fields == b.bad_fields && a.merger.reports == b.merger.reports &&
         a.merger.positions_without_time == b.merger.positions_without_time &&
         a.merger.stale_fields == b.merger.stale_fields &&
         a.merger.untracked == b.merger.untracked && a.merger.removed == b.merger.removed;
}

SbsDecoderOptions Options() {
  SbsDecoderOptions o;
  o.parser.default_date = jic::Time::FromUnixSeconds(1764028800);  // 2025-11-25
  o.merger.max_aircraft = 4;  // small, so that the sweep and the full table are reached
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  SbsDecoder whole(Options());
  std::vector<TrackReport> a;
  whole.Feed(text, [&](const TrackReport& r) { a.push_back(r); });
  whole.Finish();

  // Cut the stream at places that depend on the input.
  SbsDecoder cut(Options());
  std::vector<TrackReport> b;
  size_t step = 1 + (size > 0 ? data[0] % 97 : 0);
  for (size_t i = 0; i < size;) {
    cut.Feed(text.substr(i, step), [&](const TrackReport& r) { b.push_back(r); });
    i += step;
    step = 1 + (step * 31 + 7) % 211;
  }
  cut.Finish();

  const SbsCounters ca = whole.counters();
  Check(Same(ca, cut.counters()));
  Check(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    Check(ValidReport(a[i]));
    Check(Same(a[i], b[i]));
  }
  Check(ca.merger.reports == a.size());
  uint64_t good = 0;
  for (uint64_t n : ca.by_kind) good += n;
  Check(ca.lines == ca.blank + ca.non_icao + good + ca.bad_lines_total());
  Check(whole.merger().aircraft() <= 4);
  return 0;
}
