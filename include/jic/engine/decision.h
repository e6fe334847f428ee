// A decision on a command: its outcome and the findings behind it, in the
// shape of AGREEMENT.md ("The decision").
#pragma once

#include <optional>

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace jic::engine {

enum class Outcome { kAccepted, kNeedsApproval, kRejected };
std::string_view OutcomeName(Outcome o);

enum class FindingEffect { kReject, kRequireApproval, kWarn, kPreempt };
std::string_view FindingEffectName(FindingEffect e);

struct Finding {
  std::string rule;  // a rule id, or "reporting" / "separation"
  FindingEffect effect = FindingEffect::kWarn;
  std::string text;                    // the rule's text, or the check's explanation
  std::string area;                    // the area involved, if any
  std::string operation;               // the other operation (separation)
  std::vector<std::string> approvers;  // require_approval
  int volume = -1;        // the candidate's volume involved, if one is
  int other_volume = -1;  // separation: the other operation's volume
  std::optional<double> distance_m;  // separation: horizontal distance, metres
  bool operator==(const Finding&) const = default;
};

struct Decision {
  Outcome outcome = Outcome::kAccepted;
  std::vector<std::string> approvers;  // sorted; non-empty only for kNeedsApproval
  std::vector<Finding> findings;
  bool operator==(const Decision&) const = default;
};

// Applies the outcome rules of AGREEMENT.md to `findings`: rejected if any
// finding rejects; otherwise needs approval if any requires approval (the
// union of their approvers); otherwise accepted.
Decision MakeDecision(std::vector<Finding> findings);

// {"outcome": ..., "approvers": [...], "findings": [{"rule", "effect", ...}]}
std::string DecisionToJson(const Decision& d);
// The same as a JSON value (members sorted, as in log entries).
nlohmann::json DecisionJsonValue(const Decision& d);

}  // namespace jic::engine
