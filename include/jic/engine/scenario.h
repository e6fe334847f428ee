// Scenarios: a sequence of notifications, each with the time the center
// received it, run through decide() in order (the demo and its tests).
//
// File format (one JSON object per line; blank lines and lines starting with
// '#' are skipped):
//   {"received_at": RFC3339, "expect": "accepted"|"needs_approval"|"rejected",
//    "title": "...", "operation": {an operation as in AGREEMENT.md}}
// `expect` and `title` are optional.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jic/base/status.h"
#include "jic/engine/decide.h"

namespace jic::engine {

struct ScenarioStep {
  int line = 0;
  Time received_at;
  std::string expect;  // empty when the line has none
  std::string title;
  Operation operation;
};

// Parses the notifications of a scenario. Errors name the line:
// "line 3: operation.volumes[0].time_end: must be after time_start".
Result<std::vector<ScenarioStep>> ParseScenario(std::string_view jsonl);

struct StepResult {
  Decision decision;
  OpState state;  // what the operation became
};

// Decides the steps in order, each against the operations kept before it:
// accepted ones become accepted, those needing approval pending_approval,
// rejected ones are kept as rejected (outside separation). An operation
// without an id gets "op-<line>". Fails on the first malformed reference.
Result<std::vector<StepResult>> RunScenario(const RuleBook& rules, std::vector<ScenarioStep>& steps,
                                            OperationStore* store);

}  // namespace jic::engine
