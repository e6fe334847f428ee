#include "jic/agreement/agreement_loader.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "jic/base/time_format.h"
#include "jic/geo/geometry_check.h"
#include "s2/s2latlng.h"
#include "s2/s2polygon.h"

namespace jic::agreement {
namespace {

using Keys = std::initializer_list<const char*>;

std::string Key(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
std::string Ix(const std::string& path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

// Walks the YAML tree collecting errors with their paths.
class Reader {
 public:
  std::vector<FieldError> errors;

  void Error(const std::string& path, std::string reason) {
    errors.push_back({path, std::move(reason)});
  }

  // `n` must be a map with only `allowed` keys and every `required` one.
  bool Map(const YAML::Node& n, const std::string& path, Keys allowed, Keys required) {
    if (!n.IsMap()) {
      Error(path, n.IsDefined() && !n.IsNull() ? "must be a mapping" : "must be a mapping, got nothing");
      return false;
    }
    std::set<std::string> seen;
    bool ok = true;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) {
        Error(path, "keys must be plain strings");
        ok = false;
        continue;
      }
      const std::string k = it->first.Scalar();
      if (!seen.insert(k).second) {
        Error(Key(path, k), "duplicate key");
        ok = false;
      }
      bool known = false;
      for (const char* a : allowed) known = known || k == a;
      if (!known) {
        Error(Key(path, k), "unknown key");
        ok = false;
      }
    }
    for (const char* r : required) {
      if (!seen.count(r)) {
        Error(Key(path, r), "missing");
        ok = false;
      }
    }
    return ok;
  }

  bool Seq(const YAML::Node& n, const std::string& path) {
    if (!n.IsSequence()) {
      Error(path, "must be a list");
      return false;
    }
    return true;
  }

  bool String(const YAML::Node& n, const std::string& path, std::string* out) {
    if (!n.IsScalar()) {
      Error(path, "must be a string");
      return false;
    }
    *out = n.Scalar();
    return true;
  }

  bool NonEmptyString(const YAML::Node& n, const std::string& path, std::string* out) {
    if (!String(n, path, out)) return false;
    if (out->empty()) {
      Error(path, "must not be empty");
      return false;
    }
    return true;
  }

  bool Id(const YAML::Node& n, const std::string& path, std::string* out) {
    if (!String(n, path, out)) return false;
    if (!IsValidId(*out)) {
      Error(path, "'" + *out + "' is not a valid id (1-64 letters, digits, '_', '-', '.', ':')");
      return false;
    }
    return true;
  }

  bool Number(const YAML::Node& n, const std::string& path, double* out) {
    double v;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) {
      Error(path, "must be a number");
      return false;
    }
    if (!std::isfinite(v)) {
      Error(path, "must be a finite number");
      return false;
    }
    *out = v;
    return true;
  }

  bool NonNegative(const YAML::Node& n, const std::string& path, double* out) {
    if (!Number(n, path, out)) return false;
    if (*out < 0) {
      Error(path, "must not be negative");
      return false;
    }
    return true;
  }

  bool Integer(const YAML::Node& n, const std::string& path, int64_t* out) {
    long long v;
    if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) {
      Error(path, "must be an integer");
      return false;
    }
    *out = v;
    return true;
  }

