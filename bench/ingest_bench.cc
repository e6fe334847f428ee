// Ingest throughput on one core, in process (no sockets): the decoder side of
// issue 4's end-to-end goals (≥ 500,000 SBS lines/s and JSON reports/s).
//
//   jic_ingest_bench [--sbs FILE] [--repeat N] [--chunk BYTES]
//                    [--json-reports N] [--json-batches K]
//
// sbs_decode: FILE (default: the ulss7 recording in tests/data/adsb/) repeated N
//   times (default 100, ~860,000 lines), fed in chunks of BYTES (default 65536,
//   as a socket read gives them) through SbsDecoder: line check, typed fields
//   and the per-aircraft merge, reports handed to a sink.
// track_json: a generated batch of N reports (default 10,000, the batch limit)
//   parsed K times (default 100) by one reused TrackBatchParser.
// Each prints one JSON line: name, counts, seconds, rate per second. The SBS
// repeats restart the recording's clock; the merger does not mind.
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "jic/ingest/sbs_decoder.h"
#include "jic/ingest/track_json.h"

namespace {

using namespace jic;
using Clock = std::chrono::steady_clock;

double Secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Args {
  std::string sbs = std::string(JIC_SOURCE_DIR) +
                    "/tests/data/adsb/ulss7_20180403.dump1090-mutability.sbs";
  size_t repeat = 100;
  size_t chunk = 65536;
  size_t json_reports = ingest::kMaxTrackBatchReports;
  size_t json_batches = 100;
};

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    auto next = [&](const char* name) -> const char* {
      if (std::strcmp(argv[i], name) != 0 || i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    if (const char* v = next("--sbs")) {
      a->sbs = v;
    } else if (const char* v = next("--repeat")) {
      a->repeat = std::strtoull(v, nullptr, 10);
    } else if (const char* v = next("--chunk")) {
      a->chunk = std::strtoull(v, nullptr, 10);
    } else if (const char* v = next("--json-reports")) {
      a->json_reports = std::strtoull(v, nullptr, 10);
    } else if (const char* v = next("--json-batches")) {
      a->json_batches = std::strtoull(v, nullptr, 10);
    } else {
      return false;
    }
  }
  return a->chunk > 0;
}

int BenchSbs(const Args& args) {
  std::ifstream f(args.sbs, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string one = ss.str();
  if (!f || one.empty()) {
    std::fprintf(stderr, "cannot read %s\n", args.sbs.c_str());
    return 1;
  }
  std::string all;
  all.reserve(one.size() * args.repeat);
  for (size_t i = 0; i < args.repeat; ++i) all += one;

  uint64_t reports = 0;
  double lat_sum = 0;  // keeps the sink from being optimised away
  auto sink = [&](const monitor::TrackReport& r) {
    ++reports;
    lat_sum += r.lat_deg;
  };
  {  // warm-up: one copy, caches and the aircraft table
    ingest::SbsDecoder warm;
    warm.Feed(one, sink);
    warm.Finish();
  }
  reports = 0;
  lat_sum = 0;
  ingest::SbsDecoder decoder;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < all.size(); i += args.chunk) {
    decoder.Feed(std::string_view(all).substr(i, args.chunk), sink);
  }
  decoder.Finish();
  const double s = Secs(t0, Clock::now());
  const ingest::SbsCounters c = decoder.counters();
  std::printf("{\"name\":\"sbs_decode\",\"lines\":%" PRIu64 ",\"reports\":%" PRIu64
              ",\"bad_lines\":%" PRIu64 ",\"aircraft\":%zu,\"bytes\":%zu,\"seconds\":%.4f,"
              "\"lines_per_s\":%.0f,\"mb_per_s\":%.1f,\"mean_lat_deg\":%.2f}\n",
              c.lines, reports, c.bad_lines_total(), decoder.merger().aircraft(), all.size(), s,
              c.lines / s, all.size() / s / 1e6, lat_sum / (reports ? reports : 1));
  return 0;
}

std::vector<monitor::TrackReport> MakeBatch(size_t n) {
  std::vector<monitor::TrackReport> out(n);
  uint64_t x = 88172645463325252ull;
  auto rnd = [&] {  // xorshift64: deterministic across runs
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<double>(x >> 11) / 9007199254740992.0;
  };
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    monitor::TrackReport& r = out[i];
    const uint32_t icao = static_cast<uint32_t>(rnd() * 0xffffff);
    for (int k = 0; k < 6; ++k) r.icao24 += kHex[(icao >> (20 - 4 * k)) & 0xf];
    r.callsign = "SYR" + std::to_string(100 + i % 900);
    // As decoders give them: 5 decimals of a degree (~1 m), whole metres.
    r.lat_deg = std::round((32 + rnd() * 5) * 1e5) / 1e5;
    r.lng_deg = std::round((35 + rnd() * 7) * 1e5) / 1e5;
    r.alt_m = std::round(rnd() * 12000);
    r.time = Time::FromUnixSeconds(1468999800) + Duration::Micros(static_cast<int64_t>(i) * 1000);
    r.gs_mps = std::round(rnd() * 3000) / 10;
    r.track_deg = std::round(rnd() * 3600) / 10;
    if (r.track_deg == 360.0) r.track_deg = 0.0;
    if (i % 2 == 0) r.vrate_mps = std::round(rnd() * 400 - 200) / 10;
  }
  return out;
}

int BenchJson(const Args& args) {
  const std::string body = ingest::TrackBatchToJson(MakeBatch(args.json_reports));
  ingest::TrackBatchParser parser;
  std::vector<monitor::TrackReport> out;
  Status warm = parser.Parse(body, &out);
  if (!warm.ok()) {
    std::fprintf(stderr, "the generated batch does not parse: %s\n", warm.ToString().c_str());
    return 1;
  }
  const auto t0 = Clock::now();
  size_t reports = 0;
  for (size_t k = 0; k < args.json_batches; ++k) {
    Status s = parser.Parse(body, &out);
    if (!s.ok()) return 1;
    reports += out.size();
  }
  const double s = Secs(t0, Clock::now());
  std::printf("{\"name\":\"track_json\",\"reports\":%zu,\"batches\":%zu,\"body_bytes\":%zu,"
              "\"seconds\":%.4f,\"reports_per_s\":%.0f,\"mb_per_s\":%.1f}\n",
              out.size(), args.json_batches, body.size(), s, reports / s,
              body.size() * args.json_batches / s / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: jic_ingest_bench [--sbs FILE] [--repeat N] [--chunk BYTES] "
                 "[--json-reports N] [--json-batches K]\n");
    return 2;
  }
  if (int rc = BenchSbs(args)) return rc;
  std::fflush(stdout);
  return BenchJson(args);
}
