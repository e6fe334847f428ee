// Monitor: scripted tracks that incur each alert of AGREEMENT.md and its
// resolution, on the jic-2016 agreement.

#include "jic/monitor/monitor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"

namespace jic::monitor {
namespace {

using engine::Actor;
using engine::Center;
using engine::Command;
using engine::Role;
using nlohmann::json;

const Time kT0 = *ParseRfc3339("2016-07-20T10:00:00Z");

// A center with the jic-2016 agreement; operations notified as needed.
class World {
 public:
  World() {
    std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
    std::stringstream ss;
    ss << f.rdbuf();
    Run(engine::kAgreementInit, {"t", "", Role::kSystem},
        json{{"agreement", json::parse(*agreement::AgreementToCanonicalJson(ss.str()))}}.dump());
  }
  void Run(std::string_view type, Actor a, std::string body) {
    Command c;
    c.type = std::string(type);
    c.actor = std::move(a);
    c.body = std::move(body);
    auto p = center.Prepare(c, kT0 - Duration::Seconds(7200), center.last_seq() + 1);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE(center.Apply(center.last_seq() + 1, *p->entry).ok());
  }
  // A circle operation for `icao` around (lat, lng), 10:00-11:00, 0-3000 m.
  void Notify(const std::string& id, const std::string& party, const std::string& by,
              const std::string& category, const std::string& icao, double lat, double lng,
              double radius_m) {
    json op{{"id", id},
            {"operator", party},
            {"category", category},
            {"aircraft", json::array({json{{"icao24", icao}}})},
            {"volumes",
             json::array({json{{"volume",
                                {{"outline_circle",
                                  {{"center", {{"lat", lat}, {"lng", lng}}},
                                   {"radius", {{"value", radius_m}, {"units", "M"}}}}},
                                 {"altitude_lower", {{"value", 0}, {"reference", "W84"}, {"units", "M"}}},
                                 {"altitude_upper", {{"value", 3000}, {"reference", "W84"}, {"units", "M"}}}}},
                               {"time_start", {{"value", "2016-07-20T10:00:00Z"}, {"format", "RFC3339"}}},
                               {"time_end", {{"value", "2016-07-20T11:00:00Z"}, {"format", "RFC3339"}}}}})}};
    Run(engine::kOperationNotify, {"u", by, Role::kPlanner}, op.dump());
  }
  Center center;
};

TrackReport R(const std::string& icao, double lat, double lng, double alt, double t_s,
              std::optional<double> gs = std::nullopt, std::optional<double> track = std::nullopt) {
  TrackReport r;
  r.icao24 = icao;
  r.lat_deg = lat;
  r.lng_deg = lng;
  r.alt_m = alt;
  r.time = kT0 + Duration::Micros(static_cast<int64_t>(t_s * 1e6));
  r.gs_mps = gs;
  r.track_deg = track;
  return r;
}

std::string Kind(AlertTransition::Kind k) {
  switch (k) {
    case AlertTransition::Kind::kRaise: return "raise";
    case AlertTransition::Kind::kUpdate: return "update";
    case AlertTransition::Kind::kResolve: return "resolve";
  }
  return "?";
}

// "raise unreported_flight/7781a2" etc., with "(predicted)" when so.
std::vector<std::string> Summary(const std::vector<AlertTransition>& ts) {
  std::vector<std::string> out;
  for (const AlertTransition& t : ts) {
    out.push_back(Kind(t.kind) + " " + t.key + (t.predicted ? " (predicted)" : ""));
  }
  return out;
}

// Feeds reports one at a time; returns the transitions of each.
std::vector<std::vector<std::string>> Feed(Monitor& m, const Center& c, const std::vector<TrackReport>& rs) {
  std::vector<std::vector<std::string>> out;
  for (const TrackReport& r : rs) {
    std::vector<AlertTransition> ts;
    m.Process(c, std::span<const TrackReport>(&r, 1), &ts);
    out.push_back(Summary(ts));
  }
  return out;
}

using V = std::vector<std::string>;

// The scripted tracks below follow from their first report.
Monitor::Options Immediate() {
  Monitor::Options o;
  o.confirm_reports = 1;
  return o;
}

TEST(MonitorTest, UnreportedFlightIsRaisedOnTwoReportsAndResolvedWhenNotified) {
  World w;
  Monitor m(Immediate());
  // A Syrian aircraft (7781a2) east of Homs, nothing notified; outside every area.
  auto out = Feed(m, w.center, {R("7781a2", 34.70, 37.50, 2000, 0), R("7781a2", 34.71, 37.50, 2000, 5)});
  EXPECT_EQ(out[0], V{});
  EXPECT_EQ(out[1], V{"raise unreported_flight/7781a2"});
  std::vector<AlertTransition> ts;
  TrackReport r = R("7781a2", 34.72, 37.50, 2000, 10);
  m.Process(w.center, std::span<const TrackReport>(&r, 1), &ts);
  ASSERT_TRUE(ts.empty());
  // RU notifies it (SY's reporter): the next report associates and resolves.
  w.Notify("op-sy", "SY", "RU", "transport", "7781a2", 34.72, 37.50, 20000);
  out = Feed(m, w.center, {R("7781a2", 34.73, 37.50, 2000, 15)});
  EXPECT_EQ(out[0], V{"resolve unreported_flight/7781a2"});
  auto tracks = json::parse(m.TracksJson())["tracks"];
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0]["party"], "SY");
  EXPECT_EQ(tracks[0]["operations"], json::array({"op-sy"}));
}

