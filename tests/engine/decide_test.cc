// decide(): every rule key, every effect, the built-in reporting and
// separation checks and the outcome rules, as AGREEMENT.md states them.
// Agreements are written inline in YAML and operations in the notification
// JSON, so each test reads like the documents a user would write.
#include "jic/engine/decide.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/operation_json.h"
#include "jic/geo/earth.h"

namespace jic::engine {
namespace {

// ---------------------------------------------------------------------------
// Building documents.

constexpr double kDegPerM = 180.0 / (M_PI * geo::kEarthRadiusM);

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

struct LL {
  double lat, lng;
};

std::string PolygonOutline(const std::vector<LL>& vs) {
  std::string s = R"("outline_polygon": {"vertices": [)";
  for (size_t i = 0; i < vs.size(); ++i) {
    s += (i ? ", " : "") + std::string(R"({"lat": )") + Num(vs[i].lat) + R"(, "lng": )" +
         Num(vs[i].lng) + "}";
  }
  return s + "]}";
}

// A square of `side_m` around (lat, lng), edges roughly north-south and
// east-west.
std::string Square(double lat, double lng, double side_m) {
  const double h = side_m / 2 * kDegPerM;
  const double w = h / std::cos(lat * M_PI / 180);
  return PolygonOutline(
      {{lat - h, lng - w}, {lat - h, lng + w}, {lat + h, lng + w}, {lat + h, lng - w}});
}

// A diamond around (lat, lng) whose north and south apexes are `half_m` from
// the centre along the meridian, and whose east and west apexes are as far.
// Its edges fall away from the apexes, so the apex is the diamond's closest
// point to anything straight north (or south) of it.
std::string Diamond(double lat, double lng, double half_m) {
  const double a = half_m * kDegPerM;
  const double b = a / std::cos(lat * M_PI / 180);
  return PolygonOutline({{lat + a, lng}, {lat, lng - b}, {lat - a, lng}, {lat, lng + b}});
}

std::string CircleOutline(double lat, double lng, double radius_m) {
  return R"("outline_circle": {"center": {"lat": )" + Num(lat) + R"(, "lng": )" + Num(lng) +
         R"(}, "radius": {"value": )" + Num(radius_m) + R"(, "units": "M"}})";
}

std::string Vol(const std::string& outline, double alt_lo, double alt_hi, std::string_view t0,
                std::string_view t1) {
  return R"({"volume": {)" + outline + R"(, "altitude_lower": {"value": )" + Num(alt_lo) +
         R"(, "reference": "W84", "units": "M"}, "altitude_upper": {"value": )" + Num(alt_hi) +
         R"(, "reference": "W84", "units": "M"}}, "time_start": {"value": ")" + std::string(t0) +
         R"(", "format": "RFC3339"}, "time_end": {"value": ")" + std::string(t1) +
         R"(", "format": "RFC3339"}})";
}

Time T(std::string_view rfc3339) {
  Result<Time> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Time();
}
std::string S(Time t) { return FormatRfc3339(t); }

constexpr char kStart[] = "2016-07-20T10:00:00Z";
constexpr char kEnd[] = "2016-07-20T11:00:00Z";
const Time kReceived = T("2016-07-20T06:00:00Z");  // four hours' notice

// A volume at (lat, lng): a 2 km square, 1000-2000 m, 10:00-11:00.
std::string VolAt(double lat, double lng) {
  return Vol(Square(lat, lng, 2000), 1000, 2000, kStart, kEnd);
}

// Parses a notification; `submitted_by` defaults to the operator, as the
// center fills it in.
Operation Op(std::string_view id, std::string_view party, std::string_view category,
             const std::vector<std::string>& volumes, std::string_view submitted_by = "") {
  std::string json = "{";
  if (!id.empty()) json += R"("id": ")" + std::string(id) + R"(", )";
  json += R"("operator": ")" + std::string(party) + R"(", "category": ")" + std::string(category) +
          R"(", )";
  if (!submitted_by.empty()) json += R"("submitted_by": ")" + std::string(submitted_by) + R"(", )";
  json += R"("volumes": [)";
  for (size_t i = 0; i < volumes.size(); ++i) json += (i ? ", " : "") + volumes[i];
  json += "]}";
  Result<Operation> op = ParseOperationJson(json, OperationForm::kNotification);
  EXPECT_TRUE(op.ok()) << op.status().ToString() << "\n" << json;
  if (!op.ok()) return Operation{};
  Operation out = std::move(op).value();
  if (out.submitted_by.empty()) out.submitted_by = out.operator_party;
  return out;
}

// GeoJSON ring [[lng, lat], ...] closed, of a square around (lat, lng).
std::string SquareRing(double lat, double lng, double side_m) {
  const double h = side_m / 2 * kDegPerM;
  const double w = h / std::cos(lat * M_PI / 180);
  auto p = [](double la, double ln) { return "[" + Num(ln) + ", " + Num(la) + "]"; };
  return "[" + p(lat - h, lng - w) + ", " + p(lat - h, lng + w) + ", " + p(lat + h, lng + w) +
         ", " + p(lat + h, lng - w) + ", " + p(lat - h, lng - w) + "]";
}

constexpr char kHeader[] = R"(jic: 1
id: test
signatories: [US, RU]
parties:
  - {id: US, name: United States}
  - {id: RU, name: Russian Federation}
  - {id: SY, name: Syrian Arab Republic, reported_by: [RU]}
  - {id: TR, name: Turkey, reported_by: [US, TR]}
categories:
  - {id: medevac, priority: 100}
  - {id: humanitarian, priority: 90}
  - {id: transport, priority: 10}
  - {id: isr, priority: 10}
  - {id: combat, priority: 0}
  - {id: defensive_air_support, priority: 0}
)";

constexpr char kSeparation5000[] = R"(separation: {horizontal_m: 5000, vertical_m: 300, time_s: 300}
)";
constexpr char kSeparationZero[] = R"(separation: {horizontal_m: 0, vertical_m: 0, time_s: 0}
)";

// "rule effect [area|operation]" for each finding, in order.
std::vector<std::string> Summary(const Decision& d) {
  std::vector<std::string> out;
  for (const Finding& f : d.findings) {
    std::string s = f.rule + " " + std::string(FindingEffectName(f.effect));
    if (!f.area.empty()) s += " " + f.area;
    if (!f.operation.empty()) s += " " + f.operation;
    out.push_back(s);
  }
  return out;
}

using Strings = std::vector<std::string>;

class DecideTest : public testing::Test {
 protected:
  // Loads kHeader followed by `rest`.
  void Load(std::string_view rest) {
    Result<std::shared_ptr<const agreement::Agreement>> a =
        agreement::ParseAgreement(std::string(kHeader) + std::string(rest));
    ASSERT_TRUE(a.ok()) << a.status().ToString() << "\n" << rest;
    rules_ = std::make_unique<RuleBook>(*a);
  }

  Decision Run(const Operation& op, Time received = kReceived) {
    if (!rules_) {
      ADD_FAILURE() << "no agreement loaded";
      return {};
    }
    Result<Decision> d = engine::Decide(*rules_, store_, op, received);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Decision{};
  }

  void Keep(Operation op, OpState state = OpState::kAccepted) {
    op.state = state;
    store_.Put(std::move(op));
  }

  std::unique_ptr<RuleBook> rules_;
  OperationStore store_;
};

// ---------------------------------------------------------------------------
// Rule keys.

TEST_F(DecideTest, OperatorKey) {
  Load(R"(rules:
  - {id: R1, when: {operator: [RU, SY]}, effect: warn}
)");
  EXPECT_EQ(Summary(Run(Op("op-1", "RU", "isr", {VolAt(36, 37)}))), Strings{"R1 warn"});
  EXPECT_EQ(Summary(Run(Op("op-2", "SY", "isr", {VolAt(36, 37)}, "RU"))), Strings{"R1 warn"});
  EXPECT_EQ(Summary(Run(Op("op-3", "US", "isr", {VolAt(36, 37)}))), Strings{});
  // The operator, not the submitter.
  EXPECT_EQ(Summary(Run(Op("op-4", "TR", "isr", {VolAt(36, 37)}, "US"))), Strings{});
}

