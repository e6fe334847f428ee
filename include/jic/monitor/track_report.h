// TrackReport: one position report of one aircraft, as every feed delivers
// it to the monitor (SBS-1 after merging its message types, POST /v1/tracks,
// replays). Times are the report's own (monitoring never reads the clock).
#pragma once

#include <optional>
#include <string>

#include "jic/base/units.h"

namespace jic::monitor {

struct TrackReport {
  std::string icao24;    // ICAO 24-bit address: 6 lower-case hex digits
  std::string callsign;  // trimmed; empty when unknown
  double lat_deg = 0;    // WGS84, -90..90
  double lng_deg = 0;    // WGS84, -180..180
  std::optional<double> alt_m;      // metres (SBS gives feet: converted)
  Time time;                        // when the aircraft was there (UTC)
  std::optional<double> gs_mps;     // ground speed, m/s
  std::optional<double> track_deg;  // true track angle, degrees clockwise from north, [0, 360)
  std::optional<double> vrate_mps;  // vertical rate, m/s (positive up)
};

}  // namespace jic::monitor