TEST(MonitorTest, UnreportedFlightNamesTheReportingParty) {
  World w;
  Monitor m(Immediate());
  std::vector<AlertTransition> ts;
  auto rs = std::vector<TrackReport>{R("7781a2", 34.70, 37.50, 2000, 0), R("7781a2", 34.71, 37.50, 2000, 5)};
  m.Process(w.center, rs, &ts);
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].parties, (V{"SY", "RU"}));
  EXPECT_EQ(json::parse(ts[0].detail_json)["should_notify"], "RU");
}

TEST(MonitorTest, AreaIncursionPredictedThenActualThenResolved) {
  World w;
  // SY transport notified east of DA-1 (so it is associated: no unreported
  // flight), flying west into DA-1 (R1 rejects SY transport there).
  w.Notify("op-sy", "SY", "RU", "transport", "7781a2", 36.20, 37.75, 40000);
  Monitor m(Immediate());
  // DA-1's eastern edge is near 37.24 E at 36.2 N. 200 m/s westbound.
  std::vector<TrackReport> rs;
  for (int i = 0; i <= 20; ++i) {
    const double lng = 37.40 - i * 0.02;  // ~1.8 km per step
    rs.push_back(R("7781a2", 36.20, lng, 1500, i * 9.0, 200.0, 270.0));
  }
  auto out = Feed(m, w.center, rs);
  // (It also leaves its own volume: nonconformance, not looked at here.)
  std::vector<std::string> all;
  for (const auto& o : out) {
    for (const std::string& s : o) {
      if (s.find("area_incursion") != std::string::npos) all.push_back(s);
    }
  }
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0], "raise area_incursion/7781a2/DA-1 (predicted)");
  EXPECT_NE(std::find(all.begin(), all.end(), "update area_incursion/7781a2/DA-1"), all.end())
      << "turns actual once inside";
  // Then it turns back east and leaves.
  out = Feed(m, w.center, {R("7781a2", 36.20, 37.30, 1500, 300, 200.0, 90.0)});
  EXPECT_NE(std::find(out[0].begin(), out[0].end(), "resolve area_incursion/7781a2/DA-1"), out[0].end());
}

TEST(MonitorTest, MedevacMayEnterTheDesignatedArea) {
  World w;
  w.Notify("op-med", "SY", "RU", "medevac", "7781a2", 36.20, 37.10, 40000);
  Monitor m(Immediate());
  auto out = Feed(m, w.center, {R("7781a2", 36.20, 37.10, 1500, 0), R("7781a2", 36.20, 37.11, 1500, 5),
                                R("7781a2", 36.20, 37.12, 1500, 10)});
  for (const auto& o : out) EXPECT_EQ(o, V{});
}

TEST(MonitorTest, NonconformanceOutsideTheVolumeAndBack) {
  World w;
  w.Notify("op-us", "US", "US", "isr", "ae1234", 35.00, 39.00, 5000);
  Monitor m(Immediate());
  auto out = Feed(m, w.center,
                  {R("ae1234", 35.00, 39.00, 1000, 0),      // inside
                   R("ae1234", 35.00, 39.058, 1000, 10),    // ~5.3 km east: within 500 m tolerance
                   R("ae1234", 35.00, 39.08, 1000, 20),     // ~7.3 km: outside
                   R("ae1234", 35.00, 39.09, 1000, 30),     // still: raise
                   R("ae1234", 35.00, 39.09, 5000, 40),     // and too high: same alert
                   R("ae1234", 35.00, 39.01, 1000, 50)});   // back inside
  EXPECT_EQ(out[0], V{});
  EXPECT_EQ(out[1], V{});
  EXPECT_EQ(out[2], V{});
  EXPECT_EQ(out[3], V{"raise nonconformance/ae1234/op-us"});
  EXPECT_EQ(out[4], V{});
  EXPECT_EQ(out[5], V{"resolve nonconformance/ae1234/op-us"});
}

