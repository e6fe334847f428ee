// Operations as JSON (AGREEMENT.md, "An operation"): ASTM F3548 Volume4D
// volumes parsed strictly, every problem named by its path.
#include "jic/engine/operation_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jic/base/time_format.h"
#include "jic/geo/earth.h"
#include "jic/geo/geometry_check.h"
#include "s2/s2latlng.h"

namespace jic::engine {
namespace {

using nlohmann::json;

// The example of AGREEMENT.md, verbatim.
constexpr char kExample[] = R"({
  "id": "op-17",
  "operator": "SY",
  "submitted_by": "RU",
  "category": "medevac",
  "aircraft": [{"callsign": "SYR123", "icao24": "7701a2"}],
  "volumes": [{
    "volume": {
      "outline_polygon": {"vertices": [{"lat": 36.15, "lng": 37.0}, {"lat": 36.15, "lng": 37.2}, {"lat": 36.3, "lng": 37.2}]},
      "altitude_lower": {"value": 500, "reference": "W84", "units": "M"},
      "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}
    },
    "time_start": {"value": "2016-07-20T10:00:00Z", "format": "RFC3339"},
    "time_end": {"value": "2016-07-20T11:00:00Z", "format": "RFC3339"}
  }]
})";

json Example() { return json::parse(kExample); }

json Circle(double lat, double lng, double radius) {
  return {{"center", {{"lat", lat}, {"lng", lng}}},
          {"radius", {{"value", radius}, {"units", "M"}}}};
}

S2Point P(double lat, double lng) { return S2LatLng::FromDegrees(lat, lng).ToPoint(); }

Result<Operation> Parse(const std::string& text,
                        OperationForm form = OperationForm::kNotification) {
  return ParseOperationJson(text, form);
}

Operation Ok(const json& j, OperationForm form = OperationForm::kNotification) {
  Result<Operation> r = Parse(j.dump(), form);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Operation();
}

// Every error of a refused operation, as "field: reason".
std::vector<std::string> Errors(const std::string& text,
                                OperationForm form = OperationForm::kNotification) {
  Result<Operation> r = Parse(text, form);
  EXPECT_FALSE(r.ok()) << "accepted: " << text;
  std::vector<std::string> out;
  if (r.ok()) return out;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  for (const FieldError& e : r.status().errors()) out.push_back(e.ToString());
  return out;
}
std::vector<std::string> Errors(const json& j, OperationForm form = OperationForm::kNotification) {
  return Errors(j.dump(), form);
}

std::string OnlyError(const json& j, OperationForm form = OperationForm::kNotification) {
  std::vector<std::string> e = Errors(j, form);
  EXPECT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  return e.empty() ? "" : e.front();
}

// ---------------------------------------------------------------------------
// The example

TEST(OperationJsonTest, AgreementExampleParses) {
  Result<Operation> r = Parse(kExample);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Operation& op = *r;
  EXPECT_EQ(op.id, "op-17");
  EXPECT_EQ(op.operator_party, "SY");
  EXPECT_EQ(op.submitted_by, "RU");
  EXPECT_EQ(op.category, "medevac");
  ASSERT_EQ(op.aircraft.size(), 1u);
  EXPECT_EQ(op.aircraft[0].callsign, "SYR123");
  EXPECT_EQ(op.aircraft[0].icao24, "7701a2");
  ASSERT_EQ(op.volumes.size(), 1u);
  const Volume4D& v = op.volumes[0];
  EXPECT_FALSE(v.outline.is_circle());
  EXPECT_EQ(v.outline.ring().size(), 3u);
  EXPECT_TRUE(v.outline.Contains(P(36.2, 37.15)));
  EXPECT_FALSE(v.outline.Contains(P(36.2, 37.02))) << "west of the hypotenuse";
  EXPECT_EQ(v.alt_lower_m, 500);
  EXPECT_EQ(v.alt_upper_m, 3000);
  EXPECT_EQ(v.start, *ParseRfc3339("2016-07-20T10:00:00Z"));
  EXPECT_EQ(v.end, *ParseRfc3339("2016-07-20T11:00:00Z"));
  EXPECT_EQ(op.EarliestStart(), v.start);
  EXPECT_EQ(op.state, OpState::kAccepted);
  EXPECT_EQ(op.version, 0);
}

