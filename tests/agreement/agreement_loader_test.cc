// The agreement loader: AGREEMENT.md's file format, every problem reported
// at once with its path.
#include "jic/agreement/agreement_loader.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "jic/base/time_format.h"
#include "jic/geo/earth.h"
#include "s2/s2latlng.h"

namespace jic::agreement {
namespace {

S2Point P(double lat, double lng) { return S2LatLng::FromDegrees(lat, lng).ToPoint(); }

// A small valid agreement; tests edit it with With().
constexpr char kBase[] = R"(jic: 1
id: test
title: Test agreement
signatories: [US, RU]
parties:
  - {id: US, name: United States}
  - {id: RU, name: Russian Federation}
  - {id: SY, name: Syrian Arab Republic, reported_by: [RU], aircraft: ["7781a2", "7782*"]}
categories:
  - {id: medevac, priority: 100}
  - {id: humanitarian, priority: 90}
  - {id: combat, priority: 0}
separation: {horizontal_m: 5000, vertical_m: 300, time_s: 300, same_party: false}
areas:
  - id: DA-1
    name: Designated area 1
    kind: designated
    geometry: {type: Polygon, coordinates: [[[36.9, 36.1], [37.4, 36.1], [37.4, 36.4], [36.9, 36.4], [36.9, 36.1]]]}
    altitude: {lower: 0, upper: 20000}
    valid: {from: 2016-07-15T00:00:00Z}
  - id: PS-1
    name: Field hospital
    kind: protected_site
    geometry: {type: Point, coordinates: [37.16, 36.20]}
    radius_m: 2000
rules:
  - id: R1
    text: SY may not operate in designated areas except medevac and humanitarian
    when: {operator: [SY], area_kind: [designated], category_not: [medevac, humanitarian]}
    effect: reject
  - id: R2
    when: {operator: [RU], category: [combat]}
    effect: {require_approval: [US]}
  - id: R3
    when: {category: [combat], notice_lt_s: 3600}
    effect: warn
  - id: R4
    when: {area: [PS-1]}
    effect: reject
)";

// kBase with `from` replaced by `to` (which must occur exactly once).
std::string With(const std::string& from, const std::string& to, std::string text = kBase) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture lacks: " << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "fixture has twice: " << from;
  return text.replace(at, from.size(), to);
}

// Every error of a refused agreement as "field: reason".
std::vector<std::string> Errors(const std::string& yaml) {
  Result<std::shared_ptr<const Agreement>> r = ParseAgreement(yaml);
  EXPECT_FALSE(r.ok()) << "accepted:\n" << yaml;
  std::vector<std::string> out;
  if (r.ok()) return out;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  for (const FieldError& e : r.status().errors()) out.push_back(e.ToString());
  return out;
}

// The one error of a refused agreement.
std::string OnlyError(const std::string& yaml) {
  std::vector<std::string> e = Errors(yaml);
  EXPECT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  return e.empty() ? "" : e.front();
}

