// jic replay FILE --to URL [--speed X]: a recorded SBS feed, decoded here
// (the same staged decoder as `jic serve --sbs`), sent to a running center as
// POST /v1/tracks batches at the recording's own pace (or X times faster).

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "jic/ingest/sbs_decoder.h"
#include "jic/ingest/track_json.h"

namespace jic::cli {

namespace {

// A minimal HTTP/1.1 client: one keep-alive connection, one request at a time.
class HttpClient {
 public:
  HttpClient(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port)) {}
  ~HttpClient() { Close(); }

  // Returns the status (0 on a connection error) and the body.
  int Post(const std::string& path, const std::string& token, const std::string& body, std::string* out) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) return 0;
      std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\nAuthorization: Bearer " + token +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n" + body;
      if (!WriteAll(req)) {
        Close();
        continue;  // the server closed an idle connection: once more
      }
      int status = ReadResponse(out);
      if (status == 0) {
        Close();
        continue;
      }
      return status;
    }
    return 0;
  }

 private:
  bool Connect() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res) != 0) return false;
    for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    ::freeaddrinfo(res);
    buf_.clear();
    return fd_ >= 0;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool WriteAll(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int ReadResponse(std::string* body) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return 0;
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    int status = 0;
    if (head.size() > 12) status = std::atoi(head.c_str() + 9);
    size_t len = 0;
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto p = lower.find("content-length:"); p != std::string::npos) {
      len = std::strtoull(lower.c_str() + p + 15, nullptr, 10);
    }
    while (buf_.size() < len) {
      if (!Fill()) return 0;
    }
    *body = buf_.substr(0, len);
    buf_.erase(0, len);
    if (lower.find("connection: close") != std::string::npos) Close();
    return status;
  }

  std::string host_, port_;
  int fd_ = -1;
  std::string buf_;
};

void Progress(size_t done, size_t total, double elapsed) {
  const int width = 40;
  const int fill = total ? static_cast<int>(width * done / total) : width;
  std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu reports  %.1f s", fill,
               "########################################", width - fill, "", done, total, elapsed);
  std::fflush(stderr);
}

}  // namespace

int RunReplay(const ReplayArgs& args) {
  std::string token = args.token;
  if (token.empty()) {
    if (const char* t = std::getenv("JIC_TOKEN")) token = t;
  }
  if (token.empty()) {
    std::cerr << "--token: required (or JIC_TOKEN): a watch officer's or integrator's token\n";
    return kExitBadInput;
  }
  if (args.speed < 0) {
    std::cerr << "--speed: must be 0 (as fast as possible) or more\n";
    return kExitBadInput;
  }
  // http://HOST:PORT[/]
  std::string url = args.to;
  if (url.rfind("http://", 0) != 0) {
    std::cerr << "--to: expected http://HOST:PORT, got '" << url << "'\n";
    return kExitBadInput;
  }
  url = url.substr(7);
  while (!url.empty() && url.back() == '/') url.pop_back();
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos || url.find('/') != std::string::npos) {
    std::cerr << "--to: expected http://HOST:PORT, got '" << args.to << "'\n";
    return kExitBadInput;
  }
  std::ifstream f(args.file, std::ios::binary);
  if (!f) {
    std::cerr << "cannot read " << args.file << "\n";
    return kExitFailure;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string data = ss.str();

  ingest::SbsDecoder decoder;
  std::vector<monitor::TrackReport> reports;
  decoder.Feed(data, [&](const monitor::TrackReport& r) { reports.push_back(r); });
  decoder.Feed("\n", [&](const monitor::TrackReport& r) { reports.push_back(r); });  // a last unterminated line
  const ingest::SbsCounters counts = decoder.counters();
  if (reports.empty()) {
    std::cerr << args.file << ": no position reports (" << counts.lines << " lines, "
              << counts.bad_lines_total() << " bad)\n";
    return kExitBadInput;
  }

  HttpClient http(url.substr(0, colon), url.substr(colon + 1));
  const bool tty = ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  const Time t0 = reports.front().time;
  Time latest = t0;  // times may step back a little: pace by the running maximum
  size_t sent = 0;
  std::string reply;
  while (sent < reports.size()) {
    std::vector<monitor::TrackReport> batch;
    if (args.speed > 0) {
      // Wait until the next report is due, then send everything due.
      latest = std::max(latest, reports[sent].time);
      const auto due = start + std::chrono::microseconds(
                                   static_cast<int64_t>((latest - t0).micros() / args.speed));
      std::this_thread::sleep_until(due);
      const double now_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      while (sent < reports.size() && batch.size() < args.batch) {
        const Time t = std::max(latest, reports[sent].time);
        if ((t - t0).seconds() / args.speed > now_s) break;
        latest = t;
        batch.push_back(reports[sent++]);
      }
    } else {
      while (sent < reports.size() && batch.size() < args.batch) batch.push_back(reports[sent++]);
    }
    const int status = http.Post("/v1/tracks", token, ingest::TrackBatchToJson(batch), &reply);
    if (status == 503) {  // the monitor is behind: give it a moment, then the same batch
      sent -= batch.size();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (status != 202) {
      if (tty) std::fprintf(stderr, "\n");
      std::cerr << "POST /v1/tracks: " << (status ? "HTTP " + std::to_string(status) : "no connection")
                << " " << reply << "\n";
      return kExitFailure;
    }
    if (tty) {
      Progress(sent, reports.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tty) std::fprintf(stderr, "\n");
  std::cout << "replayed " << reports.size() << " reports from " << counts.lines << " lines ("
            << counts.bad_lines_total() << " bad) in " << secs << " s\n";
  return kExitOk;
}

}  // namespace jic::cli