TEST_F(DecideTest, CategoryKey) {
  Load(R"(rules:
  - {id: R1, when: {category: [combat, defensive_air_support]}, effect: warn}
)");
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "combat", {VolAt(36, 37)}))), Strings{"R1 warn"});
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "defensive_air_support", {VolAt(36, 37)}))),
            Strings{"R1 warn"});
  EXPECT_EQ(Summary(Run(Op("op-3", "US", "isr", {VolAt(36, 37)}))), Strings{});
}

TEST_F(DecideTest, CategoryNotKey) {
  Load(R"(rules:
  - {id: R1, when: {category_not: [medevac, humanitarian]}, effect: warn}
)");
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "combat", {VolAt(36, 37)}))), Strings{"R1 warn"});
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "medevac", {VolAt(36, 37)}))), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-3", "US", "humanitarian", {VolAt(36, 37)}))), Strings{});
}

TEST_F(DecideTest, AnEmptyWhenMatchesEveryOperation) {
  Load(R"(rules:
  - {id: R1, when: {}, effect: warn}
)");
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "combat", {VolAt(36, 37)}))), Strings{"R1 warn"});
  EXPECT_EQ(Summary(Run(Op("op-2", "SY", "medevac", {VolAt(-36, -100)}, "RU"))),
            Strings{"R1 warn"});
}

TEST_F(DecideTest, KeysAreAConjunction) {
  Load(R"(rules:
  - {id: R1, when: {operator: [RU], category: [combat], notice_lt_s: 3600}, effect: warn}
)");
  const Time late = T(kStart) - Duration::Seconds(1800);
  EXPECT_EQ(Summary(Run(Op("op-1", "RU", "combat", {VolAt(36, 37)}), late)), Strings{"R1 warn"});
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "combat", {VolAt(36, 37)}), late)), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-3", "RU", "isr", {VolAt(36, 37)}), late)), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-4", "RU", "combat", {VolAt(36, 37)}))), Strings{})
      << "enough notice";
}

// Areas used by several tests: two designated squares side by side, a
// protected site inside the first, a restricted area far away.
constexpr char kAreas[] = R"(areas:
  - {id: D1, kind: designated, geometry: {type: Polygon, coordinates: [[[36.9, 35.9], [37.1, 35.9], [37.1, 36.1], [36.9, 36.1], [36.9, 35.9]]]}}
  - {id: D2, kind: designated, geometry: {type: Polygon, coordinates: [[[37.2, 35.9], [37.4, 35.9], [37.4, 36.1], [37.2, 36.1], [37.2, 35.9]]]}}
  - {id: P1, kind: protected_site, geometry: {type: Point, coordinates: [37.0, 36.0]}, radius_m: 1000}
  - {id: X1, kind: restricted, geometry: {type: Polygon, coordinates: [[[38.4, 33.4], [38.7, 33.4], [38.7, 33.6], [38.4, 33.6], [38.4, 33.4]]]}}
)";

TEST_F(DecideTest, AreaKey) {
  Load(std::string(kAreas) + R"(rules:
  - {id: R1, when: {area: [D2, X1]}, effect: reject}
)");
  // In D1 only: no finding.
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(36.0, 36.95)}))), Strings{});
  // In D2: one finding naming D2.
  const Decision d = Run(Op("op-2", "US", "isr", {VolAt(36.0, 37.3)}));
  EXPECT_EQ(Summary(d), Strings{"R1 reject D2"});
  EXPECT_EQ(d.outcome, Outcome::kRejected);
  // Across D1 and D2: only D2 is listed.
  EXPECT_EQ(Summary(Run(
                Op("op-3", "US", "isr", {Vol(Square(36.0, 37.15, 20000), 0, 100, kStart, kEnd)}))),
            Strings{"R1 reject D2"});
  // In X1.
  EXPECT_EQ(Summary(Run(Op("op-4", "US", "isr", {VolAt(33.5, 38.5)}))), Strings{"R1 reject X1"});
  // Nowhere.
  EXPECT_EQ(Summary(Run(Op("op-5", "US", "isr", {VolAt(30, 30)}))), Strings{});
}

TEST_F(DecideTest, AreaKindKey) {
  Load(std::string(kAreas) + R"(rules:
  - {id: R1, when: {area_kind: [protected_site, restricted]}, effect: reject}
)");
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(36.0, 37.0)}))), Strings{"R1 reject P1"});
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "isr", {VolAt(36.0, 37.3)}))), Strings{})
      << "designated only";
  EXPECT_EQ(Summary(Run(Op("op-3", "US", "isr", {VolAt(33.5, 38.5)}))), Strings{"R1 reject X1"});
}

TEST_F(DecideTest, AreaAndAreaKindTogetherAreAConjunction) {
  Load(std::string(kAreas) + R"(rules:
  - {id: R1, when: {area: [D1, P1, X1], area_kind: [protected_site, restricted]}, effect: warn}
)");
  // Over D1 and P1: P1 is both listed and of a listed kind; D1 is not of one.
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(36.0, 37.0)}))), Strings{"R1 warn P1"});
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "isr", {VolAt(36.0, 36.95)}))), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-3", "US", "isr", {VolAt(33.5, 38.5)}))), Strings{"R1 warn X1"});
}

TEST_F(DecideTest, ARuleWithAnAreaKeyMatchingNoAreaGivesNoFinding) {
  Load(std::string(kAreas) + R"(rules:
  - {id: R1, when: {operator: [US], area_kind: [designated]}, effect: reject}
)");
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(30, 30)}))), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-2", "RU", "isr", {VolAt(36.0, 37.3)}))), Strings{})
      << "other operator";
}

TEST_F(DecideTest, NoticeLessThanIsStrict) {
  Load(R"(rules:
  - {id: R4, when: {notice_lt_s: 3600}, effect: warn}
)");
  const Time start = T(kStart);
  auto notice = [&](Duration before) {
    return Summary(Run(Op("op-1", "US", "isr", {VolAt(36, 37)}), start - before));
  };
  EXPECT_EQ(notice(Duration::Seconds(3599)), Strings{"R4 warn"});
  EXPECT_EQ(notice(Duration::Micros(3599'999'999)), Strings{"R4 warn"});
  EXPECT_EQ(notice(Duration::Seconds(3600)), Strings{}) << "exactly N seconds is not less than N";
  EXPECT_EQ(notice(Duration::Micros(3600'000'001)), Strings{});
  EXPECT_EQ(notice(Duration::Seconds(7200)), Strings{});
  EXPECT_EQ(notice(Duration::Seconds(0)), Strings{"R4 warn"});
  EXPECT_EQ(notice(Duration::Seconds(-600)), Strings{"R4 warn"}) << "received after it started";
}

TEST_F(DecideTest, NoticeCountsFromTheEarliestVolume) {
  Load(R"(rules:
  - {id: R4, when: {notice_lt_s: 3600}, effect: warn}
)");
  const Time received = T("2016-07-20T09:30:00Z");
  // The first volume listed starts in hours, the second in 30 minutes.
  const Operation op =
      Op("op-1", "US", "isr",
         {Vol(Square(36, 37, 2000), 0, 100, "2016-07-20T14:00:00Z", "2016-07-20T15:00:00Z"),
          Vol(Square(36, 37, 2000), 0, 100, "2016-07-20T10:00:00Z", "2016-07-20T11:00:00Z")});
  EXPECT_EQ(Summary(Run(op, received)), Strings{"R4 warn"});
  EXPECT_EQ(Summary(Run(op, T("2016-07-20T09:00:00Z"))), Strings{});
}