std::shared_ptr<const Agreement> Load(const std::string& yaml) {
  Result<std::shared_ptr<const Agreement>> r = ParseAgreement(yaml);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

// ---------------------------------------------------------------------------
// Files that load

TEST(AgreementLoaderTest, ScenarioFileLoads) {
  Result<std::shared_ptr<const Agreement>> r =
      LoadAgreementFile(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Agreement& a = **r;
  EXPECT_EQ(a.format, 1);
  EXPECT_EQ(a.id, "jic-2016");
  EXPECT_EQ(a.signatories, (std::vector<std::string>{"US", "RU"}));
  ASSERT_EQ(a.parties.size(), 3u);
  EXPECT_EQ(a.FindParty("SY")->reported_by, (std::vector<std::string>{"RU"}));
  EXPECT_EQ(a.categories.size(), 7u);
  EXPECT_EQ(a.FindCategory("medevac")->priority, 100);
  EXPECT_EQ(a.FindCategory("defensive_air_support")->priority, 0);
  EXPECT_EQ(a.separation.horizontal_m, 5000);
  EXPECT_EQ(a.separation.vertical_m, 300);
  EXPECT_EQ(a.separation.time, Duration::Seconds(300));
  EXPECT_FALSE(a.separation.same_party);
  EXPECT_EQ(a.areas.size(), 10u);
  EXPECT_EQ(a.rules.size(), 6u);
  EXPECT_EQ(a.monitoring.lookahead_s, 120);
  EXPECT_EQ(a.monitoring.conformance_tolerance_m, 500);
  EXPECT_EQ(a.monitoring.conformance_tolerance_s, 60);
  EXPECT_EQ(a.monitoring.stale_after_s, 30);

  // DA-2 has a hole: al-Fu'ah and Kafriya.
  const Area* da2 = a.FindArea("DA-2");
  ASSERT_NE(da2, nullptr);
  EXPECT_EQ(da2->geometry_type, "Polygon");
  EXPECT_TRUE(da2->region.Contains(P(35.80, 36.60)));
  EXPECT_FALSE(da2->region.Contains(P(35.98, 36.70))) << "in the hole";
  EXPECT_EQ(da2->valid_from, *ParseRfc3339("2016-07-15T00:00:00Z"));
  EXPECT_EQ(da2->valid_to, Time::Max());
  EXPECT_EQ(da2->alt_lower_m, -INFINITY);
  EXPECT_EQ(da2->alt_upper_m, INFINITY);
  // DA-3 is a MultiPolygon of two parts.
  const Area* da3 = a.FindArea("DA-3");
  ASSERT_NE(da3, nullptr);
  EXPECT_EQ(da3->geometry_type, "MultiPolygon");
  EXPECT_TRUE(da3->region.Contains(P(33.55, 36.45)));
  EXPECT_TRUE(da3->region.Contains(P(33.455, 36.245)));
  EXPECT_FALSE(da3->region.Contains(P(33.47, 36.30)));
  EXPECT_EQ(da3->alt_upper_m, 15000);
  EXPECT_EQ(a.FindArea("DA-4")->valid_to, *ParseRfc3339("2016-07-21T18:00:00Z"));
  // PS-1 is a disc of 1 km.
  const Area* ps1 = a.FindArea("PS-1");
  ASSERT_NE(ps1, nullptr);
  EXPECT_EQ(ps1->kind, AreaKind::kProtectedSite);
  EXPECT_TRUE(ps1->region.is_disc());
  EXPECT_EQ(ps1->radius_m, 1000);
  EXPECT_NEAR(geo::AngleToMeters(ps1->region.bound().GetRadius()), 1000, 1e-6);
  EXPECT_EQ(a.FindArea("RA-1")->kind, AreaKind::kRestricted);
  EXPECT_EQ(a.FindArea("HC-1")->kind, AreaKind::kCorridor);
  EXPECT_EQ(a.AreaIndex("DA-1"), 0);
  EXPECT_EQ(a.AreaIndex("nope"), -1);

  const Rule& r1 = a.rules[0];
  EXPECT_EQ(r1.id, "R1");
  EXPECT_EQ(r1.effect, Effect::kReject);
  EXPECT_EQ(*r1.when.operators, (std::vector<std::string>{"SY"}));
  EXPECT_EQ(*r1.when.area_kinds, (std::vector<AreaKind>{AreaKind::kDesignated}));
  EXPECT_EQ(*r1.when.category_not,
            (std::vector<std::string>{"medevac", "humanitarian", "personnel_recovery"}));
  EXPECT_FALSE(r1.when.categories.has_value());
  EXPECT_TRUE(r1.when.has_area_key());
  const Rule& r2 = a.rules[1];
  EXPECT_EQ(r2.effect, Effect::kRequireApproval);
  EXPECT_EQ(r2.approvers, (std::vector<std::string>{"US"}));
  EXPECT_FALSE(r2.when.has_area_key());
  EXPECT_EQ(a.rules[3].effect, Effect::kWarn);
  EXPECT_EQ(*a.rules[3].when.notice_lt, Duration::Seconds(3600));
  EXPECT_EQ(*a.rules[4].when.areas, (std::vector<std::string>{"RA-1"}));

  EXPECT_EQ(a.PartyOfAircraft("ae4a17")->id, "US");
  EXPECT_EQ(a.PartyOfAircraft("15c0a1")->id, "RU");
  EXPECT_EQ(a.PartyOfAircraft("7782ff")->id, "SY");
  EXPECT_EQ(a.PartyOfAircraft("400000"), nullptr);
}

TEST(AgreementLoaderTest, MissingFileIsAnIoError) {
  Result<std::shared_ptr<const Agreement>> r = LoadAgreementFile("/nonexistent/agreement.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
}

TEST(AgreementLoaderTest, BaseLoads) {
  auto a = Load(kBase);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->title, "Test agreement");
  EXPECT_EQ(a->areas.size(), 2u);
  EXPECT_EQ(a->FindArea("DA-1")->alt_upper_m, 20000);
  EXPECT_EQ(a->rules.size(), 4u);
  EXPECT_EQ(a->FindParty("UK"), nullptr);
  EXPECT_EQ(a->FindCategory("isr"), nullptr);
}

TEST(AgreementLoaderTest, JsonIsYaml) {
  auto a = Load(R"({"jic": 1, "id": "j", "signatories": ["US"],
    "parties": [{"id": "US", "name": "United States"}],
    "categories": [{"id": "isr", "priority": 10}],
    "areas": [{"id": "A", "kind": "restricted",
               "geometry": {"type": "Point", "coordinates": [37, 36]}, "radius_m": 500}]})");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->FindArea("A")->radius_m, 500);
}

TEST(AgreementLoaderTest, OptionalPartsDefault) {
  auto a = Load(R"(jic: 1
id: minimal
signatories: [US]
parties: [{id: US, name: United States}]
categories: [{id: isr, priority: 10}]
)");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->areas.empty());
  EXPECT_TRUE(a->rules.empty());
  EXPECT_EQ(a->separation.horizontal_m, 0);
  EXPECT_FALSE(a->separation.same_party);
  EXPECT_EQ(a->monitoring.lookahead_s, 120);
}

// ---------------------------------------------------------------------------
// Keys

TEST(AgreementLoaderTest, UnknownKeyWithItsPath) {
  EXPECT_EQ(OnlyError(With("when: {category: [combat], notice_lt_s: 3600}",
                           "when: {categroy: [combat], notice_lt_s: 3600}")),
            "rules[2].when.categroy: unknown key");
  EXPECT_EQ(OnlyError(With("title:", "titel:")), "titel: unknown key");
  EXPECT_EQ(OnlyError(With("same_party: false", "same_partie: false")),
            "separation.same_partie: unknown key");
  EXPECT_EQ(OnlyError(With("valid: {from:", "valid: {since:")),
            "areas[0].valid.since: unknown key");
  EXPECT_EQ(OnlyError(With("altitude: {lower: 0,", "altitude: {lowr: 0,")),
            "areas[0].altitude.lowr: unknown key");
  EXPECT_EQ(OnlyError(With("geometry: {type: Point,", "geometry: {kind: x, type: Point,")),
            "areas[1].geometry.kind: unknown key");
  EXPECT_EQ(OnlyError(With("effect: {require_approval: [US]}",
                           "effect: {require_approval: [US], by: 1}")),
            "rules[1].effect.by: unknown key");
  EXPECT_EQ(
      OnlyError(With("{id: medevac, priority: 100}", "{id: medevac, priority: 100, colour: red}")),
      "categories[0].colour: unknown key");
  EXPECT_EQ(OnlyError(std::string(kBase) + "monitoring: {lookahead: 60}\n"),
            "monitoring.lookahead: unknown key");
}

TEST(AgreementLoaderTest, MissingKeys) {
  EXPECT_EQ(OnlyError(With("{id: US, name: United States}", "{id: US}")),
            "parties[0].name: missing");
  EXPECT_EQ(OnlyError(With("{id: humanitarian, priority: 90}", "{id: humanitarian}")),
            "categories[1].priority: missing");
  EXPECT_EQ(OnlyError(With("jic: 1\n", "")), "jic: missing");
  EXPECT_EQ(OnlyError(With("id: test\n", "")), "id: missing");
  EXPECT_EQ(OnlyError(With("    effect: warn\n", "")), "rules[2].effect: missing");
  EXPECT_EQ(OnlyError(With("    kind: designated\n", "")), "areas[0].kind: missing");
  EXPECT_EQ(OnlyError(With("  - id: R4\n    when: {area: [PS-1]}\n", "  - id: R4\n")),
            "rules[3].when: missing");
  // Keys required at the top: all reported together.
  EXPECT_EQ(Errors("jic: 1\nid: x\n"),
            (std::vector<std::string>{"signatories: missing", "parties: missing",
                                      "categories: missing"}));
}

TEST(AgreementLoaderTest, DuplicateYamlKey) {
  const std::vector<std::string> e = Errors(With("id: test\n", "id: test\nid: again\n"));
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e[0], "id: duplicate key");
}