TEST(OperationJsonTest, OptionalFields) {
  json j = Example();
  j.erase("id");
  j.erase("submitted_by");
  j.erase("aircraft");
  Operation op = Ok(j);
  EXPECT_EQ(op.id, "");
  EXPECT_EQ(op.submitted_by, "");
  EXPECT_TRUE(op.aircraft.empty());
}

TEST(OperationJsonTest, CircleOutline) {
  json j = Example();
  j["volumes"][0]["volume"].erase("outline_polygon");
  j["volumes"][0]["volume"]["outline_circle"] = Circle(36.2, 37.16, 2500);
  Operation op = Ok(j);
  ASSERT_EQ(op.volumes.size(), 1u);
  EXPECT_TRUE(op.volumes[0].outline.is_circle());
  EXPECT_NEAR(op.volumes[0].outline.circle_radius_m(), 2500, 1e-6);
  EXPECT_TRUE(op.volumes[0].outline.Contains(P(36.2, 37.16)));
}

TEST(OperationJsonTest, SeveralVolumesAndEarliestStart) {
  json j = Example();
  json second = j["volumes"][0];
  second["time_start"]["value"] = "2016-07-20T09:30:00+00:00";
  second["time_end"]["value"] = "2016-07-20T09:45:00Z";
  j["volumes"].push_back(second);
  Operation op = Ok(j);
  ASSERT_EQ(op.volumes.size(), 2u);
  EXPECT_EQ(op.EarliestStart(), *ParseRfc3339("2016-07-20T09:30:00Z"));
}

TEST(OperationJsonTest, ClockwiseInputIsKeptCounterClockwise) {
  json j = Example();
  auto& vs = j["volumes"][0]["volume"]["outline_polygon"]["vertices"];
  std::reverse(vs.begin(), vs.end());
  Operation cw = Ok(j);
  Operation ccw = Ok(Example());
  EXPECT_TRUE(cw.volumes[0].outline.Contains(P(36.2, 37.15)));
  EXPECT_FALSE(cw.volumes[0].outline.Contains(P(0, 0)));
  EXPECT_NEAR(cw.volumes[0].outline.bound().GetRadius().radians(),
              ccw.volumes[0].outline.bound().GetRadius().radians(), 1e-15);
}

TEST(OperationJsonTest, IcaoAddressIsLowerCased) {
  json j = Example();
  j["aircraft"] = json::array({{{"icao24", "7701A2"}}, {{"callsign", "RFF9"}}});
  Operation op = Ok(j);
  ASSERT_EQ(op.aircraft.size(), 2u);
  EXPECT_EQ(op.aircraft[0].icao24, "7701a2");
  EXPECT_EQ(op.aircraft[1].callsign, "RFF9");
}

// ---------------------------------------------------------------------------
// Paths and reasons

TEST(OperationJsonTest, VertexErrorsNameTheVertex) {
  json j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"][2]["lat"] = 91;
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume.outline_polygon.vertices[2].lat: latitude 91 is outside -90..90");
  j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"][1]["lng"] = -180.5;
  EXPECT_EQ(
      OnlyError(j),
      "volumes[0].volume.outline_polygon.vertices[1].lng: longitude -180.5 is outside -180..180");
  j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"][0]["lat"] = "36.15";
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume.outline_polygon.vertices[0].lat: must be a number, got a string");
  j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"][0].erase("lng");
  EXPECT_EQ(OnlyError(j), "volumes[0].volume.outline_polygon.vertices[0].lng: missing");
}

TEST(OperationJsonTest, EveryBadVertexIsReported) {
  json j = Example();
  auto& vs = j["volumes"][0]["volume"]["outline_polygon"]["vertices"];
  vs[0]["lat"] = 95;
  vs[2]["lng"] = 200;
  EXPECT_EQ(Errors(j),
            (std::vector<std::string>{
                "volumes[0].volume.outline_polygon.vertices[0].lat: latitude 95 is outside -90..90",
                "volumes[0].volume.outline_polygon.vertices[2].lng: longitude 200 is outside "
                "-180..180"}));
}

