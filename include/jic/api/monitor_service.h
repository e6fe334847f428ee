// MonitorService: runs the monitor beside the coordinator. Feeds (the SBS
// client, POST /v1/tracks) offer reports; one thread takes them in order,
// runs the monitor under the coordinator's read lock, and submits what it
// concludes as alert commands (alert.raise / update / resolve, actor
// "monitor", role system), so every alert transition is a log entry and an
// event. Reports also go to the track history, on its own thread.
//
// Thread-safety: every public method is thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "jic/api/coordinator.h"
#include "jic/monitor/monitor.h"
#include "jic/monitor/track_history.h"

namespace jic::api {

class MonitorService {
 public:
  struct Options {
    // Reports that may wait; beyond it Offer refuses (the feed backs off).
    // Default: 500,000.
    size_t queue_limit = 500000;
    // Where history goes (may be null: none kept).
    monitor::TrackHistory* history = nullptr;
  };
  struct Stats {
    monitor::Monitor::Stats monitor;
    uint64_t offered = 0, refused = 0, commands = 0, command_errors = 0;
    uint64_t history_errors = 0, history_dropped = 0;
    size_t tracks = 0, queued = 0;
  };

  MonitorService(Coordinator& coordinator, Options options);
  ~MonitorService();  // Stop()s

  // Queues reports, in order after those already queued. False, queuing
  // nothing, when they would overflow the queue.
  bool Offer(std::vector<monitor::TrackReport> reports);
  // Waits until everything offered before the call has been processed and
  // its alert commands committed.
  void Flush();
  std::string TracksJson() const { return monitor_.TracksJson(); }
  Stats stats() const;
  // Finishes what is queued and stops the thread. Idempotent.
  void Stop();

 private:
  void Run();
  void RunHistory();
  void Submit(const monitor::AlertTransition& t);

  Coordinator& coordinator_;
  const Options options_;
  monitor::Monitor monitor_;

  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<monitor::TrackReport> queue_;  // guarded by mu_
  uint64_t offered_seq_ = 0, done_seq_ = 0;  // guarded by mu_: reports offered / processed
  bool stopping_ = false;                    // guarded by mu_
  std::atomic<uint64_t> offered_{0}, refused_{0}, commands_{0}, command_errors_{0}, history_errors_{0};
  std::atomic<uint64_t> pending_commands_{0};
  // History writes, on their own thread so the monitor never waits for them;
  // batches beyond the bound are dropped and counted.
  std::mutex history_mu_;
  std::condition_variable history_cv_;
  std::deque<std::vector<monitor::TrackReport>> history_queue_;  // guarded by history_mu_
  size_t history_queued_ = 0;                                     // guarded by history_mu_
  bool history_stopping_ = false;                                 // guarded by history_mu_
  std::atomic<uint64_t> history_dropped_{0};
  std::thread history_thread_;
  std::thread thread_;
};

}  // namespace jic::api
