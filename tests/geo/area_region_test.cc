// AreaRegion: an agreement's area (a disc, or a polygon or multipolygon with
// holes) against points and operation outlines. Regions are closed: touching
// counts, 1 cm apart does not.
#include "geo/geo_fixtures.h"
#include "jic/geo/area_region.h"

// GCC 12 sees a false "maybe uninitialized" inside absl's InlinedVector as
// S2ClosestEdgeQuery instantiates it (as in src/geo/area_region.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "jic/geo/earth.h"
#include "jic/geo/geometry_check.h"
#include "s2/mutable_s2shape_index.h"
#include "s2/s2closest_edge_query.h"
#include "s2/s2edge_distances.h"
#include "s2/s2latlng.h"
#include "s2/s2loop.h"
#include "s2/s2pointutil.h"
#include "s2/s2polygon.h"

namespace jic::geo {
namespace {

using testing::kR;
using testing::kPi;
using testing::P;
using testing::Rad;
using testing::Deg;
using testing::Ring;




std::vector<S2Point> Checked(std::string_view text, RingForm form) {
  std::vector<FieldError> errors;
  auto r = CheckRing(
      Ring(text), form, "r", [](size_t i) { return std::to_string(i); }, &errors);
  EXPECT_TRUE(r) << (errors.empty() ? "" : errors[0].ToString());
  return r ? *r : std::vector<S2Point>{};
}

// An area from GeoJSON-style closed rings: parts of {shell, holes...}.
AreaRegion Area(const std::vector<std::vector<std::string_view>>& parts) {
  std::vector<PolygonRings> rings;
  for (size_t p = 0; p < parts.size(); ++p) {
    PolygonRings part;
    part.path = "coordinates[" + std::to_string(p) + "]";
    part.shell = Checked(parts[p][0], RingForm::kClosed);
    for (size_t h = 1; h < parts[p].size(); ++h) {
      part.holes.push_back(Checked(parts[p][h], RingForm::kClosed));
      part.hole_paths.push_back(part.path + "[" + std::to_string(h) + "]");
    }
    rings.push_back(std::move(part));
  }
  std::vector<FieldError> errors;
  std::unique_ptr<S2Polygon> poly = BuildAreaPolygon(std::move(rings), &errors);
  EXPECT_NE(poly, nullptr) << (errors.empty() ? "" : errors[0].ToString());
  return AreaRegion::Polygon(std::shared_ptr<const S2Polygon>(std::move(poly)));
}

Outline Polygon(std::string_view text) { return Outline::Polygon(Checked(text, RingForm::kOpen)); }
Outline Box(double lat0, double lng0, double lat1, double lng1) {
  std::vector<FieldError> errors;
  std::vector<LatLngDeg> ring = {{lat0, lng0}, {lat0, lng1}, {lat1, lng1}, {lat1, lng0}};
  auto r = CheckRing(
      ring, RingForm::kOpen, "r", [](size_t i) { return std::to_string(i); }, &errors);
  EXPECT_TRUE(r);
  return Outline::Polygon(r ? *r : std::vector<S2Point>{});
}

// Longitude difference putting a point at `lat` exactly `m` metres from a meridian.
double LngOffset(double lat, double m) {
  return Deg(std::asin(std::sin(m / kR) / std::cos(Rad(lat))));
}
double LatOffset(double m) { return Deg(m / kR); }

// The engine's test: touching within the shared tolerance.
bool Touches(const AreaRegion& area, const Outline& o) {
  return area.WithinDistance(o, MetersToChord(kToleranceM));
}

// ---------------------------------------------------------------------------
// Disc (a protected site: a point with radius_m)

class DiscTest : public ::testing::Test {
 protected:
  const AreaRegion disc_ = AreaRegion::Disc(P(36.2, 37.16), 2000);
  // A point `m` metres due north of the centre.
  static S2Point North(double m) { return P(36.2 + LatOffset(m), 37.16); }
};

TEST_F(DiscTest, Contains) {
  EXPECT_TRUE(disc_.is_disc());
  EXPECT_EQ(disc_.polygon(), nullptr);
  EXPECT_TRUE(disc_.Contains(P(36.2, 37.16)));
  EXPECT_TRUE(disc_.Contains(North(1999.99)));
  EXPECT_TRUE(disc_.Contains(North(2000)));
  EXPECT_TRUE(disc_.Contains(North(2000.0009))) << "within the tolerance";
  EXPECT_FALSE(disc_.Contains(North(2000.01)));
  EXPECT_FALSE(disc_.Contains(P(36.2, 37.2)));
}

TEST_F(DiscTest, Distance) {
  EXPECT_EQ(disc_.Distance(P(36.2, 37.16)).radians(), 0);
  EXPECT_EQ(disc_.Distance(North(1999)).radians(), 0);
  EXPECT_NEAR(AngleToMeters(disc_.Distance(North(2000.01))), 0.01, 1e-6);
  EXPECT_NEAR(AngleToMeters(disc_.Distance(North(7000))), 5000, 1e-6);
}

TEST_F(DiscTest, WithinDistanceOfACircle) {
  // A circle of 500 m due north, its edge `gap` from the disc's.
  auto circle = [](double gap) { return Outline::Circle(North(2500 + gap), 500); };
  EXPECT_TRUE(Touches(disc_, circle(0)));
  EXPECT_TRUE(Touches(disc_, circle(-0.01)));
  EXPECT_FALSE(Touches(disc_, circle(0.01)));
  EXPECT_TRUE(disc_.WithinDistance(circle(4999.99), MetersToChord(5000 + kToleranceM)));
  EXPECT_FALSE(disc_.WithinDistance(circle(5000.02), MetersToChord(5000 + kToleranceM)));
  EXPECT_TRUE(Touches(disc_, Outline::Circle(P(36.2, 37.16), 10))) << "inside";
  EXPECT_TRUE(Touches(disc_, Outline::Circle(P(36.21, 37.17), 50000))) << "around";
}

TEST_F(DiscTest, WithinDistanceOfAPolygon) {
  // A square east of the centre whose west edge (a meridian) is `gap` from the disc.
  auto square = [](double gap) {
    const double lng = 37.16 + LngOffset(36.2, 2000 + gap);
    return Box(36.15, lng, 36.25, lng + 0.1);
  };
  EXPECT_TRUE(Touches(disc_, square(0)));
  EXPECT_TRUE(Touches(disc_, square(-0.01)));
  EXPECT_FALSE(Touches(disc_, square(0.01)));
  EXPECT_TRUE(disc_.WithinDistance(square(4999.99), MetersToChord(5000 + kToleranceM)));
  EXPECT_FALSE(disc_.WithinDistance(square(5000.02), MetersToChord(5000 + kToleranceM)));
  EXPECT_TRUE(Touches(disc_, Box(36.0, 37.0, 36.4, 37.4))) << "the square holds the disc";
  EXPECT_TRUE(Touches(disc_, Box(36.195, 37.155, 36.205, 37.165))) << "the disc holds the square";
}

// ---------------------------------------------------------------------------
// Polygon with a hole

// A 0.4 x 0.5 degree shell with a 0.1-degree hole in the middle (clockwise,
// as RFC 7946 writes holes).
constexpr char kShell[] = "36.0:36.9, 36.0:37.4, 36.4:37.4, 36.4:36.9, 36.0:36.9";
constexpr char kHole[] = "36.15:37.1, 36.25:37.1, 36.25:37.2, 36.15:37.2, 36.15:37.1";

class HoleTest : public ::testing::Test {
 protected:
  const AreaRegion area_ = Area({{kShell, kHole}});
};

TEST_F(HoleTest, Contains) {
  EXPECT_FALSE(area_.is_disc());
  ASSERT_NE(area_.polygon(), nullptr);
  EXPECT_TRUE(area_.Contains(P(36.05, 37.0)));
  EXPECT_TRUE(area_.Contains(P(36.2, 37.05))) << "west of the hole";
  EXPECT_FALSE(area_.Contains(P(36.2, 37.15))) << "in the hole";
  EXPECT_FALSE(area_.Contains(P(36.5, 37.15))) << "north of the shell";
  EXPECT_FALSE(area_.Contains(P(36.2, 37.5))) << "east of the shell";
}

TEST_F(HoleTest, ContainsIsClosedAtTheHolesEdge) {
  // The hole's west edge is the meridian 37.1.
  EXPECT_TRUE(area_.Contains(P(36.2, 37.1))) << "on the edge";
  EXPECT_TRUE(area_.Contains(P(36.15, 37.1))) << "a hole vertex";
  EXPECT_TRUE(area_.Contains(P(36.2, 37.1 + LngOffset(36.2, 0.0005)))) << "0.5 mm into the hole";
  EXPECT_FALSE(area_.Contains(P(36.2, 37.1 + LngOffset(36.2, 0.01)))) << "1 cm into the hole";
  // And at the shell's edge, the meridian 37.4.
  EXPECT_TRUE(area_.Contains(P(36.2, 37.4 + LngOffset(36.2, 0.0005))));
  EXPECT_FALSE(area_.Contains(P(36.2, 37.4 + LngOffset(36.2, 0.01))));
}

TEST_F(HoleTest, DistanceFromTheHolesCentre) {
  // The nearest boundary is a meridian edge of the hole, 0.05 degrees away.
  const double expected = kR * std::asin(std::cos(Rad(36.2)) * std::sin(Rad(0.05)));
  EXPECT_NEAR(AngleToMeters(area_.Distance(P(36.2, 37.15))), expected, 1e-4);
  EXPECT_EQ(area_.Distance(P(36.05, 37.0)).radians(), 0);
  EXPECT_NEAR(AngleToMeters(area_.Distance(P(36.2, 37.4 + LngOffset(36.2, 250)))), 250, 1e-4);
}

TEST_F(HoleTest, OutlineInTheHoleDoesNotMeetTheArea) {
  EXPECT_FALSE(Touches(area_, Box(36.17, 37.12, 36.23, 37.18)));
  EXPECT_FALSE(Touches(area_, Outline::Circle(P(36.2, 37.15), 3000)));
  // But a 5 km minimum reaches the hole's edge.
  EXPECT_TRUE(area_.WithinDistance(Outline::Circle(P(36.2, 37.15), 3000), MetersToChord(5000)));
}

TEST_F(HoleTest, OutlineInTheHoleTouchingItsEdge) {
  // Squares inside the hole, their west edge `gap` east of the hole's.
  auto square = [](double gap) {
    const double lng = 37.1 + LngOffset(36.22, gap);
    return Box(36.18, lng, 36.22, 37.18);
  };
  EXPECT_TRUE(Touches(area_, square(0)));
  EXPECT_TRUE(Touches(area_, square(0.0005)));
  EXPECT_FALSE(Touches(area_, square(0.01)));
  EXPECT_TRUE(Touches(area_, square(-0.01))) << "1 cm over the edge";
  // A circle in the hole touching the west edge.
  const double r = 1000;
  EXPECT_TRUE(Touches(area_, Outline::Circle(P(36.2, 37.1 + LngOffset(36.2, r)), r)));
  EXPECT_TRUE(Touches(area_, Outline::Circle(P(36.2, 37.1 + LngOffset(36.2, r - 0.01)), r)));
  EXPECT_FALSE(Touches(area_, Outline::Circle(P(36.2, 37.1 + LngOffset(36.2, r + 0.01)), r)));
}

TEST_F(HoleTest, OutlineCoveringTheHole) {
  EXPECT_TRUE(Touches(area_, Box(36.12, 37.07, 36.28, 37.23)));
  EXPECT_TRUE(Touches(area_, Outline::Circle(P(36.2, 37.15), 8000)));
}

TEST_F(HoleTest, OutlineContainingTheWholeArea) {
  EXPECT_TRUE(Touches(area_, Box(35.5, 36.5, 37.0, 38.0)));
  EXPECT_TRUE(Touches(area_, Outline::Circle(P(36.2, 37.15), 100000)));
}

TEST_F(HoleTest, OutlineOutsideTheShell) {
  // East of the shell's meridian edge 37.4.
  auto square = [](double gap) {
    const double lng = 37.4 + LngOffset(36.3, gap);
    return Box(36.1, lng, 36.3, lng + 0.1);
  };
  EXPECT_TRUE(Touches(area_, square(0)));
  EXPECT_TRUE(Touches(area_, square(-0.01)));
  EXPECT_FALSE(Touches(area_, square(0.01)));
  EXPECT_TRUE(area_.WithinDistance(square(4999.99), MetersToChord(5000 + kToleranceM)));
  EXPECT_FALSE(area_.WithinDistance(square(5000.02), MetersToChord(5000 + kToleranceM)));
  EXPECT_FALSE(Touches(area_, Box(40, 40, 40.1, 40.1)));
}

TEST_F(HoleTest, BoundHoldsTheArea) {
  for (const auto& ll : Ring(kShell)) EXPECT_TRUE(area_.bound().Contains(P(ll.lat, ll.lng)));
  EXPECT_LT(area_.bound().GetRadius().degrees(), 1);
}

// ---------------------------------------------------------------------------
// MultiPolygon

// Two parts (as DA-3 of the scenario: Eastern Ghouta and Darayya) and an
// island inside a hole of the first.
class MultiPolygonTest : public ::testing::Test {
 protected:
  const AreaRegion area_ = Area({
      {"33.49:36.33, 33.46:36.45, 33.49:36.55, 33.56:36.58, 33.63:36.50, 33.62:36.40, 33.57:36.34, "
       "33.49:36.33",
       "33.52:36.42, 33.56:36.42, 33.56:36.48, 33.52:36.48, 33.52:36.42"},
      {"33.440:36.225, 33.442:36.258, 33.460:36.262, 33.470:36.245, 33.462:36.228, 33.440:36.225"},
      {"33.53:36.44, 33.53:36.46, 33.55:36.46, 33.55:36.44, 33.53:36.44"},
  });
};

TEST_F(MultiPolygonTest, Contains) {
  EXPECT_TRUE(area_.Contains(P(33.58, 36.50))) << "first part";
  EXPECT_TRUE(area_.Contains(P(33.455, 36.245))) << "second part";
  EXPECT_FALSE(area_.Contains(P(33.525, 36.43))) << "hole of the first part";
  EXPECT_TRUE(area_.Contains(P(33.54, 36.45))) << "island in the hole";
  EXPECT_FALSE(area_.Contains(P(33.47, 36.30))) << "between the parts";
}

TEST_F(MultiPolygonTest, WithinDistance) {
  EXPECT_TRUE(Touches(area_, Outline::Circle(P(33.455, 36.245), 100))) << "in the second part";
  EXPECT_FALSE(Touches(area_, Outline::Circle(P(33.47, 36.30), 500))) << "between the parts";
  // In the hole, between the shell's hole edge and the island.
  EXPECT_FALSE(Touches(area_, Outline::Circle(P(33.525, 36.425), 200)));
  // Touching the island's meridian edge 36.44 from the west.
  const double r = 500;
  EXPECT_TRUE(Touches(area_, Outline::Circle(P(33.54, 36.44 - LngOffset(33.54, r)), r)));
  EXPECT_FALSE(Touches(area_, Outline::Circle(P(33.54, 36.44 - LngOffset(33.54, r + 0.01)), r)));
  // An outline covering both parts.
  EXPECT_TRUE(Touches(area_, Polygon("33.3:36.1, 33.3:36.7, 33.8:36.7, 33.8:36.1")));
}

TEST(AreaRegionTest, EitherWindingMeansTheSameArea) {
  // The same area written with the other windings.
  const AreaRegion a = Area({{kShell, kHole}});
  const AreaRegion b = Area({{"36.0:36.9, 36.4:36.9, 36.4:37.4, 36.0:37.4, 36.0:36.9",
                              "36.15:37.1, 36.15:37.2, 36.25:37.2, 36.25:37.1, 36.15:37.1"}});
  for (double lat = 35.95; lat < 36.45; lat += 0.0173) {
    for (double lng = 36.85; lng < 37.45; lng += 0.0191) {
      ASSERT_EQ(a.Contains(P(lat, lng)), b.Contains(P(lat, lng))) << lat << ":" << lng;
    }
  }
  EXPECT_NEAR(a.polygon()->GetArea(), b.polygon()->GetArea(), 1e-18);
}

// ---------------------------------------------------------------------------
// Randomized: AreaRegion::WithinDistance against S2ClosestEdgeQuery

class Random {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}
  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  int UniformInt(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // The point `m` metres from `c` on bearing `bearing` (radians from north).
  static S2Point Offset(const S2Point& c, double bearing, double m) {
    const S2Point east = S2Point(0, 0, 1).CrossProd(c).Normalize();
    const S2Point north = c.CrossProd(east);
    const double a = m / kR;
    return (std::cos(a) * c + std::sin(a) * (std::cos(bearing) * north + std::sin(bearing) * east))
        .Normalize();
  }

  // A star-shaped ring of `n` vertices around `c`, `lo`-`hi` metres out, as
  // degrees in either winding.
  std::vector<LatLngDeg> Star(const S2Point& c, int n, double lo, double hi) {
    const double phase = Uniform(0, 2 * kPi);
    std::vector<LatLngDeg> out;
    for (int i = 0; i < n; ++i) {
      const double bearing = phase + (i + Uniform(-0.4, 0.4)) * 2 * kPi / n;
      const S2LatLng ll(Offset(c, bearing, Uniform(lo, hi)));
      out.push_back({ll.lat().degrees(), ll.lng().degrees()});
    }
    if (UniformInt(0, 1) == 0) std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

std::optional<std::vector<S2Point>> RingOf(std::vector<LatLngDeg> lls, RingForm form) {
  if (form == RingForm::kClosed) lls.push_back(lls.front());
  std::vector<FieldError> errors;
  return CheckRing(
      lls, form, "r", [](size_t i) { return std::to_string(i); }, &errors);
}

// An area with its reference: a polygon (maybe with a hole) or a disc.
struct TestArea {
  AreaRegion region;
  S2Point center;
  double radius_m = 0;       // disc only
  double hole_radius_m = 0;  // 0: no hole
};

std::optional<TestArea> MakeArea(Random& rnd, const S2Point& c) {
  TestArea a;
  a.center = c;
  if (rnd.UniformInt(0, 4) == 0) {
    a.radius_m = rnd.Uniform(1000, 15000);
    a.region = AreaRegion::Disc(c, a.radius_m);
    return a;
  }
  auto shell = RingOf(rnd.Star(c, rnd.UniformInt(3, 30), 5000, 20000), RingForm::kClosed);
  if (!shell) return std::nullopt;
  PolygonRings part;
  part.path = "p";
  part.shell = *shell;
  if (rnd.UniformInt(0, 1) == 0) {
    // A hole well inside the shell: half the distance from the centre to
    // the nearest shell edge.
    double inner = INFINITY;
    for (size_t i = 0; i < shell->size(); ++i) {
      inner = std::min(
          inner, S2::GetDistance(c, (*shell)[i], (*shell)[(i + 1) % shell->size()]).radians() * kR);
    }
    a.hole_radius_m = inner / 2;
    auto hole = RingOf(rnd.Star(c, rnd.UniformInt(3, 12), a.hole_radius_m * 0.6, a.hole_radius_m),
                       RingForm::kClosed);
    if (!hole) return std::nullopt;
    part.holes.push_back(*hole);
    part.hole_paths.push_back("h");
  }
  std::vector<PolygonRings> parts;
  parts.push_back(std::move(part));
  std::vector<FieldError> errors;
  std::unique_ptr<S2Polygon> poly = BuildAreaPolygon(std::move(parts), &errors);
  if (!poly) return std::nullopt;
  a.region = AreaRegion::Polygon(std::shared_ptr<const S2Polygon>(std::move(poly)));
  return a;
}

// An outline with its reference index (polygon) or centre and radius (circle).
struct TestOutline {
  Outline outline;
  std::unique_ptr<MutableS2ShapeIndex> index;
  S2Point center;
  double radius_m = 0;
};

TestOutline PolygonOutline(std::vector<S2Point> ring) {
  TestOutline t;
  t.index = std::make_unique<MutableS2ShapeIndex>();
  t.index->Add(
      std::make_unique<S2Loop::OwningShape>(std::make_unique<S2Loop>(ring, S2Debug::DISABLE)));
  t.outline = Outline::Polygon(std::move(ring));
  t.center = t.outline.bound().center();
  return t;
}

TestOutline CircleOutline(const S2Point& c, double r) {
  TestOutline t;
  t.outline = Outline::Circle(c, r);
  t.center = c;
  t.radius_m = r;
  return t;
}

std::optional<TestOutline> MakeOutline(Random& rnd, const S2Point& c, double scale) {
  if (rnd.UniformInt(0, 3) == 0) return CircleOutline(c, scale * rnd.Uniform(2000, 15000));
  auto ring =
      RingOf(rnd.Star(c, rnd.UniformInt(3, 30), scale * 5000, scale * 20000), RingForm::kOpen);
  if (!ring) return std::nullopt;
  return PolygonOutline(std::move(*ring));
}

TestOutline Moved(const TestOutline& o, const S2Point& axis, S1Angle angle) {
  if (o.outline.is_circle()) return CircleOutline(S2::Rotate(o.center, axis, angle), o.radius_m);
  std::vector<S2Point> ring;
  for (const S2Point& v : o.outline.ring()) ring.push_back(S2::Rotate(v, axis, angle));
  return PolygonOutline(std::move(ring));
}

// Distance between area and outline (interiors included), S2's way.
double ReferenceDistanceM(const TestArea& a, const TestOutline& o) {
  if (a.region.is_disc()) {
    double d;
    if (o.outline.is_circle()) {
      d = S1Angle(a.center, o.center).radians() * kR - o.radius_m;
    } else {
      S2ClosestEdgeQuery q(o.index.get());
      S2ClosestEdgeQuery::PointTarget target(a.center);
      d = q.GetDistance(&target).ToAngle().radians() * kR;
    }
    return std::max(0.0, d - a.radius_m);
  }
  S2ClosestEdgeQuery q(&a.region.polygon()->index());
  q.mutable_options()->set_include_interiors(true);
  if (o.outline.is_circle()) {
    S2ClosestEdgeQuery::PointTarget target(o.center);
    return std::max(0.0, q.GetDistance(&target).ToAngle().radians() * kR - o.radius_m);
  }
  S2ClosestEdgeQuery::ShapeIndexTarget target(o.index.get());
  target.set_include_interiors(true);
  return q.GetDistance(&target).ToAngle().radians() * kR;
}

// Moves `o` rigidly about `axis` until the reference distance is `target_m`
// (within 0.1 mm, or as close as 40 steps get; a step of d moves the
// outline d metres along the rotation); a negative target pushes it that
// much further once the two touch.
TestOutline Approach(const TestArea& a, TestOutline o, const S2Point& axis, double target_m) {
  const double stop = std::max(target_m, 0.0002);
  for (int i = 0; i < 40; ++i) {
    const double d = ReferenceDistanceM(a, o);
    if (std::abs(d - stop) < 1e-4) break;
    o = Moved(o, axis, MetersToAngle(d - stop));
  }
  if (target_m < 0) o = Moved(o, axis, MetersToAngle(-target_m));
  return o;
}

TEST(AreaRegionRandomTest, WithinDistanceAgreesWithS2ClosestEdgeQuery) {
  Random rnd(0xa4ea);
  int compared = 0, within = 0, in_holes = 0;
  constexpr int kPairs = 1000;
  for (int iter = 0; iter < kPairs; ++iter) {
    const S2Point c = P(rnd.Uniform(32.5, 37.0), rnd.Uniform(35.8, 42.0));
    std::optional<TestArea> area = MakeArea(rnd, c);
    if (!area) continue;
    const int mode = iter % 10;
    std::optional<TestOutline> o;
    if (mode < 7) {
      // From outside: a few cm either side of touching, or of 5 km.
      const S2Point start = Random::Offset(c, rnd.Uniform(0, 2 * kPi), 45000 + 5000 * (iter % 2));
      o = MakeOutline(rnd, start, 1.0);
      if (!o) continue;
      const S2Point axis = o->center.CrossProd(c).Normalize();
      const double target = mode < 4 ? rnd.Uniform(-0.05, 0.05) : 5000 + rnd.Uniform(-0.05, 0.05);
      o = Approach(*area, std::move(*o), axis, target);
    } else if (area->hole_radius_m > 0) {
      // From inside the hole outwards, to a few cm either side of its edge.
      o = MakeOutline(rnd, c, area->hole_radius_m / 60000);
      if (!o) continue;
      const S2Point away = Random::Offset(c, rnd.Uniform(0, 2 * kPi), 1);
      const S2Point axis = c.CrossProd(away).Normalize();
      o = Moved(*o, axis, MetersToAngle(rnd.Uniform(0, area->hole_radius_m * 0.2)));
      if (mode < 9 && ReferenceDistanceM(*area, *o) > 0) {
        o = Approach(*area, std::move(*o), axis, rnd.Uniform(-0.05, 0.05));
      }
      in_holes += mode == 9 && ReferenceDistanceM(*area, *o) > 0;
    } else {
      // Anywhere near: inside, across, around.
      o = MakeOutline(rnd, Random::Offset(c, rnd.Uniform(0, 2 * kPi), rnd.Uniform(0, 25000)),
                      rnd.Uniform(0.1, 2.0));
      if (!o) continue;
    }
    const double ref = ReferenceDistanceM(*area, *o);
    const double limits[] = {0, kToleranceM, 5000 + kToleranceM, ref + rnd.Uniform(-0.03, 0.03),
                             ref + rnd.Uniform(-1e-4, 1e-4)};
    for (double limit : limits) {
      if (limit < 0 || std::abs(ref - limit) < 1e-6) continue;
      const bool expected = ref <= limit;
      ASSERT_EQ(area->region.WithinDistance(o->outline, MetersToChord(limit)), expected)
          << "pair " << iter << ": reference " << ref << " m, limit " << limit << " m";
      ++compared;
      within += expected;
    }
    if (!o->outline.is_circle()) {
      for (const S2Point& v : o->outline.ring()) {
        const double d = area->region.Distance(v).radians() * kR;
        // Contains is closed within the tolerance.
        if (d > kToleranceM + 1e-6) {
          ASSERT_FALSE(area->region.Contains(v)) << "pair " << iter;
        } else if (d < kToleranceM - 1e-6) {
          ASSERT_TRUE(area->region.Contains(v)) << "pair " << iter;
        }
      }
    }
  }
  EXPECT_GT(compared, 3 * kPairs);
  EXPECT_GT(within, compared / 4);
  EXPECT_LT(within, compared * 3 / 4);
  EXPECT_GT(in_holes, kPairs / 100) << "outlines alone in a hole must be represented";
}

}  // namespace
}  // namespace jic::geo
