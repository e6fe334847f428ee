#include "jic/engine/operation_json.h"

#include "json_parse.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/geo/earth.h"
#include "jic/geo/geometry_check.h"
#include "s2/s2latlng.h"

namespace jic::engine {
namespace {

using nlohmann::json;
using Keys = std::initializer_list<const char*>;

constexpr double kMinAltitudeM = -8000;   // ASTM F3548 bounds
constexpr double kMaxAltitudeM = 100000;

std::string Key(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}
std::string Ix(const std::string& path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

const char* TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

class Parser {
 public:
  std::vector<FieldError> errors;

  void Error(std::string path, std::string reason) { errors.push_back({std::move(path), std::move(reason)}); }

  bool Object(const json& j, const std::string& path, Keys allowed, Keys required) {
    if (!j.is_object()) {
      Error(path, std::string("must be an object, got ") + TypeName(j));
      return false;
    }
    bool ok = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool known = false;
      for (const char* a : allowed) known = known || it.key() == a;
      if (!known) {
        Error(path.empty() ? it.key() : path + "." + it.key(), "unknown key");
        ok = false;
      }
    }
    for (const char* r : required) {
      if (!j.contains(r)) {
        Error(Key(path, r), "missing");
        ok = false;
      }
    }
    return ok;
  }

  bool String(const json& j, const std::string& path, std::string* out) {
    if (!j.is_string()) {
      Error(path, std::string("must be a string, got ") + TypeName(j));
      return false;
    }
    *out = j.get<std::string>();
    return true;
  }

  bool Id(const json& j, const std::string& path, std::string* out) {
    if (!String(j, path, out)) return false;
    if (!agreement::IsValidId(*out)) {
      Error(path, "'" + *out + "' is not a valid id (1-64 letters, digits, '_', '-', '.', ':')");
      return false;
    }
    return true;
  }

  bool Number(const json& j, const std::string& path, double* out) {
    if (!j.is_number()) {
      Error(path, std::string("must be a number, got ") + TypeName(j));
      return false;
    }
    *out = j.get<double>();
    if (!std::isfinite(*out)) {
      Error(path, "must be a finite number");
      return false;
    }
    return true;
  }

  bool Exact(const json& j, const std::string& path, const char* want) {
    std::string s;
    if (!String(j, path, &s)) return false;
    if (s != want) {
      Error(path, absl::StrCat("'", s, "' is not supported: only '", want, "'"));
      return false;
    }
    return true;
  }

  bool LatLng(const json& j, const std::string& path, geo::LatLngDeg* out) {
    if (!Object(j, path, {"lat", "lng"}, {"lat", "lng"})) return false;
    bool ok = Number(j["lat"], Key(path, "lat"), &out->lat);
    ok = Number(j["lng"], Key(path, "lng"), &out->lng) && ok;
    if (!ok) return false;
    return geo::CheckLatLng(out->lat, out->lng, Key(path, "lat"), Key(path, "lng"), &errors);
  }

  bool Altitude(const json& j, const std::string& path, double* out) {
    if (!Object(j, path, {"value", "reference", "units"}, {"value", "reference", "units"})) {
      return false;
    }
    bool ok = Number(j["value"], Key(path, "value"), out);
    ok = Exact(j["reference"], Key(path, "reference"), "W84") && ok;
    ok = Exact(j["units"], Key(path, "units"), "M") && ok;
    if (ok && (*out < kMinAltitudeM || *out > kMaxAltitudeM)) {
      Error(Key(path, "value"), "must be within -8000..100000 m (ASTM F3548)");
      return false;
    }
    return ok;
  }

  bool TimeOf(const json& j, const std::string& path, Time* out) {
    if (!Object(j, path, {"value", "format"}, {"value", "format"})) return false;
    bool ok = Exact(j["format"], Key(path, "format"), "RFC3339");
    std::string s;
    if (!String(j["value"], Key(path, "value"), &s)) return false;
    Result<Time> t = ParseRfc3339(s);
    if (!t.ok()) {
      Error(Key(path, "value"), t.status().errors().front().reason);
      return false;
    }
    *out = *t;
    return ok;
  }

  bool Outline(const json& vol, const std::string& path, geo::Outline* out) {
    const bool poly = vol.contains("outline_polygon");
    const bool circle = vol.contains("outline_circle");
    if (poly == circle) {
      Error(path, poly ? "has both outline_polygon and outline_circle; give exactly one"
                       : "needs outline_polygon or outline_circle");
      return false;
    }
    if (circle) {
      const std::string cp = Key(path, "outline_circle");
      const json& c = vol["outline_circle"];
      if (!Object(c, cp, {"center", "radius"}, {"center", "radius"})) return false;
      geo::LatLngDeg center;
      bool ok = LatLng(c["center"], Key(cp, "center"), &center);
      const std::string rp = Key(cp, "radius");
      double radius = 0;
      if (Object(c["radius"], rp, {"value", "units"}, {"value", "units"})) {
        bool rok = Number(c["radius"]["value"], Key(rp, "value"), &radius);
        rok = Exact(c["radius"]["units"], Key(rp, "units"), "M") && rok;
        if (rok && radius <= 0) {
          Error(Key(rp, "value"), "must be greater than 0");
          rok = false;
        } else if (rok && radius > geo::kMaxRadiusM) {
          Error(Key(rp, "value"),
                absl::StrCat("must be at most ", static_cast<int64_t>(geo::kMaxRadiusM), " m"));
          rok = false;
        }
        ok = ok && rok;
      } else {
        ok = false;
      }
      if (!ok) return false;
      *out = geo::Outline::Circle(S2LatLng::FromDegrees(center.lat, center.lng).ToPoint(), radius);
      return true;
    }
    const std::string pp = Key(path, "outline_polygon");
    const json& p = vol["outline_polygon"];
    if (!Object(p, pp, {"vertices"}, {"vertices"})) return false;
    const std::string vp = Key(pp, "vertices");
    const json& vs = p["vertices"];
    if (!vs.is_array()) {
      Error(vp, std::string("must be a list, got ") + TypeName(vs));
      return false;
    }
    if (vs.size() > geo::kMaxVertices) {
      Error(vp, absl::StrCat("too many vertices: ", vs.size(), " (at most ", geo::kMaxVertices, ")"));
      return false;
    }
    std::vector<geo::LatLngDeg> pts(vs.size());
    bool ok = true;
    for (size_t i = 0; i < vs.size(); ++i) ok = LatLng(vs[i], Ix(vp, i), &pts[i]) && ok;
    if (!ok) return false;
    auto ring = geo::CheckRing(pts, geo::RingForm::kOpen, vp, [&](size_t i) { return Ix(vp, i); },
                               &errors);
    if (!ring) return false;
    *out = geo::Outline::Polygon(std::move(*ring));
    return true;
  }

  bool Volume(const json& j, const std::string& path, Volume4D* out) {
    if (!Object(j, path, {"volume", "time_start", "time_end"}, {"volume", "time_start", "time_end"})) {
      return false;
    }
    const std::string vp = Key(path, "volume");
    const json& vol = j["volume"];
    bool ok = true;
    if (Object(vol, vp, {"outline_polygon", "outline_circle", "altitude_lower", "altitude_upper"},
               {"altitude_lower", "altitude_upper"})) {
      ok = Outline(vol, vp, &out->outline) && ok;
      bool alt = Altitude(vol["altitude_lower"], Key(vp, "altitude_lower"), &out->alt_lower_m);
      alt = Altitude(vol["altitude_upper"], Key(vp, "altitude_upper"), &out->alt_upper_m) && alt;
      if (alt && out->alt_lower_m > out->alt_upper_m) {
        Error(Key(vp, "altitude_lower"), "is above altitude_upper");
        alt = false;
      }
      ok = ok && alt;
    } else {
      ok = false;
      if (vol.is_object()) {
        // Still report geometry problems along with the missing keys.
        geo::Outline ignored;
        if (vol.contains("outline_polygon") || vol.contains("outline_circle")) Outline(vol, vp, &ignored);
      }
    }
    bool t = TimeOf(j["time_start"], Key(path, "time_start"), &out->start);
    t = TimeOf(j["time_end"], Key(path, "time_end"), &out->end) && t;
    if (t && out->start >= out->end) {
      Error(Key(path, "time_end"), "must be after time_start");
      t = false;
    }
    return ok && t;
  }

  void Aircraft(const json& j, const std::string& path, std::vector<engine::Aircraft>* out) {
    if (!j.is_array()) {
      Error(path, std::string("must be a list, got ") + TypeName(j));
      return;
    }
    if (j.size() > 100) {
      Error(path, "at most 100 aircraft");
      return;
    }
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string p = Ix(path, i);
      if (!Object(j[i], p, {"callsign", "icao24"}, {})) continue;
      engine::Aircraft a;
      if (j[i].contains("callsign") && String(j[i]["callsign"], Key(p, "callsign"), &a.callsign)) {
        bool ok = !a.callsign.empty() && a.callsign.size() <= 8;
        for (char c : a.callsign) ok = ok && std::isalnum(static_cast<unsigned char>(c));
        if (!ok) Error(Key(p, "callsign"), "must be 1-8 letters or digits");
      }
      if (j[i].contains("icao24") && String(j[i]["icao24"], Key(p, "icao24"), &a.icao24)) {
        bool ok = a.icao24.size() == 6;
        for (char& c : a.icao24) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          ok = ok && std::isxdigit(static_cast<unsigned char>(c));
        }
        if (!ok) Error(Key(p, "icao24"), "must be an ICAO 24-bit address: 6 hex digits");
      }
      if (!j[i].contains("callsign") && !j[i].contains("icao24")) {
        Error(p, "needs a callsign or an icao24 address");
      }
      out->push_back(std::move(a));
    }
  }
};

}  // namespace

