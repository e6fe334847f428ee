// The jic-2016 scenario: every notification's outcome is its `expect`, and
// the findings are those scenarios/jic-2016/README.md lists. Then the
// scenario parser's errors, each naming its line.
#include "jic/engine/scenario.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "jic/agreement/agreement_loader.h"

namespace jic::engine {
namespace {

const std::string kDir = std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016";

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// "rule effect [area|operation] [approvers]" for each finding, in order.
std::vector<std::string> Summary(const Decision& d) {
  std::vector<std::string> out;
  for (const Finding& f : d.findings) {
    std::string s = f.rule + " " + std::string(FindingEffectName(f.effect));
    if (!f.area.empty()) s += " " + f.area;
    if (!f.operation.empty()) s += " " + f.operation;
    if (f.effect == FindingEffect::kRequireApproval) {
      s += " [";
      for (size_t i = 0; i < f.approvers.size(); ++i) s += (i ? "," : "") + f.approvers[i];
      s += "]";
    }
    out.push_back(s);
  }
  return out;
}

using Strings = std::vector<std::string>;

class Jic2016Test : public testing::Test {
 protected:
  void SetUp() override {
    auto a = agreement::LoadAgreementFile(kDir + "/agreement.yaml");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    rules_ = std::make_unique<RuleBook>(*a);
    auto steps = ParseScenario(ReadFile(kDir + "/notifications.jsonl"));
    ASSERT_TRUE(steps.ok()) << steps.status().ToString();
    steps_ = std::move(steps).value();
    auto results = RunScenario(*rules_, steps_, &store_);
    ASSERT_TRUE(results.ok()) << results.status().ToString();
    results_ = std::move(results).value();
    ASSERT_EQ(results_.size(), steps_.size());
  }

  // The decision on the operation with this id.
  const Decision& DecisionOf(const std::string& id) const {
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (steps_[i].operation.id == id) return results_[i].decision;
    }
    ADD_FAILURE() << "no step for " << id;
    static const Decision kNone;
    return kNone;
  }

