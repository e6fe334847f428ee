#include "jic/engine/operation.h"

#include <algorithm>

namespace jic::engine {

std::string_view OpStateName(OpState s) {
  switch (s) {
    case OpState::kAccepted: return "accepted";
    case OpState::kPendingApproval: return "pending_approval";
    case OpState::kRejected: return "rejected";
    case OpState::kActivated: return "activated";
    case OpState::kEnded: return "ended";
    case OpState::kCancelled: return "cancelled";
  }
  return "?";
}

std::optional<OpState> ParseOpState(std::string_view name) {
  for (OpState s : {OpState::kAccepted, OpState::kPendingApproval, OpState::kRejected,
                    OpState::kActivated, OpState::kEnded, OpState::kCancelled}) {
    if (OpStateName(s) == name) return s;
  }
  return std::nullopt;
}

Time Operation::EarliestStart() const {
  Time t = volumes.front().start;
  for (const Volume4D& v : volumes) t = std::min(t, v.start);
  return t;
}

}  // namespace jic::engine
