// Differential test: Monitor (grids, caches, the area index, compact alert
// state) against ReferenceMonitor (the straightforward evaluation it
// replaced) on random workloads, boundary cases included. They must emit the
// same transitions for every report — same keys, parties, tracks, operation,
// area, predicted flag, time and detail — and show the same track picture.
// (Within one report, transitions are compared as a set: Monitor orders
// simultaneous separation alerts by the other aircraft's address, the
// reference by where its grid happened to keep them.)

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/monitor/monitor.h"
#include "jic/monitor/reference_monitor.h"
#include "s2/s2latlng.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"

namespace jic::monitor {
namespace {

using engine::Actor;
using engine::Center;
using engine::Command;
using engine::Role;
using nlohmann::json;

constexpr double kPi = 3.14159265358979323846;
constexpr double kMetresPerDegree = 6371010.0 * kPi / 180;  // close enough for placing tracks

// Longitudes as the feeds give them, in [-180, 180].
double Wrap(double lng) { return std::remainder(lng, 360.0); }
const Time kT0 = *ParseRfc3339("2016-07-20T10:00:00Z");

void Run(Center& center, std::string_view type, Actor a, std::string body,
         std::string target = "") {
  Command c;
  c.type = std::string(type);
  c.actor = std::move(a);
  c.body = std::move(body);
  c.target = std::move(target);
  auto p = center.Prepare(c, kT0 - Duration::Seconds(7200), center.last_seq() + 1);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(p->entry) << type;
  ASSERT_TRUE(center.Apply(center.last_seq() + 1, *p->entry).ok());
}

json CircleVolume(double lat, double lng, double radius_m, double alt_lo, double alt_hi, Time t0,
                  Time t1) {
  return json{{"volume",
               {{"outline_circle",
                 {{"center", {{"lat", lat}, {"lng", lng}}},
                  {"radius", {{"value", radius_m}, {"units", "M"}}}}},
                {"altitude_lower", {{"value", alt_lo}, {"reference", "W84"}, {"units", "M"}}},
                {"altitude_upper", {{"value", alt_hi}, {"reference", "W84"}, {"units", "M"}}}}},
              {"time_start", {{"value", FormatRfc3339(t0)}, {"format", "RFC3339"}}},
              {"time_end", {{"value", FormatRfc3339(t1)}, {"format", "RFC3339"}}}};
}

std::string Describe(const AlertTransition& t) {
  json j{{"kind", static_cast<int>(t.kind)},
         {"key", t.key},
         {"type", t.type},
         {"parties", t.parties},
         {"tracks", t.tracks},
         {"operation", t.operation},
         {"area", t.area},
         {"predicted", t.predicted},
         {"time", FormatRfc3339(t.time)},
         {"detail", t.detail_json}};
  return j.dump();
}

// Feeds `reports` to both, in batches of random size (one report at a time
// for the comparison of what each report gives); notifies and cancels
// operations at the given report numbers.
struct Differ {
  Monitor fast;
  ReferenceMonitor ref;
  size_t transitions = 0, raised = 0;
  Differ(const Monitor::Options& o) : fast(o), ref(o) {}

