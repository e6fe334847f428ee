// Router: the API of API.md as a function from an HttpRequest to an
// HttpResponse. Reads are answered at once from the state; commands go to
// the coordinator and are answered once durable.
//
// Thread-safety: Handle may be called from any number of threads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "jic/api/coordinator.h"
#include "jic/api/http.h"
#include "jic/api/metrics.h"
#include "jic/api/monitor_service.h"
#include "jic/api/static_files.h"
#include "jic/monitor/track_history.h"

namespace jic::api {

class LedgerService;

class Router {
 public:
  // `static_dir`: where the console's built assets are ("" for none;
  // static_files.h serves them at /, without a token).
  Router(Coordinator& coordinator, Metrics& metrics, std::string static_dir = "");

  // The monitor behind /v1/tracks (and its history); without one those
  // routes answer 503.
  void SetMonitor(MonitorService* monitor, monitor::TrackHistory* history) {
    monitor_ = monitor;
    history_ = history;
  }
  // The ledger behind /v1/ledger (503 without one).
  void SetLedger(LedgerService* ledger) { ledger_ = ledger; }

  // Calls `done` exactly once, on this thread (reads, refusals) or on the
  // coordinator's thread (commands).
  void Handle(const HttpRequest& req, std::function<void(HttpResponse)> done);

  // The error body of API.md for a Status, and its HTTP status.
  static HttpResponse ErrorResponse(const Status& s);
  static HttpResponse Error(int status, const std::string& code, const std::string& message,
                            const std::string& field = "");

 private:
  Coordinator& coordinator_;
  Metrics& metrics_;
  StaticFiles static_files_;
  MonitorService* monitor_ = nullptr;
  monitor::TrackHistory* history_ = nullptr;
  LedgerService* ledger_ = nullptr;
};

}  // namespace jic::api