  bool Bool(const YAML::Node& n, const std::string& path, bool* out) {
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, *out)) {
      Error(path, "must be true or false");
      return false;
    }
    return true;
  }

  bool TimeValue(const YAML::Node& n, const std::string& path, Time* out) {
    std::string s;
    if (!String(n, path, &s)) return false;
    Result<Time> t = ParseRfc3339(s);
    if (!t.ok()) {
      Error(path, t.status().errors().front().reason);
      return false;
    }
    *out = *t;
    return true;
  }

  bool IdList(const YAML::Node& n, const std::string& path, std::vector<std::string>* out,
              bool non_empty = true) {
    if (!Seq(n, path)) return false;
    if (non_empty && n.size() == 0) {
      Error(path, "must list at least one");
      return false;
    }
    bool ok = true;
    std::set<std::string> seen;
    for (size_t i = 0; i < n.size(); ++i) {
      std::string s;
      if (!Id(n[i], Ix(path, i), &s)) {
        ok = false;
        continue;
      }
      if (!seen.insert(s).second) {
        Error(Ix(path, i), "'" + s + "' is listed twice");
        ok = false;
        continue;
      }
      out->push_back(s);
    }
    return ok;
  }
};

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// An ICAO 24-bit address (6 hex digits) or a prefix of one ending in '*'.
bool ValidAircraftPattern(const std::string& s) {
  if (s.empty()) return false;
  const bool prefix = s.back() == '*';
  const size_t n = prefix ? s.size() - 1 : s.size();
  if (prefix ? n > 5 : n != 6) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!IsHex(s[i])) return false;
  }
  return true;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr double kMinAltitudeM = -8000;
constexpr double kMaxAltitudeM = 100000;

class Loader {
 public:
  Reader r;
  Agreement a;

  void Top(const YAML::Node& root) {
    if (!r.Map(root, "", {"jic", "id", "title", "signatories", "parties", "categories",
                          "separation", "areas", "rules", "monitoring", "signed_commands"},
               {"jic", "id", "signatories", "parties", "categories"})) {
      if (!root.IsMap()) return;
    }
    if (root["jic"]) {
      int64_t v;
      if (r.Integer(root["jic"], "jic", &v)) {
        if (v != 1) r.Error("jic", absl::StrCat("format version ", v, " is not supported (only 1)"));
      }
    }
    if (root["id"]) r.Id(root["id"], "id", &a.id);
    if (root["title"]) r.String(root["title"], "title", &a.title);
    if (root["parties"]) Parties(root["parties"]);
    if (root["categories"]) Categories(root["categories"]);
    a.Reindex();
    if (root["signatories"]) {
      if (r.IdList(root["signatories"], "signatories", &a.signatories)) {
        for (size_t i = 0; i < a.signatories.size(); ++i) PartyRef(a.signatories[i], Ix("signatories", i));
      }
    }
    for (size_t i = 0; i < a.parties.size(); ++i) {
      for (size_t j = 0; j < a.parties[i].reported_by.size(); ++j) {
        PartyRef(a.parties[i].reported_by[j], Ix(Key(Ix("parties", i), "reported_by"), j));
      }
    }
    if (root["signed_commands"]) {
      std::string v;
      if (r.String(root["signed_commands"], "signed_commands", &v)) {
        if (v == "none") {
          a.signed_commands = SignedCommands::kNone;
        } else if (v == "approvals") {
          a.signed_commands = SignedCommands::kApprovals;
        } else if (v == "all") {
          a.signed_commands = SignedCommands::kAll;
        } else {
          r.Error("signed_commands", "must be none, approvals or all");
        }
      }
    }
    if (root["separation"]) ReadSeparation(root["separation"]);
    if (root["monitoring"]) ReadMonitoring(root["monitoring"]);
    if (root["areas"]) Areas(root["areas"]);
    a.Reindex();
    if (root["rules"]) Rules(root["rules"]);
  }

  void PartyRef(const std::string& id, const std::string& path) {
    if (!a.FindParty(id)) r.Error(path, "unknown party '" + id + "'");
  }
  void CategoryRef(const std::string& id, const std::string& path) {
    if (!a.FindCategory(id)) r.Error(path, "unknown category '" + id + "'");
  }
  void AreaRef(const std::string& id, const std::string& path) {
    if (!a.FindArea(id)) r.Error(path, "unknown area '" + id + "'");
  }

