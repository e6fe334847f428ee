// Operations as JSON: the notification body of AGREEMENT.md (ASTM F3548
// Volume4D volumes), parsed strictly, every problem named by its path.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "jic/base/status.h"
#include "jic/engine/operation.h"

namespace jic::engine {

// At most this many volumes in one operation.
inline constexpr size_t kMaxVolumes = 1000;

enum class OperationForm {
  // A notification: `id` optional, no `state`.
  kNotification,
  // A line of a state file (`jic evaluate --state`): `id` and `state`
  // required; `version` and `decision` allowed (the latter ignored).
  kStateLine,
};

// Parses one operation from JSON text. `submitted_by` may be absent (the
// caller fills it in). On failure the Status lists every problem with its
// path, e.g. `volumes[0].volume.outline_polygon.vertices[2].lat: latitude 91
// is outside -90..90`.
Result<Operation> ParseOperationJson(std::string_view json, OperationForm form);

// The same, from a parsed JSON value (what ParseOperationJson does after
// parsing the text).
Result<Operation> ParseOperationValue(const nlohmann::json& value, OperationForm form);

// The operation as JSON in the same shape (state and version included).
// Polygon vertices come out counter-clockwise, as the engine keeps them.
std::string OperationToJson(const Operation& op);

}  // namespace jic::engine
