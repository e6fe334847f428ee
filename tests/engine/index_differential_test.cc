// The index against brute force. decide() finds separation conflicts and
// areas through SpaceTimeIndex; SeparationByScan and AreasMetByScan look at
// everything. On thousands of random, seeded workloads — polygons and circles
// of every size, anywhere on Earth (poles, antimeridian, cube corners),
// near-misses a few centimetres either side of the minima, exact touches —
// both must give exactly the same findings.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/decide.h"
#include "jic/geo/earth.h"
#include "jic/geo/geometry_check.h"
#include "s2/s2latlng.h"

namespace jic::engine {
namespace {

const char* const kParties[] = {"US", "RU", "SY"};
const char* const kCategories[] = {"medevac", "humanitarian", "transport", "isr", "combat"};
const char* const kKinds[] = {"designated", "protected_site", "restricted", "corridor"};
constexpr OpState kStates[] = {OpState::kAccepted,  OpState::kPendingApproval, OpState::kRejected,
                               OpState::kActivated, OpState::kEnded,           OpState::kCancelled};

const Time kBase = Time::FromUnixSeconds(1468972800);  // 2016-07-20T00:00:00Z
constexpr int64_t kDayUs = 86400LL * 1000000;

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  double U() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  // Log-uniform in [lo, hi].
  double LogU(double lo, double hi) { return lo * std::pow(hi / lo, U()); }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return U() < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) {
    return a[Int(0, N - 1)];
  }

  S2Point RandomPoint() {
    return S2LatLng::FromRadians(std::asin(2 * U() - 1), M_PI * (2 * U() - 1)).ToPoint();
  }

  // The point `dist_m` from `c` along the initial bearing `bearing` (radians).
  static S2Point Dest(const S2Point& c, double bearing, double dist_m) {
    const S2LatLng ll(c);
    const double lat = ll.lat().radians(), lng = ll.lng().radians();
    S2Point north(-std::sin(lat) * std::cos(lng), -std::sin(lat) * std::sin(lng), std::cos(lat));
    S2Point east(-std::sin(lng), std::cos(lng), 0);
    if (std::cos(lat) < 1e-12) {  // at a pole: any tangent frame will do
      north = S2::Ortho(c);
      east = c.CrossProd(north);
    }
    const S2Point dir = std::cos(bearing) * north + std::sin(bearing) * east;
    const double a = dist_m / geo::kEarthRadiusM;
    return (std::cos(a) * c + std::sin(a) * dir).Normalize();
  }

  // A random star-shaped ring of 3-32 vertices about `radius_m` around `c`,
  // checked as the parsers check it; nullopt when the check refuses it.
  std::optional<std::vector<S2Point>> StarRing(const S2Point& c, double radius_m,
                                               std::vector<geo::LatLngDeg>* degrees) {
    const int n = Int(3, 32);
    const double turn = Chance(0.5) ? 1 : -1;  // either winding
    const double phase = 2 * M_PI * U();
    degrees->clear();
    for (int i = 0; i < n; ++i) {
      const double bearing = phase + turn * 2 * M_PI * (i + 0.4 * U()) / n;
      const S2LatLng ll(Dest(c, bearing, radius_m * (0.3 + 0.7 * U())));
      degrees->push_back({ll.lat().degrees(), ll.lng().degrees()});
    }
    return CheckedRing(*degrees);
  }

  static std::optional<std::vector<S2Point>> CheckedRing(
      const std::vector<geo::LatLngDeg>& degrees) {
    std::vector<FieldError> errors;
    return geo::CheckRing(
        degrees, geo::RingForm::kOpen, "ring",
        [](size_t i) { return "ring[" + std::to_string(i) + "]"; }, &errors);
  }

  // A radius: 0.2-30 km across mostly, one in twenty about 200 km across.
  double RandomSize() { return Chance(0.05) ? LogU(80e3, 120e3) : LogU(100, 15e3); }

  // One in four a circle, the others star-shaped polygons.
  geo::Outline RandomOutline(const S2Point& c) {
    const double r = RandomSize();
    if (Chance(0.25)) return geo::Outline::Circle(c, r);
    std::vector<geo::LatLngDeg> degrees;
    for (;;) {
      if (auto ring = StarRing(c, r, &degrees)) return geo::Outline::Polygon(std::move(*ring));
      ++refused_rings;
    }
  }

