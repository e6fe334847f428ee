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
  Time time;                 // the report time it was concluded at
  std::string detail_json;   // position, distances, times: a JSON object
};

// One aircraft as the picture shows it.
struct Track {
  std::string icao24;
  std::string callsign;
  std::string party;  // from the agreement's aircraft lists; "" when unknown
  TrackReport last;   // the latest plausible report
  std::deque<TrackReport> trail;  // the last few plausible reports, oldest first
  std::vector<std::string> operations;  // associated operations (ids)
  uint64_t reports = 0;      // plausible reports followed; 0: tentative (not shown)
  uint64_t implausible = 0;  // reports set aside
  Time last_seen = Time::Min();  // the latest report, plausible or not
  // Runs of mutually plausible reports not (yet) followed: the track's start,
  // or the aircraft seen elsewhere than the track says (see Options).
  std::vector<std::vector<TrackReport>> runs;
};

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

  explicit Monitor(Options options) : options_(options) {}
  Monitor() : Monitor(Options()) {}

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

  void OnReport(const engine::Center& center, const TrackReport& r, std::vector<AlertTransition>* out);
  void Evaluate(const engine::Center& center, Track& t, std::vector<Condition>* holds,
                std::set<std::string>* evaluated);
  void Apply(const std::vector<Condition>& holds, const std::set<std::string>& evaluated, Time now,
             std::vector<AlertTransition>* out);
  void Count(uint64_t Stats::*field);
  // Drops an alert's state and its place in keys_of_track_.
  void Forget(std::map<std::string, AlertState>::iterator it);
  void Resolve(const std::string& key, AlertState& a, Time now, const char* why,
               std::vector<AlertTransition>* out);

  const Options options_;
  mutable std::mutex mu_;                            // guards tracks_ for readers
  std::unordered_map<std::string, Track> tracks_;    // by ICAO address
  std::map<std::string, AlertState> alerts_;         // by key: counting or raised
  std::map<std::string, std::set<std::string>> keys_of_track_;  // icao -> alert keys
  // 1° cell -> the followed tracks in it (Track nodes are stable in tracks_).
  std::unordered_map<int64_t, std::vector<Track*>> grid_;
  void GridRemove(Track* t);
  void GridAdd(Track* t);
  Time clock_ = Time::Min();                         // the latest report time
  Time last_expire_ = Time::Min();
  Stats stats_;                                      // guarded by mu_
};

}  // namespace jic::monitor
