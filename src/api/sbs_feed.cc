#include "jic/api/sbs_feed.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "jic/api/json_log.h"

namespace jic::api {

using nlohmann::json;

SbsFeed::SbsFeed(std::string host, uint16_t port, MonitorService& monitor)
    : host_(std::move(host)), port_(port), address_(host_ + ":" + std::to_string(port_)), monitor_(monitor) {
  thread_ = std::thread([this] { Run(); });
}

SbsFeed::~SbsFeed() { Stop(); }

void SbsFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // wakes a blocked read
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SbsFeed::Counters SbsFeed::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

bool SbsFeed::Sleep(double seconds) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return stopping_; });
  return !stopping_;
}

void SbsFeed::Run() {
  double backoff = 0.5;
  ingest::SbsDecoder decoder;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    // Connect (any address the name resolves to).
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int fd = -1;
    if (::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res) == 0) {
      for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
          ::close(fd);
          fd = -1;
        }
      }
      ::freeaddrinfo(res);
    }
    if (fd < 0) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (counters_.connect_failures++ == 0 || counters_.connect_failures % 20 == 0) {
          LogWarn("SBS feed: cannot connect; retrying",
                  json{{"feed", address_}, {"backoff_s", backoff}}.dump());
        }
      }
      if (!Sleep(backoff)) return;
      backoff = std::min(backoff * 2, 30.0);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      fd_ = fd;
      ++counters_.connects;
      counters_.connected = true;
    }
    LogInfo("SBS feed connected", json{{"feed", address_}}.dump());
    char buf[65536];
    std::vector<monitor::TrackReport> batch;
    bool got_data = false;
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      got_data = true;
      batch.clear();
      decoder.Feed(std::string_view(buf, static_cast<size_t>(n)),
                   [&](const monitor::TrackReport& r) { batch.push_back(r); });
      const size_t reports = batch.size();
      bool refused = false;
      if (reports > 0) {
        // The monitor's queue is full: wait for it rather than drop reports
        // (the feed's socket buffer then holds the rest).
        for (int tries = 0; !monitor_.Offer(batch); ++tries) {
          if (tries >= 200 || !Sleep(0.01)) {
            refused = true;
            break;
          }
        }
      }
      std::lock_guard<std::mutex> lock(mu_);
      counters_.bytes += static_cast<uint64_t>(n);
      counters_.decoder = decoder.counters();
      if (refused) counters_.refused_reports += reports;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fd_ = -1;
      ++counters_.disconnects;
      counters_.connected = false;
      counters_.decoder = decoder.counters();
      if (stopping_) {
        ::close(fd);
        return;
      }
    }
    ::close(fd);
    LogWarn("SBS feed disconnected; reconnecting", json{{"feed", address_}}.dump());
    if (got_data) backoff = 0.5;
    if (!Sleep(backoff)) return;
    backoff = std::min(backoff * 2, 30.0);
  }
}

}  // namespace jic::api