  void Parties(const YAML::Node& n) {
    if (!r.Seq(n, "parties")) return;
    if (n.size() == 0) r.Error("parties", "must list at least one party");
    std::set<std::string> ids;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = Ix("parties", i);
      const YAML::Node& e = n[i];
      if (!r.Map(e, p, {"id", "name", "reported_by", "aircraft"}, {"id", "name"}) && !e.IsMap()) continue;
      Party party;
      if (e["id"] && r.Id(e["id"], Key(p, "id"), &party.id) && !ids.insert(party.id).second) {
        r.Error(Key(p, "id"), "duplicate party id '" + party.id + "'");
      }
      if (e["name"]) r.NonEmptyString(e["name"], Key(p, "name"), &party.name);
      if (e["reported_by"]) r.IdList(e["reported_by"], Key(p, "reported_by"), &party.reported_by);
      if (e["aircraft"]) {
        const std::string ap = Key(p, "aircraft");
        if (r.Seq(e["aircraft"], ap)) {
          for (size_t j = 0; j < e["aircraft"].size(); ++j) {
            std::string s;
            if (!r.String(e["aircraft"][j], Ix(ap, j), &s)) continue;
            s = Lower(s);
            if (!ValidAircraftPattern(s)) {
              r.Error(Ix(ap, j), "'" + s + "' is not an ICAO 24-bit address (6 hex digits) or a "
                                 "prefix of one ending in '*'");
              continue;
            }
            party.aircraft.push_back(s);
          }
        }
      }
      a.parties.push_back(std::move(party));
    }
  }

  void Categories(const YAML::Node& n) {
    if (!r.Seq(n, "categories")) return;
    if (n.size() == 0) r.Error("categories", "must list at least one category");
    std::set<std::string> ids;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = Ix("categories", i);
      const YAML::Node& e = n[i];
      if (!r.Map(e, p, {"id", "priority"}, {"id", "priority"}) && !e.IsMap()) continue;
      Category c;
      if (e["id"] && r.Id(e["id"], Key(p, "id"), &c.id) && !ids.insert(c.id).second) {
        r.Error(Key(p, "id"), "duplicate category id '" + c.id + "'");
      }
      if (e["priority"]) r.Integer(e["priority"], Key(p, "priority"), &c.priority);
      a.categories.push_back(std::move(c));
    }
  }

  void ReadSeparation(const YAML::Node& n) {
    const std::string p = "separation";
    if (!r.Map(n, p, {"horizontal_m", "vertical_m", "time_s", "same_party"}, {})) return;
    if (n["horizontal_m"]) {
      r.NonNegative(n["horizontal_m"], Key(p, "horizontal_m"), &a.separation.horizontal_m);
      if (a.separation.horizontal_m > 1000e3) {
        r.Error(Key(p, "horizontal_m"), "must be at most 1,000,000 m");
      }
    }
    if (n["vertical_m"]) r.NonNegative(n["vertical_m"], Key(p, "vertical_m"), &a.separation.vertical_m);
    if (n["time_s"]) {
      double s = 0;
      if (r.NonNegative(n["time_s"], Key(p, "time_s"), &s)) {
        if (s > 366.0 * 86400) r.Error(Key(p, "time_s"), "must be at most a year");
        else a.separation.time = Duration::Micros(static_cast<int64_t>(std::llround(s * 1e6)));
      }
    }
    if (n["same_party"]) r.Bool(n["same_party"], Key(p, "same_party"), &a.separation.same_party);
  }

  void ReadMonitoring(const YAML::Node& n) {
    const std::string p = "monitoring";
    if (!r.Map(n, p, {"lookahead_s", "conformance_tolerance_m", "conformance_tolerance_s",
                      "stale_after_s"}, {})) {
      return;
    }
    auto& m = a.monitoring;
    if (n["lookahead_s"]) r.NonNegative(n["lookahead_s"], Key(p, "lookahead_s"), &m.lookahead_s);
    if (n["conformance_tolerance_m"]) {
      r.NonNegative(n["conformance_tolerance_m"], Key(p, "conformance_tolerance_m"),
                    &m.conformance_tolerance_m);
    }
    if (n["conformance_tolerance_s"]) {
      r.NonNegative(n["conformance_tolerance_s"], Key(p, "conformance_tolerance_s"),
                    &m.conformance_tolerance_s);
    }
    if (n["stale_after_s"]) r.NonNegative(n["stale_after_s"], Key(p, "stale_after_s"), &m.stale_after_s);
  }

  bool Position(const YAML::Node& n, const std::string& path, geo::LatLngDeg* out) {
    if (!n.IsSequence() || n.size() < 2 || n.size() > 3) {
      r.Error(path, "a position must be [longitude, latitude] (an optional third number is "
                    "ignored)");
      return false;
    }
    bool ok = r.Number(n[0], Ix(path, 0), &out->lng);
    ok = r.Number(n[1], Ix(path, 1), &out->lat) && ok;
    if (n.size() == 3) {
      double ignored;
      ok = r.Number(n[2], Ix(path, 2), &ignored) && ok;
    }
    if (!ok) return false;
    return geo::CheckLatLng(out->lat, out->lng, Ix(path, 1), Ix(path, 0), &r.errors);
  }

  std::optional<std::vector<S2Point>> Ring(const YAML::Node& n, const std::string& path) {
    if (!r.Seq(n, path)) return std::nullopt;
    if (n.size() > geo::kMaxVertices + 1) {
      r.Error(path, absl::StrCat("too many positions: ", n.size(), " (at most ",
                                 geo::kMaxVertices + 1, ")"));
      return std::nullopt;
    }
    std::vector<geo::LatLngDeg> pts(n.size());
    bool ok = true;
    for (size_t i = 0; i < n.size(); ++i) ok = Position(n[i], Ix(path, i), &pts[i]) && ok;
    if (!ok) return std::nullopt;
    return geo::CheckRing(pts, geo::RingForm::kClosed, path,
                          [&](size_t i) { return Ix(path, i); }, &r.errors);
  }

  bool PolygonRingsOf(const YAML::Node& n, const std::string& path, geo::PolygonRings* out) {
    if (!r.Seq(n, path)) return false;
    if (n.size() == 0) {
      r.Error(path, "a polygon needs its outer ring");
      return false;
    }
    out->path = path;
    bool ok = true;
    for (size_t i = 0; i < n.size(); ++i) {
      auto ring = Ring(n[i], Ix(path, i));
      if (!ring) {
        ok = false;
        continue;
      }
      if (i == 0) {
        out->shell = std::move(*ring);
      } else {
        out->holes.push_back(std::move(*ring));
        out->hole_paths.push_back(Ix(path, i));
      }
    }
    return ok;
  }

  void Geometry(const YAML::Node& e, const std::string& p, Area* area) {
    const std::string gp = Key(p, "geometry");
    const YAML::Node& g = e["geometry"];
    if (!r.Map(g, gp, {"type", "coordinates"}, {"type", "coordinates"})) return;
    std::string type;
    if (!r.String(g["type"], Key(gp, "type"), &type)) return;
    area->geometry_type = type;
    const std::string cp = Key(gp, "coordinates");
    const YAML::Node& c = g["coordinates"];
    const bool has_radius = static_cast<bool>(e["radius_m"]);
    if (type == "Point") {
      if (!has_radius) r.Error(Key(p, "radius_m"), "missing: a Point area needs radius_m");
      geo::LatLngDeg ll;
      if (!Position(c, cp, &ll)) return;
      double radius = 0;
      if (has_radius && r.Number(e["radius_m"], Key(p, "radius_m"), &radius)) {
        if (radius <= 0) {
          r.Error(Key(p, "radius_m"), "must be greater than 0");
        } else if (radius > geo::kMaxRadiusM) {
          r.Error(Key(p, "radius_m"),
                  absl::StrCat("must be at most ", static_cast<int64_t>(geo::kMaxRadiusM), " m"));
        } else {
          area->radius_m = radius;
          area->region = geo::AreaRegion::Disc(S2LatLng::FromDegrees(ll.lat, ll.lng).ToPoint(), radius);
        }
      }
      return;
    }
    if (has_radius) r.Error(Key(p, "radius_m"), "only a Point area has radius_m");
    std::vector<geo::PolygonRings> parts;
    if (type == "Polygon") {
      parts.emplace_back();
      if (!PolygonRingsOf(c, cp, &parts.back())) return;
    } else if (type == "MultiPolygon") {
      if (!r.Seq(c, cp)) return;
      if (c.size() == 0) {
        r.Error(cp, "a MultiPolygon needs at least one polygon");
        return;
      }
      bool ok = true;
      for (size_t i = 0; i < c.size(); ++i) {
        parts.emplace_back();
        ok = PolygonRingsOf(c[i], Ix(cp, i), &parts.back()) && ok;
      }
      if (!ok) return;
    } else {
      r.Error(Key(gp, "type"), "'" + type + "' is not supported: use Polygon, MultiPolygon or Point");
      return;
    }
    std::unique_ptr<S2Polygon> poly = geo::BuildAreaPolygon(std::move(parts), &r.errors);
    if (!poly) return;
    if (poly->GetCapBound().GetRadius().degrees() > 80) {
      r.Error(gp, "area spans too much of the Earth (more than a cap of 80 degrees radius)");
      return;
    }
    area->region = geo::AreaRegion::Polygon(std::shared_ptr<const S2Polygon>(std::move(poly)));
  }

  void Areas(const YAML::Node& n) {
    if (!r.Seq(n, "areas")) return;
    std::set<std::string> ids;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = Ix("areas", i);
      const YAML::Node& e = n[i];
      if (!r.Map(e, p, {"id", "name", "kind", "geometry", "radius_m", "altitude", "valid"},
                 {"id", "kind", "geometry"}) &&
          !e.IsMap()) {
        continue;
      }
      Area area;
      if (e["id"] && r.Id(e["id"], Key(p, "id"), &area.id) && !ids.insert(area.id).second) {
        r.Error(Key(p, "id"), "duplicate area id '" + area.id + "'");
      }
      if (e["name"]) r.String(e["name"], Key(p, "name"), &area.name);
      if (e["kind"]) {
        std::string k;
        if (r.String(e["kind"], Key(p, "kind"), &k)) {
          auto kind = ParseAreaKind(k);
          if (!kind) {
            r.Error(Key(p, "kind"), "'" + k + "' is not a kind: use designated, protected_site, "
                                    "restricted or corridor");
          } else {
            area.kind = *kind;
          }
        }
      }
      if (e["geometry"]) Geometry(e, p, &area);
      if (e["altitude"]) {
        const std::string ap = Key(p, "altitude");
        const YAML::Node& alt = e["altitude"];
        if (r.Map(alt, ap, {"lower", "upper", "reference"}, {})) {
          bool ok = true;
          if (alt["lower"]) ok = AltitudeValue(alt["lower"], Key(ap, "lower"), &area.alt_lower_m) && ok;
          if (alt["upper"]) ok = AltitudeValue(alt["upper"], Key(ap, "upper"), &area.alt_upper_m) && ok;
          if (alt["reference"]) {
            std::string ref;
            if (r.String(alt["reference"], Key(ap, "reference"), &ref) && ref != "W84") {
              r.Error(Key(ap, "reference"), "'" + ref + "' is not supported: altitudes are W84 "
                                            "(metres above the WGS84 ellipsoid)");
            }
          }
          if (ok && area.alt_lower_m > area.alt_upper_m) {
            r.Error(ap, "lower is above upper");
          }
        }
      }
      if (e["valid"]) {
        const std::string vp = Key(p, "valid");
        const YAML::Node& v = e["valid"];
        if (r.Map(v, vp, {"from", "to"}, {})) {
          bool ok = true;
          if (v["from"]) ok = r.TimeValue(v["from"], Key(vp, "from"), &area.valid_from) && ok;
          if (v["to"]) ok = r.TimeValue(v["to"], Key(vp, "to"), &area.valid_to) && ok;
          if (ok && area.valid_from >= area.valid_to) r.Error(vp, "from must be before to");
        }
      }
      a.areas.push_back(std::move(area));
    }
  }

  bool AltitudeValue(const YAML::Node& n, const std::string& path, double* out) {
    if (!r.Number(n, path, out)) return false;
    if (*out < kMinAltitudeM || *out > kMaxAltitudeM) {
      r.Error(path, "must be within -8000..100000 m");
      return false;
    }
    return true;
  }

  void Rules(const YAML::Node& n) {
    if (!r.Seq(n, "rules")) return;
    std::set<std::string> ids;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = Ix("rules", i);
      const YAML::Node& e = n[i];
      if (!r.Map(e, p, {"id", "text", "when", "effect"}, {"id", "when", "effect"}) && !e.IsMap()) {
        continue;
      }
      Rule rule;
      if (e["id"] && r.Id(e["id"], Key(p, "id"), &rule.id)) {
        if (!ids.insert(rule.id).second) r.Error(Key(p, "id"), "duplicate rule id '" + rule.id + "'");
        if (rule.id == "reporting" || rule.id == "separation") {
          r.Error(Key(p, "id"), "'" + rule.id + "' is the name of a built-in check");
        }
      }
      if (e["text"]) r.String(e["text"], Key(p, "text"), &rule.text);
      if (e["when"]) When(e["when"], Key(p, "when"), &rule.when);
      if (e["effect"]) ReadEffect(e["effect"], Key(p, "effect"), &rule);
      a.rules.push_back(std::move(rule));
    }
  }

  void When(const YAML::Node& n, const std::string& p, RuleWhen* w) {
    if (n.IsNull()) return;  // `when:` with nothing: matches every operation
    if (!r.Map(n, p, {"operator", "category", "category_not", "area", "area_kind", "notice_lt_s"},
               {})) {
      return;
    }
    if (n["operator"]) {
      w->operators.emplace();
      if (r.IdList(n["operator"], Key(p, "operator"), &*w->operators)) {
        for (size_t i = 0; i < w->operators->size(); ++i) {
          PartyRef((*w->operators)[i], Ix(Key(p, "operator"), i));
        }
      }
    }
    for (auto [key, list] : {std::pair{"category", &w->categories},
                             std::pair{"category_not", &w->category_not}}) {
      if (!n[key]) continue;
      list->emplace();
      if (r.IdList(n[key], Key(p, key), &**list)) {
        for (size_t i = 0; i < (*list)->size(); ++i) CategoryRef((**list)[i], Ix(Key(p, key), i));
      }
    }
    if (n["area"]) {
      w->areas.emplace();
      if (r.IdList(n["area"], Key(p, "area"), &*w->areas)) {
        for (size_t i = 0; i < w->areas->size(); ++i) AreaRef((*w->areas)[i], Ix(Key(p, "area"), i));
      }
    }
    if (n["area_kind"]) {
      w->area_kinds.emplace();
      std::vector<std::string> names;
      if (r.IdList(n["area_kind"], Key(p, "area_kind"), &names)) {
        for (size_t i = 0; i < names.size(); ++i) {
          auto k = ParseAreaKind(names[i]);
          if (!k) {
            r.Error(Ix(Key(p, "area_kind"), i),
                    "'" + names[i] + "' is not a kind: use designated, protected_site, restricted "
                                     "or corridor");
          } else {
            w->area_kinds->push_back(*k);
          }
        }
      }
    }
    if (n["notice_lt_s"]) {
      double s;
      if (r.NonNegative(n["notice_lt_s"], Key(p, "notice_lt_s"), &s)) {
        if (s > 366.0 * 86400) {
          r.Error(Key(p, "notice_lt_s"), "must be at most a year");
        } else {
          w->notice_lt = Duration::Micros(static_cast<int64_t>(std::llround(s * 1e6)));
        }
      }
    }
  }

  void ReadEffect(const YAML::Node& n, const std::string& p, Rule* rule) {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "reject") {
        rule->effect = Effect::kReject;
      } else if (s == "warn") {
        rule->effect = Effect::kWarn;
      } else if (s == "require_approval") {
        r.Error(p, "require_approval needs its parties: {require_approval: [PARTY, ...]}");
      } else {
        r.Error(p, "'" + s + "' is not an effect: use reject, warn or {require_approval: [...]}");
      }
      return;
    }
    if (!r.Map(n, p, {"require_approval"}, {"require_approval"})) return;
    rule->effect = Effect::kRequireApproval;
    const std::string ap = Key(p, "require_approval");
    if (r.IdList(n["require_approval"], ap, &rule->approvers)) {
      for (size_t i = 0; i < rule->approvers.size(); ++i) PartyRef(rule->approvers[i], Ix(ap, i));
    }
  }
};

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