// ---------------------------------------------------------------------------
// Ids and references

TEST(AgreementLoaderTest, DuplicateIds) {
  EXPECT_EQ(OnlyError(With("  - {id: SY,", "  - {id: US, name: Again}\n  - {id: SY,")),
            "parties[2].id: duplicate party id 'US'");
  EXPECT_EQ(OnlyError(With("  - {id: combat, priority: 0}\n",
                           "  - {id: combat, priority: 0}\n  - {id: medevac, priority: 5}\n")),
            "categories[3].id: duplicate category id 'medevac'");
  EXPECT_EQ(OnlyError(With("  - id: PS-1\n", "  - id: DA-1\n", With("[PS-1]", "[DA-1]"))),
            "areas[1].id: duplicate area id 'DA-1'");
  EXPECT_EQ(OnlyError(With("  - id: R4\n", "  - id: R2\n")), "rules[3].id: duplicate rule id 'R2'");
}

TEST(AgreementLoaderTest, BadIds) {
  EXPECT_EQ(OnlyError(With("id: test\n", "id: 'a b'\n")),
            "id: 'a b' is not a valid id (1-64 letters, digits, '_', '-', '.', ':')");
  EXPECT_EQ(OnlyError(With("  - id: R4\n", "  - id: reporting\n")),
            "rules[3].id: 'reporting' is the name of a built-in check");
  EXPECT_EQ(OnlyError(With("  - id: R4\n", "  - id: separation\n")),
            "rules[3].id: 'separation' is the name of a built-in check");
  EXPECT_TRUE(IsValidId("jic-2016"));
  EXPECT_TRUE(IsValidId("a.b:c_d-1"));
  EXPECT_TRUE(IsValidId(std::string(64, 'x')));
  EXPECT_FALSE(IsValidId(std::string(65, 'x')));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("a/b"));
  EXPECT_FALSE(IsValidId("é"));
}

