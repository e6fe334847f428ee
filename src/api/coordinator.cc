#include "jic/api/coordinator.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "jic/api/json_log.h"

namespace jic::api {

using engine::Center;
using engine::Command;
using engine::Reply;
using nlohmann::json;

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(v * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Read(std::vector<uint64_t>* cumulative, double* sum, uint64_t* count) const {
  cumulative->clear();
  uint64_t c = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    c += counts_[i].load(std::memory_order_relaxed);
    cumulative->push_back(c);
  }
  *sum = static_cast<double>(sum_micro_.load()) / 1e6;
  *count = c;
}

Coordinator::Coordinator(std::unique_ptr<log::Log> log, const Clock& clock, Options options)
    : options_(options), clock_(clock), log_(std::move(log)), events_(options.events_queue) {}

Coordinator::~Coordinator() { Stop(); }

Result<std::unique_ptr<Coordinator>> Coordinator::Open(std::unique_ptr<log::Log> log,
                                                       const Clock& clock, Options options) {
  std::unique_ptr<Coordinator> c(new Coordinator(std::move(log), clock, options));
  if (Status s = c->Recover(); !s.ok()) return s;
  c->writer_ = std::thread([p = c.get()] { p->Run(); });
  return c;
}

Status Coordinator::Recover() {
  auto started = std::chrono::steady_clock::now();
  uint64_t from = 1;
  auto snap = log_->LatestSnapshot();
  if (!snap.ok()) return snap.status();
  if (snap->has_value()) {
    Status s = center_.LoadSnapshot((*snap)->seq, (*snap)->bytes);
    if (s.ok()) {
      from = (*snap)->seq + 1;
      last_snapshot_seq_ = (*snap)->seq;
    } else {
      // A bad snapshot is not fatal: the log alone rebuilds the state.
      LogWarn("snapshot unusable; replaying the whole log",
              json{{"snapshot_seq", (*snap)->seq}, {"reason", s.ToString()}}.dump());
      // LoadSnapshot left the (empty) state as it was.
    }
  }
  Status applied;
  Status read = log_->Read(from, UINT64_MAX, [&](uint64_t seq, std::string_view bytes) {
    applied = center_.ApplyBytes(seq, bytes);
    return applied.ok();
  });
  if (!read.ok()) return read;
  if (!applied.ok()) return applied;
  committed_seq_ = center_.last_seq();
  if (log_->next_seq() != center_.last_seq() + 1) {
    return Status::Internal("the log and the state disagree on the last entry");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  LogInfo("state recovered", json{{"entries", center_.last_seq()},
                                  {"from_snapshot", from > 1 ? from - 1 : 0},
                                  {"seconds", secs}}
                                 .dump());
  return Status::Ok();
}

void Coordinator::Submit(Command cmd, Done done) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!stopping_) {
      queue_.emplace_back(std::move(cmd), std::move(done));
      queue_cv_.notify_one();
      return;
    }
  }
  done(Status(StatusCode::kFailedPrecondition, "the center is shutting down"));
}

