// jic_load: an HTTP/1.1 load generator for `jic serve` (issue 3, point 11).
//
// N keep-alive connections, one request in flight on each (closed loop), for a
// duration or a number of requests, after a warm-up. Modes:
//   notify  POST /v1/operations: every request a distinct, valid notification of the
//           token's party (small polygons on a grid over 30-40N 30-45E, different
//           hours), so that the server does real decide() and durable-commit work
//   get     GET --path (e.g. /v1/operations/op-12)
//   hello   GET --path (default /) against `jic serve --hello-world`: the ceiling
// Prints one human line and one JSON line (stdout): requests, errors by status,
// throughput, latency p50/p90/p99/max in ms.
//
// Boost.Asio only (no Beast): minimal response parsing (status line,
// Content-Length, Connection: close). Exit status: 0 when every request got a
// 2xx, 3 when some did not (the report says which), 2 on bad usage or when the
// server cannot be used at all.

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

enum class Mode { kNotify, kGet, kHello, kTracks };

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token;
  int connections = 1;
  double duration_s = 5;
  int64_t requests = 0;  // > 0: this many measured requests instead of a duration
  double warmup_s = 1;
  double timeout_s = 30;
  Mode mode = Mode::kGet;
  std::string mode_name = "get";
  std::string path;
  std::string party;   // notify: default from GET /v1/whoami
  std::string icao24;  // notify: default by party (the jic-2016 scenario's aircraft)
  uint64_t first_index = 0;
  int threads = 1;
  int batch = 500;  // tracks: reports per request
  bool quiet = false;
};

void Usage(FILE* f) {
  std::fprintf(f,
      "usage: jic_load --port PORT [--host 127.0.0.1] [--token TOKEN]\n"
      "                [--mode notify|get|hello|tracks] [--batch N] [--path PATH] [--connections N]\n"
      "                [--duration-s S | --requests N] [--warmup-s S] [--timeout-s S]\n"
      "                [--party P] [--icao24 HEX|none] [--first-index I] [--threads T] [--quiet]\n"
      "  notify: POST /v1/operations, a distinct valid notification per request; the\n"
      "          operator is --party (default: the token's party, from GET /v1/whoami).\n"
      "          --first-index: where the sequence of notifications starts (runs against\n"
      "          the same center should use disjoint ranges, e.g. 0, 10000000, ...)\n"
      "  get:    GET --path (required), e.g. /v1/operations/op-12\n"
      "  hello:  GET --path (default /), for `jic serve --hello-world`\n"
      "  --threads: client I/O threads (default 1; connections are spread over them)\n"
      "exit: 0 all 2xx, 3 some requests failed, 2 usage or setup error\n");
}