  std::unique_ptr<RuleBook> rules_;
  OperationStore store_;
  std::vector<ScenarioStep> steps_;
  std::vector<StepResult> results_;
};

TEST_F(Jic2016Test, SixteenNotificationsEachWithAnExpectation) {
  ASSERT_EQ(steps_.size(), 16u);
  for (size_t i = 0; i < steps_.size(); ++i) {
    EXPECT_EQ(steps_[i].operation.id, "op-" + std::to_string(i + 1));
    EXPECT_FALSE(steps_[i].expect.empty()) << steps_[i].operation.id;
    EXPECT_FALSE(steps_[i].title.empty()) << steps_[i].operation.id;
    EXPECT_EQ(steps_[i].line, static_cast<int>(i + 1));
  }
}

TEST_F(Jic2016Test, EveryOutcomeIsAsExpected) {
  for (size_t i = 0; i < steps_.size(); ++i) {
    EXPECT_EQ(OutcomeName(results_[i].decision.outcome), steps_[i].expect)
        << steps_[i].operation.id << ": " << steps_[i].title;
  }
}

TEST_F(Jic2016Test, FindingsAreThoseTheReadmeLists) {
  // scenarios/jic-2016/README.md, "The notifications".
  const std::map<std::string, Strings> expected = {
      {"op-1", {}},
      {"op-2", {"R4 warn"}},
      {"op-3", {"R2 require_approval [US]"}},
      {"op-4", {"R1 reject DA-2"}},
      {"op-5", {}},
      {"op-6", {"reporting reject"}},
      {"op-7", {}},
      {"op-8", {"R3 reject PS-3"}},
      {"op-9", {}},
      {"op-10", {"separation preempt op-9"}},
      {"op-11", {"separation reject op-9"}},
      {"op-12", {}},
      {"op-13", {}},
      {"op-14", {"R6 warn HC-1"}},
      {"op-15", {"R5 require_approval RA-1 [US]"}},
      {"op-16", {}},
  };
  ASSERT_EQ(expected.size(), steps_.size());
  for (const auto& [id, findings] : expected) {
    EXPECT_EQ(Summary(DecisionOf(id)), findings) << id;
  }
}

TEST_F(Jic2016Test, Details) {
  // op-3 and op-15 need the US's approval.
  EXPECT_EQ(DecisionOf("op-3").approvers, Strings{"US"});
  EXPECT_EQ(DecisionOf("op-15").approvers, Strings{"US"});
  // op-10 preempts op-9 from 2,423 m away (medevac 100 > transport 10).
  const Decision& op10 = DecisionOf("op-10");
  ASSERT_EQ(op10.findings.size(), 1u);
  ASSERT_TRUE(op10.findings[0].distance_m.has_value());
  EXPECT_NEAR(*op10.findings[0].distance_m, 2423, 1);
  // op-11 overlaps op-9.
  const Decision& op11 = DecisionOf("op-11");
  ASSERT_EQ(op11.findings.size(), 1u);
  ASSERT_TRUE(op11.findings[0].distance_m.has_value());
  EXPECT_EQ(*op11.findings[0].distance_m, 0);
}

TEST_F(Jic2016Test, KeptOperationsAndTheirStates) {
  // README: "The kept operations at the end are op-1, op-2, op-3 (pending),
  // op-5, op-7, op-9, op-10, op-12, op-13, op-14, op-15 (pending) and op-16";
  // the rejected ones stay outside separation.
  const std::map<std::string, OpState> states = {
      {"op-1", OpState::kAccepted},         {"op-2", OpState::kAccepted},
      {"op-3", OpState::kPendingApproval},  {"op-4", OpState::kRejected},
      {"op-5", OpState::kAccepted},         {"op-6", OpState::kRejected},
      {"op-7", OpState::kAccepted},         {"op-8", OpState::kRejected},
      {"op-9", OpState::kAccepted},         {"op-10", OpState::kAccepted},
      {"op-11", OpState::kRejected},        {"op-12", OpState::kAccepted},
      {"op-13", OpState::kAccepted},        {"op-14", OpState::kAccepted},
      {"op-15", OpState::kPendingApproval}, {"op-16", OpState::kAccepted},
  };
  size_t live_volumes = 0;
  for (const auto& [id, state] : states) {
    const Operation* op = store_.Find(id);
    ASSERT_NE(op, nullptr) << id;
    EXPECT_EQ(op->state, state) << id;
    if (TakesPartInSeparation(op->state)) live_volumes += op->volumes.size();
  }
  EXPECT_EQ(store_.index().size(), live_volumes);
  EXPECT_EQ(live_volumes, 12u);
}

TEST_F(Jic2016Test, AloneEachNotificationNeedsOnlyItsOwnLine) {
  // Decided against an empty store, only op-10 and op-11 (which meet op-9)
  // change: without op-9 they have no finding and are accepted.
  for (const ScenarioStep& step : steps_) {
    OperationStore empty;
    Result<Decision> d = Decide(*rules_, empty, step.operation, step.received_at);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    if (step.operation.id == "op-10" || step.operation.id == "op-11") {
      EXPECT_EQ(d->outcome, Outcome::kAccepted) << step.operation.id;
      EXPECT_TRUE(d->findings.empty()) << step.operation.id;
    } else {
      EXPECT_EQ(*d, DecisionOf(step.operation.id)) << step.operation.id;
    }
  }
}

TEST_F(Jic2016Test, ReplayGivesTheSameDecisions) {
  std::vector<ScenarioStep> steps = steps_;
  OperationStore store(SpaceTimeIndex::Options{6});
  auto again = RunScenario(*rules_, steps, &store);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), results_.size());
  for (size_t i = 0; i < results_.size(); ++i) {
    EXPECT_EQ((*again)[i].decision, results_[i].decision) << steps_[i].operation.id;
    EXPECT_EQ(DecisionToJson((*again)[i].decision), DecisionToJson(results_[i].decision));
    EXPECT_EQ((*again)[i].state, results_[i].state);
  }
}

// ---------------------------------------------------------------------------
// ParseScenario.

constexpr char kGoodOp[] =
    R"({"operator": "US", "category": "isr", "volumes": [{"volume": {"outline_circle": {"center": {"lat": 36.2, "lng": 37.1}, "radius": {"value": 1000, "units": "M"}}, "altitude_lower": {"value": 0, "reference": "W84", "units": "M"}, "altitude_upper": {"value": 1000, "reference": "W84", "units": "M"}}, "time_start": {"value": "2016-07-20T10:00:00Z", "format": "RFC3339"}, "time_end": {"value": "2016-07-20T11:00:00Z", "format": "RFC3339"}}]})";

std::string Line(const std::string& extra = "", const std::string& op = kGoodOp) {
  return R"({"received_at": "2016-07-20T08:00:00Z", )" + extra + R"("operation": )" + op + "}";
}

// Every error of a failed parse, one "field: reason" each.
Strings Errors(std::string_view jsonl) {
  Result<std::vector<ScenarioStep>> r = ParseScenario(jsonl);
  EXPECT_FALSE(r.ok());
  Strings out;
  for (const FieldError& e : r.status().errors()) out.push_back(e.ToString());
  return out;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(ParseScenarioTest, SkipsBlankAndCommentLinesButCountsThem) {
  const std::string text = "# a comment\n\n   \n" +
                           Line(R"("expect": "accepted", "title": "t", )") +
                           "\n  # indented comment\n" + Line() + "\n";
  Result<std::vector<ScenarioStep>> r = ParseScenario(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].line, 4);
  EXPECT_EQ((*r)[0].expect, "accepted");
  EXPECT_EQ((*r)[0].title, "t");
  EXPECT_EQ((*r)[1].line, 6);
  EXPECT_EQ((*r)[1].expect, "");
  // No id: "op-<line>"; no submitted_by: the operator.
  EXPECT_EQ((*r)[0].operation.id, "op-4");
  EXPECT_EQ((*r)[1].operation.id, "op-6");
  EXPECT_EQ((*r)[0].operation.submitted_by, "US");
  EXPECT_EQ((*r)[0].received_at.unix_micros(), 1469001600LL * 1000000);
}

