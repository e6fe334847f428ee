// EventHub: committed log entries fanned out to live subscribers (the
// Server-Sent Events of GET /v1/events).
//
// The writer publishes after each commit and never waits for a reader: each
// subscriber has a bounded queue, and one that falls behind by more than its
// bound is dropped (it must reconnect and resume with Last-Event-ID, reading
// the missed entries from the log).
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace jic::api {

struct Event {
  uint64_t seq = 0;
  std::string type;  // the entry's type
  std::string data;  // the entry as the event stream shows it (JSON)
  bool admin_only = false;
};
using EventPtr = std::shared_ptr<const Event>;

class EventHub {
 public:
  class Subscriber {
   public:
    // Moves the queued events to `out`. False when the subscriber was
    // dropped (too slow) or the hub closed: the stream should end.
    bool Take(std::vector<EventPtr>* out);
    bool dropped() const { return dropped_.load(); }

   private:
    friend class EventHub;
    std::mutex mu_;
    std::deque<EventPtr> queue_;  // guarded by mu_
    bool wake_pending_ = false;   // guarded by mu_
    std::atomic<bool> dropped_{false};
    std::atomic<bool> closed_{false};
    std::function<void()> wake_;
    size_t limit_ = 0;
  };

  // `queue_limit`: events a subscriber may have waiting before it is dropped.
  explicit EventHub(size_t queue_limit = 2048) : queue_limit_(queue_limit) {}

  // A new subscriber; `wake` is called (on the publishing thread, briefly)
  // when its queue goes from empty to non-empty, or when it is dropped or
  // closed. Call Take afterwards.
  std::shared_ptr<Subscriber> Subscribe(std::function<void()> wake);
  void Unsubscribe(const std::shared_ptr<Subscriber>& s);
  void Publish(const std::vector<EventPtr>& events);
  // Ends every stream (shutdown).
  void CloseAll();

  size_t subscribers() const;
  uint64_t dropped_total() const { return dropped_total_.load(); }
  uint64_t published_total() const { return published_total_.load(); }

 private:
  const size_t queue_limit_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscriber>> subs_;  // guarded by mu_
  std::atomic<uint64_t> dropped_total_{0};
  std::atomic<uint64_t> published_total_{0};
};

}  // namespace jic::api