TEST_F(DecideTest, NoticeZeroMatchesOnlyOperationsAlreadyStarted) {
  Load(R"(rules:
  - {id: R0, when: {notice_lt_s: 0}, effect: warn}
)");
  const Operation op = Op("op-1", "US", "isr", {VolAt(36, 37)});
  EXPECT_EQ(Summary(Run(op, T(kStart))), Strings{});
  EXPECT_EQ(Summary(Run(op, T(kStart) + Duration::Micros(1))), Strings{"R0 warn"});
}

// ---------------------------------------------------------------------------
// Effects and outcomes.

TEST_F(DecideTest, RejectRejects) {
  Load(R"(rules:
  - {id: R1, text: no combat, when: {category: [combat]}, effect: reject}
)");
  const Decision d = Run(Op("op-1", "US", "combat", {VolAt(36, 37)}));
  EXPECT_EQ(d.outcome, Outcome::kRejected);
  EXPECT_TRUE(d.approvers.empty());
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].rule, "R1");
  EXPECT_EQ(d.findings[0].effect, FindingEffect::kReject);
  EXPECT_EQ(d.findings[0].text, "no combat");
}

TEST_F(DecideTest, RequireApprovalGivesTheSortedUnionOfApprovers) {
  Load(R"(rules:
  - {id: RA, when: {operator: [RU]}, effect: {require_approval: [US]}}
  - {id: RB, when: {category: [combat]}, effect: {require_approval: [US, SY]}}
  - {id: RC, when: {category: [combat]}, effect: {require_approval: [TR]}}
  - {id: RD, when: {category: [combat]}, effect: warn}
)");
  const Decision d = Run(Op("op-1", "RU", "combat", {VolAt(36, 37)}));
  EXPECT_EQ(d.outcome, Outcome::kNeedsApproval);
  EXPECT_EQ(d.approvers, (Strings{"SY", "TR", "US"}));
  EXPECT_EQ(Summary(d), (Strings{"RA require_approval", "RB require_approval",
                                 "RC require_approval", "RD warn"}));
  EXPECT_EQ(d.findings[0].approvers, Strings{"US"});
  EXPECT_EQ(d.findings[1].approvers, (Strings{"US", "SY"}));
  EXPECT_EQ(d.findings[2].approvers, Strings{"TR"});

  const Decision one = Run(Op("op-2", "RU", "isr", {VolAt(36, 37)}));
  EXPECT_EQ(one.outcome, Outcome::kNeedsApproval);
  EXPECT_EQ(one.approvers, Strings{"US"});
}

TEST_F(DecideTest, WarningsAloneAreAccepted) {
  Load(R"(rules:
  - {id: R1, when: {category: [isr]}, effect: warn}
  - {id: R2, when: {operator: [US]}, effect: warn}
)");
  const Decision d = Run(Op("op-1", "US", "isr", {VolAt(36, 37)}));
  EXPECT_EQ(d.outcome, Outcome::kAccepted);
  EXPECT_TRUE(d.approvers.empty());
  EXPECT_EQ(Summary(d), (Strings{"R1 warn", "R2 warn"}));
}

TEST_F(DecideTest, ARejectOutweighsApprovals) {
  Load(R"(rules:
  - {id: R1, when: {operator: [RU]}, effect: {require_approval: [US]}}
  - {id: R2, when: {category: [combat]}, effect: reject}
)");
  const Decision d = Run(Op("op-1", "RU", "combat", {VolAt(36, 37)}));
  EXPECT_EQ(d.outcome, Outcome::kRejected);
  EXPECT_TRUE(d.approvers.empty());
  EXPECT_EQ(Summary(d), (Strings{"R1 require_approval", "R2 reject"}));
}

TEST(MakeDecisionTest, OutcomeRules) {
  auto f = [](FindingEffect e, Strings approvers = {}) {
    Finding x;
    x.rule = "r";
    x.effect = e;
    x.approvers = std::move(approvers);
    return x;
  };
  using E = FindingEffect;
  EXPECT_EQ(MakeDecision({}).outcome, Outcome::kAccepted);
  EXPECT_EQ(MakeDecision({f(E::kWarn)}).outcome, Outcome::kAccepted);
  EXPECT_EQ(MakeDecision({f(E::kPreempt)}).outcome, Outcome::kAccepted);
  EXPECT_EQ(MakeDecision({f(E::kWarn), f(E::kPreempt), f(E::kWarn)}).outcome, Outcome::kAccepted);

  const Decision a = MakeDecision({f(E::kRequireApproval, {"US"}), f(E::kPreempt),
                                   f(E::kRequireApproval, {"SY", "US", "RU"}), f(E::kWarn)});
  EXPECT_EQ(a.outcome, Outcome::kNeedsApproval);
  EXPECT_EQ(a.approvers, (Strings{"RU", "SY", "US"}));
  EXPECT_EQ(a.findings.size(), 4u) << "findings kept as given";
  EXPECT_EQ(a.findings[2].approvers, (Strings{"SY", "US", "RU"}));

  for (const Decision& r : {MakeDecision({f(E::kReject)}),
                            MakeDecision({f(E::kRequireApproval, {"US"}), f(E::kReject)}),
                            MakeDecision({f(E::kPreempt), f(E::kWarn), f(E::kReject)})}) {
    EXPECT_EQ(r.outcome, Outcome::kRejected);
    EXPECT_TRUE(r.approvers.empty());
  }
}

TEST(MakeDecisionTest, Names) {
  EXPECT_EQ(OutcomeName(Outcome::kAccepted), "accepted");
  EXPECT_EQ(OutcomeName(Outcome::kNeedsApproval), "needs_approval");
  EXPECT_EQ(OutcomeName(Outcome::kRejected), "rejected");
  EXPECT_EQ(FindingEffectName(FindingEffect::kReject), "reject");
  EXPECT_EQ(FindingEffectName(FindingEffect::kRequireApproval), "require_approval");
  EXPECT_EQ(FindingEffectName(FindingEffect::kWarn), "warn");
  EXPECT_EQ(FindingEffectName(FindingEffect::kPreempt), "preempt");
}

TEST(MakeDecisionTest, JsonHasTheContractsShape) {
  Finding r2;
  r2.rule = "R2";
  r2.effect = FindingEffect::kRequireApproval;
  r2.approvers = {"US"};
  Finding sep;
  sep.rule = "separation";
  sep.effect = FindingEffect::kPreempt;
  sep.operation = "op-9";
  Finding r1;
  r1.rule = "R1";
  r1.effect = FindingEffect::kWarn;
  r1.area = "DA-1";
  const std::string j = DecisionToJson(MakeDecision({r2, sep, r1}));
  EXPECT_NE(j.find(R"("outcome":"needs_approval")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("approvers":["US"])"), std::string::npos) << j;
  EXPECT_NE(j.find(R"({"rule":"R2","effect":"require_approval","approvers":["US"])"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find(R"({"rule":"separation","effect":"preempt","operation":"op-9")"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find(R"({"rule":"R1","effect":"warn","area":"DA-1")"), std::string::npos) << j;
  EXPECT_LT(j.find(R"("rule":"R2")"), j.find(R"("rule":"separation")")) << "order kept";
  EXPECT_LT(j.find(R"("rule":"separation")"), j.find(R"("rule":"R1")")) << "order kept";
}

// ---------------------------------------------------------------------------
// Areas.

TEST_F(DecideTest, OneFindingPerAreaMet) {
  Load(std::string(kAreas) + R"(rules:
  - {id: R1, when: {area_kind: [designated]}, effect: reject}
  - {id: R2, when: {area_kind: [designated, protected_site]}, effect: warn}
)");
  // One volume across D1, P1 and D2.
  const Decision d =
      Run(Op("op-1", "US", "isr", {Vol(Square(36.0, 37.15, 30000), 0, 100, kStart, kEnd)}));
  EXPECT_EQ(Summary(d),
            (Strings{"R1 reject D1", "R1 reject D2", "R2 warn D1", "R2 warn D2", "R2 warn P1"}));
}

TEST_F(DecideTest, AnAreaMetByManyVolumesGivesOneFindingNamingTheFirst) {
  Load(std::string(kAreas) + R"(rules:
  - {id: R1, when: {area: [D2]}, effect: warn}
)");
  const Decision d =
      Run(Op("op-1", "US", "isr",
             {VolAt(30, 30), VolAt(36.0, 37.25), VolAt(36.0, 37.35), VolAt(36.05, 37.3)}));
  EXPECT_EQ(Summary(d), Strings{"R1 warn D2"});
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].volume, 1);
}