TEST(ParseScenarioTest, CrlfLinesAreFine) {
  Result<std::vector<ScenarioStep>> r = ParseScenario(Line() + "\r\n" + Line() + "\r\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 2u);
}

TEST(ParseScenarioTest, AnEmptyFileHasNoSteps) {
  Result<std::vector<ScenarioStep>> r = ParseScenario("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(ParseScenarioTest, ErrorsNameTheLineAndTheField) {
  std::string bad_time = kGoodOp;
  bad_time.replace(bad_time.find("2016-07-20T11:00:00Z"), 20, "2016-07-20T09:00:00Z");
  const Strings e = Errors(Line() + "\n\n" + Line("", bad_time) + "\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "line 3: operation.volumes[0].time_end: must be after time_start");
}

TEST(ParseScenarioTest, BadVertexIsNamedWithItsLine) {
  const std::string op =
      R"({"operator": "US", "category": "isr", "volumes": [{"volume": {"outline_polygon": {"vertices": [{"lat": 36.1, "lng": 37.0}, {"lat": 36.1, "lng": 37.2}, {"lat": 91, "lng": 37.1}]}, "altitude_lower": {"value": 0, "reference": "W84", "units": "M"}, "altitude_upper": {"value": 1000, "reference": "W84", "units": "M"}}, "time_start": {"value": "2016-07-20T10:00:00Z", "format": "RFC3339"}, "time_end": {"value": "2016-07-20T11:00:00Z", "format": "RFC3339"}}]})";
  const Strings e = Errors(Line() + "\n" + Line("", op));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_TRUE(
      StartsWith(e[0], "line 2: operation.volumes[0].volume.outline_polygon.vertices[2].lat: "))
      << e[0];
}

TEST(ParseScenarioTest, EveryBadLineIsReported) {
  const std::string text =
      "not json\n" +                                                                    // line 1
      Line(R"("colour": "red", )") + "\n" +                                             // line 2
      R"({"expect": "accepted", "operation": )" + std::string(kGoodOp) + "}\n" +        // line 3
      Line(R"("expect": "maybe", )") + "\n" +                                           // line 4
      R"({"received_at": "yesterday", "operation": )" + std::string(kGoodOp) + "}\n" +  // line 5
      R"({"received_at": "2016-07-20T08:00:00Z"})" + "\n" +                             // line 6
      "[1, 2]\n" +                                                                      // line 7
      Line(R"("title": 7, )") + "\n" +                                                  // line 8
      Line();  // line 9: fine
  const Strings e = Errors(text);
  ASSERT_EQ(e.size(), 8u) << testing::PrintToString(e);
  EXPECT_TRUE(StartsWith(e[0], "line 1: not valid JSON")) << e[0];
  EXPECT_EQ(e[1], "line 2: colour: unknown key");
  EXPECT_TRUE(StartsWith(e[2], "line 3: received_at: ")) << e[2];
  EXPECT_TRUE(StartsWith(e[3], "line 4: expect: ")) << e[3];
  EXPECT_TRUE(StartsWith(e[4], "line 5: received_at: ")) << e[4];
  EXPECT_TRUE(StartsWith(e[5], "line 6: operation: ")) << e[5];
  EXPECT_TRUE(StartsWith(e[6], "line 7: ")) << e[6];
  EXPECT_TRUE(StartsWith(e[7], "line 8: title: ")) << e[7];
}

TEST(ParseScenarioTest, RunScenarioNamesTheLineOfAnUnknownReference) {
  auto a = agreement::LoadAgreementFile(kDir + "/agreement.yaml");
  ASSERT_TRUE(a.ok());
  RuleBook rules(*a);
  std::string op = kGoodOp;
  op.replace(op.find(R"("isr")"), 5, R"("bombing")");
  Result<std::vector<ScenarioStep>> steps = ParseScenario(Line() + "\n" + Line("", op));
  ASSERT_TRUE(steps.ok());
  OperationStore store;
  Result<std::vector<StepResult>> r = RunScenario(rules, *steps, &store);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.status().errors().size(), 1u);
  EXPECT_EQ(r.status().errors()[0].field, "line 2: operation.category");
}

}  // namespace
}  // namespace jic::engine
