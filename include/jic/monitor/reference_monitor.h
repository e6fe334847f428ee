// ReferenceMonitor: the monitor as it was first written (until 2026-11),
// evaluating every report straightforwardly: each alert condition recomputed
// from the center's own lookups (RuleBook::AreasMet, OperationsOfAircraft),
// string-keyed state, a 1 degree neighbour grid. Monitor (monitor.h) must
// decide exactly as it does; this copy is kept as the oracle of the
// differential test (tests/monitor/monitor_differential_test.cc) and as the
// baseline of the monitor benchmark (jic_monitor_bench --reference). Same
// interface and semantics as Monitor; not used by the service.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "jic/engine/center.h"
#include "jic/monitor/monitor.h"
#include "jic/monitor/track_report.h"

namespace jic::monitor {

// One aircraft as the picture shows it.
struct ReferenceTrack {
  std::string icao24;
  std::string callsign;
  std::string party;                    // from the agreement's aircraft lists; "" when unknown
  TrackReport last;                     // the latest plausible report
  std::deque<TrackReport> trail;        // the last few plausible reports, oldest first
  std::vector<std::string> operations;  // associated operations (ids)
  uint64_t reports = 0;                 // plausible reports followed; 0: tentative (not shown)
  uint64_t implausible = 0;             // reports set aside
  Time last_seen = Time::Min();         // the latest report, plausible or not
  // Runs of mutually plausible reports not (yet) followed: the track's start,
  // or the aircraft seen elsewhere than the track says (see Options).
  std::vector<std::vector<TrackReport>> runs;
};

class ReferenceMonitor {
 public:
  using Options = Monitor::Options;
  using Stats = Monitor::Stats;

  // scan_all_pairs: separation compares each report with every track, as
  // AGREEMENT.md says; false: only with the tracks in the 1 degree cells
  // within horizontal_m + lookahead_s (own speed + 350 m/s), as the first
  // monitor did — it misses a conflict with a faster track (or one whose
  // last report lags) beyond that, which Monitor does not.
  explicit ReferenceMonitor(Options options, bool scan_all_pairs = true)
      : options_(options), scan_all_pairs_(scan_all_pairs) {}
  ReferenceMonitor() : ReferenceMonitor(Options()) {}

  // Runs `reports` (in order) against the center's agreement and operations,
  // appending what changes to `out`. REQUIRES: the center does not change
  // during the call (hold the coordinator's read lock).
  void Process(const engine::Center& center, std::span<const TrackReport> reports,
               std::vector<AlertTransition>* out);

  // Drops the tracks silent since before `now` - stale_after_s (report time),
  // resolving their alerts. Process does it as report time advances.
  void Expire(const engine::Center& center, Time now, std::vector<AlertTransition>* out);

  // GET /v1/tracks: {"time": latest report time, "tracks": [...]}.
  std::string TracksJson() const;
  size_t track_count() const;
  Stats stats() const;

 private:
  struct AlertState {
    std::string type;
    int consecutive = 0;  // evaluations in a row where the condition held
    bool raised = false;
    bool predicted = false;
    Time last_update;
    std::vector<std::string> tracks, parties;
    std::string operation, area;
  };
  struct Condition {
    std::string key, type, operation, area;
    std::vector<std::string> parties, tracks;
    bool predicted = false;
    std::function<std::string()> detail;  // the detail JSON, made only when emitted
  };

  void OnReport(const engine::Center& center, const TrackReport& r,
                std::vector<AlertTransition>* out);
  void Evaluate(const engine::Center& center, ReferenceTrack& t, std::vector<Condition>* holds,
                std::set<std::string>* evaluated);
  void Apply(const std::vector<Condition>& holds, const std::set<std::string>& evaluated, Time now,
             std::vector<AlertTransition>* out);
  void Count(uint64_t Stats::*field);
  // Drops an alert's state and its place in keys_of_track_.
  void Forget(std::map<std::string, AlertState>::iterator it);
  void Resolve(const std::string& key, AlertState& a, Time now, const char* why,
               std::vector<AlertTransition>* out);

  const Options options_;
  const bool scan_all_pairs_;
  mutable std::mutex mu_;                                       // guards tracks_ for readers
  std::unordered_map<std::string, ReferenceTrack> tracks_;      // by ICAO address
  std::map<std::string, AlertState> alerts_;                    // by key: counting or raised
  std::map<std::string, std::set<std::string>> keys_of_track_;  // icao -> alert keys
  // 1° cell -> the followed tracks in it (nodes are stable in tracks_).
  std::unordered_map<int64_t, std::vector<ReferenceTrack*>> grid_;
  void GridRemove(ReferenceTrack* t);
  void GridAdd(ReferenceTrack* t);
  Time clock_ = Time::Min();  // the latest report time
  Time last_expire_ = Time::Min();
  Stats stats_;  // guarded by mu_
};

}  // namespace jic::monitor