// An area around (36, 37), 20 km across, 0-5000 m, valid 00:00-12:00 on 20 July.
constexpr char kTimedArea[] = R"(areas:
  - id: A1
    kind: restricted
    geometry: {type: Polygon, coordinates: [[[36.9, 35.9], [37.1, 35.9], [37.1, 36.1], [36.9, 36.1], [36.9, 35.9]]]}
    altitude: {lower: 1000, upper: 5000}
    valid: {from: 2016-07-20T00:00:00Z, to: 2016-07-20T12:00:00Z}
rules:
  - {id: R1, when: {area: [A1]}, effect: reject}
)";

TEST_F(DecideTest, AnAreaIsMetOnlyWhenOneVolumeMeetsItInSpaceAltitudeAndTime) {
  Load(kTimedArea);
  const std::string inside = Square(36.0, 37.0, 2000);
  const std::string far = Square(37.0, 37.0, 2000);  // 111 km north
  // Volume 0 is over the area but after its validity; volume 1 is in time but
  // elsewhere.
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr",
                           {Vol(inside, 2000, 3000, "2016-07-20T13:00:00Z", "2016-07-20T14:00:00Z"),
                            Vol(far, 2000, 3000, kStart, kEnd)}))),
            Strings{});
  // Volume 0 is over the area in time but above it; volume 1 is at its
  // altitude elsewhere.
  EXPECT_EQ(
      Summary(Run(Op("op-2", "US", "isr",
                     {Vol(inside, 6000, 7000, kStart, kEnd), Vol(far, 2000, 3000, kStart, kEnd)}))),
      Strings{});
  // Volume 0 meets it at its altitude and in time, but elsewhere... and
  // volume 1 over it but above it and late.
  EXPECT_EQ(
      Summary(Run(Op("op-3", "US", "isr",
                     {Vol(far, 2000, 3000, kStart, kEnd),
                      Vol(inside, 6000, 7000, "2016-07-20T13:00:00Z", "2016-07-20T14:00:00Z")}))),
      Strings{});
  // A third volume meeting all three at once.
  const Decision d =
      Run(Op("op-4", "US", "isr",
             {Vol(inside, 6000, 7000, kStart, kEnd), Vol(far, 2000, 3000, kStart, kEnd),
              Vol(inside, 2000, 3000, kStart, kEnd)}));
  EXPECT_EQ(Summary(d), Strings{"R1 reject A1"});
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_EQ(d.findings[0].volume, 2);
}

TEST_F(DecideTest, AreaAltitudeBandIsClosed) {
  Load(kTimedArea);
  const std::string inside = Square(36.0, 37.0, 2000);
  auto band = [&](double lo, double hi) {
    return Summary(Run(Op("op-1", "US", "isr", {Vol(inside, lo, hi, kStart, kEnd)})));
  };
  EXPECT_EQ(band(5000, 6000), Strings{"R1 reject A1"}) << "touching the top";
  EXPECT_EQ(band(0, 1000), Strings{"R1 reject A1"}) << "touching the bottom";
  EXPECT_EQ(band(5000.01, 6000), Strings{});
  EXPECT_EQ(band(0, 999.99), Strings{});
  EXPECT_EQ(band(2000, 2000.5), Strings{"R1 reject A1"});
  EXPECT_EQ(band(-100, 20000), Strings{"R1 reject A1"});
}

TEST_F(DecideTest, AreaValidityIsClosed) {
  Load(kTimedArea);
  const std::string inside = Square(36.0, 37.0, 2000);
  auto window = [&](Time t0, Time t1) {
    return Summary(Run(Op("op-1", "US", "isr", {Vol(inside, 2000, 3000, S(t0), S(t1))})));
  };
  const Time from = T("2016-07-20T00:00:00Z"), to = T("2016-07-20T12:00:00Z");
  const Duration hour = Duration::Seconds(3600), us = Duration::Micros(1);
  EXPECT_EQ(window(to, to + hour), Strings{"R1 reject A1"}) << "starting as it lapses";
  EXPECT_EQ(window(to + us, to + hour), Strings{});
  EXPECT_EQ(window(to + Duration::Seconds(1), to + hour), Strings{});
  EXPECT_EQ(window(from - hour, from), Strings{"R1 reject A1"}) << "ending as it begins";
  EXPECT_EQ(window(from - hour, from - us), Strings{});
  EXPECT_EQ(window(from - hour, to + hour), Strings{"R1 reject A1"}) << "around it";
}

TEST_F(DecideTest, AreaValidityWithOneEnd) {
  Load(R"(areas:
  - {id: F, kind: designated, valid: {from: 2016-07-15T00:00:00Z}, geometry: {type: Point, coordinates: [37.0, 36.0]}, radius_m: 5000}
  - {id: U, kind: designated, valid: {to: 2016-07-21T18:00:00Z}, geometry: {type: Point, coordinates: [37.0, 36.0]}, radius_m: 5000}
  - {id: A, kind: designated, geometry: {type: Point, coordinates: [37.0, 36.0]}, radius_m: 5000}
rules:
  - {id: R1, when: {area_kind: [designated]}, effect: warn}
)");
  auto at = [&](const char* t0, const char* t1) {
    return Summary(Run(Op("op-1", "US", "isr", {Vol(Square(36, 37, 1000), 0, 10, t0, t1)})));
  };
  EXPECT_EQ(at("2001-01-01T00:00:00Z", "2001-01-01T01:00:00Z"),
            (Strings{"R1 warn U", "R1 warn A"}));
  EXPECT_EQ(at("2016-07-20T00:00:00Z", "2016-07-20T01:00:00Z"),
            (Strings{"R1 warn F", "R1 warn U", "R1 warn A"}));
  EXPECT_EQ(at("2016-07-21T18:00:00Z", "2016-07-21T19:00:00Z"),
            (Strings{"R1 warn F", "R1 warn U", "R1 warn A"}));
  EXPECT_EQ(at("2016-07-21T18:00:01Z", "2016-07-21T19:00:00Z"),
            (Strings{"R1 warn F", "R1 warn A"}));
  EXPECT_EQ(at("2090-01-01T00:00:00Z", "2090-01-01T01:00:00Z"),
            (Strings{"R1 warn F", "R1 warn A"}));
  EXPECT_EQ(at("2016-07-14T00:00:00Z", "2016-07-14T23:59:59Z"),
            (Strings{"R1 warn U", "R1 warn A"}));
}

// The longitude difference that puts two points at latitude `lat_deg`
// `dist_m` apart (on the sphere).
double LngGapDeg(double lat_deg, double dist_m) {
  const double rad =
      2 * std::asin(std::sin(dist_m / (2 * geo::kEarthRadiusM)) / std::cos(lat_deg * M_PI / 180));
  return rad * 180 / M_PI;
}

