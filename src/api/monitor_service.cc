#include "jic/api/monitor_service.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "jic/api/json_log.h"

namespace jic::api {

using monitor::AlertTransition;
using nlohmann::json;

MonitorService::MonitorService(Coordinator& coordinator, Options options)
    : coordinator_(coordinator), options_(options) {
  if (options_.history != nullptr) history_thread_ = std::thread([this] { RunHistory(); });
  thread_ = std::thread([this] { Run(); });
}

void MonitorService::RunHistory() {
  for (;;) {
    std::vector<monitor::TrackReport> batch;
    {
      std::unique_lock<std::mutex> lock(history_mu_);
      history_cv_.wait(lock, [&] { return history_stopping_ || !history_queue_.empty(); });
      if (history_queue_.empty()) return;
      batch = std::move(history_queue_.front());
      history_queue_.pop_front();
      history_queued_ -= batch.size();
      // Take several small batches at once: one transaction.
      while (!history_queue_.empty() && batch.size() < 20000) {
        auto& next = history_queue_.front();
        history_queued_ -= next.size();
        batch.insert(batch.end(), std::make_move_iterator(next.begin()), std::make_move_iterator(next.end()));
        history_queue_.pop_front();
      }
    }
    if (Status s = options_.history->Append(batch); !s.ok()) {
      if (history_errors_++ == 0) LogWarn("track history write failed", json{{"reason", s.ToString()}}.dump());
    }
  }
}

MonitorService::~MonitorService() { Stop(); }

bool MonitorService::Offer(std::vector<monitor::TrackReport> reports) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || queue_.size() + reports.size() > options_.queue_limit) {
    refused_ += reports.size();
    return false;
  }
  offered_ += reports.size();
  offered_seq_ += reports.size();
  for (auto& r : reports) queue_.push_back(std::move(r));
  cv_.notify_one();
  return true;
}

void MonitorService::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = offered_seq_;
  idle_cv_.wait(lock, [&] { return done_seq_ >= target || (stopping_ && queue_.empty()); });
  lock.unlock();
  // The alert commands of those reports were submitted: wait for their commits.
  while (pending_commands_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void MonitorService::Submit(const AlertTransition& t) {
  engine::Command cmd;
  cmd.actor = engine::Actor{"monitor", "", engine::Role::kSystem};
  json body;
  switch (t.kind) {
    case AlertTransition::Kind::kRaise:
      cmd.type = std::string(engine::kAlertRaise);
      body = json{{"type", t.type}, {"key", t.key}, {"parties", t.parties}, {"tracks", t.tracks},
                  {"predicted", t.predicted}, {"detail", json::parse(t.detail_json)}};
      if (!t.operation.empty()) body["operation"] = t.operation;
      if (!t.area.empty()) body["area"] = t.area;
      break;
    case AlertTransition::Kind::kUpdate:
      cmd.type = std::string(engine::kAlertUpdate);
      cmd.target = t.key;
      body = json{{"predicted", t.predicted}, {"detail", json::parse(t.detail_json)}};
      break;
    case AlertTransition::Kind::kResolve:
      cmd.type = std::string(engine::kAlertResolve);
      cmd.target = t.key;
      body = json{{"detail", json::parse(t.detail_json)}};
      break;
  }
  cmd.body = body.dump();
  ++commands_;
  ++pending_commands_;
  coordinator_.Submit(std::move(cmd), [this, key = t.key](Result<engine::Reply> r) {
    if (!r.ok()) {
      ++command_errors_;
      LogWarn("alert command refused", json{{"key", key}, {"reason", r.status().ToString()}}.dump());
    }
    --pending_commands_;
  });
}

void MonitorService::Run() {
  std::vector<monitor::TrackReport> batch;
  std::vector<AlertTransition> transitions;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;
      const size_t n = std::min<size_t>(queue_.size(), 4096);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    transitions.clear();
    coordinator_.Read([&](const engine::Center& c) {
      monitor_.Process(c, batch, &transitions);
      return 0;
    });
    for (const AlertTransition& t : transitions) Submit(t);
    if (options_.history != nullptr) {
      std::lock_guard<std::mutex> lock(history_mu_);
      if (history_queued_ + batch.size() > 1000000) {
        history_dropped_ += batch.size();
      } else {
        history_queued_ += batch.size();
        history_queue_.push_back(batch);
        history_cv_.notify_one();
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_seq_ += batch.size();
    }
    idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

MonitorService::Stats MonitorService::stats() const {
  Stats s;
  s.monitor = monitor_.stats();
  s.offered = offered_.load();
  s.refused = refused_.load();
  s.commands = commands_.load();
  s.command_errors = command_errors_.load();
  s.history_errors = history_errors_.load();
  s.history_dropped = history_dropped_.load();
  s.tracks = monitor_.track_count();
  std::lock_guard<std::mutex> lock(mu_);
  s.queued = queue_.size();
  return s;
}

void MonitorService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(history_mu_);
    history_stopping_ = true;
  }
  history_cv_.notify_all();
  if (history_thread_.joinable()) history_thread_.join();
}

}  // namespace jic::api