TEST(OperationJsonTest, RingErrorsNameTheRingOrVertex) {
  json j = Example();
  auto& vs = j["volumes"][0]["volume"]["outline_polygon"]["vertices"];
  vs.push_back(vs[0]);
  EXPECT_EQ(
      OnlyError(j),
      "volumes[0].volume.outline_polygon.vertices[3]: repeats the first vertex; ASTM polygons are "
      "not closed (the last vertex joins the first)");
  j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"] =
      json::parse(R"([{"lat": 36.0, "lng": 37.0}, {"lat": 36.0, "lng": 37.1},
                      {"lat": 36.1, "lng": 37.0}, {"lat": 36.1, "lng": 37.1}])");
  EXPECT_EQ(
      OnlyError(j),
      "volumes[0].volume.outline_polygon.vertices: ring self-intersects: the edge from vertex 1 "
      "crosses the edge from vertex 3");
  j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"].erase(2);
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume.outline_polygon.vertices: a ring needs at least 3 distinct "
            "vertices, got 2");
}

TEST(OperationJsonTest, ExactlyOneOutline) {
  json j = Example();
  j["volumes"][0]["volume"]["outline_circle"] = Circle(36.2, 37.1, 1000);
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume: has both outline_polygon and outline_circle; give exactly one");
  j = Example();
  j["volumes"][0]["volume"].erase("outline_polygon");
  EXPECT_EQ(OnlyError(j), "volumes[0].volume: needs outline_polygon or outline_circle");
}

TEST(OperationJsonTest, CircleErrors) {
  auto with_circle = [](json circle) {
    json j = Example();
    j["volumes"][0]["volume"].erase("outline_polygon");
    j["volumes"][0]["volume"]["outline_circle"] = circle;
    return j;
  };
  EXPECT_EQ(OnlyError(with_circle(Circle(36.2, 37.1, 0))),
            "volumes[0].volume.outline_circle.radius.value: must be greater than 0");
  EXPECT_EQ(OnlyError(with_circle(Circle(36.2, 37.1, -5))),
            "volumes[0].volume.outline_circle.radius.value: must be greater than 0");
  EXPECT_EQ(OnlyError(with_circle(Circle(36.2, 37.1, 6e6))),
            "volumes[0].volume.outline_circle.radius.value: must be at most 5000000 m");
  EXPECT_EQ(OnlyError(with_circle(Circle(-91, 37.1, 100))),
            "volumes[0].volume.outline_circle.center.lat: latitude -91 is outside -90..90");
  json c = Circle(36.2, 37.1, 100);
  c["radius"]["units"] = "FT";
  EXPECT_EQ(OnlyError(with_circle(c)),
            "volumes[0].volume.outline_circle.radius.units: 'FT' is not supported: only 'M'");
  c = Circle(36.2, 37.1, 100);
  c["radius"] = 100;
  EXPECT_EQ(OnlyError(with_circle(c)),
            "volumes[0].volume.outline_circle.radius: must be an object, got a number");
}

TEST(OperationJsonTest, AltitudeReferenceAndUnits) {
  json j = Example();
  j["volumes"][0]["volume"]["altitude_lower"]["reference"] = "AGL";
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume.altitude_lower.reference: 'AGL' is not supported: only 'W84'");
  j = Example();
  j["volumes"][0]["volume"]["altitude_upper"]["units"] = "FT";
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume.altitude_upper.units: 'FT' is not supported: only 'M'");
  j = Example();
  j["volumes"][0]["volume"]["altitude_upper"].erase("units");
  EXPECT_EQ(OnlyError(j), "volumes[0].volume.altitude_upper.units: missing");
}