Result<Operation> ParseOperationJson(std::string_view text, OperationForm form) {
  json j;
  std::string error;
  if (!ParseJson(text, &j, &error)) return Status::Invalid("", "not valid JSON: " + error);
  return ParseOperationValue(j, form);
}

Result<Operation> ParseOperationValue(const nlohmann::json& j, OperationForm form) {
  Parser p;
  Operation op;
  const bool state_line = form == OperationForm::kStateLine;
  Keys allowed_note = {"id", "operator", "submitted_by", "category", "aircraft", "volumes"};
  Keys allowed_state = {"id", "operator", "submitted_by", "category", "aircraft", "volumes",
                        "state", "version", "decision"};
  Keys required_note = {"operator", "category", "volumes"};
  Keys required_state = {"id", "operator", "category", "volumes", "state"};
  if (!p.Object(j, "", state_line ? allowed_state : allowed_note,
                state_line ? required_state : required_note) &&
      !j.is_object()) {
    return Status::Invalid(std::move(p.errors));
  }
  if (j.contains("id")) p.Id(j["id"], "id", &op.id);
  if (j.contains("operator")) p.Id(j["operator"], "operator", &op.operator_party);
  if (j.contains("submitted_by")) p.Id(j["submitted_by"], "submitted_by", &op.submitted_by);
  if (j.contains("category")) p.Id(j["category"], "category", &op.category);
  if (j.contains("aircraft")) p.Aircraft(j["aircraft"], "aircraft", &op.aircraft);
  if (j.contains("volumes")) {
    const json& vs = j["volumes"];
    if (!vs.is_array()) {
      p.Error("volumes", std::string("must be a list, got ") + TypeName(vs));
    } else if (vs.empty()) {
      p.Error("volumes", "must have at least one volume");
    } else if (vs.size() > kMaxVolumes) {
      p.Error("volumes", absl::StrCat("too many volumes: ", vs.size(), " (at most ", kMaxVolumes, ")"));
    } else {
      op.volumes.resize(vs.size());
      for (size_t i = 0; i < vs.size(); ++i) p.Volume(vs[i], Ix("volumes", i), &op.volumes[i]);
    }
  }
  if (state_line && j.contains("state")) {
    std::string s;
    if (p.String(j["state"], "state", &s)) {
      auto st = ParseOpState(s);
      if (!st) {
        p.Error("state", "'" + s + "' is not a state: use accepted, pending_approval, rejected, "
                         "activated, ended or cancelled");
      } else {
        op.state = *st;
      }
    }
  }
  if (state_line && j.contains("version")) {
    if (!j["version"].is_number_integer() || j["version"].get<int64_t>() < 0) {
      p.Error("version", "must be a non-negative integer");
    } else {
      op.version = j["version"].get<int64_t>();
    }
  }
  if (!p.errors.empty()) return Status::Invalid(std::move(p.errors));
  return op;
}