TEST(AgreementLoaderTest, UnknownParties) {
  EXPECT_EQ(OnlyError(With("signatories: [US, RU]", "signatories: [US, UK]")),
            "signatories[1]: unknown party 'UK'");
  EXPECT_EQ(OnlyError(With("reported_by: [RU]", "reported_by: [RU, XX]")),
            "parties[2].reported_by[1]: unknown party 'XX'");
  EXPECT_EQ(OnlyError(With("when: {operator: [RU], category: [combat]}",
                           "when: {operator: [IQ], category: [combat]}")),
            "rules[1].when.operator[0]: unknown party 'IQ'");
  EXPECT_EQ(OnlyError(With("{require_approval: [US]}", "{require_approval: [US, UN]}")),
            "rules[1].effect.require_approval[1]: unknown party 'UN'");
}

TEST(AgreementLoaderTest, UnknownCategories) {
  EXPECT_EQ(OnlyError(With("when: {operator: [RU], category: [combat]}",
                           "when: {operator: [RU], category: [cas]}")),
            "rules[1].when.category[0]: unknown category 'cas'");
  EXPECT_EQ(
      OnlyError(With("category_not: [medevac, humanitarian]", "category_not: [medevac, medivac]")),
      "rules[0].when.category_not[1]: unknown category 'medivac'");
}

TEST(AgreementLoaderTest, UnknownAreasAndKinds) {
  EXPECT_EQ(OnlyError(With("when: {area: [PS-1]}", "when: {area: [PS-9]}")),
            "rules[3].when.area[0]: unknown area 'PS-9'");
  EXPECT_EQ(
      OnlyError(With("area_kind: [designated]", "area_kind: [designatd]")),
      "rules[0].when.area_kind[0]: 'designatd' is not a kind: use designated, protected_site, "
      "restricted or corridor");
  EXPECT_EQ(OnlyError(With("kind: designated", "kind: no_fly")),
            "areas[0].kind: 'no_fly' is not a kind: use designated, protected_site, restricted or "
            "corridor");
}