bool ParseDouble(const char* s, double* out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

bool ParseInt(const char* s, int64_t* out) {
  std::string_view v(s);
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  bool duration_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      Usage(stdout);
      std::exit(0);
    }
    if (a == "--quiet") {
      o.quiet = true;
      continue;
    }
    std::string v;
    if (size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "jic_load: %s needs a value\n", a.c_str());
        return std::nullopt;
      }
      v = argv[++i];
    }
    int64_t n = 0;
    double d = 0;
    auto bad = [&] {
      std::fprintf(stderr, "jic_load: bad value for %s: '%s'\n", a.c_str(), v.c_str());
      return std::nullopt;
    };
    if (a == "--host") {
      o.host = v;
    } else if (a == "--port") {
      if (!ParseInt(v.c_str(), &n) || n < 1 || n > 65535) return bad();
      o.port = static_cast<int>(n);
    } else if (a == "--token") {
      o.token = v;
    } else if (a == "--connections" || a == "-c") {
      if (!ParseInt(v.c_str(), &n) || n < 1 || n > 10000) return bad();
      o.connections = static_cast<int>(n);
    } else if (a == "--duration-s") {
      if (!ParseDouble(v.c_str(), &d) || d <= 0) return bad();
      o.duration_s = d;
      duration_given = true;
    } else if (a == "--requests") {
      if (!ParseInt(v.c_str(), &n) || n < 1) return bad();
      o.requests = n;
    } else if (a == "--warmup-s") {
      if (!ParseDouble(v.c_str(), &d) || d < 0) return bad();
      o.warmup_s = d;
    } else if (a == "--timeout-s") {
      if (!ParseDouble(v.c_str(), &d) || d <= 0) return bad();
      o.timeout_s = d;
    } else if (a == "--mode") {
      if (v == "notify") {
        o.mode = Mode::kNotify;
      } else if (v == "get") {
        o.mode = Mode::kGet;
      } else if (v == "hello") {
        o.mode = Mode::kHello;
      } else if (v == "tracks") {
        o.mode = Mode::kTracks;
      } else {
        return bad();
      }
      o.mode_name = v;
    } else if (a == "--batch") {
      if (!ParseDouble(v.c_str(), &d) || d < 1 || d > 10000) return bad();
      o.batch = static_cast<int>(d);
    } else if (a == "--path") {
      if (v.empty() || v[0] != '/') return bad();
      o.path = v;
    } else if (a == "--party") {
      o.party = v;
    } else if (a == "--icao24") {
      o.icao24 = v;
    } else if (a == "--first-index") {
      if (!ParseInt(v.c_str(), &n) || n < 0) return bad();
      o.first_index = static_cast<uint64_t>(n);
    } else if (a == "--threads") {
      if (!ParseInt(v.c_str(), &n) || n < 1 || n > 64) return bad();
      o.threads = static_cast<int>(n);
    } else {
      std::fprintf(stderr, "jic_load: unknown option %s\n", a.c_str());
      return std::nullopt;
    }
  }
  if (o.port == 0) {
    std::fprintf(stderr, "jic_load: --port is required\n");
    return std::nullopt;
  }
  if (o.requests > 0 && duration_given) {
    std::fprintf(stderr, "jic_load: give --duration-s or --requests, not both\n");
    return std::nullopt;
  }
  if (o.mode == Mode::kGet && o.path.empty()) {
    std::fprintf(stderr, "jic_load: --mode get needs --path\n");
    return std::nullopt;
  }
  if (o.mode == Mode::kHello && o.path.empty()) o.path = "/";
  if (o.mode == Mode::kTracks && o.token.empty()) {
    std::fprintf(stderr, "jic_load: --mode tracks needs --token (a watch officer's or integrator's)\n");
    return std::nullopt;
  }
  if (o.mode == Mode::kNotify && o.token.empty()) {
    std::fprintf(stderr, "jic_load: --mode notify needs --token (a planner's or officer's)\n");
    return std::nullopt;
  }
  o.threads = std::min(o.threads, o.connections);
  return o;
}

// ------------------------------------------------------------------ notifications

// Grid cells of 0.2 x 0.2 degrees over 30-40N, 30-45E; a notification covers a
// 0.05-degree square inside its cell (>= 12 km from its neighbours, more than the
// jic-2016 minima of 5 km), for one hour; cells are reused every two hours.
// In jic-2016 these squares miss every protected site and the corridor: a US ISR
// notification is accepted without findings (an RU one over at-Tanf needs US approval).
constexpr int kRows = 50, kCols = 75;
constexpr uint64_t kCells = static_cast<uint64_t>(kRows) * kCols;
constexpr int64_t kSlotS = 2 * 3600, kWindowS = 3600;