namespace {

json LatLngJson(const S2Point& p) {
  S2LatLng ll(p);
  // Round to 1e-9 degrees (0.1 mm): the S2Point round trip adds noise below that.
  auto r = [](double v) { return std::round(v * 1e9) / 1e9; };
  return json{{"lat", r(ll.lat().degrees())}, {"lng", r(ll.lng().degrees())}};
}

json AltitudeJson(double v) { return json{{"value", v}, {"reference", "W84"}, {"units", "M"}}; }
json TimeJson(Time t) { return json{{"value", FormatRfc3339(t)}, {"format", "RFC3339"}}; }

}  // namespace

std::string OperationToJson(const Operation& op) {
  json j;
  j["id"] = op.id;
  j["operator"] = op.operator_party;
  j["submitted_by"] = op.submitted_by;
  j["category"] = op.category;
  json ac = json::array();
  for (const Aircraft& a : op.aircraft) {
    json e = json::object();
    if (!a.callsign.empty()) e["callsign"] = a.callsign;
    if (!a.icao24.empty()) e["icao24"] = a.icao24;
    ac.push_back(e);
  }
  j["aircraft"] = ac;
  json vols = json::array();
  for (const Volume4D& v : op.volumes) {
    json vol;
    if (v.outline.is_circle()) {
      vol["outline_circle"] = {{"center", LatLngJson(v.outline.bound().center())},
                               {"radius", {{"value", std::round(v.outline.circle_radius_m() * 1e6) / 1e6},
                                           {"units", "M"}}}};
    } else {
      json verts = json::array();
      for (const S2Point& p : v.outline.ring()) verts.push_back(LatLngJson(p));
      vol["outline_polygon"] = {{"vertices", verts}};
    }
    vol["altitude_lower"] = AltitudeJson(v.alt_lower_m);
    vol["altitude_upper"] = AltitudeJson(v.alt_upper_m);
    vols.push_back({{"volume", vol}, {"time_start", TimeJson(v.start)}, {"time_end", TimeJson(v.end)}});
  }
  j["volumes"] = vols;
  j["state"] = std::string(OpStateName(op.state));
  j["version"] = op.version;
  return j.dump();
}

}  // namespace jic::engine
