#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/scenario.h"

namespace jic::cli {
namespace {

std::string Describe(const engine::Finding& f) {
  std::string s = f.rule + " " + std::string(engine::FindingEffectName(f.effect));
  if (!f.area.empty()) s += " area " + f.area;
  if (!f.operation.empty()) s += " op " + f.operation;
  if (!f.approvers.empty()) {
    s += " by";
    for (const auto& a : f.approvers) s += " " + a;
  }
  if (f.distance_m) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " (%.0f m apart)", *f.distance_m);
    s += buf;
  }
  return s;
}

std::string Cut(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

}  // namespace

int RunDemo(const DemoArgs& args) {
  const std::string agreement_path = args.dir + "/agreement.yaml";
  const std::string notes_path = args.dir + "/notifications.jsonl";
  auto agreement = agreement::LoadAgreementFile(agreement_path);
  if (!agreement.ok()) {
    std::cerr << agreement_path << ":\n" << agreement.status().ToString() << "\n";
    return kExitBadInput;
  }
  std::ifstream f(notes_path, std::ios::binary);
  if (!f) {
    std::cerr << notes_path << ": cannot read\n";
    return kExitBadInput;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  auto steps = engine::ParseScenario(ss.str());
  if (!steps.ok()) {
    std::cerr << notes_path << ":\n" << steps.status().ToString() << "\n";
    return kExitBadInput;
  }
  engine::RuleBook rules(*agreement);
  engine::OperationStore store;
  auto results = engine::RunScenario(rules, *steps, &store);
  if (!results.ok()) {
    std::cerr << notes_path << ":\n" << results.status().ToString() << "\n";
    return kExitBadInput;
  }

  int mismatches = 0;
  if (!args.json) {
    std::printf("%s — %zu notifications decided in order\n\n", (*agreement)->title.c_str(),
                steps->size());
    std::printf("%-6s %-4s %-4s %-22s %-17s %-15s %s\n", "op", "by", "for", "category", "received",
                "decision", "findings");
    std::printf("%s\n", std::string(110, '-').c_str());
  }
  for (size_t i = 0; i < steps->size(); ++i) {
    const engine::ScenarioStep& st = (*steps)[i];
    const engine::Decision& d = (*results)[i].decision;
    const std::string outcome(engine::OutcomeName(d.outcome));
    const bool mismatch = !st.expect.empty() && st.expect != outcome;
    if (mismatch) ++mismatches;
    if (args.json) {
      std::printf("{\"id\":\"%s\",\"received_at\":\"%s\",\"expect\":\"%s\",\"decision\":%s}\n",
                  st.operation.id.c_str(), FormatRfc3339(st.received_at).c_str(), st.expect.c_str(),
                  engine::DecisionToJson(d).c_str());
      continue;
    }
    std::string received = FormatRfc3339(st.received_at).substr(5, 11);
    std::string label = outcome;
    if (d.outcome == engine::Outcome::kNeedsApproval) {
      label += " (";
      for (size_t k = 0; k < d.approvers.size(); ++k) label += (k ? "," : "") + d.approvers[k];
      label += ")";
    }
    std::printf("%-6s %-4s %-4s %-22s %-17s %-15s %s\n", Cut(st.operation.id, 6).c_str(),
                st.operation.submitted_by.c_str(), st.operation.operator_party.c_str(),
                Cut(st.operation.category, 22).c_str(), received.c_str(), label.c_str(),
                d.findings.empty() ? "-" : Describe(d.findings[0]).c_str());
    for (size_t k = 1; k < d.findings.size(); ++k) {
      std::printf("%-6s %-4s %-4s %-22s %-17s %-15s %s\n", "", "", "", "", "", "",
                  Describe(d.findings[k]).c_str());
    }
    if (!st.title.empty()) std::printf("%-6s   %s\n", "", st.title.c_str());
    if (mismatch) std::printf("%-6s   !! expected %s\n", "", st.expect.c_str());
  }
  if (!args.json) {
    std::printf("\n%zu notifications: ", steps->size());
    int counts[3] = {0, 0, 0};
    for (const auto& r : *results) ++counts[static_cast<int>(r.decision.outcome)];
    std::printf("%d accepted, %d need approval, %d rejected", counts[0], counts[1], counts[2]);
    if (mismatches) std::printf("; %d differ from their expectation", mismatches);
    std::printf("\n");
  }
  if (args.check && mismatches) return kExitFailure;
  return kExitOk;
}

}  // namespace jic::cli
