// SbsFeed: `jic serve --sbs HOST:PORT` — a client of an SBS-1 BaseStation
// feed (dump1090's port 30003). Connects, decodes what arrives (staged:
// ingest::SbsDecoder), offers the merged reports to the monitor, and when the
// connection drops or cannot be made, tries again with exponential backoff
// (0.5 s doubling to 30 s, reset once a connection has delivered data).
//
// Thread-safety: its own thread; counters() and Stop() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "jic/api/monitor_service.h"
#include "jic/ingest/sbs_decoder.h"

namespace jic::api {

class SbsFeed {
 public:
  SbsFeed(std::string host, uint16_t port, MonitorService& monitor);
  ~SbsFeed();  // Stop()s

  struct Counters {
    ingest::SbsCounters decoder;
    uint64_t connects = 0, disconnects = 0, connect_failures = 0, bytes = 0, refused_reports = 0;
    bool connected = false;
  };
  Counters counters() const;
  const std::string& address() const { return address_; }
  void Stop();

 private:
  void Run();
  bool Sleep(double seconds);  // false when stopping

  const std::string host_;
  const uint16_t port_;
  const std::string address_;
  MonitorService& monitor_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  int fd_ = -1;            // guarded by mu_ (shut down by Stop to wake a read)
  Counters counters_;      // guarded by mu_
  std::thread thread_;
};

}  // namespace jic::api
