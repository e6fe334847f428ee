// Structured logs: one JSON object per line on stderr,
// {"ts": RFC 3339, "level": "info"|"warn"|"error", "msg": ..., <fields>}.
//
// Thread-safety: lines from different threads never interleave.
#pragma once

#include <string_view>

namespace jic::api {

// `fields_json` is a JSON object whose members are added to the line ("" or
// "{}" for none).
void LogInfo(std::string_view msg, std::string_view fields_json = "");
void LogWarn(std::string_view msg, std::string_view fields_json = "");
void LogError(std::string_view msg, std::string_view fields_json = "");

// Silences info lines (tests, benchmarks). Default: shown.
void SetLogQuiet(bool quiet);

}  // namespace jic::api