TEST_F(DecideTest, AnAreaTouchedHorizontallyIsMetAndOneCentimetreAwayIsNot) {
  // A polygon area whose east edge is the meridian 0, from 0.02 S to 0.02 N,
  // and a disc of 1000 m around (36, 37).
  Load(R"(areas:
  - {id: E, kind: designated, geometry: {type: Polygon, coordinates: [[[-0.05, -0.02], [0, -0.02], [0, 0.02], [-0.05, 0.02], [-0.05, -0.02]]]}}
  - {id: C, kind: protected_site, geometry: {type: Point, coordinates: [37.0, 36.0]}, radius_m: 1000}
rules:
  - {id: R1, when: {}, effect: warn}
  - {id: R2, when: {area_kind: [designated, protected_site]}, effect: reject}
)");
  auto east_of_edge = [&](double west_lng) {
    return Summary(Run(Op("op-1", "US", "isr",
                          {Vol(PolygonOutline({{-0.01, west_lng},
                                               {-0.01, west_lng + 0.05},
                                               {0.01, west_lng + 0.05},
                                               {0.01, west_lng}}),
                               0, 100, kStart, kEnd)})));
  };
  // Sharing part of the edge.
  EXPECT_EQ(east_of_edge(0), (Strings{"R1 warn", "R2 reject E"}));
  // 1 cm clear of it (the closest points are the corners at 0.01 degrees).
  EXPECT_EQ(east_of_edge(LngGapDeg(0.01, 0.01)), Strings{"R1 warn"});
  // 1 cm over it.
  EXPECT_EQ(east_of_edge(-LngGapDeg(0.01, 0.01)), (Strings{"R1 warn", "R2 reject E"}));

  // A circle north of the disc, and a diamond whose south apex points at it.
  const double north = 36.0;
  auto circle = [&](double gap_m) {
    const double r = 500;
    return Summary(Run(Op("op-2", "US", "isr",
                          {Vol(CircleOutline(north + (1000 + gap_m + r) * kDegPerM, 37.0, r), 0,
                               100, kStart, kEnd)})));
  };
  EXPECT_EQ(circle(0), (Strings{"R1 warn", "R2 reject C"}));
  EXPECT_EQ(circle(0.01), Strings{"R1 warn"});
  EXPECT_EQ(circle(-0.01), (Strings{"R1 warn", "R2 reject C"}));
  auto diamond = [&](double gap_m) {
    const double half = 800;
    return Summary(Run(Op("op-3", "US", "isr",
                          {Vol(Diamond(north + (1000 + gap_m + half) * kDegPerM, 37.0, half), 0,
                               100, kStart, kEnd)})));
  };
  EXPECT_EQ(diamond(0), (Strings{"R1 warn", "R2 reject C"}));
  EXPECT_EQ(diamond(0.01), Strings{"R1 warn"});
  EXPECT_EQ(diamond(-0.01), (Strings{"R1 warn", "R2 reject C"}));
}

TEST_F(DecideTest, InsideEachOtherIsMeeting) {
  Load(R"(areas:
  - {id: BIG, kind: designated, geometry: {type: Polygon, coordinates: [)" +
       SquareRing(36, 37, 300e3) + R"(]}}
  - {id: SMALL, kind: protected_site, geometry: {type: Point, coordinates: [40.0, 30.0]}, radius_m: 300}
rules:
  - {id: R1, when: {area_kind: [designated, protected_site]}, effect: warn}
)");
  // A small operation deep inside a large area.
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(36.1, 37.1)}))), Strings{"R1 warn BIG"});
  // A large operation around a small area.
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "isr", {Vol(Square(30, 40, 80e3), 0, 10, kStart, kEnd)}))),
            Strings{"R1 warn SMALL"});
  EXPECT_EQ(Summary(Run(Op("op-3", "US", "isr",
                           {Vol(CircleOutline(30.2, 40.1, 50e3), 0, 10, kStart, kEnd)}))),
            Strings{"R1 warn SMALL"});
}

TEST_F(DecideTest, TheHoleOfAnAreaIsNotTheArea) {
  Load(R"(areas:
  - id: H
    kind: designated
    geometry:
      type: Polygon
      coordinates:
        - [[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]
        - [[36.4, 35.4], [36.4, 35.6], [36.6, 35.6], [36.6, 35.4], [36.4, 35.4]]
rules:
  - {id: R1, when: {area: [H]}, effect: reject}
)");
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(35.5, 36.5)}))), Strings{}) << "in the hole";
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "isr", {VolAt(35.5, 36.6)}))), Strings{"R1 reject H"})
      << "across the hole's edge";
  EXPECT_EQ(Summary(Run(Op("op-3", "US", "isr", {VolAt(35.2, 36.2)}))), Strings{"R1 reject H"});
}

// ---------------------------------------------------------------------------
// Reporting.

TEST_F(DecideTest, ReportingAllowsOnlyListedSubmitters) {
  Load("");
  // SY lists RU.
  EXPECT_EQ(Summary(Run(Op("op-1", "SY", "transport", {VolAt(36, 37)}, "RU"))), Strings{});
  const Decision us = Run(Op("op-2", "SY", "transport", {VolAt(36, 37)}, "US"));
  EXPECT_EQ(Summary(us), Strings{"reporting reject"});
  EXPECT_EQ(us.outcome, Outcome::kRejected);
  // SY does not list itself.
  EXPECT_EQ(Summary(Run(Op("op-3", "SY", "transport", {VolAt(36, 37)}, "SY"))),
            Strings{"reporting reject"});
  EXPECT_EQ(Summary(Run(Op("op-4", "SY", "transport", {VolAt(36, 37)}))),
            Strings{"reporting reject"})
      << "submitter defaults to the operator";
  // TR lists US and itself.
  EXPECT_EQ(Summary(Run(Op("op-5", "TR", "transport", {VolAt(36, 37)}, "TR"))), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-6", "TR", "transport", {VolAt(36, 37)}, "US"))), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-7", "TR", "transport", {VolAt(36, 37)}, "RU"))),
            Strings{"reporting reject"});
  // US lists nobody: anyone may notify its operations.
  EXPECT_EQ(Summary(Run(Op("op-8", "US", "transport", {VolAt(36, 37)}, "RU"))), Strings{});
  EXPECT_EQ(Summary(Run(Op("op-9", "US", "transport", {VolAt(36, 37)}, "SY"))), Strings{});
}

// ---------------------------------------------------------------------------
// Separation.

TEST_F(DecideTest, SeparationIsBetweenDifferentParties) {
  Load(kSeparation5000);
  Keep(Op("ru-1", "RU", "transport", {VolAt(36, 37)}));
  Keep(Op("us-1", "US", "transport", {VolAt(36, 37)}));
  EXPECT_EQ(Summary(Run(Op("new", "US", "isr", {VolAt(36, 37)}))),
            Strings{"separation reject ru-1"});
  EXPECT_EQ(Summary(Run(Op("new", "RU", "isr", {VolAt(36, 37)}))),
            Strings{"separation reject us-1"});
  // The operator's party counts, not the submitter's.
  EXPECT_EQ(Summary(Run(Op("new", "SY", "isr", {VolAt(36, 37)}, "RU"))),
            (Strings{"separation reject ru-1", "separation reject us-1"}));
}

TEST_F(DecideTest, SamePartyTrueSeparatesAPartysOwnOperations) {
  Load(R"(separation: {horizontal_m: 5000, vertical_m: 300, time_s: 300, same_party: true}
)");
  Keep(Op("ru-1", "RU", "transport", {VolAt(36, 37)}));
  Keep(Op("us-1", "US", "transport", {VolAt(36, 37)}));
  EXPECT_EQ(Summary(Run(Op("new", "US", "isr", {VolAt(36, 37)}))),
            (Strings{"separation reject ru-1", "separation reject us-1"}));
}

TEST_F(DecideTest, OnlyAcceptedActivatedAndPendingOperationsCount) {
  Load(kSeparation5000);
  for (OpState s : {OpState::kAccepted, OpState::kPendingApproval, OpState::kRejected,
                    OpState::kActivated, OpState::kEnded, OpState::kCancelled}) {
    SCOPED_TRACE(std::string(OpStateName(s)));
    Keep(Op("ru-1", "RU", "transport", {VolAt(36, 37)}), s);
    const bool counts =
        s == OpState::kAccepted || s == OpState::kActivated || s == OpState::kPendingApproval;
    EXPECT_EQ(Summary(Run(Op("new", "US", "isr", {VolAt(36, 37)}))),
              counts ? Strings{"separation reject ru-1"} : Strings{});
  }
}