  void Feed(const Center& center, const TrackReport& r, size_t i) {
    std::vector<AlertTransition> a, b;
    fast.Process(center, std::span<const TrackReport>(&r, 1), &a);
    ref.Process(center, std::span<const TrackReport>(&r, 1), &b);
    std::vector<std::string> da, db;
    for (const auto& t : a) da.push_back(Describe(t));
    for (const auto& t : b) db.push_back(Describe(t));
    std::sort(da.begin(), da.end());
    std::sort(db.begin(), db.end());
    ASSERT_EQ(da, db) << "report " << i << " " << r.icao24 << " " << r.lat_deg << "," << r.lng_deg;
    transitions += a.size();
    for (const auto& t : a) raised += t.kind == AlertTransition::Kind::kRaise;
  }
  void Check() {
    EXPECT_EQ(fast.TracksJson(), ref.TracksJson());
    const auto x = fast.stats(), y = ref.stats();
    EXPECT_EQ(x.reports, y.reports);
    EXPECT_EQ(x.implausible, y.implausible);
    EXPECT_EQ(x.out_of_order, y.out_of_order);
    EXPECT_EQ(x.dropped_tracks, y.dropped_tracks);
    EXPECT_EQ(x.restarted, y.restarted);
    EXPECT_EQ(x.raised, y.raised);
    EXPECT_EQ(x.updated, y.updated);
    EXPECT_EQ(x.resolved, y.resolved);
    EXPECT_EQ(fast.track_count(), ref.track_count());
  }
};

// The point `dist_m` from (lat, lng) at bearing `deg` (spherical).
void Move(double lat, double lng, double deg, double dist_m, double* olat, double* olng) {
  const double R = 6371010.0, d = dist_m / R, b = deg * kPi / 180, p1 = lat * kPi / 180,
               l1 = lng * kPi / 180;
  const double p2 =
      std::asin(std::sin(p1) * std::cos(d) + std::cos(p1) * std::sin(d) * std::cos(b));
  const double l2 = l1 + std::atan2(std::sin(b) * std::sin(d) * std::cos(p1),
                                    std::cos(d) - std::sin(p1) * std::sin(p2));
  *olat = p2 * 180 / kPi;
  *olng = l2 * 180 / kPi;
}

// A random workload on an agreement: aircraft of every party (and unknown
// ones), operations for some (by address or callsign, some windows closing
// or opening during the run, some cancelled), tracks at realistic and fast
// speeds, climbing and descending, with bad decodes, reports out of order,
// missing fields, silences long enough to be dropped, and reports placed on
// the areas' vertices and edges and at discs' radii (plus and minus the
// millimetre tolerance).
void RandomWorkload(uint64_t seed, const std::string& agreement_json,
                    const std::vector<std::string>& prefixes,
                    const std::vector<std::string>& party_of_prefix,
                    const std::vector<std::string>& categories, double lat0, double lat1,
                    double lng0, double lng1, int tracks, int rounds) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Center center;
  Run(center, engine::kAgreementInit, {"t", "", Role::kSystem},
      json{{"agreement", json::parse(agreement_json)}}.dump());
  const agreement::Agreement& ag = center.rules()->agreement();

  struct Plane {
    std::string icao, callsign;
    size_t prefix;
    double lat, lng, gs, trk, alt, vrate;
    bool has_gs, has_alt;
    double silent_until = -1;
    bool steady = false;  // keeps its heading and speed
  };
  std::vector<Plane> planes;
  auto hex = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "0123456789abcdef"[rng() % 16];
    return s;
  };
  for (int i = 0; i < tracks; ++i) {
    Plane p;
    p.prefix = rng() % (prefixes.size() + 1);  // the last: an unknown aircraft
    p.icao = p.prefix < prefixes.size()
                 ? prefixes[p.prefix] + hex(static_cast<int>(6 - prefixes[p.prefix].size()))
                 : "c" + hex(5);
    if (u(rng) < 0.3) p.callsign = "CS" + std::to_string(i);
    // Tracks start in clusters, so that pairs come close.
    const int cluster = static_cast<int>(rng() % 6);
    const double clat = lat0 + (lat1 - lat0) * (cluster + 0.5) / 6,
                 clng = lng0 + (lng1 - lng0) * ((cluster * 7 % 6) + 0.5) / 6;
    p.lat = clat + (u(rng) - 0.5) * 0.6;
    p.lng = clng + (u(rng) - 0.5) * 0.6;
    const double speed_class = u(rng);
    p.gs = speed_class < 0.1   ? 0.5 * u(rng)
           : speed_class < 0.9 ? 40 + 260 * u(rng)
                               : 300 + 340 * u(rng);
    p.trk = 360 * u(rng);
    p.alt = 200 + 12000 * u(rng);
    p.vrate = u(rng) < 0.5 ? 0 : (u(rng) - 0.5) * 30;
    p.has_gs = u(rng) < 0.9;
    p.has_alt = u(rng) < 0.9;
    planes.push_back(p);
  }
  // Fast pairs of two parties converging head-on from ~200 km, north-south
  // and east-west: predicted as soon as their closest approach comes within
  // lookahead_s, from far away (the separation search must reach them).
  for (int k = 0; k < 4; ++k) {
    const double clat = lat0 + (lat1 - lat0) * (0.2 + 0.2 * k),
                 clng = lng0 + (lng1 - lng0) * (0.8 - 0.2 * k);
    const double gs = 550 + 30 * k;
    const bool ns = k % 2 == 0;
    for (int side = 0; side < 2; ++side) {
      Plane p;
      p.prefix = static_cast<size_t>(side);
      p.icao = prefixes[p.prefix] + hex(static_cast<int>(6 - prefixes[p.prefix].size()));
      const double off = side == 0 ? -1 : 1;
      p.lat = ns ? clat + off * 0.9 : clat + 0.001 * k;
      p.lng = ns ? clng + 0.001 * k : clng + off * 0.9 / std::cos(clat * kPi / 180);
      p.gs = gs;
      p.trk = ns ? (side == 0 ? 0 : 180) : (side == 0 ? 90 : 270);
      p.alt = 8000;
      p.vrate = 0;
      p.has_gs = p.has_alt = true;
      p.steady = true;
      planes.push_back(p);
    }
  }
  // Operations: for about two thirds of the aircraft, a circle around where
  // it starts (some small, so that it strays), in a window that may close or
  // open during the run; some listed by callsign.
  auto notify = [&](const Plane& p, int n) {
    if (p.prefix >= prefixes.size()) return;
    const std::string& party = party_of_prefix[p.prefix];
    const agreement::Party* pp = ag.FindParty(party);
    const std::string by =
        pp && !pp->reported_by.empty() && u(rng) < 0.7 ? pp->reported_by.front() : party;
    const double r = u(rng) < 0.5 ? 3000 + 10000 * u(rng) : 30000 + 40000 * u(rng);
    const double w = u(rng);
    const Time t0 =
        w < 0.2 ? kT0 + Duration::Seconds(rounds * 5 / 2) : kT0 - Duration::Seconds(3600);
    const Time t1 =
        w > 0.8 ? kT0 + Duration::Seconds(rounds * 5 / 3) : kT0 + Duration::Seconds(7200);
    json aircraft = p.callsign.empty() || u(rng) < 0.5 ? json{{"icao24", p.icao}}
                                                       : json{{"callsign", p.callsign}};
    json op{{"id", "op-" + std::to_string(n)},
            {"operator", party},
            {"category", categories[rng() % categories.size()]},
            {"aircraft", json::array({aircraft})},
            {"volumes", json::array({CircleVolume(p.lat, Wrap(p.lng), r, u(rng) < 0.8 ? 0 : 3000,
                                                  u(rng) < 0.8 ? 15000 : 6000, t0, t1)})}};
    Command c;
    c.type = std::string(engine::kOperationNotify);
    c.actor = {"u", by, Role::kPlanner};
    c.body = op.dump();
    auto prepared = center.Prepare(c, kT0 - Duration::Seconds(7200), center.last_seq() + 1);
    if (prepared.ok() && prepared->entry) {
      ASSERT_TRUE(center.Apply(center.last_seq() + 1, *prepared->entry).ok());
    }
  };
  int ops = 0;
  for (const Plane& p : planes) {
    if (u(rng) < 0.65) notify(p, ops++);
  }

