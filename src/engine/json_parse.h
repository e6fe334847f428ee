// Parsing untrusted JSON without exceptions and without deep recursion.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace jic::engine {

// Deeper nesting than this is refused before parsing: nothing jic reads needs
// more than a dozen levels, and deep values would recurse when copied or
// printed.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` as one JSON value. On failure returns false and sets `error`
// to a message that says where ("malformed JSON at byte 12: ..."). Throws
// nothing, whatever the input (overflowing numbers, invalid UTF-8, deep
// nesting).
bool ParseJson(std::string_view text, nlohmann::json* out, std::string* error);

}  // namespace jic::engine
