// Monitor: the live track picture and the safety nets of AGREEMENT.md
// ("Monitoring"): area incursion, nonconformance, unreported flight and
// separation loss, actual and predicted.
//
// Reports go in, in the order received; what the monitor concludes comes out
// as alert transitions (raise, update, resolve) for the log. Time is the
// reports' own: the monitor never reads a clock, so a recorded feed replayed
// at any speed gives the same transitions.
//
// Rules it follows (AGREEMENT.md): a report that would need more than
// 1,000 m/s from the track's last plausible one is set aside and counted (and
// a new track is only followed once several reports agree: Options); an
// alert is raised when its condition holds on two consecutive plausible
// reports (of the track, or of either track of a pair), updated while it
// lasts, and resolved at the first report where it no longer holds; a track
// silent for stale_after_s (of report time) is dropped and its alerts
// resolved.
//
// Thread-safety: Process is for one thread at a time; Tracks() may be called
// from any thread concurrently with it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "jic/engine/center.h"
#include "jic/monitor/track_report.h"

namespace jic::monitor {

inline constexpr std::string_view kAreaIncursion = "area_incursion";
inline constexpr std::string_view kNonconformance = "nonconformance";
inline constexpr std::string_view kUnreportedFlight = "unreported_flight";
inline constexpr std::string_view kSeparationLoss = "separation_loss";

struct AlertTransition {
  enum class Kind { kRaise, kUpdate, kResolve };
  Kind kind = Kind::kRaise;
  std::string key;   // the same for every transition of one alert
  std::string type;  // one of the four above
  std::vector<std::string> parties;
  std::vector<std::string> tracks;  // ICAO addresses
  std::string operation;            // nonconformance: the associated operation
  std::string area;                 // area incursion
  bool predicted = false;
  Time time;                // the report time it was concluded at
  std::string detail_json;  // position, distances, times: a JSON object
};

// One aircraft as the picture shows it.
struct Track {
  std::string icao24;
  std::string callsign;
  std::string party;  // from the agreement's aircraft lists; "" when unknown
  TrackReport last;   // the latest plausible report
  // A plausible position of the trail.
  struct Point {
    double lat_deg = 0, lng_deg = 0;
    std::optional<double> alt_m;
    Time time;
  };
  // The last few plausible positions (Options::trail_length): a ring, oldest
  // at trail[trail_head] once it is full (oldest first until then).
  std::vector<Point> trail;
  size_t trail_head = 0;
  std::vector<std::string> operations;  // associated operations (ids)
  uint64_t reports = 0;                 // plausible reports followed; 0: tentative (not shown)
  uint64_t implausible = 0;             // reports set aside
  Time last_seen = Time::Min();         // the latest report, plausible or not
  // Runs of mutually plausible reports not (yet) followed: the track's start,
  // or the aircraft seen elsewhere than the track says (see Options).
  std::vector<std::vector<TrackReport>> runs;
};

// How it is fast (docs/monitoring.md, "How the monitor keeps up"): tracks
// by their 24-bit address in a flat table; alert state keyed by small
// integers (strings are made only for the transitions emitted); each
// track's association with its operations kept until the center changes
// (its last_seq), its callsign changes, or report time crosses a volume's
// window; areas found through a grid of the areas a reject rule concerns
// (per party and category) and the AreaPointIndex, with the exact
// RuleBook predicate wherever the index is not certain; separation
// candidates from a 0.5 degree grid of compact records, searched as far as
// the fastest track can close. It decides exactly as ReferenceMonitor
// (reference_monitor.h), the straightforward evaluation, does: the
// differential test holds it to that.
class Monitor {
 public:
  struct Options {
    size_t trail_length = 20;
    double implausible_speed_mps = 1000;
    // Distance allowed whatever the time between two reports: receivers
    // stamp messages when they decode them, in bursts (recordings show
    // successive positions a few milliseconds apart and hundreds of metres
    // apart), so time differences below a couple of seconds say little.
    // 2 km is 2 s at 1,000 m/s; bad CPR decodes land hundreds of km away.
    double position_noise_m = 2000;
    // Track initiation (M of N): a track is followed once this many mutually
    // plausible reports agree, or two that span confirm_seconds; until then
    // it is tentative (not shown, no alerts). A run of restart_reports (or
    // one spanning confirm_seconds) moves a followed track that turns out to
    // have been following outliers.
    size_t confirm_reports = 5;
    double confirm_seconds = 10;
    // Reports that must agree, away from a followed track, to move it there.
    size_t restart_reports = 5;
    // An open alert is updated at most this often (report time), and when
    // it turns from predicted to actual or back.
    double update_every_s = 30;
  };
  struct Stats {
    uint64_t reports = 0, implausible = 0, out_of_order = 0, dropped_tracks = 0, restarted = 0;
    uint64_t raised = 0, updated = 0, resolved = 0;
  };

  explicit Monitor(Options options);
  Monitor() : Monitor(Options()) {}
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Runs `reports` (in order) against the center's agreement and operations,
  // appending what changes to `out`. REQUIRES: the center does not change
  // during the call (hold the coordinator's read lock); numbers are finite,
  // as the feeds deliver them (a report with a non-finite position is set
  // aside as implausible).
  void Process(const engine::Center& center, std::span<const TrackReport> reports,
               std::vector<AlertTransition>* out);

  // Drops the tracks silent since before `now` - stale_after_s (report time),
  // resolving their alerts. Process does it as report time advances.
  void Expire(const engine::Center& center, Time now, std::vector<AlertTransition>* out);

  // GET /v1/tracks: {"time": latest report time, "tracks": [...]}.
  std::string TracksJson() const;
  size_t track_count() const;
  Stats stats() const;

  struct State;  // monitor.cc: the implementation's own

 private:
  // `hex`: r.icao24 as a 24-bit address, or -1 (as Process parsed it).
  void OnReport(const engine::Center& center, const TrackReport& r, int64_t hex,
                std::vector<AlertTransition>* out);

  const Options options_;
  mutable std::mutex mu_;  // guards the tracks' public part and stats_ for readers
  std::unique_ptr<State> st_;
  Time clock_ = Time::Min();  // the latest report time
  Time last_expire_ = Time::Min();
  Stats stats_;  // guarded by mu_
};

}  // namespace jic::monitor