TEST(AgreementLoaderTest, ListsAreNotEmptyAndHaveNoRepeats) {
  EXPECT_EQ(OnlyError(With("signatories: [US, RU]", "signatories: []")),
            "signatories: must list at least one");
  EXPECT_EQ(OnlyError(With("signatories: [US, RU]", "signatories: [US, US]")),
            "signatories[1]: 'US' is listed twice");
  EXPECT_EQ(
      OnlyError(With("{operator: [RU], category: [combat]}", "{operator: RU, category: [combat]}")),
      "rules[1].when.operator: must be a list");
}

// ---------------------------------------------------------------------------
// Areas

TEST(AgreementLoaderTest, PointNeedsRadius) {
  EXPECT_EQ(OnlyError(With("    radius_m: 2000\n", "")),
            "areas[1].radius_m: missing: a Point area needs radius_m");
  EXPECT_EQ(OnlyError(With("radius_m: 2000", "radius_m: 0")),
            "areas[1].radius_m: must be greater than 0");
  EXPECT_EQ(OnlyError(With("radius_m: 2000", "radius_m: -5")),
            "areas[1].radius_m: must be greater than 0");
  EXPECT_EQ(OnlyError(With("radius_m: 2000", "radius_m: 6000000")),
            "areas[1].radius_m: must be at most 5000000 m");
  EXPECT_EQ(OnlyError(With("radius_m: 2000", "radius_m: wide")),
            "areas[1].radius_m: must be a number");
}

TEST(AgreementLoaderTest, RadiusOnlyOnAPoint) {
  EXPECT_EQ(OnlyError(With("    altitude: {lower: 0, upper: 20000}\n",
                           "    altitude: {lower: 0, upper: 20000}\n    radius_m: 100\n")),
            "areas[0].radius_m: only a Point area has radius_m");
}

TEST(AgreementLoaderTest, BadGeometry) {
  EXPECT_EQ(
      OnlyError(With("{type: Polygon,", "{type: LineString,")),
      "areas[0].geometry.type: 'LineString' is not supported: use Polygon, MultiPolygon or Point");
  EXPECT_EQ(
      OnlyError(With("[36.9, 36.4], [36.9, 36.1]]]", "[36.9, 36.4]]]")),
      "areas[0].geometry.coordinates[0]: ring is not closed: the last position must repeat the "
      "first");
  EXPECT_EQ(OnlyError(With("[37.4, 36.4]", "[37.4, 96.4]")),
            "areas[0].geometry.coordinates[0][2][1]: latitude 96.4 is outside -90..90");
  EXPECT_EQ(OnlyError(With("coordinates: [37.16, 36.20]", "coordinates: [197.16, 36.20]")),
            "areas[1].geometry.coordinates[0]: longitude 197.16 is outside -180..180");
  EXPECT_EQ(OnlyError(With("[37.4, 36.4]", "[37.4, .nan]")),
            "areas[0].geometry.coordinates[0][2][1]: must be a finite number");
  EXPECT_EQ(OnlyError(With("[37.4, 36.4]", "[37.4]")),
            "areas[0].geometry.coordinates[0][2]: a position must be [longitude, latitude] (an "
            "optional third number is ignored)");
  // A bow tie.
  EXPECT_EQ(
      OnlyError(With("[[36.9, 36.1], [37.4, 36.1], [37.4, 36.4], [36.9, 36.4], [36.9, 36.1]]",
                     "[[36.9, 36.1], [37.4, 36.1], [36.9, 36.4], [37.4, 36.4], [36.9, 36.1]]")),
      "areas[0].geometry.coordinates[0]: ring self-intersects: the edge from vertex 1 crosses "
      "the edge from vertex 3");
  // A hole outside its shell.
  EXPECT_EQ(OnlyError(With(
                "[36.9, 36.4], [36.9, 36.1]]]",
                "[36.9, 36.4], [36.9, 36.1]], [[38, 38], [38.1, 38], [38.1, 38.1], [38, 38]]]")),
            "areas[0].geometry.coordinates[1]: hole is not inside its shell");
}

