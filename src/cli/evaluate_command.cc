#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "jic/agreement/agreement_loader.h"
#include "jic/base/clock.h"
#include "jic/base/time_format.h"
#include "jic/engine/decide.h"
#include "jic/engine/operation_json.h"

namespace jic::cli {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return !f.bad();
}

void PrintErrors(const std::string& where, const Status& s) {
  if (s.errors().empty()) {
    std::cerr << where << ": " << s.message() << "\n";
    return;
  }
  for (const FieldError& e : s.errors()) std::cerr << where << ": " << e.ToString() << "\n";
}

}  // namespace

int RunEvaluate(const EvaluateArgs& args) {
  auto agreement = agreement::LoadAgreementFile(args.agreement);
  if (!agreement.ok()) {
    PrintErrors(args.agreement, agreement.status());
    return kExitBadInput;
  }
  Time at = SystemClock::Get().Now();
  if (args.at) {
    Result<Time> t = ParseRfc3339(*args.at);
    if (!t.ok()) {
      std::cerr << "--at: " << t.status().errors().front().reason << "\n";
      return kExitBadInput;
    }
    at = *t;
  }
  engine::RuleBook rules(*agreement);
  engine::OperationStore store;
  if (args.state) {
    std::ifstream f(*args.state, std::ios::binary);
    if (!f) {
      std::cerr << *args.state << ": cannot read\n";
      return kExitBadInput;
    }
    std::string line;
    int n = 0;
    bool bad = false;
    while (std::getline(f, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = *args.state + ":" + std::to_string(n);
      auto op = engine::ParseOperationJson(line, engine::OperationForm::kStateLine);
      if (!op.ok()) {
        PrintErrors(where, op.status());
        bad = true;
        continue;
      }
      if (op->submitted_by.empty()) op->submitted_by = op->operator_party;
      if (Status s = engine::CheckReferences(**agreement, *op); !s.ok()) {
        PrintErrors(where, s);
        bad = true;
        continue;
      }
      if (store.Find(op->id)) {
        std::cerr << where << ": id: '" << op->id << "' appears twice\n";
        bad = true;
        continue;
      }
      store.Put(std::move(op).value());
    }
    if (bad) return kExitBadInput;
  }
  std::string text;
  if (!ReadFile(args.candidate, &text)) {
    std::cerr << args.candidate << ": cannot read\n";
    return kExitBadInput;
  }
  auto candidate = engine::ParseOperationJson(text, engine::OperationForm::kNotification);
  if (!candidate.ok()) {
    PrintErrors(args.candidate, candidate.status());
    return kExitBadInput;
  }
  if (candidate->submitted_by.empty()) candidate->submitted_by = candidate->operator_party;
  auto decision = engine::Decide(rules, store, *candidate, at);
  if (!decision.ok()) {
    PrintErrors(args.candidate, decision.status());
    return kExitBadInput;
  }
  std::cout << engine::DecisionToJson(*decision) << "\n";
  return kExitOk;
}

}  // namespace jic::cli