  void RandomBandAndWindow(Volume4D* v) {
    v->alt_lower_m = Chance(0.1) ? 0 : -100 + 12000 * U();
    v->alt_upper_m = v->alt_lower_m + (Chance(0.1) ? 0 : LogU(10, 5000));
    v->start = kBase + Duration::Micros(static_cast<int64_t>(3 * kDayUs * U()));
    const double minutes = Chance(0.05) ? LogU(12 * 60, 4 * 24 * 60) : LogU(1, 12 * 60);
    v->end = v->start + Duration::Micros(static_cast<int64_t>(minutes * 60e6));
    if (Chance(0.4)) {  // on whole minutes, as most notifications are
      v->start = Time::FromUnixSeconds(v->start.unix_micros() / 60'000'000 * 60);
      v->end = Time::FromUnixSeconds(v->end.unix_micros() / 60'000'000 * 60 + 60);
    }
  }

  Volume4D RandomVolume(const S2Point& around, double spread_m) {
    Volume4D v;
    v.outline = RandomOutline(Dest(around, 2 * M_PI * U(), spread_m * std::sqrt(U())));
    RandomBandAndWindow(&v);
    return v;
  }

  Operation RandomOperation(std::string id, const S2Point& around, double spread_m) {
    Operation op;
    op.id = std::move(id);
    op.operator_party = Pick(kParties);
    op.submitted_by = op.operator_party;
    op.category = Pick(kCategories);
    op.state = Pick(kStates);
    const int n = Chance(0.7) ? 1 : Int(2, 4);
    for (int i = 0; i < n; ++i) op.volumes.push_back(RandomVolume(around, spread_m));
    return op;
  }

  int refused_rings = 0;

 private:
  std::mt19937_64 rng_;
};

// An agreement with random areas around `around` and one rule on every kind.
std::string RandomAgreementYaml(Gen& g, const S2Point& around, double spread_m, int n_areas) {
  std::string y = R"(jic: 1
id: differential
signatories: [US, RU]
parties:
  - {id: US, name: U}
  - {id: RU, name: R}
  - {id: SY, name: S}
categories:
  - {id: medevac, priority: 100}
  - {id: humanitarian, priority: 90}
  - {id: transport, priority: 10}
  - {id: isr, priority: 10}
  - {id: combat, priority: 0}
)";
  y += n_areas == 0 ? "areas: []\n" : "areas:\n";
  for (int i = 0; i < n_areas; ++i) {
    const S2Point c = Gen::Dest(around, 2 * M_PI * g.U(), spread_m * std::sqrt(g.U()));
    y += "  - id: A" + std::to_string(i) + "\n    kind: " + g.Pick(kKinds) + "\n";
    if (g.Chance(0.3)) {
      const S2LatLng ll(c);
      y += "    geometry: {type: Point, coordinates: [" + Num(ll.lng().degrees()) + ", " +
           Num(ll.lat().degrees()) + "]}\n    radius_m: " + Num(g.RandomSize()) + "\n";
    } else {
      std::vector<geo::LatLngDeg> d;
      while (!g.StarRing(c, g.RandomSize(), &d)) ++g.refused_rings;
      y += "    geometry: {type: Polygon, coordinates: [[";
      d.push_back(d.front());  // GeoJSON closes its rings
      for (size_t k = 0; k < d.size(); ++k) {
        y += (k ? ", [" : "[") + Num(d[k].lng) + ", " + Num(d[k].lat) + "]";
      }
      y += "]]}\n";
    }
    if (g.Chance(0.4)) {
      const double lo = g.Chance(0.3) ? 0 : 8000 * g.U();
      y += "    altitude: {lower: " + Num(lo) + ", upper: " + Num(lo + g.LogU(100, 20000)) + "}\n";
    }
    const double v = g.U();
    if (v < 0.5) {
      const Time from = kBase + Duration::Micros(static_cast<int64_t>(3 * kDayUs * g.U()));
      const Time to = from + Duration::Micros(static_cast<int64_t>(g.LogU(60e6, 2 * kDayUs)));
      if (v < 0.2) {
        y += "    valid: {from: " + FormatRfc3339(from) + ", to: " + FormatRfc3339(to) + "}\n";
      } else if (v < 0.35) {
        y += "    valid: {from: " + FormatRfc3339(from) + "}\n";
      } else {
        y += "    valid: {to: " + FormatRfc3339(to) + "}\n";
      }
    }
  }
  y += R"(rules:
  - {id: R1, when: {area_kind: [designated, protected_site, restricted, corridor]}, effect: warn}
)";
  return y;
}

