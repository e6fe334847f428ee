// libFuzzer target: a POST /v1/tracks body must give reports or field errors,
// never a crash; accepted reports hold TrackReport's contract and survive a
// JSON round trip unchanged; a reused parser answers as a fresh one does.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "jic/ingest/track_json.h"

namespace {

using jic::monitor::TrackReport;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool Same(const TrackReport& a, const TrackReport& b) {
  return a.icao24 == b.icao24 && a.callsign == b.callsign && a.lat_deg == b.lat_deg &&
         a.lng_deg == b.lng_deg && a.alt_m == b.alt_m && a.time == b.time &&
         a.gs_mps == b.gs_mps && a.track_deg == b.track_deg && a.vrate_mps == b.vrate_mps;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  static jic::ingest::TrackBatchParser reused;

  auto fresh = jic::ingest::ParseTrackBatchJson(body);
  std::vector<TrackReport> again;
  jic::Status s = reused.Parse(body, &again);
  Check(s.ok() == fresh.ok());
  if (!fresh.ok()) {
    Check(!fresh.status().errors().empty());
    Check(fresh.status().ToString() == s.ToString());
    Check(again.empty());
    return 0;
  }
  const std::vector<TrackReport>& reports = *fresh;
  Check(reports.size() <= jic::ingest::kMaxTrackBatchReports);
  Check(again.size() == reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    const TrackReport& r = reports[i];
    Check(Same(r, again[i]));
    Check(r.icao24.size() == 6 && r.callsign.size() <= 8);
    Check(r.lat_deg >= -90 && r.lat_deg <= 90 && r.lng_deg >= -180 && r.lng_deg <= 180);
    Check(!r.track_deg || (*r.track_deg >= 0 && *r.track_deg < 360));
    Check(!r.gs_mps || *r.gs_mps >= 0);
    Check(r.time.is_finite());
  }
  auto round = jic::ingest::ParseTrackBatchJson(jic::ingest::TrackBatchToJson(reports));
  Check(round.ok() && round->size() == reports.size());
  for (size_t i = 0; i < reports.size(); ++i) Check(Same(reports[i], (*round)[i]));
  return 0;
}
