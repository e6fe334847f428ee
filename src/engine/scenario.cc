#include "jic/engine/scenario.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "jic/base/time_format.h"
#include "jic/engine/operation_json.h"

namespace jic::engine {

Result<std::vector<ScenarioStep>> ParseScenario(std::string_view jsonl) {
  std::vector<ScenarioStep> steps;
  std::vector<FieldError> errors;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= jsonl.size()) {
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    std::string_view line = jsonl.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string where = absl::StrCat("line ", line_no, ": ");
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      errors.push_back({where.substr(0, where.size() - 2), std::string("not valid JSON: ") + e.what()});
      continue;
    }
    if (!j.is_object()) {
      errors.push_back({where.substr(0, where.size() - 2), "must be an object"});
      continue;
    }
    ScenarioStep step;
    step.line = line_no;
    bool ok = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() != "received_at" && it.key() != "expect" && it.key() != "title" &&
          it.key() != "operation") {
        errors.push_back({where + it.key(), "unknown key"});
        ok = false;
      }
    }
    if (!j.contains("received_at") || !j["received_at"].is_string()) {
      errors.push_back({where + "received_at", "missing or not a string"});
      ok = false;
    } else {
      Result<Time> t = ParseRfc3339(j["received_at"].get<std::string>());
      if (!t.ok()) {
        errors.push_back({where + "received_at", t.status().errors().front().reason});
        ok = false;
      } else {
        step.received_at = *t;
      }
    }
    if (j.contains("expect")) {
      if (!j["expect"].is_string()) {
        errors.push_back({where + "expect", "must be a string"});
        ok = false;
      } else {
        step.expect = j["expect"].get<std::string>();
        if (step.expect != "accepted" && step.expect != "needs_approval" && step.expect != "rejected") {
          errors.push_back({where + "expect", "must be accepted, needs_approval or rejected"});
          ok = false;
        }
      }
    }
    if (j.contains("title")) {
      if (j["title"].is_string()) step.title = j["title"].get<std::string>();
      else {
        errors.push_back({where + "title", "must be a string"});
        ok = false;
      }
    }
    if (!j.contains("operation")) {
      errors.push_back({where + "operation", "missing"});
      continue;
    }
    Result<Operation> op = ParseOperationJson(j["operation"].dump(), OperationForm::kNotification);
    if (!op.ok()) {
      for (const FieldError& e : op.status().errors()) {
        errors.push_back({where + "operation" + (e.field.empty() ? "" : "." + e.field), e.reason});
      }
      continue;
    }
    if (!ok) continue;
    step.operation = std::move(op).value();
    if (step.operation.submitted_by.empty()) step.operation.submitted_by = step.operation.operator_party;
    if (step.operation.id.empty()) step.operation.id = absl::StrCat("op-", line_no);
    steps.push_back(std::move(step));
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  return steps;
}

Result<std::vector<StepResult>> RunScenario(const RuleBook& rules, std::vector<ScenarioStep>& steps,
                                            OperationStore* store) {
  std::vector<StepResult> out;
  for (ScenarioStep& step : steps) {
    Result<Decision> d = Decide(rules, *store, step.operation, step.received_at);
    if (!d.ok()) {
      std::vector<FieldError> errors;
      for (const FieldError& e : d.status().errors()) {
        errors.push_back({absl::StrCat("line ", step.line, ": operation.", e.field), e.reason});
      }
      return Status::Invalid(std::move(errors));
    }
    StepResult r{*d, OpState::kAccepted};
    switch (d->outcome) {
      case Outcome::kAccepted: r.state = OpState::kAccepted; break;
      case Outcome::kNeedsApproval: r.state = OpState::kPendingApproval; break;
      case Outcome::kRejected: r.state = OpState::kRejected; break;
    }
    Operation op = step.operation;
    op.state = r.state;
    op.version = 1;
    store->Put(std::move(op));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace jic::engine