// Separation minima tried on every set of operations.
constexpr agreement::Separation kMinima[] = {
    {0, 0, Duration::Seconds(0), false},           {5000, 300, Duration::Seconds(300), false},
    {1000, 0, Duration::Seconds(0), true},         {0, 150, Duration::Seconds(90), false},
    {20000, 1000, Duration::Seconds(1800), false}, {12.34, 0.5, Duration::Micros(1'500'000), true},
};

std::vector<Finding> SeparationOf(const Decision& d) {
  std::vector<Finding> out;
  for (const Finding& f : d.findings) {
    if (f.rule == "separation") out.push_back(f);
  }
  return out;
}

std::string Describe(const std::vector<Finding>& fs) {
  std::string s;
  for (const Finding& f : fs) {
    s += " " + f.operation + "(" + std::string(FindingEffectName(f.effect)) + " v" +
         std::to_string(f.volume) + "/" + std::to_string(f.other_volume) + ")";
  }
  return s.empty() ? " none" : s;
}

struct Stats {
  int workloads = 0;
  int candidates = 0;
  int conflicts = 0;
  int clear = 0;
  int near_in = 0;   // near-miss candidates placed within the minimum
  int near_out = 0;  // ... and just outside it
  int areas_met = 0;
  int area_near_in = 0;
};

class IndexDifferentialTest : public testing::Test {
 protected:
  // Decides `candidate` through the index and by scan, and compares.
  // Returns the separation findings.
  std::vector<Finding> Compare(const RuleBook& rules, const OperationStore& store,
                               const Operation& candidate, const std::string& where) {
    ++stats_.candidates;
    Result<Decision> d = Decide(rules, store, candidate, kBase);
    EXPECT_TRUE(d.ok()) << where << ": " << d.status().ToString();
    if (!d.ok()) return {};
    const std::vector<Finding> indexed = SeparationOf(*d);
    const std::vector<Finding> scanned = SeparationByScan(rules, store, candidate);
    EXPECT_EQ(indexed, scanned) << where << "\n  index:" << Describe(indexed)
                                << "\n  scan: " << Describe(scanned);
    (indexed.empty() ? stats_.clear : stats_.conflicts)++;
    for (size_t i = 0; i < candidate.volumes.size(); ++i) {
      std::vector<int> by_index, by_scan;
      rules.AreasMet(candidate.volumes[i], &by_index);
      rules.AreasMetByScan(candidate.volumes[i], &by_scan);
      EXPECT_EQ(by_index, by_scan) << where << " volume " << i;
      stats_.areas_met += static_cast<int>(by_scan.size());
    }
    return indexed;
  }

  static bool Names(const std::vector<Finding>& fs, const std::string& id) {
    return std::any_of(fs.begin(), fs.end(), [&](const Finding& f) { return f.operation == id; });
  }

  Stats stats_;
};