TEST(AgreementLoaderTest, MultiPolygonPartsOverlapping) {
  EXPECT_EQ(OnlyError(With(
                "{type: Polygon, coordinates: [[[36.9, 36.1], [37.4, 36.1], [37.4, 36.4], [36.9, "
                "36.4], [36.9, 36.1]]]}",
                "{type: MultiPolygon, coordinates: [[[[36.9, 36.1], [37.4, 36.1], [37.4, 36.4], "
                "[36.9, 36.4], [36.9, 36.1]]], [[[37.3, 36.3], [37.5, 36.3], [37.5, 36.5], "
                "[37.3, 36.5], [37.3, 36.3]]]]}")),
            "areas[0].geometry.coordinates[1]: overlaps polygon 0 of the same MultiPolygon");
}

TEST(AgreementLoaderTest, AltitudeBand) {
  EXPECT_EQ(OnlyError(With("{lower: 0, upper: 20000}", "{lower: 3000, upper: 2000}")),
            "areas[0].altitude: lower is above upper");
  auto equal = Load(With("{lower: 0, upper: 20000}", "{lower: 2000, upper: 2000}"));
  ASSERT_NE(equal, nullptr);
  EXPECT_EQ(equal->areas[0].alt_lower_m, 2000);
  EXPECT_EQ(equal->areas[0].alt_upper_m, 2000);
  auto below_sea = Load(With("{lower: 0, upper: 20000}", "{lower: -400, upper: 2000}"));
  ASSERT_NE(below_sea, nullptr);
  EXPECT_EQ(below_sea->areas[0].alt_lower_m, -400);
  auto open_below = Load(With("{lower: 0, upper: 20000}", "{upper: 2000}"));
  ASSERT_NE(open_below, nullptr);
  EXPECT_EQ(open_below->areas[0].alt_lower_m, -INFINITY);
  EXPECT_EQ(OnlyError(With("{lower: 0, upper: 20000}", "{lower: -9000, upper: 20000}")),
            "areas[0].altitude.lower: must be within -8000..100000 m");
  EXPECT_EQ(
      OnlyError(With("{lower: 0, upper: 20000}", "{lower: 0, upper: 20000, reference: AGL}")),
      "areas[0].altitude.reference: 'AGL' is not supported: altitudes are W84 (metres above the "
      "WGS84 ellipsoid)");
}