// A pair of volumes a given geodesic distance apart, both 1000-2000 m and
// 10:00-11:00, one kept (RU transport) and one the candidate (US isr).
class HorizontalMinimumTest : public DecideTest {
 protected:
  void SetUp() override { Load(kSeparation5000); }

  // Keeps `kept`, decides `candidate`, returns the separation findings'
  // distances (empty when clear).
  std::vector<double> Check(const std::string& kept, const std::string& candidate) {
    store_.Erase("ru-1");
    Keep(Op("ru-1", "RU", "transport", {Vol(kept, 1000, 2000, kStart, kEnd)}));
    const Decision d = Run(Op("us-1", "US", "isr", {Vol(candidate, 1000, 2000, kStart, kEnd)}));
    std::vector<double> out;
    for (const Finding& f : d.findings) {
      EXPECT_EQ(f.rule, "separation");
      EXPECT_EQ(f.operation, "ru-1");
      EXPECT_TRUE(f.distance_m.has_value());
      out.push_back(f.distance_m.value_or(-1));
    }
    return out;
  }
};

constexpr double kLat = 36.0, kLng = 37.0;

TEST_F(HorizontalMinimumTest, PolygonToPolygonApexToApex) {
  const double half = 3000;
  const double apex = kLat + half * kDegPerM;  // the kept diamond's north apex
  auto gap = [&](double m) {
    return Check(Diamond(kLat, kLng, half), Diamond(apex + (m + half) * kDegPerM, kLng, half));
  };
  const auto in = gap(4999.99);
  ASSERT_EQ(in.size(), 1u) << "4999.99 m apart";
  EXPECT_NEAR(in[0], 4999.99, 0.001);
  ASSERT_EQ(gap(5000).size(), 1u) << "exactly 5000 m is within 5000 m";
  EXPECT_TRUE(gap(5000.01).empty()) << "5000.01 m apart";
  EXPECT_TRUE(gap(5000.02).empty()) << "5000.02 m apart";
  EXPECT_TRUE(gap(6000).empty());
  EXPECT_EQ(gap(10).size(), 1u);
}

TEST_F(HorizontalMinimumTest, PolygonToPolygonEdgeToEdge) {
  // Boxes on the equator: the kept one's east edge is the meridian 0; the
  // candidate's west edge is a meridian east of it. Their closest points are
  // the corners at 0.01 degrees of latitude.
  const std::string kept = PolygonOutline({{-0.01, -0.05}, {-0.01, 0}, {0.01, 0}, {0.01, -0.05}});
  auto gap = [&](double m) {
    const double w = LngGapDeg(0.01, m);
    return Check(kept,
                 PolygonOutline({{-0.01, w}, {-0.01, w + 0.05}, {0.01, w + 0.05}, {0.01, w}}));
  };
  const auto in = gap(4999.99);
  ASSERT_EQ(in.size(), 1u);
  EXPECT_NEAR(in[0], 4999.99, 0.001);
  EXPECT_EQ(gap(5000).size(), 1u);
  EXPECT_TRUE(gap(5000.01).empty());
  EXPECT_TRUE(gap(5000.02).empty());
}

TEST_F(HorizontalMinimumTest, PolygonToCircle) {
  const double half = 3000, r = 2000;
  const double apex = kLat + half * kDegPerM;
  auto gap = [&](double m) {
    return Check(Diamond(kLat, kLng, half), CircleOutline(apex + (m + r) * kDegPerM, kLng, r));
  };
  const auto in = gap(4999.99);
  ASSERT_EQ(in.size(), 1u);
  EXPECT_NEAR(in[0], 4999.99, 0.001);
  EXPECT_EQ(gap(5000).size(), 1u);
  EXPECT_TRUE(gap(5000.01).empty());
  EXPECT_TRUE(gap(5000.02).empty());
  // And the other way round: a circle kept, a polygon notified.
  auto rev = [&](double m) {
    return Check(CircleOutline(kLat, kLng, r),
                 Diamond(kLat + (r + m + half) * kDegPerM, kLng, half));
  };
  ASSERT_EQ(rev(4999.99).size(), 1u);
  EXPECT_NEAR(rev(4999.99)[0], 4999.99, 0.001);
  EXPECT_TRUE(rev(5000.02).empty());
}

TEST_F(HorizontalMinimumTest, CircleToCircle) {
  const double ra = 1500, rb = 700;
  auto gap = [&](double m) {
    return Check(CircleOutline(kLat, kLng, ra),
                 CircleOutline(kLat + (ra + m + rb) * kDegPerM, kLng, rb));
  };
  const auto in = gap(4999.99);
  ASSERT_EQ(in.size(), 1u);
  EXPECT_NEAR(in[0], 4999.99, 0.001);
  EXPECT_EQ(gap(5000).size(), 1u);
  EXPECT_TRUE(gap(5000.01).empty());
  EXPECT_TRUE(gap(5000.02).empty());
  // Overlapping: distance 0.
  const auto over = gap(-100);
  ASSERT_EQ(over.size(), 1u);
  EXPECT_EQ(over[0], 0);
}

TEST_F(DecideTest, VerticalMinimum) {
  Load(kSeparation5000);
  Keep(Op("ru-1", "RU", "transport", {Vol(Square(kLat, kLng, 2000), 1000, 2000, kStart, kEnd)}));
  auto band = [&](double lo, double hi) {
    return Summary(
        Run(Op("us-1", "US", "isr", {Vol(Square(kLat, kLng, 2000), lo, hi, kStart, kEnd)})));
  };
  const Strings conflict = {"separation reject ru-1"};
  EXPECT_EQ(band(2299.99, 4000), conflict) << "299.99 m above";
  EXPECT_EQ(band(2300, 4000), conflict) << "300 m above";
  EXPECT_EQ(band(2300.01, 4000), Strings{}) << "300.01 m above";
  EXPECT_EQ(band(0, 700.01), conflict) << "299.99 m below";
  EXPECT_EQ(band(0, 700), conflict) << "300 m below";
  EXPECT_EQ(band(0, 699.99), Strings{}) << "300.01 m below";
  EXPECT_EQ(band(1500, 1600), conflict) << "inside";
}

TEST_F(DecideTest, TimeMinimum) {
  Load(kSeparation5000);
  Keep(Op("ru-1", "RU", "transport", {VolAt(kLat, kLng)}));  // 10:00-11:00
  auto window = [&](Time t0, Time t1) {
    return Summary(
        Run(Op("us-1", "US", "isr", {Vol(Square(kLat, kLng, 2000), 1000, 2000, S(t0), S(t1))})));
  };
  const Time end = T(kEnd), start = T(kStart);
  const Duration hour = Duration::Seconds(3600), five = Duration::Seconds(300),
                 us = Duration::Micros(1);
  const Strings conflict = {"separation reject ru-1"};
  EXPECT_EQ(window(end + Duration::Seconds(299), end + hour), conflict);
  EXPECT_EQ(window(end + five, end + hour), conflict) << "exactly 300 s after";
  EXPECT_EQ(window(end + five + us, end + hour), Strings{});
  EXPECT_EQ(window(end + Duration::Seconds(301), end + hour), Strings{});
  EXPECT_EQ(window(start - hour, start - five), conflict) << "exactly 300 s before";
  EXPECT_EQ(window(start - hour, start - five - us), Strings{});
  EXPECT_EQ(window(start - hour, start - Duration::Seconds(299)), conflict);
}

TEST_F(DecideTest, AllThreeMinimaMustHoldForTheSamePairOfVolumes) {
  Load(kSeparation5000);
  Keep(Op("ru-1", "RU", "transport", {VolAt(kLat, kLng)}));
  // Near in space and height but hours later; in time but 100 km away; in
  // space and time but 2 km above.
  const Operation op =
      Op("us-1", "US", "isr",
         {Vol(Square(kLat, kLng, 2000), 1000, 2000, "2016-07-20T14:00:00Z", "2016-07-20T15:00:00Z"),
          Vol(Square(kLat + 0.9, kLng, 2000), 1000, 2000, kStart, kEnd),
          Vol(Square(kLat, kLng, 2000), 4000, 5000, kStart, kEnd)});
  EXPECT_EQ(Summary(Run(op)), Strings{});
}