TEST(OperationJsonTest, AltitudeRange) {
  auto with = [](double lower, double upper) {
    json j = Example();
    j["volumes"][0]["volume"]["altitude_lower"]["value"] = lower;
    j["volumes"][0]["volume"]["altitude_upper"]["value"] = upper;
    return j;
  };
  Operation deep = Ok(with(-8000, -100));
  EXPECT_EQ(deep.volumes[0].alt_lower_m, -8000);
  EXPECT_EQ(deep.volumes[0].alt_upper_m, -100);
  EXPECT_EQ(Ok(with(99999, 100000)).volumes[0].alt_upper_m, 100000);
  EXPECT_EQ(Ok(with(1200, 1200)).volumes[0].alt_lower_m, 1200) << "a flat band is allowed";
  EXPECT_EQ(OnlyError(with(-8000.5, 100)),
            "volumes[0].volume.altitude_lower.value: must be within -8000..100000 m (ASTM F3548)");
  EXPECT_EQ(OnlyError(with(0, 100000.1)),
            "volumes[0].volume.altitude_upper.value: must be within -8000..100000 m (ASTM F3548)");
  EXPECT_EQ(OnlyError(with(3000, 500)),
            "volumes[0].volume.altitude_lower: is above altitude_upper");
}

TEST(OperationJsonTest, TimeWindow) {
  json j = Example();
  j["volumes"][0]["time_end"]["value"] = "2016-07-20T10:00:00Z";
  EXPECT_EQ(OnlyError(j), "volumes[0].time_end: must be after time_start");
  j = Example();
  j["volumes"][0]["time_end"]["value"] = "2016-07-20T09:00:00Z";
  EXPECT_EQ(OnlyError(j), "volumes[0].time_end: must be after time_start");
  j = Example();
  j["volumes"][0]["time_end"]["value"] = "2016-07-20T10:00:00.000001Z";
  EXPECT_EQ(Ok(j).volumes[0].end - Ok(j).volumes[0].start, Duration::Micros(1));
  j = Example();
  j["volumes"][0]["time_start"]["value"] = "2016-07-20T14:00:00+03:00";
  EXPECT_EQ(OnlyError(j), "volumes[0].time_end: must be after time_start")
      << "14:00+03:00 is 11:00Z";
}

TEST(OperationJsonTest, TimeFormat) {
  json j = Example();
  j["volumes"][0]["time_start"]["format"] = "ISO8601";
  EXPECT_EQ(OnlyError(j),
            "volumes[0].time_start.format: 'ISO8601' is not supported: only 'RFC3339'");
  j = Example();
  j["volumes"][0]["time_end"]["value"] = "2016-07-20 11:00";
  EXPECT_EQ(OnlyError(j),
            "volumes[0].time_end.value: not an RFC 3339 time (expected YYYY-MM-DDTHH:MM:SSZ)");
  j = Example();
  j["volumes"][0]["time_start"]["value"] = "2016-07-20T10:00:00";
  EXPECT_EQ(OnlyError(j),
            "volumes[0].time_start.value: not an RFC 3339 time (missing time zone: end "
            "with Z or an offset such as +03:00)");
  j = Example();
  j["volumes"][0]["time_start"]["value"] = 1469008800;
  EXPECT_EQ(OnlyError(j), "volumes[0].time_start.value: must be a string, got a number");
}

