// TrackHistory: every position report kept for a while, for replay and
// reports (DESIGN.md: "tracks are not commands"; they never enter the log).
//
// Time-partitioned: one SQLite table per hour of report time in
// DIR/tracks.sqlite; partitions older than the retention period (by the
// newest report time seen) are dropped whole, which is cheap. Writes are
// batched (one transaction per Append) and not synced: a crash may lose the
// last seconds of history, never the log.
//
// Thread-safety: every method is thread-safe (one connection, a mutex).
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "jic/base/status.h"
#include "jic/monitor/track_report.h"

struct sqlite3;

namespace jic::monitor {

class TrackHistory {
 public:
  // Opens (creating) the store at `path`, keeping `retention` of history.
  static Result<std::unique_ptr<TrackHistory>> Open(const std::string& path, Duration retention);
  ~TrackHistory();

  Status Append(std::span<const TrackReport> reports);
  // The reports of one aircraft with from <= time <= to, oldest first, at
  // most `limit`.
  Result<std::vector<TrackReport>> Query(const std::string& icao24, Time from, Time to,
                                         size_t limit) const;
  size_t partitions() const;
  uint64_t dropped_partitions() const;

 private:
  TrackHistory(sqlite3* db, Duration retention);
  Status EnsurePartition(int64_t hour);
  void Retain(Time newest);

  mutable std::mutex mu_;
  sqlite3* db_;  // guarded by mu_
  const Duration retention_;
  std::vector<int64_t> hours_;  // existing partitions (hours since the epoch), sorted
  uint64_t dropped_ = 0;
  Time newest_ = Time::Min();
};

}  // namespace jic::monitor
