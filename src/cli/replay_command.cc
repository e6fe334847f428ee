// jic replay FILE --to URL [--speed X]: a recorded SBS feed, decoded here
// (the same staged decoder as `jic serve --sbs`), sent to a running center as
// POST /v1/tracks batches at the recording's own pace (or X times faster).

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "jic/audit/ledger_source.h"
#include "jic/ingest/sbs_decoder.h"
#include "jic/ingest/track_json.h"

namespace jic::cli {

namespace {

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

  auto client = audit::HttpClient::Make(args.to, token);
  if (!client.ok()) {
    std::cerr << "--to: " << client.status().ToString() << "\n";
    return kExitBadInput;
  }
  audit::HttpClient& http = **client;
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
    const audit::HttpClient::Response r = http.Post("/v1/tracks", ingest::TrackBatchToJson(batch));
    const int status = r.status;
    reply = r.body;
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