TEST(OperationJsonTest, UnknownKeysAtEveryLevel) {
  struct Case {
    json::json_pointer where;
    std::string path;
  } cases[] = {
      {json::json_pointer(""), "priority"},
      {json::json_pointer("/volumes/0"), "volumes[0].priority"},
      {json::json_pointer("/volumes/0/volume"), "volumes[0].volume.priority"},
      {json::json_pointer("/volumes/0/volume/outline_polygon"),
       "volumes[0].volume.outline_polygon.priority"},
      {json::json_pointer("/volumes/0/volume/outline_polygon/vertices/1"),
       "volumes[0].volume.outline_polygon.vertices[1].priority"},
      {json::json_pointer("/volumes/0/volume/altitude_lower"),
       "volumes[0].volume.altitude_lower.priority"},
      {json::json_pointer("/volumes/0/time_start"), "volumes[0].time_start.priority"},
      {json::json_pointer("/volumes/0/time_end"), "volumes[0].time_end.priority"},
      {json::json_pointer("/aircraft/0"), "aircraft[0].priority"},
  };
  for (const Case& c : cases) {
    json j = Example();
    j[c.where]["priority"] = 1;
    EXPECT_EQ(OnlyError(j), c.path + ": unknown key");
  }
  // In a circle too.
  json j = Example();
  j["volumes"][0]["volume"].erase("outline_polygon");
  j["volumes"][0]["volume"]["outline_circle"] = Circle(36.2, 37.1, 100);
  j["volumes"][0]["volume"]["outline_circle"]["center"]["alt"] = 1;
  j["volumes"][0]["volume"]["outline_circle"]["radius"]["priority"] = 1;
  j["volumes"][0]["volume"]["outline_circle"]["priority"] = 1;
  const std::vector<std::string> e = Errors(j);
  EXPECT_EQ(e,
            (std::vector<std::string>{"volumes[0].volume.outline_circle.priority: unknown key"}));
  j["volumes"][0]["volume"]["outline_circle"].erase("priority");
  EXPECT_EQ(Errors(j), (std::vector<std::string>{
                           "volumes[0].volume.outline_circle.center.alt: unknown key",
                           "volumes[0].volume.outline_circle.radius.priority: unknown key"}));
}

TEST(OperationJsonTest, StateIsNotPartOfANotification) {
  json j = Example();
  j["state"] = "accepted";
  EXPECT_EQ(OnlyError(j), "state: unknown key");
}

TEST(OperationJsonTest, MissingKeys) {
  for (const char* key : {"operator", "category", "volumes"}) {
    json j = Example();
    j.erase(key);
    EXPECT_EQ(OnlyError(j), std::string(key) + ": missing");
  }
  json j = Example();
  j["volumes"][0].erase("time_end");
  EXPECT_EQ(OnlyError(j), "volumes[0].time_end: missing");
  j = Example();
  j["volumes"][0]["volume"].erase("altitude_lower");
  EXPECT_EQ(OnlyError(j), "volumes[0].volume.altitude_lower: missing");
}

TEST(OperationJsonTest, GeometryStillCheckedWhenAltitudeIsMissing) {
  json j = Example();
  j["volumes"][0]["volume"].erase("altitude_lower");
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"][2]["lat"] = 91;
  EXPECT_EQ(
      Errors(j),
      (std::vector<std::string>{
          "volumes[0].volume.altitude_lower: missing",
          "volumes[0].volume.outline_polygon.vertices[2].lat: latitude 91 is outside -90..90"}));
}

TEST(OperationJsonTest, WrongTypes) {
  json j = Example();
  j["operator"] = 5;
  EXPECT_EQ(OnlyError(j), "operator: must be a string, got a number");
  j = Example();
  j["category"] = nullptr;
  EXPECT_EQ(OnlyError(j), "category: must be a string, got null");
  j = Example();
  j["volumes"] = json::object();
  EXPECT_EQ(OnlyError(j), "volumes: must be a list, got an object");
  j = Example();
  j["volumes"][0] = "v";
  EXPECT_EQ(OnlyError(j), "volumes[0]: must be an object, got a string");
  j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"] = true;
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume.outline_polygon.vertices: must be a list, got a boolean");
  j = Example();
  j["volumes"][0]["volume"]["altitude_lower"]["value"] = "500";
  EXPECT_EQ(OnlyError(j), "volumes[0].volume.altitude_lower.value: must be a number, got a string");
  j = Example();
  j["aircraft"] = "SYR123";
  EXPECT_EQ(OnlyError(j), "aircraft: must be a list, got a string");
  j = Example();
  j["aircraft"][0]["icao24"] = 7701;
  EXPECT_EQ(OnlyError(j), "aircraft[0].icao24: must be a string, got a number");
  EXPECT_EQ(Errors(std::string("[1, 2]")),
            (std::vector<std::string>{"must be an object, got a list"}));
  EXPECT_EQ(Errors(std::string("\"op\"")),
            (std::vector<std::string>{"must be an object, got a string"}));
}

