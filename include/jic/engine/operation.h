// Operations: notified air operations, their 4D volumes (ASTM F3548
// Volume4D) and their states.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jic/base/units.h"
#include "jic/geo/outline.h"

namespace jic::engine {

enum class OpState { kAccepted, kPendingApproval, kRejected, kActivated, kEnded, kCancelled };

std::string_view OpStateName(OpState s);
std::optional<OpState> ParseOpState(std::string_view name);

// States whose operations others must keep clear of (AGREEMENT.md,
// "separation"): accepted, pending approval and activated.
constexpr bool TakesPartInSeparation(OpState s) {
  return s == OpState::kAccepted || s == OpState::kPendingApproval || s == OpState::kActivated;
}

struct Aircraft {
  std::string callsign;  // may be empty
  std::string icao24;    // lower-case hex, 6 digits; may be empty
};

// One 4D volume: an outline, a closed altitude band (metres, W84) and a
// closed time window.
struct Volume4D {
  geo::Outline outline;
  double alt_lower_m = 0;
  double alt_upper_m = 0;
  Time start;
  Time end;
};

struct Operation {
  std::string id;
  std::string operator_party;
  std::string submitted_by;
  std::string category;
  std::vector<Aircraft> aircraft;
  std::vector<Volume4D> volumes;
  OpState state = OpState::kAccepted;
  int64_t version = 0;

  // The earliest time_start of its volumes. REQUIRES: !volumes.empty()
  Time EarliestStart() const;
};

}  // namespace jic::engine