TEST(MonitorTest, HeadOnConvergenceIsPredictedBeforeTheMinimaAreLost) {
  World w;
  // Two notified flights whose volumes are apart (the tracks leave them:
  // nonconformance, not looked at here).
  w.Notify("op-us", "US", "US", "isr", "ae1234", 34.00, 38.00, 20000);
  w.Notify("op-ru", "RU", "RU", "isr", "150123", 34.00, 38.78, 20000);  // 1501* is RU
  Monitor m(Immediate());
  // 72 km apart on the same latitude, 250 m/s each, head-on, same altitude.
  std::vector<TrackReport> rs;
  double first_predicted = -1, first_actual = -1, resolved = -1;
  for (int i = 0; i <= 40; ++i) {
    const double t = i * 5.0;
    const double d = 250.0 * t / (111195.0 * std::cos(34.0 * M_PI / 180));
    rs = {R("ae1234", 34.0, 38.0 + d, 2000, t, 250.0, 90.0), R("150123", 34.0, 38.78 - d, 2000, t, 250.0, 270.0)};
    std::vector<AlertTransition> ts;
    m.Process(w.center, rs, &ts);
    for (const AlertTransition& a : ts) {
      if (a.type != kSeparationLoss) continue;
      EXPECT_EQ(a.tracks, (V{"150123", "ae1234"}));
      EXPECT_EQ(a.parties, (V{"RU", "US"}));
      if (a.kind == AlertTransition::Kind::kRaise) {
        EXPECT_TRUE(a.predicted);
        first_predicted = t;
      }
      if (a.kind == AlertTransition::Kind::kUpdate && !a.predicted && first_actual < 0) first_actual = t;
      if (a.kind == AlertTransition::Kind::kResolve) resolved = t;
    }
  }
  // 72 km at 500 m/s closing: the minima (5 km) are lost at ~134 s.
  ASSERT_GE(first_predicted, 0) << "never predicted";
  EXPECT_LT(first_predicted, 134 - 60) << "predicted well before the minima are lost";
  EXPECT_GT(first_actual, first_predicted);
  EXPECT_GE(first_actual, 125);
  EXPECT_LE(first_actual, 145);
  EXPECT_GT(resolved, first_actual) << "resolved once they have passed and drawn apart";
}

TEST(MonitorTest, SamePartyTracksAreNotSeparationAlerts) {
  World w;
  w.Notify("op-a", "US", "US", "isr", "ae1234", 34.0, 38.0, 60000);
  w.Notify("op-b", "US", "US", "isr", "ae4a01", 34.0, 38.0, 60000);
  Monitor m(Immediate());
  std::vector<AlertTransition> ts;
  for (int i = 0; i < 4; ++i) {
    std::vector<TrackReport> rs = {R("ae1234", 34.0, 38.0, 2000, i * 5.0), R("ae4a01", 34.0, 38.001, 2000, i * 5.0)};
    m.Process(w.center, rs, &ts);
  }
  EXPECT_TRUE(ts.empty()) << Summary(ts).front();
}

TEST(MonitorTest, AnImplausibleJumpIsSetAsideNotAlerted) {
  World w;
  w.Notify("op-us", "US", "US", "isr", "ae1234", 35.00, 39.00, 5000);
  Monitor m(Immediate());
  // A bad CPR decode 660 km away between two good reports.
  auto out = Feed(m, w.center, {R("ae1234", 35.0, 39.0, 1000, 0), R("ae1234", 29.1, 39.0, 1000, 0.5),
                                R("ae1234", 29.1, 39.0, 1000, 1.0), R("ae1234", 35.0, 39.001, 1000, 1.5)});
  for (const auto& o : out) EXPECT_EQ(o, V{});
  auto t = json::parse(m.TracksJson())["tracks"][0];
  EXPECT_NEAR(t["lat"].get<double>(), 35.0, 1e-9);
  EXPECT_EQ(t["implausible"], 2);
  EXPECT_EQ(m.stats().implausible, 2u);
}