TEST(OperationJsonTest, BadIdsAndAircraft) {
  json j = Example();
  j["operator"] = "S Y";
  EXPECT_EQ(OnlyError(j),
            "operator: 'S Y' is not a valid id (1-64 letters, digits, '_', '-', '.', ':')");
  j = Example();
  j["id"] = "";
  EXPECT_EQ(OnlyError(j), "id: '' is not a valid id (1-64 letters, digits, '_', '-', '.', ':')");
  j = Example();
  j["aircraft"][0]["icao24"] = "zz";
  EXPECT_EQ(OnlyError(j), "aircraft[0].icao24: must be an ICAO 24-bit address: 6 hex digits");
  j = Example();
  j["aircraft"][0]["icao24"] = "7701a2f";
  EXPECT_EQ(OnlyError(j), "aircraft[0].icao24: must be an ICAO 24-bit address: 6 hex digits");
  j = Example();
  j["aircraft"][0]["callsign"] = "SYR123456";
  EXPECT_EQ(OnlyError(j), "aircraft[0].callsign: must be 1-8 letters or digits");
  j = Example();
  j["aircraft"][0]["callsign"] = "SYR 12";
  EXPECT_EQ(OnlyError(j), "aircraft[0].callsign: must be 1-8 letters or digits");
  j = Example();
  j["aircraft"][0] = json::object();
  EXPECT_EQ(OnlyError(j), "aircraft[0]: needs a callsign or an icao24 address");
}

TEST(OperationJsonTest, EmptyVolumes) {
  json j = Example();
  j["volumes"] = json::array();
  EXPECT_EQ(OnlyError(j), "volumes: must have at least one volume");
}

TEST(OperationJsonTest, TooManyVolumes) {
  json j = Example();
  const json v = j["volumes"][0];
  for (size_t i = 1; i <= kMaxVolumes; ++i) j["volumes"].push_back(v);
  EXPECT_EQ(OnlyError(j), "volumes: too many volumes: 1001 (at most 1000)");
  j["volumes"].erase(0);
  EXPECT_EQ(Ok(j).volumes.size(), kMaxVolumes);
}

TEST(OperationJsonTest, MalformedJson) {
  for (const char* text :
       {"", "{", "{\"operator\": \"SY\",}", "{'operator': 'SY'}", "nul", "{\"a\": 1} trailing"}) {
    const std::vector<std::string> e = Errors(std::string(text));
    ASSERT_EQ(e.size(), 1u) << text;
    EXPECT_EQ(e[0].rfind("not valid JSON: ", 0), 0u) << e[0];
    EXPECT_EQ(e[0].find("[json.exception"), std::string::npos) << e[0];
  }
}

TEST(OperationJsonTest, VertexLimit) {
  // A circle of vertices, 10 km across.
  auto ring = [](size_t n) {
    json vs = json::array();
    for (size_t i = 0; i < n; ++i) {
      const double t = 2 * 3.14159265358979323846 * static_cast<double>(i) / static_cast<double>(n);
      vs.push_back({{"lat", 36 + 0.05 * std::sin(t)}, {"lng", 37 + 0.05 * std::cos(t)}});
    }
    return vs;
  };
  json j = Example();
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"] = ring(geo::kMaxVertices + 1);
  EXPECT_EQ(OnlyError(j),
            "volumes[0].volume.outline_polygon.vertices: too many vertices: 10001 (at most "
            "10000)");
  j["volumes"][0]["volume"]["outline_polygon"]["vertices"] = ring(geo::kMaxVertices);
  Operation op = Ok(j);
  ASSERT_EQ(op.volumes.size(), 1u);
  EXPECT_EQ(op.volumes[0].outline.ring().size(), geo::kMaxVertices);
}

// ---------------------------------------------------------------------------
// State lines

json StateLine() {
  json j = Example();
  j["state"] = "activated";
  j["version"] = 3;
  j["decision"] = {{"outcome", "accepted"}, {"findings", json::array()}};
  return j;
}

