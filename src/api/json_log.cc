#include "jic/api/json_log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "jic/base/clock.h"
#include "jic/base/time_format.h"

namespace jic::api {

namespace {

std::atomic<bool> g_quiet{false};

void Line(const char* level, std::string_view msg, std::string_view fields_json) {
  nlohmann::ordered_json j;
  j["ts"] = FormatRfc3339(SystemClock::Get().Now());
  j["level"] = level;
  j["msg"] = msg;
  if (!fields_json.empty()) {
    auto f = nlohmann::json::parse(fields_json.begin(), fields_json.end(), nullptr, false);
    if (f.is_object()) {
      for (auto it = f.begin(); it != f.end(); ++it) j[it.key()] = it.value();
    }
  }
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s += '\n';
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void LogInfo(std::string_view msg, std::string_view fields) {
  if (!g_quiet.load()) Line("info", msg, fields);
}
void LogWarn(std::string_view msg, std::string_view fields) { Line("warn", msg, fields); }
void LogError(std::string_view msg, std::string_view fields) { Line("error", msg, fields); }
void SetLogQuiet(bool quiet) { g_quiet = quiet; }

}  // namespace jic::api