TEST(MonitorTest, ATrackStartsOnlyWhenSeveralReportsAgree) {
  World w;
  Monitor m;  // the default: five reports
  // Four bad decodes first (as in the modes1 recording), then the aircraft.
  std::vector<TrackReport> rs;
  for (int i = 0; i < 4; ++i) rs.push_back(R("7781a2", 31.10, 12.70, 7000, i * 0.002));
  for (int i = 0; i < 8; ++i) rs.push_back(R("7781a2", 37.00 + i * 0.0001, 13.80, 7000, 0.01 + i * 0.02));
  std::vector<AlertTransition> ts;
  for (size_t i = 0; i < rs.size(); ++i) {
    m.Process(w.center, std::span<const TrackReport>(&rs[i], 1), &ts);
    auto tracks = json::parse(m.TracksJson())["tracks"];
    if (i < 8) {
      EXPECT_TRUE(tracks.empty()) << "tentative until five agree (report " << i << ")";
    } else {
      ASSERT_EQ(tracks.size(), 1u);
      EXPECT_NEAR(tracks[0]["lat"].get<double>(), rs[i].lat_deg, 1e-9);
      for (const auto& p : tracks[0]["trail"]) EXPECT_GT(p[0].get<double>(), 36.9) << "no bad decode in the trail";
    }
  }
  EXPECT_EQ(m.stats().implausible, 4u);
  // The unreported-flight alert comes from the good reports only.
  for (const AlertTransition& a : ts) EXPECT_GT(json::parse(a.detail_json)["lat"].get<double>(), 36.9);
  // A later run of good reports elsewhere (the track was wrong) moves it.
  Monitor m2(Immediate());
  std::vector<TrackReport> bad_first = {R("7781a2", 31.10, 12.70, 7000, 0)};
  for (int i = 0; i < 5; ++i) bad_first.push_back(R("7781a2", 37.0, 13.8, 7000, 0.1 + i * 0.1));
  m2.Process(w.center, bad_first, &ts);
  auto t2 = json::parse(m2.TracksJson())["tracks"][0];
  EXPECT_NEAR(t2["lat"].get<double>(), 37.0, 1e-9);
  EXPECT_EQ(m2.stats().restarted, 1u);
}

TEST(MonitorTest, ABoundaryTrackDoesNotFlap) {
  World w;
  w.Notify("op-us", "US", "US", "isr", "ae1234", 35.00, 39.00, 5000);
  Monitor m(Immediate());
  // Alternating just outside (nonconforming) and inside: never two in a row.
  std::vector<TrackReport> rs;
  for (int i = 0; i < 20; ++i) rs.push_back(R("ae1234", 35.0, i % 2 ? 39.07 : 39.05, 1000, i * 5.0));
  auto out = Feed(m, w.center, rs);
  for (const auto& o : out) EXPECT_EQ(o, V{});
}

TEST(MonitorTest, AStaleTrackIsDroppedAndItsAlertsResolved) {
  World w;
  Monitor m(Immediate());
  auto out = Feed(m, w.center, {R("7781a2", 34.70, 37.50, 2000, 0), R("7781a2", 34.71, 37.50, 2000, 5),
                                // another aircraft, 40 s later (stale_after_s is 30)
                                R("ae9999", 30.0, 30.0, 1000, 45)});
  EXPECT_EQ(out[1], V{"raise unreported_flight/7781a2"});
  EXPECT_EQ(out[2], V{"resolve unreported_flight/7781a2"});
  EXPECT_EQ(m.track_count(), 1u);
}

TEST(MonitorTest, SameReportsGiveTheSameTransitions) {
  World w;
  w.Notify("op-us", "US", "US", "isr", "ae1234", 34.00, 38.00, 60000);
  std::vector<TrackReport> rs;
  for (int i = 0; i < 60; ++i) {
    rs.push_back(R("ae1234", 34.0, 38.0 + i * 0.01, 2000, i * 4.0, 250.0, 90.0));
    rs.push_back(R("150123", 34.0, 38.7 - i * 0.01, 2000, i * 4.0 + 1, 250.0, 270.0));
    rs.push_back(R("7781a2", 34.5, 37.5 + i * 0.002, 1000, i * 4.0 + 2));
  }
  std::vector<AlertTransition> a, b;
  Monitor m1(Immediate()), m2(Immediate());
  m1.Process(w.center, rs, &a);
  for (const TrackReport& r : rs) m2.Process(w.center, std::span<const TrackReport>(&r, 1), &b);
  ASSERT_EQ(Summary(a), Summary(b));
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].detail_json, b[i].detail_json);
}

}  // namespace
}  // namespace jic::monitor