TEST(OperationJsonTest, StateLine) {
  Operation op = Ok(StateLine(), OperationForm::kStateLine);
  EXPECT_EQ(op.id, "op-17");
  EXPECT_EQ(op.state, OpState::kActivated);
  EXPECT_EQ(op.version, 3);
  for (const char* s :
       {"accepted", "pending_approval", "rejected", "activated", "ended", "cancelled"}) {
    json j = StateLine();
    j["state"] = s;
    EXPECT_EQ(OpStateName(Ok(j, OperationForm::kStateLine).state), s);
  }
}

TEST(OperationJsonTest, StateLineNeedsIdAndState) {
  json j = StateLine();
  j.erase("id");
  EXPECT_EQ(OnlyError(j, OperationForm::kStateLine), "id: missing");
  j = StateLine();
  j.erase("state");
  EXPECT_EQ(OnlyError(j, OperationForm::kStateLine), "state: missing");
  j = StateLine();
  j.erase("id");
  j.erase("state");
  EXPECT_EQ(Errors(j, OperationForm::kStateLine),
            (std::vector<std::string>{"id: missing", "state: missing"}));
  j = StateLine();
  j["state"] = "flying";
  EXPECT_EQ(
      OnlyError(j, OperationForm::kStateLine),
      "state: 'flying' is not a state: use accepted, pending_approval, rejected, activated, ended "
      "or cancelled");
  j = StateLine();
  j["version"] = -1;
  EXPECT_EQ(OnlyError(j, OperationForm::kStateLine), "version: must be a non-negative integer");
  j = StateLine();
  j["version"] = 1.5;
  EXPECT_EQ(OnlyError(j, OperationForm::kStateLine), "version: must be a non-negative integer");
  j = StateLine();
  j["colour"] = "red";
  EXPECT_EQ(OnlyError(j, OperationForm::kStateLine), "colour: unknown key");
}

// ---------------------------------------------------------------------------
// Round trip

void ExpectSameVolumes(const Operation& a, const Operation& b) {
  ASSERT_EQ(a.volumes.size(), b.volumes.size());
  for (size_t i = 0; i < a.volumes.size(); ++i) {
    const Volume4D& x = a.volumes[i];
    const Volume4D& y = b.volumes[i];
    ASSERT_EQ(x.outline.is_circle(), y.outline.is_circle()) << i;
    if (x.outline.is_circle()) {
      const S2LatLng cx(x.outline.bound().center()), cy(y.outline.bound().center());
      EXPECT_NEAR(cx.lat().degrees(), cy.lat().degrees(), 1e-9) << i;
      EXPECT_NEAR(cx.lng().degrees(), cy.lng().degrees(), 1e-9) << i;
      EXPECT_NEAR(x.outline.circle_radius_m(), y.outline.circle_radius_m(), 1e-6) << i;
    } else {
      ASSERT_EQ(x.outline.ring().size(), y.outline.ring().size()) << i;
      for (size_t k = 0; k < x.outline.ring().size(); ++k) {
        const S2LatLng px(x.outline.ring()[k]), py(y.outline.ring()[k]);
        EXPECT_NEAR(px.lat().degrees(), py.lat().degrees(), 1e-9) << i << "/" << k;
        EXPECT_NEAR(px.lng().degrees(), py.lng().degrees(), 1e-9) << i << "/" << k;
      }
    }
    EXPECT_EQ(x.alt_lower_m, y.alt_lower_m) << i;
    EXPECT_EQ(x.alt_upper_m, y.alt_upper_m) << i;
    EXPECT_EQ(x.start, y.start) << i;
    EXPECT_EQ(x.end, y.end) << i;
  }
}