std::string Rfc3339(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// tracks: POST /v1/tracks, `batch` position reports per request of 5,000
// aircraft of no party flying over 30-40 N 30-45 E, one second apart per
// request (the monitor's whole pipeline, without alerts).
std::string TracksBody(uint64_t index, int batch) {
  std::string b = "{\"reports\":[";
  char buf[256];
  const int64_t t0 = 1893456000;  // 2030-01-01
  for (int j = 0; j < batch; ++j) {
    const uint64_t k = (index * static_cast<uint64_t>(batch) + static_cast<uint64_t>(j));
    const uint64_t plane = k % 5000;
    const double step = static_cast<double>(k / 5000);
    const double lat = 30 + static_cast<double>(plane % 100) * 0.1 + step * 0.0005;
    const double lng = 30 + static_cast<double>(plane / 100) * 0.3;
    const int64_t ms = static_cast<int64_t>(step * 1000) + static_cast<int64_t>(plane % 1000);
    std::snprintf(buf, sizeof buf,
                  "%s{\"icao24\":\"c%05x\",\"lat\":%.5f,\"lng\":%.5f,\"alt_m\":3000,"
                  "\"time\":\"%s.%03dZ\",\"gs_mps\":55.5,\"track_deg\":0}",
                  j ? "," : "", static_cast<unsigned>(plane), lat, lng,
                  [&] {
                    static thread_local char t[32];
                    const time_t secs = static_cast<time_t>(t0 + ms / 1000);
                    std::strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", gmtime(&secs));
                    return t;
                  }(),
                  static_cast<int>(ms % 1000));
    b += buf;
  }
  b += "]}";
  return b;
}

struct NotifyMaker {
  std::string party;
  std::string icao24;  // empty: no aircraft
  int64_t t0 = 0;      // unix seconds of the first slot

  std::string Body(uint64_t index) const {
    const uint64_t cell = index % kCells, slot = index / kCells;
    const int row = static_cast<int>(cell / kCols), col = static_cast<int>(cell % kCols);
    const double lat0 = 30.0 + row * 0.2 + 0.05, lng0 = 30.0 + col * 0.2 + 0.05;
    const double lat1 = lat0 + 0.05, lng1 = lng0 + 0.05;
    const int64_t start = t0 + static_cast<int64_t>(slot) * kSlotS;
    std::string aircraft;
    if (!icao24.empty()) {
      char cs[32];
      std::snprintf(cs, sizeof cs, "LD%06" PRIu64, index % 1000000);
      aircraft = std::string(",\"aircraft\":[{\"callsign\":\"") + cs + "\",\"icao24\":\"" + icao24 +
                 "\"}]";
    }
    char vol[512];
    // Counter-clockwise (RFC 7946 winding), as in the scenario's notifications.
    std::snprintf(vol, sizeof vol,
                  "{\"volume\":{\"outline_polygon\":{\"vertices\":["
                  "{\"lat\":%.4f,\"lng\":%.4f},{\"lat\":%.4f,\"lng\":%.4f},"
                  "{\"lat\":%.4f,\"lng\":%.4f},{\"lat\":%.4f,\"lng\":%.4f}]},"
                  "\"altitude_lower\":{\"value\":6000,\"reference\":\"W84\",\"units\":\"M\"},"
                  "\"altitude_upper\":{\"value\":9000,\"reference\":\"W84\",\"units\":\"M\"}},",
                  lat0, lng0, lat0, lng1, lat1, lng1, lat1, lng0);
    return "{\"operator\":\"" + party + "\",\"category\":\"isr\"" + aircraft + ",\"volumes\":[" +
           vol + "\"time_start\":{\"value\":\"" + Rfc3339(start) +
           "\",\"format\":\"RFC3339\"},\"time_end\":{\"value\":\"" + Rfc3339(start + kWindowS) +
           "\",\"format\":\"RFC3339\"}}]}";
  }
};

// ------------------------------------------------------------------ statistics

struct Stats {
  std::vector<int64_t> latency_ns;          // measured 2xx and non-2xx responses
  std::map<std::string, uint64_t> errors;   // "404", "io", "timeout", "parse", "connect"
  std::map<std::string, std::string> error_samples;  // first body / message per kind
  uint64_t ok = 0;
  uint64_t warmup_requests = 0, warmup_errors = 0;
  uint64_t reconnects = 0;
  Clock::time_point last_done{};

  void Error(const std::string& kind, std::string sample) {
    ++errors[kind];
    if (!error_samples.count(kind)) {
      if (sample.size() > 300) sample.resize(300);
      error_samples[kind] = std::move(sample);
    }
  }
};

struct Shared {
  const Options* opt = nullptr;
  const NotifyMaker* maker = nullptr;
  Clock::time_point measure_start, measure_end;  // measure_end: duration mode only
  std::atomic<int64_t> remaining{0};             // requests mode: measured left to issue
  std::atomic<uint64_t> next_index{0};
  std::atomic<bool> stop{false};
};

// ------------------------------------------------------------------ one connection

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(net::io_context& io, const tcp::resolver::results_type& endpoints, Shared& shared,
       Stats& stats)
      : socket_(io), timer_(io), retry_(io), endpoints_(endpoints), sh_(shared), st_(stats) {
    const Options& o = *sh_.opt;
 if (o.mode != Mode::kNotify && o.mode != Mode::kTracks) {
      fixed_ = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + "\r\n";
      if (!o.token.empty()) fixed_ += "Authorization: Bearer " + o.token + "\r\n";
      fixed_ += "\r\n";
    }
  }

  void Start() { Connect(); }

 private:
  void Connect() {
    connected_ = false;
    error_code ignored;
    socket_.close(ignored);
    auto self = shared_from_this();
    ArmTimer();
    net::async_connect(socket_, endpoints_, [self](error_code ec, const tcp::endpoint&) {
      const bool timed_out = self->Disarm();
      if (timed_out || ec) {
        self->st_.Error("connect", timed_out ? "connect timed out" : ec.message());
        if (++self->connect_failures_ >= 100) {
          // About 5 s of refused connections: the server is gone; stop everything.
          self->sh_.stop = true;
          return self->Close();
        }
        // Do not spin on a refused connection.
        self->retry_.expires_after(std::chrono::milliseconds(50));
        self->retry_.async_wait([self](error_code) { self->Next(); });
        return;
      }
      self->connect_failures_ = 0;
      error_code ignore;
      self->socket_.set_option(tcp::no_delay(true), ignore);
      self->connected_ = true;
      self->Next();
    });
  }

  // Decides whether another request goes out, and sends it.
  void Next() {
    if (sh_.stop) return Close();
    const Clock::time_point now = Clock::now();
    measured_ = now >= sh_.measure_start;
    if (measured_ && sh_.opt->requests == 0 && now >= sh_.measure_end) return Close();
    if (measured_ && sh_.opt->requests > 0 && sh_.remaining.load() <= 0) return Close();
    if (!connected_) return Connect();
    if (measured_ && sh_.opt->requests > 0 && sh_.remaining.fetch_sub(1) <= 0) return Close();
    if (sh_.opt->mode == Mode::kNotify || sh_.opt->mode == Mode::kTracks) {
      const bool tracks = sh_.opt->mode == Mode::kTracks;
      const std::string body = tracks ? TracksBody(sh_.next_index.fetch_add(1), sh_.opt->batch)
                                      : sh_.maker->Body(sh_.next_index.fetch_add(1));
      request_ = std::string(tracks ? "POST /v1/tracks" : "POST /v1/operations") +
                 " HTTP/1.1\r\nHost: " + sh_.opt->host +
                 "\r\nAuthorization: Bearer " + sh_.opt->token +
                 "\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    const std::string& req =
        sh_.opt->mode == Mode::kNotify || sh_.opt->mode == Mode::kTracks ? request_ : fixed_;
    started_ = Clock::now();
    auto self = shared_from_this();
    ArmTimer();
    net::async_write(socket_, net::buffer(req), [self](error_code ec, size_t) {
      if (self->timed_out_) return self->Failed("timeout", "no response within --timeout-s");
      if (ec) return self->Failed("io", "write: " + ec.message());
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    auto self = shared_from_this();
    net::async_read_until(socket_, net::dynamic_buffer(in_), "\r\n\r\n",
                          [self](error_code ec, size_t header_len) {
                            if (self->timed_out_) {
                              return self->Failed("timeout", "no response within --timeout-s");
                            }
                            if (ec) return self->Failed("io", "read: " + ec.message());
                            self->OnHeader(header_len);
                          });
  }

  static bool IEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i]))) {
        return false;
      }
    }
    return true;
  }

  void OnHeader(size_t header_len) {
    std::string_view head(in_.data(), header_len);
    // Status line: HTTP/1.x NNN reason
    if (head.size() < 12 || head.substr(0, 7) != "HTTP/1." || head[8] != ' ') {
      return Failed("parse", "bad status line: " + std::string(head.substr(0, 80)));
    }
    int status = 0;
    if (std::from_chars(head.data() + 9, head.data() + 12, status).ec != std::errc()) {
      return Failed("parse", "bad status: " + std::string(head.substr(0, 80)));
    }
    std::optional<size_t> length;
    bool close = head[7] == '0';  // HTTP/1.0 closes unless told otherwise
    size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      size_t eol = head.find("\r\n", pos);
      if (eol == std::string_view::npos || eol == pos) break;
      std::string_view line = head.substr(pos, eol - pos);
      pos = eol + 2;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      if (IEquals(name, "content-length")) {
        size_t n = 0;
        auto r = std::from_chars(value.data(), value.data() + value.size(), n);
        if (r.ec != std::errc() || r.ptr != value.data() + value.size()) {
          return Failed("parse", "bad Content-Length: " + std::string(value));
        }
        length = n;
      } else if (IEquals(name, "connection")) {
        if (IEquals(value, "close")) close = true;
        if (IEquals(value, "keep-alive")) close = false;
      } else if (IEquals(name, "transfer-encoding")) {
        return Failed("parse", "Transfer-Encoding is not supported: " + std::string(value));
      }
    }
    if (!length) return Failed("parse", "response without Content-Length");
    status_ = status;
    close_after_ = close;
    body_start_ = header_len;
    const size_t have = in_.size() - header_len;
    if (have >= *length) return Done(*length);
    auto self = shared_from_this();
    const size_t need = *length;
    net::async_read(socket_, net::dynamic_buffer(in_), net::transfer_exactly(need - have),
                    [self, need](error_code ec, size_t) {
                      if (self->timed_out_) {
                        return self->Failed("timeout", "no response within --timeout-s");
                      }
                      if (ec) return self->Failed("io", "read body: " + ec.message());
                      self->Done(need);
                    });
  }

  void Record(Clock::time_point now) {
    st_.latency_ns.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - started_).count());
    st_.last_done = std::max(st_.last_done, now);
  }

  void Done(size_t body_len) {
    Disarm();
    const Clock::time_point now = Clock::now();
    const bool ok = status_ >= 200 && status_ < 300;
    if (measured_) {
      Record(now);
      if (ok) {
        ++st_.ok;
      } else {
        st_.Error(std::to_string(status_), in_.substr(body_start_, body_len));
      }
    } else {
      ++st_.warmup_requests;
      if (!ok) {
        ++st_.warmup_errors;
        st_.Error("warmup-" + std::to_string(status_), in_.substr(body_start_, body_len));
      }
    }
    in_.erase(0, body_start_ + body_len);
    if (close_after_ || !in_.empty()) {
      // The server closes (or sent more than one response): start afresh.
      in_.clear();
      connected_ = false;
      ++st_.reconnects;
    }
    Next();
  }

  // A request that got no (usable) response: counted, then a fresh connection.
  void Failed(const std::string& kind, const std::string& message) {
    Disarm();
    if (measured_) {
      Record(Clock::now());
      st_.Error(kind, message);
    } else {
      ++st_.warmup_requests;
      ++st_.warmup_errors;
      st_.Error("warmup-" + kind, message);
    }
    in_.clear();
    connected_ = false;
    ++st_.reconnects;
    error_code ignored;
    socket_.close(ignored);
    Next();
  }

  // One deadline per connect and per request. On expiry the socket is closed,
  // which aborts the pending operation; its handler sees timed_out_.
  void ArmTimer() {
    timed_out_ = false;
    const uint64_t gen = ++gen_;
    timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(sh_.opt->timeout_s)));
    auto self = shared_from_this();
    timer_.async_wait([self, gen](error_code ec) {
      if (ec || gen != self->gen_) return;  // cancelled, or about an earlier operation
      self->timed_out_ = true;
      error_code ignored;
      self->socket_.close(ignored);
    });
  }

  // The operation under the deadline has finished; true when it timed out.
  bool Disarm() {
    ++gen_;
    timer_.cancel();
    const bool t = timed_out_;
    timed_out_ = false;
    return t;
  }

  void Close() {
    Disarm();
    retry_.cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_;
  net::steady_timer timer_, retry_;
  const tcp::resolver::results_type& endpoints_;
  Shared& sh_;
  Stats& st_;
  std::string fixed_, request_, in_;
  Clock::time_point started_{};
  int status_ = 0;
  size_t body_start_ = 0;
  uint64_t gen_ = 0;
  int connect_failures_ = 0;
  bool close_after_ = false, connected_ = false, measured_ = false, timed_out_ = false;
};