TEST_F(DecideTest, WithZeroMinimaTouchingCountsAndOneCentimetreApartDoesNot) {
  Load(kSeparationZero);
  const std::string kept = PolygonOutline({{-0.01, -0.05}, {-0.01, 0}, {0.01, 0}, {0.01, -0.05}});
  Keep(Op("ru-1", "RU", "transport", {Vol(kept, 1000, 2000, kStart, kEnd)}));
  const Strings conflict = {"separation reject ru-1"};
  auto horizontal = [&](const std::string& outline) {
    return Summary(Run(Op("us-1", "US", "isr", {Vol(outline, 1000, 2000, kStart, kEnd)})));
  };
  auto box_from = [](double w) {
    return PolygonOutline({{-0.01, w}, {-0.01, w + 0.05}, {0.01, w + 0.05}, {0.01, w}});
  };
  EXPECT_EQ(horizontal(box_from(0)), conflict) << "sharing an edge";
  EXPECT_EQ(horizontal(box_from(LngGapDeg(0.01, 0.01))), Strings{}) << "1 cm apart";
  EXPECT_EQ(horizontal(box_from(-LngGapDeg(0.01, 0.01))), conflict) << "1 cm overlap";
  // Touching at one corner only.
  EXPECT_EQ(horizontal(PolygonOutline({{0.01, 0}, {0.01, 0.05}, {0.05, 0.05}, {0.05, 0}})),
            conflict);
  EXPECT_EQ(horizontal(PolygonOutline({{0.01, 0}, {0.03, 0.03}, {0.03, 0}})), conflict)
      << "vertex on vertex";
  // A circle touching the edge from the east, and 1 cm off it.
  EXPECT_EQ(horizontal(CircleOutline(0, LngGapDeg(0, 500), 500)), conflict);
  EXPECT_EQ(horizontal(CircleOutline(0, LngGapDeg(0, 500.01), 500)), Strings{});

  auto band = [&](double lo, double hi) {
    return Summary(Run(Op("us-1", "US", "isr", {Vol(box_from(-0.01), lo, hi, kStart, kEnd)})));
  };
  EXPECT_EQ(band(2000, 3000), conflict) << "touching above";
  EXPECT_EQ(band(2000.01, 3000), Strings{});
  EXPECT_EQ(band(0, 1000), conflict) << "touching below";
  EXPECT_EQ(band(0, 999.99), Strings{});

  auto window = [&](const char* t0, const char* t1) {
    return Summary(Run(Op("us-1", "US", "isr", {Vol(box_from(-0.01), 1000, 2000, t0, t1)})));
  };
  EXPECT_EQ(window("2016-07-20T11:00:00Z", "2016-07-20T12:00:00Z"), conflict)
      << "starting as it ends";
  EXPECT_EQ(window("2016-07-20T11:00:00.000001Z", "2016-07-20T12:00:00Z"), Strings{});
  EXPECT_EQ(window("2016-07-20T09:00:00Z", "2016-07-20T10:00:00Z"), conflict)
      << "ending as it starts";
  EXPECT_EQ(window("2016-07-20T09:00:00Z", "2016-07-20T09:59:59Z"), Strings{});
}

TEST_F(DecideTest, CirclesTouchingWithZeroMinima) {
  Load(kSeparationZero);
  Keep(Op("ru-1", "RU", "transport", {Vol(CircleOutline(kLat, kLng, 1000), 0, 100, kStart, kEnd)}));
  auto at = [&](double gap_m) {
    return Summary(Run(Op("us-1", "US", "isr",
                          {Vol(CircleOutline(kLat + (1000 + gap_m + 250) * kDegPerM, kLng, 250), 0,
                               100, kStart, kEnd)})));
  };
  EXPECT_EQ(at(0), Strings{"separation reject ru-1"});
  EXPECT_EQ(at(0.01), Strings{});
  EXPECT_EQ(at(-0.01), Strings{"separation reject ru-1"});
}

TEST_F(DecideTest, PriorityDecidesBetweenPreemptAndReject) {
  Load(kSeparation5000);
  Keep(Op("ru-1", "RU", "transport", {VolAt(kLat, kLng)}));  // priority 10
  // Higher: preempt, and the outcome stays accepted.
  const Decision medevac = Run(Op("us-1", "US", "medevac", {VolAt(kLat, kLng)}));
  EXPECT_EQ(Summary(medevac), Strings{"separation preempt ru-1"});
  EXPECT_EQ(medevac.outcome, Outcome::kAccepted);
  const Decision humanitarian = Run(Op("us-1", "US", "humanitarian", {VolAt(kLat, kLng)}));
  EXPECT_EQ(Summary(humanitarian), Strings{"separation preempt ru-1"});
  EXPECT_EQ(humanitarian.outcome, Outcome::kAccepted);
  // Equal: reject.
  const Decision isr = Run(Op("us-1", "US", "isr", {VolAt(kLat, kLng)}));
  EXPECT_EQ(Summary(isr), Strings{"separation reject ru-1"});
  EXPECT_EQ(isr.outcome, Outcome::kRejected);
  EXPECT_EQ(Summary(Run(Op("us-1", "US", "transport", {VolAt(kLat, kLng)}))),
            Strings{"separation reject ru-1"});
  // Lower: reject.
  const Decision combat = Run(Op("us-1", "US", "combat", {VolAt(kLat, kLng)}));
  EXPECT_EQ(Summary(combat), Strings{"separation reject ru-1"});
  EXPECT_EQ(combat.outcome, Outcome::kRejected);
}

TEST_F(DecideTest, PriorityIsWeighedAgainstEachOtherOperation) {
  Load(std::string(kSeparation5000) + R"(rules:
  - {id: W, when: {category: [medevac]}, effect: warn}
  - {id: A, when: {category: [medevac]}, effect: {require_approval: [RU]}}
)");
  Keep(Op("ru-t", "RU", "transport", {VolAt(kLat, kLng)}));
  Keep(Op("ru-m", "RU", "medevac", {VolAt(kLat, kLng)}));
  const Decision d = Run(Op("us-1", "US", "medevac", {VolAt(kLat, kLng)}));
  EXPECT_EQ(Summary(d), (Strings{"W warn", "A require_approval", "separation reject ru-m",
                                 "separation preempt ru-t"}));
  EXPECT_EQ(d.outcome, Outcome::kRejected);
  store_.Erase("ru-m");
  const Decision p = Run(Op("us-1", "US", "medevac", {VolAt(kLat, kLng)}));
  EXPECT_EQ(p.outcome, Outcome::kNeedsApproval) << "preempt changes nothing";
  EXPECT_EQ(p.approvers, Strings{"RU"});
}

TEST_F(DecideTest, SeparationFindingNamesTheVolumesAndTheDistance) {
  Load(kSeparation5000);
  const double half = 1000;
  const double apex = kLat + half * kDegPerM;
  Keep(Op("ru-1", "RU", "transport",
          {Vol(Square(40, 40, 1000), 1000, 2000, kStart, kEnd),
           Vol(Diamond(kLat, kLng, half), 1000, 2000, kStart, kEnd)}));
  const Decision d = Run(
      Op("us-1", "US", "isr",
         {Vol(Square(30, 30, 1000), 1000, 2000, kStart, kEnd),
          Vol(Diamond(apex + (2500 + half) * kDegPerM, kLng, half), 1000, 2000, kStart, kEnd)}));
  ASSERT_EQ(d.findings.size(), 1u);
  const Finding& f = d.findings[0];
  EXPECT_EQ(f.rule, "separation");
  EXPECT_EQ(f.effect, FindingEffect::kReject);
  EXPECT_EQ(f.operation, "ru-1");
  EXPECT_EQ(f.volume, 1);
  EXPECT_EQ(f.other_volume, 1);
  ASSERT_TRUE(f.distance_m.has_value());
  EXPECT_NEAR(*f.distance_m, 2500, 0.001);
  EXPECT_TRUE(f.area.empty());
}

