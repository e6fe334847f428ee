// Coordinator: the center's one writer (DESIGN.md, "one writer, many readers").
//
// Commands queue up; one thread takes them in order, prepares each against the
// state (decide() runs here), applies it, and appends the whole batch to the
// log in one durable transaction (group commit). Only then are the clients
// answered and the entries published as events. Reads run concurrently under
// a shared lock.
//
// If the log fails to append, the center stops (fail-stop): entries already
// applied in memory cannot be taken back, and nothing unacknowledged may be
// served as if it were durable after a restart.
//
// Thread-safety: every public method is thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "jic/api/event_hub.h"
#include "jic/base/clock.h"
#include "jic/base/status.h"
#include "jic/engine/center.h"
#include "jic/log/log.h"

namespace jic::api {

// A fixed-bucket histogram with atomic counters (for /metrics).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound (and +Inf last), the sum and the count.
  void Read(std::vector<uint64_t>* cumulative, double* sum, uint64_t* count) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> sum_micro_{0};
  std::atomic<uint64_t> count_{0};
};

class Coordinator {
 public:
  struct Options {
    // At most this many commands in one commit. Default: 512.
    size_t max_batch = 512;
    // A snapshot after this many entries since the last one (and at Stop).
    // Default: 100,000; 0 disables the periodic ones.
    uint64_t snapshot_every = 100000;
    // Events a stream may have waiting before it is dropped. Default: 2048.
    size_t events_queue = 2048;
    // Called on the writer thread once entries first_seq... are durable,
    // before anyone hears of them (the ledger grows its tree here).
    std::function<void(uint64_t first_seq, std::span<const std::string> entries)> on_durable;
  };

  struct Stats {
    std::atomic<uint64_t> entries{0};
    std::atomic<uint64_t> commits{0};
    std::atomic<uint64_t> refused{0};  // commands that recorded nothing (errors)
    std::atomic<uint64_t> decisions_accepted{0}, decisions_needs_approval{0},
        decisions_rejected{0};
    std::atomic<uint64_t> snapshots{0};
    Histogram fsync_seconds{{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1}};
    Histogram batch_size{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};
  };

  // Rebuilds the state from `log` (its latest snapshot, then the entries
  // after it) and starts the writer thread. IoError/Internal when the log
  // cannot be read or holds an entry this center could not have made.
  static Result<std::unique_ptr<Coordinator>> Open(std::unique_ptr<log::Log> log,
                                                   const Clock& clock, Options options);
  ~Coordinator();  // Stop()s

  // Called once the command's entry is durable (or it was refused, or was an
  // idempotent repeat), on the writer thread: keep it short.
  using Done = std::function<void(Result<engine::Reply>)>;
  // Queues `cmd`. After Stop(), `done` gets an Unavailable-like error.
  void Submit(engine::Command cmd, Done done);
  // Submits and waits.
  Result<engine::Reply> SubmitAndWait(engine::Command cmd);

  // Runs fn(const Center&) under the shared lock.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    return fn(static_cast<const engine::Center&>(center_));
  }

  // Events for the durable entries after `after`, at most `limit` of them
  // (from the log: for streams that resume). Empty when there are none.
  Result<std::vector<EventPtr>> ReadEvents(uint64_t after, size_t limit) const;

  // The highest durable sequence number.
  uint64_t committed_seq() const { return committed_seq_.load(); }
  EventHub& events() { return events_; }
  const log::Log& log() const { return *log_; }
  const Stats& stats() const { return stats_; }

  // Stops taking commands, finishes those queued, writes a snapshot, joins
  // the writer. Idempotent.
  void Stop();

 private:
  Coordinator(std::unique_ptr<log::Log> log, const Clock& clock, Options options);
  Status Recover();
  void Run();
  void Commit(std::vector<std::pair<engine::Command, Done>>& batch);
  void MaybeSnapshot(bool force);

  const Options options_;
  const Clock& clock_;
  std::unique_ptr<log::Log> log_;

  mutable std::shared_mutex state_mu_;
  engine::Center center_;  // written by the writer thread under state_mu_

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::pair<engine::Command, Done>> queue_;  // guarded by queue_mu_
  bool stopping_ = false;                                 // guarded by queue_mu_

  std::atomic<uint64_t> committed_seq_{0};
  Time last_at_ = Time::Min();          // writer thread only
  uint64_t last_snapshot_seq_ = 0;      // writer thread only
  EventHub events_;
  Stats stats_;
  std::thread writer_;
};

}  // namespace jic::api
