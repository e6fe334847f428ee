// HttpServer: the Beast adapter. HTTP/1.1 with keep-alive, a strand per
// connection, a body limit (413 above), a header limit (431), a read timeout,
// one request at a time per connection (pipelined requests wait in a bounded
// buffer), and Server-Sent Events for GET /v1/events.
//
// Thread-safety: Run blocks on the calling thread (and `threads - 1` more);
// Shutdown may be called from any thread, or comes from SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "jic/api/coordinator.h"
#include "jic/api/http.h"
#include "jic/api/metrics.h"
#include "jic/base/status.h"

namespace jic::api {

class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0: a free port
    int threads = 2;
    size_t body_limit = 1 << 20;    // 1 MiB
    size_t header_limit = 16 << 10;
    std::chrono::seconds read_timeout{15};   // to receive a whole request
    std::chrono::seconds idle_timeout{60};   // between requests on a kept-alive connection
    std::chrono::seconds write_timeout{30};
    std::chrono::seconds keepalive_interval{15};  // event streams: a comment this often
    bool access_log = false;  // one JSON line per request
    bool handle_signals = true;
  };
  using Handler = std::function<void(const HttpRequest&, std::function<void(HttpResponse)>)>;

  // `coordinator` serves event streams (may be null: no events); `metrics`
  // counts requests (may be null).
  HttpServer(Options options, Handler handler, Coordinator* coordinator, Metrics* metrics);
  ~HttpServer();

  // Binds and listens; returns the port. IoError when the address is taken.
  Result<uint16_t> Listen();
  // Serves until Shutdown or a signal; then lets requests in flight finish
  // (at most `drain` long) and returns.
  void Run(std::chrono::seconds drain = std::chrono::seconds(10));
  void Shutdown();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace jic::api
