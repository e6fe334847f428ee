#include "jic/engine/decision.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace jic::engine {

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kAccepted: return "accepted";
    case Outcome::kNeedsApproval: return "needs_approval";
    case Outcome::kRejected: return "rejected";
  }
  return "?";
}

std::string_view FindingEffectName(FindingEffect e) {
  switch (e) {
    case FindingEffect::kReject: return "reject";
    case FindingEffect::kRequireApproval: return "require_approval";
    case FindingEffect::kWarn: return "warn";
    case FindingEffect::kPreempt: return "preempt";
  }
  return "?";
}

Decision MakeDecision(std::vector<Finding> findings) {
  Decision d;
  bool reject = false;
  bool approval = false;
  for (const Finding& f : findings) {
    if (f.effect == FindingEffect::kReject) reject = true;
    if (f.effect == FindingEffect::kRequireApproval) {
      approval = true;
      d.approvers.insert(d.approvers.end(), f.approvers.begin(), f.approvers.end());
    }
  }
  std::sort(d.approvers.begin(), d.approvers.end());
  d.approvers.erase(std::unique(d.approvers.begin(), d.approvers.end()), d.approvers.end());
  if (reject) {
    d.outcome = Outcome::kRejected;
    d.approvers.clear();
  } else if (approval) {
    d.outcome = Outcome::kNeedsApproval;
  } else {
    d.outcome = Outcome::kAccepted;
    d.approvers.clear();
  }
  d.findings = std::move(findings);
  return d;
}

template <typename Json>
Json DecisionToJsonT(const Decision& d);

std::string DecisionToJson(const Decision& d) { return DecisionToJsonT<nlohmann::ordered_json>(d).dump(); }

nlohmann::json DecisionJsonValue(const Decision& d) { return DecisionToJsonT<nlohmann::json>(d); }

template <typename Json>
Json DecisionToJsonT(const Decision& d) {
  Json j;
  j["outcome"] = std::string(OutcomeName(d.outcome));
  j["approvers"] = d.approvers;
  auto fs = Json::array();
  for (const Finding& f : d.findings) {
    Json o;
    o["rule"] = f.rule;
    o["effect"] = std::string(FindingEffectName(f.effect));
    if (!f.area.empty()) o["area"] = f.area;
    if (!f.operation.empty()) o["operation"] = f.operation;
    if (f.effect == FindingEffect::kRequireApproval) o["approvers"] = f.approvers;
    if (f.volume >= 0) o["volume"] = f.volume;
    if (f.other_volume >= 0) o["other_volume"] = f.other_volume;
    if (f.distance_m) o["distance_m"] = std::round(*f.distance_m * 1000) / 1000;
    if (!f.text.empty()) o["text"] = f.text;
    fs.push_back(std::move(o));
  }
  j["findings"] = std::move(fs);
  return j;
}

}  // namespace jic::engine
