#include "jic/api/event_hub.h"

#include <algorithm>

namespace jic::api {

bool EventHub::Subscriber::Take(std::vector<EventPtr>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  wake_pending_ = false;
  if (dropped_.load() || closed_.load()) {
    queue_.clear();
    return false;
  }
  for (EventPtr& e : queue_) out->push_back(std::move(e));
  queue_.clear();
  return true;
}

std::shared_ptr<EventHub::Subscriber> EventHub::Subscribe(std::function<void()> wake) {
  auto s = std::make_shared<Subscriber>();
  s->wake_ = std::move(wake);
  s->limit_ = queue_limit_;
  std::lock_guard<std::mutex> lock(mu_);
  subs_.push_back(s);
  return s;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscriber>& s) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
}

void EventHub::Publish(const std::vector<EventPtr>& events) {
  if (events.empty()) return;
  published_total_ += events.size();
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs = subs_;
  }
  for (const auto& s : subs) {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(s->mu_);
      if (s->dropped_.load() || s->closed_.load()) continue;
      if (s->queue_.size() + events.size() > s->limit_) {
        // Too slow: drop it rather than hold the writer or grow without bound.
        s->dropped_ = true;
        s->queue_.clear();
        ++dropped_total_;
        wake = true;
      } else {
        s->queue_.insert(s->queue_.end(), events.begin(), events.end());
        wake = !s->wake_pending_;
        s->wake_pending_ = true;
      }
    }
    if (wake && s->wake_) s->wake_();
  }
}

void EventHub::CloseAll() {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs.swap(subs_);
  }
  for (const auto& s : subs) {
    s->closed_ = true;
    if (s->wake_) s->wake_();
  }
}

size_t EventHub::subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subs_.size();
}

}  // namespace jic::api