TEST_F(DecideTest, AModificationIsNotCheckedAgainstItself) {
  Load(R"(separation: {horizontal_m: 5000, vertical_m: 300, time_s: 300, same_party: true}
)");
  Keep(Op("op-1", "US", "isr", {VolAt(kLat, kLng)}));
  // The same id: a modification of op-1, moved a little.
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(kLat + 0.01, kLng)}))), Strings{});
  // Another id: a conflict (same_party is true).
  EXPECT_EQ(Summary(Run(Op("op-2", "US", "isr", {VolAt(kLat + 0.01, kLng)}))),
            Strings{"separation reject op-1"});
  // The modification is still checked against everyone else.
  Keep(Op("op-3", "RU", "isr", {VolAt(kLat, kLng)}));
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(kLat + 0.01, kLng)}))),
            Strings{"separation reject op-3"});
}

TEST_F(DecideTest, AModificationOfAnotherPartysOperationIsNotCheckedAgainstIt) {
  Load(kSeparation5000);
  Keep(Op("op-1", "RU", "isr", {VolAt(kLat, kLng)}));
  EXPECT_EQ(Summary(Run(Op("op-1", "US", "isr", {VolAt(kLat, kLng)}))), Strings{});
}

TEST_F(DecideTest, ANotificationWithoutAnIdIsCheckedAgainstEveryone) {
  Load(kSeparation5000);
  Keep(Op("op-1", "RU", "isr", {VolAt(kLat, kLng)}));
  const Operation op = Op("", "US", "isr", {VolAt(kLat, kLng)});
  EXPECT_TRUE(op.id.empty());
  EXPECT_EQ(Summary(Run(op)), Strings{"separation reject op-1"});
}

TEST_F(DecideTest, LargeMinimaReachFar) {
  Load(R"(separation: {horizontal_m: 200000, vertical_m: 5000, time_s: 86400}
)");
  // 150 km, 4 km and 20 hours apart.
  Keep(Op("ru-1", "RU", "isr",
          {Vol(Square(kLat, kLng, 1000), 0, 100, "2016-07-19T10:00:00Z", "2016-07-19T14:00:00Z")}));
  EXPECT_EQ(Summary(Run(
                Op("us-1", "US", "isr",
                   {Vol(Square(kLat + 150e3 * kDegPerM, kLng, 1000), 4100, 4200, kStart, kEnd)}))),
            Strings{"separation reject ru-1"});
  EXPECT_EQ(Summary(Run(
                Op("us-1", "US", "isr",
                   {Vol(Square(kLat + 210e3 * kDegPerM, kLng, 1000), 4100, 4200, kStart, kEnd)}))),
            Strings{});
}

// ---------------------------------------------------------------------------
// References, order, determinism.

TEST_F(DecideTest, UnknownReferencesAreErrorsNamingTheField) {
  Load("");
  {
    const Operation op = Op("op-1", "XX", "isr", {VolAt(kLat, kLng)}, "US");
    const Status s = CheckReferences(rules_->agreement(), op);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    ASSERT_EQ(s.errors().size(), 1u);
    EXPECT_EQ(s.errors()[0].field, "operator");
    EXPECT_NE(s.errors()[0].reason.find("XX"), std::string::npos);
  }
  {
    const Operation op = Op("op-1", "US", "isr", {VolAt(kLat, kLng)}, "ZZ");
    const Status s = CheckReferences(rules_->agreement(), op);
    ASSERT_EQ(s.errors().size(), 1u);
    EXPECT_EQ(s.errors()[0].field, "submitted_by");
  }
  {
    const Operation op = Op("op-1", "US", "bombing", {VolAt(kLat, kLng)});
    const Status s = CheckReferences(rules_->agreement(), op);
    ASSERT_EQ(s.errors().size(), 1u);
    EXPECT_EQ(s.errors()[0].field, "category");
    EXPECT_NE(s.errors()[0].reason.find("bombing"), std::string::npos);
  }
  const Operation all = Op("op-1", "XX", "bombing", {VolAt(kLat, kLng)}, "ZZ");
  Result<Decision> d = Decide(*rules_, store_, all, kReceived);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldError& e : d.status().errors()) fields.push_back(e.field);
  EXPECT_EQ(fields, (Strings{"operator", "submitted_by", "category"}));

  EXPECT_TRUE(
      CheckReferences(rules_->agreement(), Op("op-1", "SY", "isr", {VolAt(kLat, kLng)}, "RU"))
          .ok());
}

// Two designated areas listed in reverse alphabetical order, rules likewise.
constexpr char kOrderAgreement[] = R"(separation: {horizontal_m: 5000, vertical_m: 300, time_s: 300}
areas:
  - {id: DB, kind: designated, geometry: {type: Point, coordinates: [37.0, 36.0]}, radius_m: 3000}
  - {id: DA, kind: designated, geometry: {type: Point, coordinates: [37.01, 36.0]}, radius_m: 3000}
rules:
  - {id: Z1, when: {area_kind: [designated]}, effect: warn}
  - {id: A1, when: {operator: [SY]}, effect: warn}
  - {id: M1, when: {area: [DA, DB]}, effect: {require_approval: [US]}}
)";

TEST_F(DecideTest, FindingsComeInAFixedOrder) {
  Load(kOrderAgreement);
  for (const char* id : {"op-c", "op-a", "op-10", "op-b", "op-9"})
    Keep(Op(id, "RU", "transport", {VolAt(kLat, kLng)}));
  const Decision d = Run(Op("new", "SY", "isr", {VolAt(kLat, kLng)}, "US"));
  EXPECT_EQ(
      Summary(d),
      (Strings{"reporting reject", "Z1 warn DB", "Z1 warn DA", "A1 warn", "M1 require_approval DB",
               "M1 require_approval DA", "separation reject op-10", "separation reject op-9",
               "separation reject op-a", "separation reject op-b", "separation reject op-c"}));
}

TEST_F(DecideTest, TheSameInputsGiveTheSameDecision) {
  Load(kOrderAgreement);
  const std::vector<const char*> ids = {"op-c", "op-a", "op-10", "op-b", "op-9", "op-x"};
  for (const char* id : ids) {
    Keep(Op(id, "RU", "transport",
            {VolAt(kLat + 0.01, kLng), VolAt(kLat, kLng + 0.01), VolAt(kLat, kLng)}));
  }
  store_.Erase("op-x");
  const Operation op = Op("new", "SY", "isr", {VolAt(kLat + 0.5, kLng), VolAt(kLat, kLng)}, "RU");
  const Decision first = Run(op);
  EXPECT_EQ(Run(op), first);

  // The same operations put in another order, in another store.
  OperationStore other(SpaceTimeIndex::Options{6});
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    if (std::string(*it) == "op-x") continue;
    Operation o = Op(*it, "RU", "transport",
                     {VolAt(kLat + 0.01, kLng), VolAt(kLat, kLng + 0.01), VolAt(kLat, kLng)});
    other.Put(std::move(o));
  }
  Result<Decision> again = Decide(*rules_, other, op, kReceived);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, first);
  EXPECT_EQ(DecisionToJson(*again), DecisionToJson(first));
  // And the scan agrees with the index.
  std::vector<Finding> sep;
  for (const Finding& f : first.findings) {
    if (f.rule == "separation") sep.push_back(f);
  }
  EXPECT_EQ(sep.size(), 5u);
  EXPECT_EQ(SeparationByScan(*rules_, store_, op), sep);
}

}  // namespace
}  // namespace jic::engine