Result<std::shared_ptr<const Agreement>> ParseAgreement(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::Invalid("", absl::StrCat("not valid YAML: ", e.msg, " (line ", e.mark.line + 1,
                                            ", column ", e.mark.column + 1, ")"));
  }
  Loader loader;
  try {
    loader.Top(root);
  } catch (const YAML::Exception& e) {
    return Status::Invalid("", absl::StrCat("unreadable agreement: ", e.msg));
  }
  if (!loader.r.errors.empty()) return Status::Invalid(std::move(loader.r.errors));
  loader.a.Reindex();
  return std::shared_ptr<const Agreement>(std::make_shared<Agreement>(std::move(loader.a)));
}

namespace {

// YAML plain scalars are untyped; JSON needs a type. A plain scalar that reads
// as a YAML 1.2 core-schema integer, float, boolean or null becomes one;
// every quoted scalar and every other plain scalar is a string.
nlohmann::json ScalarToJson(const YAML::Node& n) {
  const std::string& v = n.Scalar();
  if (n.Tag() != "?") return v;  // quoted, or explicitly tagged
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
  size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
  bool digits = i < v.size(), dot = false, exp = false;
  for (size_t k = i; k < v.size() && digits; ++k) {
    char c = v[k];
    if (c >= '0' && c <= '9') continue;
    if (c == '.' && !dot && !exp) { dot = true; continue; }
    if ((c == 'e' || c == 'E') && !exp && k > i) {
      exp = true;
      if (k + 1 < v.size() && (v[k + 1] == '-' || v[k + 1] == '+')) ++k;
      continue;
    }
    digits = false;
  }
  if (digits) {
    if (!dot && !exp && v.size() - i <= 18) return std::stoll(v);
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str() + v.size() && std::isfinite(d)) return d;
  }
  return v;
}

nlohmann::json YamlToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& item : n) a.push_back(YamlToJson(item));
      return a;
    }
    case YAML::NodeType::Scalar:
      return ScalarToJson(n);
    default:
      return nullptr;
  }
}

}  // namespace

Result<std::string> AgreementToCanonicalJson(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
    return YamlToJson(root).dump();
  } catch (const YAML::Exception& e) {
    return Status::Invalid("", absl::StrCat("not valid YAML: ", e.msg, " (line ", e.mark.line + 1,
                                            ", column ", e.mark.column + 1, ")"));
  }
}

Result<std::shared_ptr<const Agreement>> LoadAgreementFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::IoError("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::IoError("cannot read " + path);
  return ParseAgreement(ss.str());
}

}  // namespace jic::agreement