  // Boundary points: the areas' vertices, their edges' midpoints, and the
  // discs' radius, plus and minus the 1 mm tolerance.
  std::vector<std::pair<double, double>> edges;
  for (const agreement::Area& a : ag.areas) {
    const S2Cap& cap = a.region.bound();
    const S2LatLng c(cap.center());
    if (a.region.is_disc()) {
      for (double extra : {0.0, 0.001, 0.0011, 0.0009, -0.001, 0.5}) {
        double la, ln;
        Move(c.lat().degrees(), c.lng().degrees(), 360 * u(rng), a.radius_m + extra, &la, &ln);
        edges.push_back({la, ln});
      }
    } else {
      const S2Polygon* poly = a.region.polygon();
      for (int k = 0; k < poly->num_loops(); ++k) {
        const S2Loop* loop = poly->loop(k);
        for (int i = 0; i < loop->num_vertices(); ++i) {
          const S2LatLng v(loop->vertex(i)), w(loop->vertex(i + 1));
          edges.push_back({v.lat().degrees(), v.lng().degrees()});
          edges.push_back({(v.lat().degrees() + w.lat().degrees()) / 2,
                           (v.lng().degrees() + w.lng().degrees()) / 2});
        }
      }
    }
  }

  Monitor::Options o;
  o.confirm_reports = 2 + rng() % 3;
  o.trail_length = 1 + rng() % 6;
  o.update_every_s = 20;
  Differ d(o);
  size_t i = 0;
  for (int round = 0; round < rounds; ++round) {
    const double t = round * 5.0;
    if (round == rounds / 3) {  // the center changes under the monitor
      for (int k = 0; k < 3; ++k) notify(planes[rng() % planes.size()], ops++);
    }
    if (round == rounds / 2 && ops > 0) {
      // Cancel a few (by their notifier); refusals are fine.
      for (int k = 0; k < 3; ++k) {
        const std::string id = "op-" + std::to_string(rng() % ops);
        const engine::Operation* op = center.operations().Find(id);
        if (op == nullptr) continue;
        Command c;
        c.type = std::string(engine::kOperationCancel);
        c.actor = {"u", op->operator_party, Role::kPlanner};
        c.target = id;
        auto prepared = center.Prepare(c, kT0 + Duration::Seconds(static_cast<int64_t>(t)),
                                       center.last_seq() + 1);
        if (prepared.ok() && prepared->entry) {
          ASSERT_TRUE(center.Apply(center.last_seq() + 1, *prepared->entry).ok());
        }
      }
    }
    for (size_t j = 0; j < planes.size(); ++j) {
      Plane& p = planes[j];
      const double tj = t + 4.0 * static_cast<double>(j) / static_cast<double>(planes.size());
      if (tj < p.silent_until) continue;
      if (!p.steady && u(rng) < 0.004) p.silent_until = tj + 40;  // dropped, then back
      const double step = p.gs * 5;
      p.lat += step * std::cos(p.trk * kPi / 180) / kMetresPerDegree;
      p.lng +=
          step * std::sin(p.trk * kPi / 180) / (kMetresPerDegree * std::cos(p.lat * kPi / 180));
      if (!p.steady && u(rng) < 0.1) p.trk = std::fmod(p.trk + (u(rng) - 0.5) * 90 + 360, 360);
      p.alt += p.vrate * 5;
      TrackReport r;
      r.icao24 = p.icao;
      if (!p.callsign.empty() && u(rng) < 0.5) r.callsign = p.callsign;
      r.lat_deg = p.lat;
      r.lng_deg = Wrap(p.lng);
      const double what = u(rng);
      if (p.steady) {
        // on its straight line
      } else if (what < 0.02 && !edges.empty()) {  // exactly on a boundary
        const auto& e = edges[rng() % edges.size()];
        r.lat_deg = e.first;
        r.lng_deg = e.second;
        p.lat = e.first;
        p.lng = e.second;
      } else if (what < 0.03) {  // a bad decode, far away
        r.lat_deg = p.lat + 3 + u(rng);
      }
      if (p.has_alt || u(rng) < 0.2) r.alt_m = p.alt;
      r.time = kT0 + Duration::Micros(static_cast<int64_t>(tj * 1e6));
      if (!p.steady && u(rng) < 0.01) r.time = r.time - Duration::Seconds(20);  // out of order
      if (p.has_gs) {
        r.gs_mps = p.gs;
        r.track_deg = p.trk;
      }
      if (p.vrate != 0 && u(rng) < 0.8) r.vrate_mps = p.vrate;
      d.Feed(center, r, i++);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  d.Check();
  // The workload must have exercised the alerts, or the test proves little.
  EXPECT_GT(d.raised, 5u);
  std::printf("seed %llu: %zu reports, %zu transitions, %zu raised\n",
              static_cast<unsigned long long>(seed), i, d.transitions, d.raised);
}

std::string Jic2016() {
  std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
  std::stringstream ss;
  ss << f.rdbuf();
  return *agreement::AgreementToCanonicalJson(ss.str());
}

TEST(MonitorDifferentialTest, Jic2016AgreementRandomTracks) {
  for (uint64_t seed : {1, 2, 3}) {
    RandomWorkload(
        seed, Jic2016(), {"ae4a", "1501", "7782", "ae1234", "7781a2"},
        {"US", "RU", "SY", "US", "SY"},
        {"medevac", "transport", "isr", "combat", "humanitarian", "defensive_air_support"}, 33.2,
        36.6, 35.8, 39.0, 60, 50);
    if (HasFatalFailure()) return;
  }
}

// Many areas (polygons with holes and altitude bands, discs, windows of
// validity), four parties, rules by kind, by area and by category.
std::string ManyAreas(uint64_t seed, int n, double lat_base = 33, double lng_base = 36) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  json doc =
      json::parse(R"({"jic": 1, "id": "diff", "title": "differential", "signatories": ["A", "B"],
    "parties": [{"id": "A", "name": "A", "aircraft": ["a*"]}, {"id": "B", "name": "B", "aircraft": ["b*", "bb0001"]},
                {"id": "C", "name": "C", "reported_by": ["A"], "aircraft": ["d*"]}, {"id": "E", "name": "E", "aircraft": ["e1*"]}],
    "categories": [{"id": "isr", "priority": 10}, {"id": "medevac", "priority": 100}, {"id": "transport", "priority": 5}],
    "separation": {"horizontal_m": 5000, "vertical_m": 300, "time_s": 300},
    "monitoring": {"lookahead_s": 120, "conformance_tolerance_m": 500, "conformance_tolerance_s": 60, "stale_after_s": 30}})");
  doc["areas"] = json::array();
  const char* kinds[] = {"restricted", "protected_site", "designated", "corridor"};
  for (int i = 0; i < n; ++i) {
    const double lat = lat_base + 3 * u(rng), lng = lng_base + 3 * u(rng);
    json a{{"id", "Z" + std::to_string(i)}, {"name", "area"}, {"kind", kinds[i % 4]}};
    if (i % 4 == 1) {
      a["geometry"] = {{"type", "Point"}, {"coordinates", {Wrap(lng), lat}}};
      a["radius_m"] = 500 + 8000 * u(rng);
    } else {
      // A star-shaped polygon, 5-40 km across, 8-60 vertices; some with a hole.
      const int nv = 8 + static_cast<int>(rng() % 53);
      const double rad = (2.5 + 17.5 * u(rng)) / 111.0;
      json ring = json::array();
      for (int k = 0; k < nv; ++k) {
        const double ang = 2 * kPi * (k + 0.35 * (u(rng) - 0.5)) / nv;
        const double rr = rad * (0.6 + 0.4 * u(rng));
        ring.push_back(
            {Wrap(lng + rr * std::cos(ang) / std::cos(lat * kPi / 180)), lat + rr * std::sin(ang)});
      }
      ring.push_back(ring[0]);
      json rings = json::array({ring});
      if (u(rng) < 0.2) {
        const double h = rad * 0.3;
        const double c = std::cos(lat * kPi / 180);
        rings.push_back(json::array({{Wrap(lng - h / c), lat - h},
                                     {Wrap(lng - h / c), lat + h},
                                     {Wrap(lng + h / c), lat + h},
                                     {Wrap(lng + h / c), lat - h},
                                     {Wrap(lng - h / c), lat - h}}));
      }
      a["geometry"] = {{"type", "Polygon"}, {"coordinates", rings}};
    }
    if (u(rng) < 0.4)
      a["altitude"] = {{"lower", u(rng) < 0.5 ? 0 : 2000}, {"upper", 4000 + 8000 * u(rng)}};
    if (u(rng) < 0.2) {
      a["valid"] = {
          {"from", FormatRfc3339(kT0 + Duration::Seconds(static_cast<int64_t>(300 * u(rng))))}};
    } else if (u(rng) < 0.2) {
      a["valid"] = {
          {"from", FormatRfc3339(kT0 - Duration::Seconds(3600))},
          {"to", FormatRfc3339(kT0 + Duration::Seconds(static_cast<int64_t>(300 * u(rng))))}};
    }
    doc["areas"].push_back(a);
  }
  doc["rules"] = json::array({
      json{{"id", "R1"},
           {"text", "B out of restricted"},
           {"when", {{"operator", {"B"}}, {"area_kind", {"restricted"}}}},
           {"effect", "reject"}},
      json{{"id", "R2"},
           {"text", "C out of designated except medevac"},
           {"when",
            {{"operator", {"C"}},
             {"area_kind", {"designated", "protected_site"}},
             {"category_not", {"medevac"}}}},
           {"effect", "reject"}},
      json{{"id", "R3"},
           {"text", "isr out of two areas"},
           {"when", {{"category", {"isr"}}, {"area", {"Z2", "Z6", "Z11"}}}},
           {"effect", "reject"}},
      json{{"id", "R4"},
           {"text", "notice"},
           {"when", {{"area_kind", {"corridor"}}, {"notice_lt_s", 3600}}},
           {"effect", "reject"}},
      json{{"id", "R5"},
           {"text", "warn only"},
           {"when", {{"area_kind", {"corridor"}}}},
           {"effect", "warn"}},
  });
  return doc.dump();
}

// The separation grid and the area prefilters where longitudes wrap and
// where a degree of longitude is a few kilometres.
TEST(MonitorDifferentialTest, AcrossTheAntimeridianAndNearThePole) {
  RandomWorkload(21, ManyAreas(21, 60, 60, 178.5), {"a", "b", "d", "e1", "bb0001"},
                 {"A", "B", "C", "E", "B"}, {"isr", "medevac", "transport"}, 60, 63, 178.5, 181.5,
                 80, 40);
  if (HasFatalFailure()) return;
  RandomWorkload(22, ManyAreas(22, 60, 84, -1.5), {"a", "b", "d", "e1", "bb0001"},
                 {"A", "B", "C", "E", "B"}, {"isr", "medevac", "transport"}, 84, 87, -1.5, 1.5, 80,
                 40);
}

TEST(MonitorDifferentialTest, ManyAreasRandomTracks) {
  for (uint64_t seed : {11, 12, 13}) {
    RandomWorkload(seed, ManyAreas(seed, 120), {"a", "b", "d", "e1", "bb0001"},
                   {"A", "B", "C", "E", "B"}, {"isr", "medevac", "transport"}, 33, 36, 36, 39, 80,
                   40);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace jic::monitor