TEST(OperationJsonTest, RoundTrip) {
  json j = StateLine();
  j["aircraft"].push_back({{"callsign", "RFF9"}});
  json second = j["volumes"][0];
  second["volume"].erase("outline_polygon");
  second["volume"]["outline_circle"] = Circle(35.123456789, 36.987654321, 1234.5);
  second["volume"]["altitude_lower"]["value"] = -120.25;
  second["time_start"]["value"] = "2016-07-20T13:00:00.25+03:00";
  second["time_end"]["value"] = "2016-07-20T10:30:00.000001Z";
  j["volumes"].push_back(second);
  json third = j["volumes"][0];
  // Clockwise, across the antimeridian, with awkward decimals.
  third["volume"]["outline_polygon"]["vertices"] = json::parse(
      R"([{"lat": 10.1, "lng": 179.9}, {"lat": 10.1, "lng": -179.9}, {"lat": 10.000000001, "lng": -179.9},
          {"lat": 10.0, "lng": 179.933333333}])");
  j["volumes"].push_back(third);

  const Operation first = Ok(j, OperationForm::kStateLine);
  const std::string dumped = OperationToJson(first);
  Result<Operation> again = ParseOperationJson(dumped, OperationForm::kStateLine);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << dumped;
  EXPECT_EQ(again->id, first.id);
  EXPECT_EQ(again->operator_party, first.operator_party);
  EXPECT_EQ(again->submitted_by, first.submitted_by);
  EXPECT_EQ(again->category, first.category);
  ASSERT_EQ(again->aircraft.size(), 2u);
  EXPECT_EQ(again->aircraft[0].callsign, "SYR123");
  EXPECT_EQ(again->aircraft[0].icao24, "7701a2");
  EXPECT_EQ(again->aircraft[1].callsign, "RFF9");
  EXPECT_EQ(again->aircraft[1].icao24, "");
  EXPECT_EQ(again->state, OpState::kActivated);
  EXPECT_EQ(again->version, 3);
  ExpectSameVolumes(first, *again);
  // A second trip changes nothing.
  EXPECT_EQ(OperationToJson(*again), dumped);
  // Times come out in UTC.
  const json out = json::parse(dumped);
  EXPECT_EQ(out["volumes"][1]["time_start"]["value"], "2016-07-20T10:00:00.250Z");
  EXPECT_EQ(out["volumes"][1]["time_start"]["format"], "RFC3339");
  EXPECT_EQ(out["volumes"][1]["volume"]["altitude_lower"]["reference"], "W84");
  EXPECT_EQ(out["volumes"][1]["volume"]["altitude_lower"]["units"], "M");
}

TEST(OperationJsonTest, OutputPolygonIsCounterClockwise) {
  json j = StateLine();
  auto& vs = j["volumes"][0]["volume"]["outline_polygon"]["vertices"];
  std::reverse(vs.begin(), vs.end());  // clockwise in
  const json out = json::parse(OperationToJson(Ok(j, OperationForm::kStateLine)));
  const json& ov = out["volumes"][0]["volume"]["outline_polygon"]["vertices"];
  ASSERT_EQ(ov.size(), 3u);
  // The same three vertices, as a counter-clockwise cycle of the example's.
  std::vector<S2Point> ring;
  for (const json& v : ov) ring.push_back(P(v["lat"].get<double>(), v["lng"].get<double>()));
  const S2Point a = P(36.15, 37.0), b = P(36.15, 37.2), c = P(36.3, 37.2);
  size_t start = 0;
  while (start < 3 && (ring[start] - a).Norm() > 1e-12) ++start;
  ASSERT_LT(start, 3u);
  EXPECT_LT((ring[(start + 1) % 3] - b).Norm(), 1e-12);
  EXPECT_LT((ring[(start + 2) % 3] - c).Norm(), 1e-12);
}

// Found by fuzz/operation_fuzzer (fuzz/corpus/operation/regression-number-out-of-range):
// a number too large for a double made nlohmann throw out_of_range, which
// escaped the parser and ended the process.
TEST(OperationJsonTest, RegressionNumberOutOfRangeIsAnErrorNotACrash) {
  for (const char* text : {"22222022222E22222", R"({"operator": 1E99999})",
                           R"({"volumes": [{"volume": {"altitude_lower": {"value": -1e400}}}]})"}) {
    for (OperationForm form : {OperationForm::kNotification, OperationForm::kStateLine}) {
      Result<Operation> op = ParseOperationJson(text, form);
      ASSERT_FALSE(op.ok()) << text;
      ASSERT_FALSE(op.status().errors().empty());
      EXPECT_NE(op.status().errors().front().reason.find("not valid JSON"), std::string::npos)
          << op.status().ToString();
    }
  }
}

}  // namespace
}  // namespace jic::engine