// ------------------------------------------------------------------ one-off requests

// A blocking request for set-up (GET /v1/whoami): returns status and body.
std::optional<std::pair<int, std::string>> SimpleGet(const Options& o, const std::string& path) {
  try {
    net::io_context io;
    tcp::resolver resolver(io);
    tcp::socket s(io);
    net::connect(s, resolver.resolve(o.host, std::to_string(o.port)));
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + o.host + "\r\nConnection: close\r\n";
    if (!o.token.empty()) req += "Authorization: Bearer " + o.token + "\r\n";
    req += "\r\n";
    net::write(s, net::buffer(req));
    std::string in;
    error_code ec;
    net::read(s, net::dynamic_buffer(in), ec);
    if (ec && ec != net::error::eof) return std::nullopt;
    if (in.size() < 12 || in.compare(0, 7, "HTTP/1.") != 0) return std::nullopt;
    int status = std::atoi(in.c_str() + 9);
    size_t b = in.find("\r\n\r\n");
    return std::make_pair(status, b == std::string::npos ? std::string() : in.substr(b + 4));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jic_load: %s:%d: %s\n", o.host.c_str(), o.port, e.what());
    return std::nullopt;
  }
}

// "key":"value" in a flat JSON object, without a JSON parser.
std::string JsonStringField(const std::string& body, const std::string& key) {
  const std::string k = "\"" + key + "\"";
  size_t p = body.find(k);
  if (p == std::string::npos) return "";
  p = body.find(':', p + k.size());
  if (p == std::string::npos) return "";
  p = body.find('"', p);
  if (p == std::string::npos) return "";
  size_t e = body.find('"', p + 1);
  return e == std::string::npos ? "" : body.substr(p + 1, e - p - 1);
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> parsed = ParseArgs(argc, argv);
  if (!parsed) {
    Usage(stderr);
    return 2;
  }
  const Options& o = *parsed;

  NotifyMaker maker;
  if (o.mode == Mode::kNotify) {
    maker.party = o.party;
    if (maker.party.empty()) {
      auto who = SimpleGet(o, "/v1/whoami");
      if (!who) {
        std::fprintf(stderr, "jic_load: GET /v1/whoami failed: is the server at %s:%d?\n",
                     o.host.c_str(), o.port);
        return 2;
      }
      if (who->first != 200) {
        std::fprintf(stderr, "jic_load: GET /v1/whoami: %d %s\n", who->first, who->second.c_str());
        return 2;
      }
      maker.party = JsonStringField(who->second, "party");
      if (maker.party.empty()) {
        std::fprintf(stderr, "jic_load: no party in GET /v1/whoami: %s\n", who->second.c_str());
        return 2;
      }
    }
    if (o.icao24 == "none") {
      maker.icao24.clear();
    } else if (!o.icao24.empty()) {
      maker.icao24 = o.icao24;
    } else {
      // The jic-2016 scenario's aircraft; other parties notify without aircraft.
      static const std::map<std::string, std::string> kAircraft = {
          {"US", "ae1234"}, {"RU", "15c0a1"}, {"SY", "7781a2"}};
      if (auto it = kAircraft.find(maker.party); it != kAircraft.end()) maker.icao24 = it->second;
    }
    // Tomorrow, on the hour: far enough ahead for the one-hour notice rule.
    const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    maker.t0 = (now_s / 3600 + 25) * 3600;
  }

  net::io_context resolve_io;
  tcp::resolver::results_type endpoints;
  try {
    tcp::resolver resolver(resolve_io);
    endpoints = resolver.resolve(o.host, std::to_string(o.port));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jic_load: cannot resolve %s: %s\n", o.host.c_str(), e.what());
    return 2;
  }

  Shared sh;
  sh.opt = &o;
  sh.maker = &maker;
  sh.next_index = o.first_index;
  sh.remaining = o.requests;
  const Clock::time_point t_begin = Clock::now();
  sh.measure_start = t_begin + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(o.warmup_s));
  sh.measure_end = sh.measure_start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(o.duration_s));

  std::vector<std::unique_ptr<net::io_context>> ios;
  std::vector<Stats> stats(static_cast<size_t>(o.threads));
  for (int t = 0; t < o.threads; ++t) ios.push_back(std::make_unique<net::io_context>(1));
  for (int c = 0; c < o.connections; ++c) {
    const int t = c % o.threads;
    std::make_shared<Conn>(*ios[static_cast<size_t>(t)], endpoints, sh,
                           stats[static_cast<size_t>(t)])
        ->Start();
  }
  // A guard: in duration mode, stop whatever still waits well past the end.
  std::thread watchdog;
  std::atomic<bool> finished{false};
  if (o.requests == 0) {
    watchdog = std::thread([&] {
      const auto hard_end = sh.measure_end + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(o.timeout_s + 1));
      while (!finished && Clock::now() < hard_end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (!finished) {
        sh.stop = true;
        for (auto& io : ios) io->stop();
      }
    });
  }
  std::vector<std::thread> threads;
  for (int t = 1; t < o.threads; ++t) threads.emplace_back([&, t] { ios[static_cast<size_t>(t)]->run(); });
  ios[0]->run();
  for (auto& th : threads) th.join();
  finished = true;
  if (watchdog.joinable()) watchdog.join();

  // Merge.
  Stats all;
  for (Stats& s : stats) {
    all.latency_ns.insert(all.latency_ns.end(), s.latency_ns.begin(), s.latency_ns.end());
    for (auto& [k, v] : s.errors) all.errors[k] += v;
    for (auto& [k, v] : s.error_samples) all.error_samples.emplace(k, v);
    all.ok += s.ok;
    all.warmup_requests += s.warmup_requests;
    all.warmup_errors += s.warmup_errors;
    all.reconnects += s.reconnects;
    all.last_done = std::max(all.last_done, s.last_done);
  }
  std::sort(all.latency_ns.begin(), all.latency_ns.end());
  const uint64_t requests = all.latency_ns.size();
  uint64_t errors = 0, connect_errors = 0;
  for (auto& [k, v] : all.errors) {
    if (k == "connect") {
      connect_errors += v;
    } else if (k.rfind("warmup-", 0) != 0) {
      errors += v;
    }
  }
  Clock::time_point end = all.last_done;
  if (o.requests == 0) end = std::max(end, sh.measure_end);
  const double seconds =
      requests == 0 ? 0 : std::chrono::duration<double>(end - sh.measure_start).count();
  const double rate = seconds > 0 ? static_cast<double>(requests) / seconds : 0;
  const double p50 = Percentile(all.latency_ns, 0.50), p90 = Percentile(all.latency_ns, 0.90),
               p99 = Percentile(all.latency_ns, 0.99), pmax = Percentile(all.latency_ns, 1.0);

  std::string by_status, by_status_json;
  for (auto& [k, v] : all.errors) {
    by_status += (by_status.empty() ? " (" : ", ") + k + ": " + std::to_string(v);
    by_status_json += (by_status_json.empty() ? "" : ",") + ("\"" + JsonEscape(k) + "\":") +
                      std::to_string(v);
  }
  if (!by_status.empty()) by_status += ")";
  std::printf("%s c=%d: %" PRIu64 " requests in %.2f s, %.1f req/s, latency ms p50 %.3f p90 %.3f "
              "p99 %.3f max %.3f; errors %" PRIu64 "%s; warm-up %" PRIu64 " requests\n",
              o.mode_name.c_str(), o.connections, requests, seconds, rate, p50, p90, p99, pmax,
              errors, by_status.c_str(), all.warmup_requests);
  std::printf("{\"mode\":\"%s\",\"path\":\"%s\",\"connections\":%d,\"client_threads\":%d,"
              "\"seconds\":%.3f,\"requests\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"errors\":%" PRIu64
              ",\"errors_by_status\":{%s},\"warmup_requests\":%" PRIu64
              ",\"warmup_errors\":%" PRIu64 ",\"connect_errors\":%" PRIu64
              ",\"reconnects\":%" PRIu64 ",\"req_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
              "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"reports_per_s\":%.0f}\n",
              o.mode_name.c_str(),
              JsonEscape(o.mode == Mode::kNotify   ? "/v1/operations"
                         : o.mode == Mode::kTracks ? "/v1/tracks"
                                                   : o.path)
                  .c_str(),
              o.connections, o.threads, seconds, requests, all.ok, errors, by_status_json.c_str(),
              all.warmup_requests, all.warmup_errors, connect_errors, all.reconnects, rate, p50,
              p90, p99, pmax,
              o.mode == Mode::kTracks && seconds > 0 ? static_cast<double>(all.ok) * o.batch / seconds : 0.0);
  std::fflush(stdout);
  if (!o.quiet) {
    for (auto& [k, v] : all.error_samples) {
      std::fprintf(stderr, "jic_load: first %s: %s\n", k.c_str(), v.c_str());
    }
  }
  if (requests == 0) {
    std::fprintf(stderr, "jic_load: no request completed\n");
    return 2;
  }
  return errors + all.warmup_errors + connect_errors > 0 ? 3 : 0;
}
