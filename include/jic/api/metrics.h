// Metrics: what GET /metrics shows, in the Prometheus text format.
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <functional>
#include <map>
#include <vector>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "jic/api/coordinator.h"

namespace jic::api {

class Metrics {
 public:
  // One request served: its route template, method, status and duration.
  void ObserveRequest(const std::string& route, const std::string& method, int status,
                      double seconds);
  void CountConnection() { ++connections_; }
  void CountBadRequest(const char* reason);  // refused before routing (413, 431, 400, timeout)

  // Another part of the exposition (the monitor, the feeds), called at each
  // render. Add before serving.
  void AddSource(std::function<std::string()> source) { sources_.push_back(std::move(source)); }

  // The whole exposition.
  std::string Render(const Coordinator& coordinator) const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // guarded by mu_
  std::map<std::string, std::unique_ptr<Histogram>> latency_;              // guarded by mu_
  std::map<std::string, uint64_t> bad_requests_;                           // guarded by mu_
  std::atomic<uint64_t> connections_{0};
  std::vector<std::function<std::string()>> sources_;
};

}  // namespace jic::api