Result<Reply> Coordinator::SubmitAndWait(Command cmd) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<Reply>> out;
  Submit(std::move(cmd), [&](Result<Reply> r) {
    std::lock_guard<std::mutex> lock(mu);
    out.emplace(std::move(r));
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

void Coordinator::Run() {
  std::vector<std::pair<Command, Done>> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and nothing left
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Commit(batch);
    batch.clear();
  }
}

namespace {
EventPtr MakeEvent(const json& e, const std::string* bytes = nullptr);
}

void Coordinator::Commit(std::vector<std::pair<Command, Done>>& batch) {
  std::vector<Result<Reply>> replies;
  replies.reserve(batch.size());
  std::vector<std::string> bytes;
  std::vector<std::shared_ptr<const json>> entries;
  const uint64_t first = center_.last_seq() + 1;
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    for (auto& [cmd, done] : batch) {
      // Entry times never go backwards, whatever the wall clock does.
      Time at = std::max(clock_.Now(), last_at_);
      uint64_t seq = center_.last_seq() + 1;
      Result<engine::Prepared> p = center_.Prepare(cmd, at, seq);
      if (!p.ok()) {
        ++stats_.refused;
        replies.emplace_back(p.status());
        continue;
      }
      if (p->entry == nullptr) {  // an idempotent repeat
        replies.emplace_back(std::move(p->reply));
        continue;
      }
      if (Status s = center_.Apply(seq, *p->entry, p->operation.get()); !s.ok()) {
        // Prepare made an entry that Apply refuses: a bug. Stop rather than
        // record something the state does not reflect.
        LogError("internal: prepared entry does not apply",
                 json{{"seq", seq}, {"reason", s.ToString()}}.dump());
        std::fflush(nullptr);
        std::abort();
      }
      last_at_ = at;
      bytes.push_back(std::move(p->bytes));
      entries.push_back(p->entry);
      replies.emplace_back(std::move(p->reply));
    }
  }
  if (!bytes.empty()) {
    auto t0 = std::chrono::steady_clock::now();
    Status s = log_->Append(first, bytes);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!s.ok()) {
      LogError("log append failed; stopping so that nothing unrecorded is served",
               json{{"first_seq", first}, {"entries", bytes.size()}, {"reason", s.ToString()}}
                   .dump());
      std::fflush(nullptr);
      std::_Exit(70);
    }
    stats_.fsync_seconds.Observe(secs);
    stats_.batch_size.Observe(static_cast<double>(bytes.size()));
    stats_.entries += bytes.size();
    ++stats_.commits;
    if (options_.on_durable) options_.on_durable(first, bytes);
    committed_seq_ = first + bytes.size() - 1;
    std::vector<EventPtr> events;
    events.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      EventPtr ev = MakeEvent(*e, &bytes[i]);
      if (const json& r = (*e)["result"]; r.contains("decision")) {
        const std::string o = r["decision"].value("outcome", "");
        if (o == "accepted") ++stats_.decisions_accepted;
        if (o == "needs_approval") ++stats_.decisions_needs_approval;
        if (o == "rejected") ++stats_.decisions_rejected;
      }
      events.push_back(std::move(ev));
    }
    events_.Publish(events);
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].second(std::move(replies[i]));
  MaybeSnapshot(false);
}

namespace {
// `bytes`, when given, are the entry's canonical bytes (saves printing it again).
EventPtr MakeEvent(const json& e, const std::string* bytes) {
  auto ev = std::make_shared<Event>();
  ev->seq = e["seq"].get<uint64_t>();
  ev->type = e["type"].get<std::string>();
  ev->data = bytes != nullptr && ev->type != engine::kUserAdd ? *bytes : Center::EntryForEvents(e);
  ev->admin_only = !Center::EntryVisibleTo(e, engine::Actor{"", "", engine::Role::kObserver});
  return ev;
}
}  // namespace

Result<std::vector<EventPtr>> Coordinator::ReadEvents(uint64_t after, size_t limit) const {
  std::vector<EventPtr> out;
  const uint64_t last = committed_seq_.load();
  if (after >= last) return out;
  Status bad;
  Status s = log_->Read(after + 1, std::min<uint64_t>(limit, last - after),
                        [&](uint64_t seq, std::string_view bytes) {
                          json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
                          if (!j.is_object() || !j.contains("seq") || !j.contains("type")) {
                            bad = Status::Internal("entry " + std::to_string(seq) + " is not JSON");
                            return false;
                          }
                          std::string b(bytes);
          out.push_back(MakeEvent(j, &b));
                          return true;
                        });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

void Coordinator::MaybeSnapshot(bool force) {
  const uint64_t seq = center_.last_seq();
  if (seq == last_snapshot_seq_) return;
  if (!force && (options_.snapshot_every == 0 || seq - last_snapshot_seq_ < options_.snapshot_every)) {
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::string bytes;
  {
    std::shared_lock<std::shared_mutex> lock(state_mu_);
    bytes = center_.Snapshot();
  }
  Status s = log_->PutSnapshot(seq, bytes);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) {
    LogWarn("snapshot failed", json{{"seq", seq}, {"reason", s.ToString()}}.dump());
    return;
  }
  last_snapshot_seq_ = seq;
  ++stats_.snapshots;
  LogInfo("snapshot written", json{{"seq", seq}, {"bytes", bytes.size()}, {"seconds", secs}}.dump());
}

void Coordinator::Stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
    queue_cv_.notify_all();
  }
  if (writer_.joinable()) {
    writer_.join();
    MaybeSnapshot(true);
  }
  events_.CloseAll();
}

}  // namespace jic::api