TEST(AgreementLoaderTest, ValidityPeriod) {
  EXPECT_EQ(OnlyError(With("valid: {from: 2016-07-15T00:00:00Z}",
                           "valid: {from: 2016-07-15T00:00:00Z, to: 2016-07-14T00:00:00Z}")),
            "areas[0].valid: from must be before to");
  EXPECT_EQ(OnlyError(With("valid: {from: 2016-07-15T00:00:00Z}",
                           "valid: {from: 2016-07-15T00:00:00Z, to: 2016-07-15T00:00:00Z}")),
            "areas[0].valid: from must be before to");
  auto a = Load(With("valid: {from: 2016-07-15T00:00:00Z}",
                     "valid: {from: 2016-07-15T03:00:00+03:00, to: 2016-07-16T00:00:00.5Z}"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(FormatRfc3339(a->areas[0].valid_from), "2016-07-15T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(a->areas[0].valid_to), "2016-07-16T00:00:00.500Z");
}

TEST(AgreementLoaderTest, BadTimes) {
  EXPECT_EQ(OnlyError(With("{from: 2016-07-15T00:00:00Z}", "{from: 2016-07-15}")),
            "areas[0].valid.from: not an RFC 3339 time (expected YYYY-MM-DDTHH:MM:SSZ)");
  EXPECT_EQ(OnlyError(With("{from: 2016-07-15T00:00:00Z}", "{from: 2016-07-15T00:00:00}")),
            "areas[0].valid.from: not an RFC 3339 time (missing time zone: end with Z or an offset "
            "such as +03:00)");
  EXPECT_EQ(OnlyError(With("{from: 2016-07-15T00:00:00Z}", "{to: 2016-02-30T00:00:00Z}")),
            "areas[0].valid.to: not an RFC 3339 time (day out of range)");
}

// ---------------------------------------------------------------------------
// Rules

TEST(AgreementLoaderTest, BadEffects) {
  EXPECT_EQ(
      OnlyError(With("effect: reject\n  - id: R2", "effect: forbid\n  - id: R2")),
      "rules[0].effect: 'forbid' is not an effect: use reject, warn or {require_approval: [...]}");
  EXPECT_EQ(
      OnlyError(With("effect: {require_approval: [US]}", "effect: require_approval")),
      "rules[1].effect: require_approval needs its parties: {require_approval: [PARTY, ...]}");
  EXPECT_EQ(OnlyError(With("effect: {require_approval: [US]}", "effect: {require_approval: []}")),
            "rules[1].effect.require_approval: must list at least one");
  EXPECT_EQ(Errors(With("effect: {require_approval: [US]}", "effect: {approve: [US]}")),
            (std::vector<std::string>{"rules[1].effect.approve: unknown key",
                                      "rules[1].effect.require_approval: missing"}));
}

TEST(AgreementLoaderTest, NoticeMustNotBeNegative) {
  EXPECT_EQ(OnlyError(With("notice_lt_s: 3600", "notice_lt_s: -1")),
            "rules[2].when.notice_lt_s: must not be negative");
  EXPECT_EQ(OnlyError(With("notice_lt_s: 3600", "notice_lt_s: soon")),
            "rules[2].when.notice_lt_s: must be a number");
  auto a = Load(With("notice_lt_s: 3600", "notice_lt_s: 0.5"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(*a->rules[2].when.notice_lt, Duration::Micros(500000));
}

TEST(AgreementLoaderTest, EmptyWhenMatchesEverything) {
  auto a = Load(With("when: {area: [PS-1]}", "when:"));
  ASSERT_NE(a, nullptr);
  const RuleWhen& w = a->rules[3].when;
  EXPECT_FALSE(w.operators || w.categories || w.category_not || w.areas || w.area_kinds ||
               w.notice_lt);
}

// ---------------------------------------------------------------------------
// The file as a whole

TEST(AgreementLoaderTest, UnsupportedVersion) {
  EXPECT_EQ(OnlyError(With("jic: 1", "jic: 2")), "jic: format version 2 is not supported (only 1)");
  EXPECT_EQ(OnlyError(With("jic: 1", "jic: one")), "jic: must be an integer");
}

TEST(AgreementLoaderTest, InvalidYamlSyntax) {
  const std::string e = OnlyError("jic: 1\nid: [unclosed\nparties: {\n");
  EXPECT_EQ(e.rfind("not valid YAML: ", 0), 0u) << e;
  EXPECT_NE(e.find("line "), std::string::npos) << e;
  const std::string colon = OnlyError(With("title: Test agreement", "title: Test: agreement: two"));
  EXPECT_EQ(colon.rfind("not valid YAML: ", 0), 0u) << colon;
}

TEST(AgreementLoaderTest, NotAMapping) {
  EXPECT_EQ(OnlyError(""), "must be a mapping, got nothing");
  EXPECT_EQ(OnlyError("- 1\n- 2\n"), "must be a mapping");
  EXPECT_EQ(OnlyError("just text"), "must be a mapping");
}

TEST(AgreementLoaderTest, WrongTypes) {
  EXPECT_EQ(OnlyError(With("{id: medevac, priority: 100}", "{id: medevac, priority: high}")),
            "categories[0].priority: must be an integer");
  EXPECT_EQ(OnlyError(With("horizontal_m: 5000", "horizontal_m: -1")),
            "separation.horizontal_m: must not be negative");
  EXPECT_EQ(OnlyError(With("same_party: false", "same_party: maybe")),
            "separation.same_party: must be true or false");
  EXPECT_EQ(OnlyError(With("parties:\n  - {id: US", "parties:\n  - [US]\n  - {id: US")),
            "parties[0]: must be a mapping");
  EXPECT_EQ(OnlyError(With("{id: US, name: United States}", "{id: US, name: ''}")),
            "parties[0].name: must not be empty");
}

TEST(AgreementLoaderTest, EveryErrorAtOnce) {
  std::string yaml = kBase;
  yaml = With("jic: 1", "jic: 2", yaml);                                                 // 1
  yaml = With("{id: US, name: United States}", "{id: US}", yaml);                        // 2
  yaml = With("kind: designated", "kind: danger", yaml);                                 // 3
  yaml = With("{category: [combat], notice_lt_s: 3600}", "{categroy: [combat]}", yaml);  // 4
  yaml = With("when: {area: [PS-1]}", "when: {area: [PS-2]}", yaml);                     // 5
  const std::vector<std::string> e = Errors(yaml);
  EXPECT_EQ(e, (std::vector<std::string>{
                   "jic: format version 2 is not supported (only 1)",
                   "parties[0].name: missing",
                   "areas[0].kind: 'danger' is not a kind: use designated, protected_site, "
                   "restricted or corridor",
                   "rules[2].when.categroy: unknown key",
                   "rules[3].when.area[0]: unknown area 'PS-2'",
               }));
}

// ---------------------------------------------------------------------------
// Aircraft

TEST(AgreementLoaderTest, AircraftPatterns) {
  auto a = Load(With(R"(aircraft: ["7781a2", "7782*"])",
                     R"(aircraft: ["7701a2", "7702*", "7701A3", "AE*", "abcde*"])"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->FindParty("SY")->aircraft,
            (std::vector<std::string>{"7701a2", "7702*", "7701a3", "ae*", "abcde*"}));
}

TEST(AgreementLoaderTest, BadAircraftPatterns) {
  auto bad = [](const std::string& pattern) {
    return OnlyError(
        With(R"(aircraft: ["7781a2", "7782*"])", R"(aircraft: ["7781a2", ")" + pattern + R"("])"));
  };
  const std::string why =
      "' is not an ICAO 24-bit address (6 hex digits) or a prefix of one ending in '*'";
  EXPECT_EQ(bad("zz"), "parties[2].aircraft[1]: 'zz" + why);
  EXPECT_EQ(bad("7701a"), "parties[2].aircraft[1]: '7701a" + why);
  EXPECT_EQ(bad("7701a2b"), "parties[2].aircraft[1]: '7701a2b" + why);
  EXPECT_EQ(bad("7701a2*"), "parties[2].aircraft[1]: '7701a2*" + why);
  EXPECT_EQ(bad("77*1"), "parties[2].aircraft[1]: '77*1" + why);
  EXPECT_EQ(bad("7g01a2"), "parties[2].aircraft[1]: '7g01a2" + why);
  EXPECT_EQ(bad(""), "parties[2].aircraft[1]: '" + why);
}

TEST(AgreementTest, PartyOfAircraftExactBeatsPrefix) {
  // US lists a prefix covering SY's exact address, and comes first.
  auto a = Load(
      With("{id: US, name: United States}", R"({id: US, name: United States, aircraft: ["77*"]})"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->PartyOfAircraft("7781a2")->id, "SY") << "exact beats prefix";
  EXPECT_EQ(a->PartyOfAircraft("7782ff")->id, "SY") << "longer prefix wins";
  EXPECT_EQ(a->PartyOfAircraft("7781a3")->id, "US") << "only the short prefix matches";
  EXPECT_EQ(a->PartyOfAircraft("770000")->id, "US");
  EXPECT_EQ(a->PartyOfAircraft("781a2f"), nullptr);
  EXPECT_EQ(a->PartyOfAircraft("ae1234"), nullptr);
}

TEST(AgreementTest, PartyOfAircraftLongerPrefixWinsWhateverTheOrder) {
  auto a = Load(With("{id: US, name: United States}",
                     R"({id: US, name: United States, aircraft: ["7782f*", "1*"]})",
                     With("{id: RU, name: Russian Federation}",
                          R"({id: RU, name: Russian Federation, aircraft: ["15*"]})")));
  ASSERT_NE(a, nullptr);
  // SY lists "7781a2" and "7782*".
  EXPECT_EQ(a->PartyOfAircraft("7782f0")->id, "US") << "7782f* is longer than SY's 7782*";
  EXPECT_EQ(a->PartyOfAircraft("7782e0")->id, "SY");
  EXPECT_EQ(a->PartyOfAircraft("15c0a1")->id, "RU") << "15* is longer than US's 1*";
  EXPECT_EQ(a->PartyOfAircraft("1fffff")->id, "US");
  EXPECT_EQ(a->PartyOfAircraft("7781a2")->id, "SY");
}

}  // namespace
}  // namespace jic::agreement