TEST_F(IndexDifferentialTest, IndexAgreesWithBruteForce) {
  const auto started = std::chrono::steady_clock::now();
  constexpr int kGroups = 300;
  constexpr int kStored = 36;
  Gen g(0x6a69632d32303136);  // "jic-2016"
  for (int group = 0; group < kGroups && !HasFatalFailure(); ++group) {
    // Where: anywhere, or somewhere awkward for cells and coordinates.
    S2Point around;
    switch (group % 10) {
      case 0:
        around = S2LatLng::FromDegrees(g.U() - 0.5, 180 - 0.3 * g.U()).ToPoint();
        break;
      case 1:
        around =
            S2LatLng::FromDegrees(89.9 * (g.Chance(0.5) ? 1 : -1), 360 * g.U() - 180).ToPoint();
        break;
      case 2:
        around = S2Point(1, g.Chance(0.5) ? 1 : -1, 1).Normalize();
        break;  // cube corner
      case 3:
        around = S2LatLng::FromDegrees(0.01 * (g.U() - 0.5), 45).ToPoint();
        break;  // face edge
      default:
        around = g.RandomPoint();
    }
    // How crowded: from a few km to a few hundred.
    const double spread = g.LogU(2e3, 300e3);
    const std::string yaml = RandomAgreementYaml(g, around, spread, g.Int(0, 12));
    Result<std::shared_ptr<const agreement::Agreement>> parsed = agreement::ParseAgreement(yaml);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << yaml;

    OperationStore store(SpaceTimeIndex::Options{g.Int(5, 13)});
    std::vector<Operation> ops;
    for (int k = 0; k < kStored; ++k) {
      ops.push_back(g.RandomOperation("op-" + std::to_string(k), around, spread));
      store.Put(ops.back());
    }
    // Some replaced and some erased, so that the index has been churned.
    for (int k = 0; k < kStored / 6; ++k) {
      const int i = g.Int(0, kStored - 1);
      if (g.Chance(0.5)) {
        ops[i] = g.RandomOperation(ops[i].id, around, spread);
        store.Put(ops[i]);
      } else {
        store.Erase(ops[i].id);
      }
    }

    for (const agreement::Separation& minima : kMinima) {
      ++stats_.workloads;
      auto a = std::make_shared<agreement::Agreement>(**parsed);
      a->separation = minima;
      a->Reindex();
      const RuleBook rules(a);
      const double h = minima.horizontal_m;
      const std::string where_group = "group " + std::to_string(group) + " minima " + Num(h) + "/" +
                                      Num(minima.vertical_m) + "/" + Num(minima.time.seconds());

      // Random candidates, some of them modifications of a stored operation.
      for (int c = 0; c < 3; ++c) {
        Operation cand = g.RandomOperation("cand", around, spread);
        if (g.Chance(0.3)) cand.id = ops[g.Int(0, kStored - 1)].id;
        Compare(rules, store, cand, where_group + " random " + std::to_string(c));
      }

      // Near-misses: a circle whose edge is the minimum distance from a
      // stored volume, give or take 1-5 cm (or exactly), at the same
      // altitude and time.
      for (int c = 0; c < 4; ++c) {
        const Operation& other = ops[g.Int(0, kStored - 1)];
        if (!store.Find(other.id)) continue;
        const Volume4D& ov = other.volumes[g.Int(0, static_cast<int>(other.volumes.size()) - 1)];
        const double reach = geo::AngleToMeters(ov.outline.bound().GetRadius()) + h;
        const S2Point p =
            Gen::Dest(ov.outline.bound().center(), 2 * M_PI * g.U(), reach + g.LogU(20, 5000));
        const double d = geo::AngleToMeters(ov.outline.Distance(p));
        const double delta = g.Chance(0.2) ? 0 : (g.Chance(0.5) ? 1 : -1) * 0.01 * g.Int(1, 5);
        Operation cand;
        cand.id = "near";
        cand.operator_party = g.Pick(kParties);
        cand.submitted_by = cand.operator_party;
        cand.category = g.Pick(kCategories);
        Volume4D v = ov;
        v.outline = geo::Outline::Circle(p, d - h + delta);  // distance to `ov`: h - delta
        cand.volumes.push_back(v);
        const std::string where = where_group + " near " + other.id + " delta " + Num(delta);
        const std::vector<Finding> found = Compare(rules, store, cand, where);
        const bool counts = TakesPartInSeparation(other.state) &&
                            (minima.same_party || other.operator_party != cand.operator_party);
        if (counts && delta >= 0) {
          EXPECT_TRUE(Names(found, other.id)) << where << ": within the minimum, not found";
          ++stats_.near_in;
        }
        if (counts && delta < 0) ++stats_.near_out;
      }

      // A polygon touching a stored polygon's vertex, reaching outwards; and
      // one whose nearest vertex is the minimum away, give or take.
      for (int c = 0; c < 2; ++c) {
        const Operation& other = ops[g.Int(0, kStored - 1)];
        const Volume4D& ov = other.volumes[0];
        if (ov.outline.is_circle() || !store.Find(other.id)) continue;
        const S2Point& vertex =
            ov.outline.ring()[g.Int(0, static_cast<int>(ov.outline.ring().size()) - 1)];
        // The direction at the vertex pointing away from the centre, and
        // the same turned by +-0.3 rad.
        const S2Point c0 = ov.outline.bound().center();
        const S2Point out_dir = (vertex * vertex.DotProd(c0) - c0).Normalize();
        auto turned = [&](const S2Point& at, double angle) {
          return (std::cos(angle) * out_dir + std::sin(angle) * at.CrossProd(out_dir)).Normalize();
        };
        auto along = [](const S2Point& from, const S2Point& dir, double dist_m) {
          const double a = dist_m / geo::kEarthRadiusM;
          return (std::cos(a) * from + std::sin(a) * dir).Normalize();
        };
        const double gap = c == 0 ? 0 : h + (g.Chance(0.5) ? 0.01 : -0.01) * g.Int(0, 5);
        const S2Point tip = gap == 0 ? vertex : along(vertex, out_dir, gap);
        const double len = g.LogU(50, 20000);
        std::vector<geo::LatLngDeg> degrees;
        for (const S2Point& q :
             {tip, along(tip, turned(vertex, -0.3), len), along(tip, turned(vertex, 0.3), len)}) {
          const S2LatLng ll(q);
          degrees.push_back({ll.lat().degrees(), ll.lng().degrees()});
        }
        auto ring = Gen::CheckedRing(degrees);
        if (!ring) continue;
        Operation cand;
        cand.id = "touch";
        cand.operator_party = g.Pick(kParties);
        cand.submitted_by = cand.operator_party;
        cand.category = g.Pick(kCategories);
        Volume4D v = ov;
        v.outline = geo::Outline::Polygon(std::move(*ring));
        // Altitude and time: the same, touching at the minimum, or just beyond.
        const int how = g.Int(0, 2);
        const double vgap = minima.vertical_m + (how == 2 ? 0.01 : 0);
        const Duration tgap = Duration::Micros(minima.time.micros() + (how == 2 ? 1 : 0));
        if (how > 0 && g.Chance(0.5)) {
          v.alt_lower_m = ov.alt_upper_m + vgap;
          v.alt_upper_m = v.alt_lower_m + 500;
        } else if (how > 0) {
          v.start = ov.end + tgap;
          v.end = v.start + Duration::Seconds(600);
        }
        cand.volumes.push_back(v);
        const std::vector<Finding> found =
            Compare(rules, store, cand, where_group + " touching " + other.id + " gap " + Num(gap));
        const bool counts = TakesPartInSeparation(other.state) &&
                            (minima.same_party || other.operator_party != cand.operator_party);
        if (counts && c == 0 && how == 0) {
          EXPECT_TRUE(Names(found, other.id)) << where_group << ": touching " << other.id;
        }
      }

      // Areas: a circle touching an area, or a few centimetres off it.
      for (int c = 0; c < 2 && !a->areas.empty(); ++c) {
        const int ai = g.Int(0, static_cast<int>(a->areas.size()) - 1);
        const agreement::Area& area = a->areas[ai];
        const S2Point p =
            Gen::Dest(area.region.bound().center(), 2 * M_PI * g.U(),
                      geo::AngleToMeters(area.region.bound().GetRadius()) + g.LogU(10, 3000));
        const double d = geo::AngleToMeters(area.region.Distance(p));
        const double delta = g.Chance(0.3) ? 0 : (g.Chance(0.5) ? 1 : -1) * 0.01 * g.Int(1, 5);
        Operation cand;
        cand.id = "area";
        cand.operator_party = "US";
        cand.submitted_by = "US";
        cand.category = "isr";
        Volume4D v;
        v.outline = geo::Outline::Circle(p, d + delta);
        g.RandomBandAndWindow(&v);
        const bool in_band_and_time = v.alt_lower_m <= area.alt_upper_m &&
                                      area.alt_lower_m <= v.alt_upper_m &&
                                      v.start <= area.valid_to && area.valid_from <= v.end;
        cand.volumes.push_back(v);
        Compare(rules, store, cand, where_group + " area " + area.id + " delta " + Num(delta));
        std::vector<int> met;
        rules.AreasMetByScan(v, &met);
        const bool is_met = std::find(met.begin(), met.end(), ai) != met.end();
        if (delta >= 0) {
          EXPECT_EQ(is_met, in_band_and_time)
              << where_group << " area " << area.id << " delta " << delta;
          stats_.area_near_in += is_met;
        } else {
          EXPECT_FALSE(is_met) << where_group << " area " << area.id << " delta " << delta;
        }
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "[ differential ] %d workloads, %d candidates: %d with conflicts, %d clear; "
      "near-misses %d in / %d out; %d areas met (%d touching); %d rings refused; %.2f s\n",
      stats_.workloads, stats_.candidates, stats_.conflicts, stats_.clear, stats_.near_in,
      stats_.near_out, stats_.areas_met, stats_.area_near_in, g.refused_rings, seconds);
  // The workloads must exercise both sides of every boundary.
  EXPECT_GE(stats_.workloads, 1000);
  EXPECT_GT(stats_.conflicts, stats_.candidates / 10);
  EXPECT_GT(stats_.clear, stats_.candidates / 10);
  EXPECT_GT(stats_.near_in, 200);
  EXPECT_GT(stats_.near_out, 200);
  EXPECT_GT(stats_.area_near_in, 50);
}

}  // namespace
}  // namespace jic::engine
