// Outline and the distance predicates between outlines, read as a
// specification: edges are geodesics on a sphere of 6,371,008.8 m, touching
// counts, and 1 cm apart is not touching.
#include "geo/geo_fixtures.h"
#include "jic/geo/outline.h"

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
#include <utility>
#include <vector>

#include "jic/geo/earth.h"
#include "jic/geo/geometry_check.h"
#include "s2/mutable_s2shape_index.h"
#include "s2/s2closest_edge_query.h"
#include "s2/s2edge_crossings.h"
#include "s2/s2edge_distances.h"
#include "s2/s2latlng.h"
#include "s2/s2loop.h"
#include "s2/s2pointutil.h"

namespace jic::geo {
namespace {

using testing::kR;
using testing::kPi;
using testing::P;
using testing::Rad;
using testing::Deg;
constexpr auto& ParseLatLngs = testing::Ring;


double LatOf(const S2Point& p) { return S2LatLng(p).lat().degrees(); }
double LngOf(const S2Point& p) { return S2LatLng(p).lng().degrees(); }


// An ASTM-style (open) ring through CheckRing, as the engine builds it.
Outline Polygon(const std::vector<LatLngDeg>& ring) {
  std::vector<FieldError> errors;
  auto pts = CheckRing(
      ring, RingForm::kOpen, "ring", [](size_t i) { return "ring[" + std::to_string(i) + "]"; },
      &errors);
  EXPECT_TRUE(pts.has_value()) << (errors.empty() ? "" : errors[0].ToString());
  if (!pts) return Outline();
  return Outline::Polygon(std::move(*pts));
}
Outline Polygon(std::string_view text) { return Polygon(ParseLatLngs(text)); }

// The rectangle lat0..lat1 x lng0..lng1 (its east-west edges are geodesics,
// not parallels).
Outline Box(double lat0, double lng0, double lat1, double lng1) {
  return Polygon({{lat0, lng0}, {lat0, lng1}, {lat1, lng1}, {lat1, lng0}});
}

Outline Circle(double lat, double lng, double radius_m) {
  return Outline::Circle(P(lat, lng), radius_m);
}

// Longitude difference that puts a point at latitude `lat` exactly `m` metres
// from a meridian (spherical right triangle: sin d = cos(lat) sin(dlng)).
double LngOffsetForDistance(double lat, double m) {
  return Deg(std::asin(std::sin(m / kR) / std::cos(Rad(lat))));
}
// Latitude difference of `m` metres along a meridian.
double LatOffset(double m) { return Deg(m / kR); }

// The engine's limits: the minimum plus the shared tolerance.
S1ChordAngle Limit(double m) { return MetersToChord(m + kToleranceM); }
bool Touch(const Outline& a, const Outline& b) {
  const bool ab = WithinDistance(a, b, Limit(0));
  EXPECT_EQ(ab, WithinDistance(b, a, Limit(0))) << "WithinDistance must be symmetric";
  return ab;
}
bool Within(const Outline& a, const Outline& b, double m) {
  const bool ab = WithinDistance(a, b, Limit(m));
  EXPECT_EQ(ab, WithinDistance(b, a, Limit(m))) << "WithinDistance must be symmetric";
  return ab;
}
double DistanceM(const Outline& a, const Outline& b) { return AngleToMeters(Distance(a, b)); }

// ---------------------------------------------------------------------------
// Geodesic edges

// The ring 60:0, 60:40, 50:40, 50:0. Its northern edge is a great circle
// arc that bulges poleward to about 61.5 degrees at longitude 20; its
// southern edge bulges poleward to about 51.7 degrees.
class GeodesicEdgeTest : public ::testing::Test {
 protected:
  const Outline ring_ = Polygon("60:0, 60:40, 50:40, 50:0");
  // Apexes of the two east-west edges, at longitude 20 by symmetry.
  const S2Point north_apex_ = (P(60, 0) + P(60, 40)).Normalize();
  const S2Point south_apex_ = (P(50, 0) + P(50, 40)).Normalize();
  const double north_lat_ = LatOf(north_apex_);
  const double south_lat_ = LatOf(south_apex_);
};

TEST_F(GeodesicEdgeTest, ApexesAreWhereSphericalTrigonometryPutsThem) {
  // tan(apex) = tan(lat) / cos(half the longitude span).
  EXPECT_NEAR(north_lat_, Deg(std::atan(std::tan(Rad(60)) / std::cos(Rad(20)))), 1e-12);
  EXPECT_NEAR(south_lat_, Deg(std::atan(std::tan(Rad(50)) / std::cos(Rad(20)))), 1e-12);
  EXPECT_NEAR(LngOf(north_apex_), 20, 1e-12);
  EXPECT_GT(north_lat_, 61.5);
  EXPECT_GT(south_lat_, 51.7);
}

TEST_F(GeodesicEdgeTest, NorthernEdgeBulgesPoleward) {
  EXPECT_TRUE(ring_.Contains(P(61, 20))) << "north of the planar edge, south of the geodesic";
  EXPECT_TRUE(ring_.Contains(P(61.5, 20)));
  EXPECT_TRUE(ring_.Contains(P(north_lat_ - LatOffset(0.01), 20)));
  EXPECT_FALSE(ring_.Contains(P(north_lat_ + LatOffset(0.01), 20)));
  EXPECT_FALSE(ring_.Contains(P(61, 0.5))) << "near the corners the bulge is small";
}

TEST_F(GeodesicEdgeTest, SouthernEdgeBulgesPolewardToo) {
  EXPECT_FALSE(ring_.Contains(P(50.5, 20))) << "north of the planar edge, south of the geodesic";
  EXPECT_FALSE(ring_.Contains(P(51.5, 20)));
  EXPECT_FALSE(ring_.Contains(P(south_lat_ - LatOffset(0.01), 20)));
  EXPECT_TRUE(ring_.Contains(P(south_lat_ + LatOffset(0.01), 20)));
  EXPECT_TRUE(ring_.Contains(P(55, 20)));
  EXPECT_TRUE(ring_.Contains(P(50.5, 0.5)));
}

TEST_F(GeodesicEdgeTest, DistanceToTheBulgeIsMeasuredFromTheGeodesic) {
  // At the apex the edge runs due east, so the distance of a point due north
  // of it is its latitude difference.
  for (double m : {0.01, 1.0, 10.0, 1000.0}) {
    const S2Point p = P(north_lat_ + LatOffset(m), 20);
    EXPECT_NEAR(AngleToMeters(ring_.Distance(p)), m, 1e-4) << m;
    EXPECT_FALSE(ring_.WithinDistance(p, MetersToChord(m - 0.005))) << m;
    EXPECT_TRUE(ring_.WithinDistance(p, MetersToChord(m + 0.005))) << m;
  }
  EXPECT_EQ(ring_.Distance(P(61, 20)).radians(), 0) << "inside";
  EXPECT_TRUE(ring_.WithinDistance(P(61, 20), S1ChordAngle::Zero()));
  // A planar model would put (50.5, 20) inside; it is ~138 km south of the
  // southern edge's apex.
  EXPECT_NEAR(AngleToMeters(ring_.Distance(P(50.5, 20))), Rad(south_lat_ - 50.5) * kR, 1e-4);
}

TEST_F(GeodesicEdgeTest, ACircleOnTheBulgeTouchesOnlyWhenItReachesTheGeodesic) {
  const double above = 1000;  // circle centre this far north of the apex
  const double lat = north_lat_ + LatOffset(above);
  EXPECT_FALSE(Touch(ring_, Circle(lat, 20, above - 0.01)));
  EXPECT_TRUE(Touch(ring_, Circle(lat, 20, above + 0.01)));
  EXPECT_TRUE(Touch(ring_, Circle(lat, 20, above)));
  EXPECT_NEAR(DistanceM(ring_, Circle(lat, 20, 400)), 600, 1e-4);
}

// ---------------------------------------------------------------------------
// Contains

TEST(OutlineContainsTest, ConvexSquare) {
  const Outline sq = Polygon("36.0:37.0, 36.0:37.1, 36.1:37.1, 36.1:37.0");
  EXPECT_FALSE(sq.is_circle());
  EXPECT_EQ(sq.ring().size(), 4u);
  EXPECT_TRUE(sq.Contains(P(36.05, 37.05)));
  EXPECT_TRUE(sq.Contains(P(36.001, 37.001)));
  EXPECT_TRUE(sq.Contains(P(36.099, 37.099)));
  EXPECT_FALSE(sq.Contains(P(35.99, 37.05)));
  EXPECT_FALSE(sq.Contains(P(36.05, 37.11)));
  EXPECT_FALSE(sq.Contains(P(36.05, 36.99)));
  EXPECT_FALSE(sq.Contains(P(36.11, 37.05)));
  EXPECT_FALSE(sq.Contains(P(-36.05, -142.95))) << "the antipode";
  // A meridian edge is exact: 1 cm either side of lng 37.1.
  const double d = LngOffsetForDistance(36.05, 0.01);
  EXPECT_TRUE(sq.Contains(P(36.05, 37.1 - d)));
  EXPECT_FALSE(sq.Contains(P(36.05, 37.1 + d)));
}

// A "C" open to the east: two arms joined by a spine along lng 37.0-37.1.
constexpr char kCShape[] =
    "36.0:37.0, 36.0:37.3, 36.1:37.3, 36.1:37.1, 36.2:37.1, 36.2:37.3, 36.3:37.3, 36.3:37.0";
constexpr char kCShapeClockwise[] =
    "36.3:37.0, 36.3:37.3, 36.2:37.3, 36.2:37.1, 36.1:37.1, 36.1:37.3, 36.0:37.3, 36.0:37.0";

TEST(OutlineContainsTest, ConcaveCShape) {
  const Outline c = Polygon(kCShape);
  EXPECT_TRUE(c.Contains(P(36.05, 37.2))) << "lower arm";
  EXPECT_TRUE(c.Contains(P(36.25, 37.2))) << "upper arm";
  EXPECT_TRUE(c.Contains(P(36.15, 37.05))) << "spine";
  EXPECT_FALSE(c.Contains(P(36.15, 37.2))) << "in the mouth of the C";
  EXPECT_FALSE(c.Contains(P(36.15, 37.11))) << "just inside the mouth";
  EXPECT_TRUE(c.Contains(P(36.15, 37.09))) << "just inside the spine";
  EXPECT_FALSE(c.Contains(P(36.15, 36.95))) << "west of the spine";
  EXPECT_FALSE(c.Contains(P(36.35, 37.2))) << "north of the C";
  EXPECT_FALSE(c.Contains(P(36.15, 37.35))) << "east of the mouth";
}

TEST(OutlineContainsTest, DistanceFromTheMouthOfTheC) {
  const Outline c = Polygon(kCShape);
  // The closest boundary is the lower arm's inner edge 36.1:37.3-36.1:37.1,
  // whose apex is at lng 37.2; the point is due north of it.
  const S2Point apex = (P(36.1, 37.1) + P(36.1, 37.3)).Normalize();
  EXPECT_NEAR(LngOf(apex), 37.2, 1e-12);
  const double expected = Rad(36.15 - LatOf(apex)) * kR;
  EXPECT_NEAR(AngleToMeters(c.Distance(P(36.15, 37.2))), expected, 1e-4);
  EXPECT_GT(expected, 5000);
  EXPECT_LT(expected, 5560);
}

TEST(OutlineContainsTest, BothWindingsMeanTheSameRegion) {
  const Outline ccw = Polygon(kCShape);
  const Outline cw = Polygon(kCShapeClockwise);
  // CheckRing returns the loop counter-clockwise around the smaller region
  // whatever the input winding.
  ASSERT_EQ(cw.ring().size(), ccw.ring().size());
  EXPECT_TRUE(S2Loop(ccw.ring()).IsNormalized());
  EXPECT_TRUE(S2Loop(cw.ring()).IsNormalized());
  EXPECT_NEAR(S2Loop(cw.ring()).GetArea(), S2Loop(ccw.ring()).GetArea(), 1e-15);
  // A grid over the C and its surroundings, against S2's own loop.
  const S2Loop reference(ccw.ring());
  int inside = 0;
  for (double lat = 35.953; lat < 36.35; lat += 0.0137) {
    for (double lng = 36.953; lng < 37.35; lng += 0.0131) {
      const S2Point p = P(lat, lng);
      ASSERT_EQ(ccw.Contains(p), reference.Contains(p)) << lat << ":" << lng;
      ASSERT_EQ(cw.Contains(p), ccw.Contains(p)) << lat << ":" << lng;
      inside += ccw.Contains(p);
    }
  }
  EXPECT_GT(inside, 100);
}

TEST(OutlineContainsTest, ClockwiseSquareIsStillTheSmallRegion) {
  const Outline sq = Polygon("36.1:37.0, 36.1:37.1, 36.0:37.1, 36.0:37.0");
  EXPECT_TRUE(sq.Contains(P(36.05, 37.05)));
  EXPECT_FALSE(sq.Contains(P(0, 0)));
  EXPECT_FALSE(sq.Contains(P(-36.05, -142.95)));
  EXPECT_LT(sq.bound().GetRadius().degrees(), 0.1);
}

TEST(OutlineContainsTest, AcrossTheAntimeridian) {
  const Outline sq = Polygon("10:179.9, 10:-179.9, 10.1:-179.9, 10.1:179.9");
  EXPECT_TRUE(sq.Contains(P(10.05, 180)));
  EXPECT_TRUE(sq.Contains(P(10.05, -179.95)));
  EXPECT_TRUE(sq.Contains(P(10.05, 179.95)));
  EXPECT_FALSE(sq.Contains(P(10.05, 0)));
  EXPECT_FALSE(sq.Contains(P(10.05, 179.8)));
  EXPECT_LT(sq.bound().GetRadius().degrees(), 0.2);
}

TEST(OutlineContainsTest, AroundThePole) {
  const Outline cap = Polygon("80:0, 80:90, 80:180, 80:-90");
  EXPECT_TRUE(cap.Contains(P(90, 0)));
  EXPECT_TRUE(cap.Contains(P(85, 45)));
  EXPECT_FALSE(cap.Contains(P(75, 45)));
  EXPECT_FALSE(cap.Contains(P(-90, 0)));
}

TEST(OutlineContainsTest, Circle) {
  const Outline c = Circle(36.2, 37.16, 2000);
  EXPECT_TRUE(c.is_circle());
  EXPECT_TRUE(c.ring().empty());
  EXPECT_NEAR(c.circle_radius_m(), 2000, 1e-6);
  EXPECT_TRUE(c.Contains(P(36.2, 37.16)));
  EXPECT_TRUE(c.Contains(P(36.2 + LatOffset(1999.99), 37.16)));
  EXPECT_FALSE(c.Contains(P(36.2 + LatOffset(2000.01), 37.16)));
  EXPECT_FALSE(c.Contains(P(36.2 - LatOffset(2000.01), 37.16)));
  EXPECT_NEAR(AngleToMeters(c.Distance(P(36.2 + LatOffset(2500), 37.16))), 500, 1e-6);
  EXPECT_EQ(c.Distance(P(36.2, 37.17)).radians(), 0);
  EXPECT_TRUE(c.WithinDistance(P(36.2 + LatOffset(2500), 37.16), Limit(500)));
  EXPECT_FALSE(c.WithinDistance(P(36.2 + LatOffset(2500.02), 37.16), Limit(500)));
}

TEST(OutlineTest, BoundHoldsTheWholePolygon) {
  const Outline c = Polygon(kCShape);
  for (const S2Point& v : c.ring()) EXPECT_TRUE(c.bound().Contains(v));
  // The geodesic edges too (their midpoints are the farthest from the chord).
  const auto& r = c.ring();
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_TRUE(c.bound().Contains((r[i] + r[(i + 1) % r.size()]).Normalize()));
  }
  EXPECT_GT(c.HeapBytes(), 0u);
  EXPECT_EQ(Circle(36, 37, 100).HeapBytes(), 0u);
}

// ---------------------------------------------------------------------------
// Polygon to polygon: a 1 cm gap and a 1 cm overlap told apart

// Two 0.1-degree squares side by side along the meridian lng 37. The gap
// between them is narrowest at their northern corners (lat 36.1), so the
// offsets are computed there.
class SideBySideSquaresTest : public ::testing::Test {
 protected:
  static Outline East(double shift_m) {
    const double d =
        shift_m >= 0 ? LngOffsetForDistance(36.1, shift_m) : -LngOffsetForDistance(36.1, -shift_m);
    return Box(36.0, 37.0 + d, 36.1, 37.1 + d);
  }
  const Outline west_ = Polygon("36.0:36.9, 36.0:37.0, 36.1:37.0, 36.1:36.9");
};

TEST_F(SideBySideSquaresTest, SharingAnEdgeIsTouching) {
  const Outline east = Polygon("36.0:37.0, 36.0:37.1, 36.1:37.1, 36.1:37.0");
  EXPECT_TRUE(Touch(west_, east));
  EXPECT_TRUE(WithinDistance(west_, east, S1ChordAngle::Zero())) << "even with no tolerance";
  EXPECT_EQ(DistanceM(west_, east), 0);
}

TEST_F(SideBySideSquaresTest, OneCentimetreApartIsNotTouching) {
  EXPECT_FALSE(Touch(west_, East(0.01)));
  EXPECT_NEAR(DistanceM(west_, East(0.01)), 0.01, 1e-5);
  EXPECT_TRUE(Within(west_, East(0.01), 0.01));
}

TEST_F(SideBySideSquaresTest, HalfAMillimetreApartIsTouching) {
  EXPECT_TRUE(Touch(west_, East(0.0005)));
  EXPECT_FALSE(WithinDistance(west_, East(0.0005), S1ChordAngle::Zero()));
}

TEST_F(SideBySideSquaresTest, OneCentimetreOverlapIsAnOverlap) {
  // Neither square holds a vertex of the other: the southern corners of the
  // shifted square lie just south of the other's (northward-bulging) edge.
  const Outline east = East(-0.01);
  EXPECT_FALSE(west_.Contains(east.ring()[0]));
  EXPECT_TRUE(Touch(west_, east));
  EXPECT_TRUE(WithinDistance(west_, east, S1ChordAngle::Zero()));
  EXPECT_EQ(DistanceM(west_, east), 0);
}

TEST_F(SideBySideSquaresTest, FiveKilometreMinimum) {
  EXPECT_TRUE(Within(west_, East(4999.99), 5000));
  EXPECT_FALSE(Within(west_, East(5000.02), 5000));
  EXPECT_FALSE(Touch(west_, East(4999.99)));
}

// A triangle pointing west whose tip is `gap_m` east of the meridian edge
// lng 37 of west_: the closest point is the tip and its foot on the edge, so
// the distance is exact spherical trigonometry.
Outline TipEastOf37(double gap_m) {
  const double lng = 37 + LngOffsetForDistance(36.05, gap_m);
  return Polygon({{36.05, lng}, {36.0, lng + 0.1}, {36.1, lng + 0.1}});
}

TEST_F(SideBySideSquaresTest, TriangleTipAgainstAnEdge) {
  EXPECT_TRUE(Touch(west_, TipEastOf37(0)));
  EXPECT_TRUE(Touch(west_, TipEastOf37(0.0009)));
  EXPECT_FALSE(Touch(west_, TipEastOf37(0.01)));
  EXPECT_TRUE(Within(west_, TipEastOf37(4999.99), 5000));
  EXPECT_FALSE(Within(west_, TipEastOf37(5000.02), 5000));
  for (double m : {0.01, 0.5, 17.0, 4999.99, 5000.02, 12345.6}) {
    EXPECT_NEAR(DistanceM(west_, TipEastOf37(m)), m, 1e-6) << m;
  }
  // The tip 1 cm inside the square.
  const double lng = 37 - LngOffsetForDistance(36.05, 0.01);
  const Outline in = Polygon({{36.05, lng}, {36.0, lng + 0.1}, {36.1, lng + 0.1}});
  EXPECT_TRUE(Touch(west_, in));
  EXPECT_EQ(DistanceM(west_, in), 0);
}

TEST(PolygonPolygonTest, OneInsideTheOther) {
  const Outline big = Box(36.0, 37.0, 36.5, 37.5);
  const Outline small = Box(36.2, 37.2, 36.3, 37.3);
  EXPECT_TRUE(Touch(big, small));
  EXPECT_EQ(DistanceM(big, small), 0);
  EXPECT_EQ(DistanceM(small, big), 0);
}

TEST(PolygonPolygonTest, CrossingWithNoVertexInside) {
  // A plus sign: each bar's vertices lie outside the other bar.
  const Outline ns = Box(36.0, 37.1, 36.3, 37.2);
  const Outline ew = Box(36.1, 37.0, 36.2, 37.3);
  for (const S2Point& v : ns.ring()) EXPECT_FALSE(ew.Contains(v));
  for (const S2Point& v : ew.ring()) EXPECT_FALSE(ns.Contains(v));
  EXPECT_TRUE(WithinDistance(ns, ew, S1ChordAngle::Zero()));
  EXPECT_EQ(DistanceM(ns, ew), 0);
}

TEST(PolygonPolygonTest, InTheMouthOfTheC) {
  // A square in the mouth of the C, 1 cm from the spine and ~5.5 km from the
  // arms: it meets the C only when the limit reaches the spine.
  const Outline c = Polygon(kCShape);
  const double d = LngOffsetForDistance(36.14, 0.01);
  const Outline sq = Box(36.14, 37.1 + d, 36.16, 37.12);
  EXPECT_FALSE(Touch(c, sq));
  EXPECT_TRUE(Within(c, sq, 0.01));
  EXPECT_NEAR(DistanceM(c, sq), 0.01, 1e-5);
}

// ---------------------------------------------------------------------------
// Polygon to circle, circle to circle

TEST(PolygonCircleTest, CircleEastOfAMeridianEdge) {
  const Outline sq = Box(36.0, 36.9, 36.1, 37.0);
  // A circle of 1 km centred at 36.05 and `d` metres east of lng 37.
  auto circle = [](double d) { return Circle(36.05, 37 + LngOffsetForDistance(36.05, d), 1000); };
  EXPECT_TRUE(Touch(sq, circle(1000)));
  EXPECT_TRUE(Touch(sq, circle(999.99)));
  EXPECT_FALSE(Touch(sq, circle(1000.01)));
  EXPECT_TRUE(Touch(sq, circle(1000.0009)));
  EXPECT_TRUE(Within(sq, circle(5999.99), 5000));
  EXPECT_FALSE(Within(sq, circle(6000.02), 5000));
  EXPECT_NEAR(DistanceM(sq, circle(1000.01)), 0.01, 1e-6);
  EXPECT_NEAR(DistanceM(circle(7500), sq), 6500, 1e-6);
  EXPECT_EQ(DistanceM(sq, circle(999.99)), 0);
}

TEST(PolygonCircleTest, CircleInsideAndAroundAPolygon) {
  const Outline sq = Box(36.0, 36.9, 36.1, 37.0);
  EXPECT_TRUE(Touch(sq, Circle(36.05, 36.95, 10)));      // circle inside
  EXPECT_TRUE(Touch(sq, Circle(36.05, 36.95, 100000)));  // polygon inside
  EXPECT_EQ(DistanceM(sq, Circle(36.05, 36.95, 10)), 0);
}

TEST(PolygonCircleTest, CircleInTheMouthOfTheC) {
  const Outline c = Polygon(kCShape);
  const double r = 1000;
  const double lng = 37.1 + LngOffsetForDistance(36.15, r + 0.01);
  EXPECT_FALSE(Touch(c, Circle(36.15, lng, r)));
  const double lng2 = 37.1 + LngOffsetForDistance(36.15, r - 0.01);
  EXPECT_TRUE(Touch(c, Circle(36.15, lng2, r)));
}

class CircleCircleTest : public ::testing::Test {
 protected:
  // Circles of 1 km and 2 km on the meridian lng 37, their edges `gap_m`
  // apart (negative: overlapping).
  static std::pair<Outline, Outline> Pair(double gap_m) {
    return {Circle(36.0, 37, 1000), Circle(36.0 + LatOffset(3000 + gap_m), 37, 2000)};
  }
};

TEST_F(CircleCircleTest, TouchingOverlappingApart) {
  EXPECT_TRUE(Touch(Pair(0).first, Pair(0).second));
  EXPECT_TRUE(Touch(Pair(-0.01).first, Pair(-0.01).second));
  EXPECT_TRUE(Touch(Pair(0.0009).first, Pair(0.0009).second));
  EXPECT_FALSE(Touch(Pair(0.01).first, Pair(0.01).second));
  EXPECT_TRUE(Within(Pair(4999.99).first, Pair(4999.99).second, 5000));
  EXPECT_FALSE(Within(Pair(5000.02).first, Pair(5000.02).second, 5000));
}

TEST_F(CircleCircleTest, DistanceIsCentreDistanceLessRadii) {
  for (double gap : {0.01, 1.0, 5000.02, 123456.0}) {
    auto [a, b] = Pair(gap);
    EXPECT_NEAR(DistanceM(a, b), gap, 1e-6) << gap;
  }
  auto [a, b] = Pair(-10);
  EXPECT_EQ(DistanceM(a, b), 0);
  // Along a parallel: the haversine of the centres.
  const Outline c1 = Circle(36.0, 37.0, 500);
  const Outline c2 = Circle(36.0, 37.2, 700);
  const double dlng = Rad(0.2);
  const double h =
      std::cos(Rad(36.0)) * std::cos(Rad(36.0)) * std::sin(dlng / 2) * std::sin(dlng / 2);
  const double centres = 2 * kR * std::asin(std::sqrt(h));
  EXPECT_NEAR(DistanceM(c1, c2), centres - 1200, 1e-6);
}

// ---------------------------------------------------------------------------
// Randomized: WithinDistance against S2ClosestEdgeQuery

// A shape with its S2 reference: a loop in a shape index, or a cap.
struct Shape {
  Outline outline;
  std::unique_ptr<MutableS2ShapeIndex> index;  // polygon only
  S2Point center;
  double radius_m = 0;  // circle only
};

Shape MakePolygonShape(std::vector<S2Point> ring) {
  Shape s;
  s.index = std::make_unique<MutableS2ShapeIndex>();
  s.index->Add(
      std::make_unique<S2Loop::OwningShape>(std::make_unique<S2Loop>(ring, S2Debug::DISABLE)));
  s.outline = Outline::Polygon(std::move(ring));
  s.center = s.outline.bound().center();
  return s;
}

Shape MakeCircleShape(const S2Point& center, double radius_m) {
  Shape s;
  s.outline = Outline::Circle(center, radius_m);
  s.center = center;
  s.radius_m = radius_m;
  return s;
}

// The distance between two shapes as S2 computes it (interiors included).
double ReferenceDistanceM(const Shape& a, const Shape& b) {
  if (a.outline.is_circle() && b.outline.is_circle()) {
    return std::max(0.0, S1Angle(a.center, b.center).radians() * kR - a.radius_m - b.radius_m);
  }
  if (a.outline.is_circle()) return ReferenceDistanceM(b, a);
  S2ClosestEdgeQuery query(a.index.get());
  query.mutable_options()->set_include_interiors(true);
  if (b.outline.is_circle()) {
    S2ClosestEdgeQuery::PointTarget target(b.center);
    return std::max(0.0, query.GetDistance(&target).ToAngle().radians() * kR - b.radius_m);
  }
  S2ClosestEdgeQuery::ShapeIndexTarget target(b.index.get());
  target.set_include_interiors(true);
  return query.GetDistance(&target).ToAngle().radians() * kR;
}

// Moves a shape rigidly: rotates it by `angle` about `axis`.
Shape Moved(const Shape& s, const S2Point& axis, S1Angle angle) {
  if (s.outline.is_circle()) return MakeCircleShape(S2::Rotate(s.center, axis, angle), s.radius_m);
  std::vector<S2Point> ring;
  for (const S2Point& v : s.outline.ring()) ring.push_back(S2::Rotate(v, axis, angle));
  return MakePolygonShape(std::move(ring));
}

class RandomShapes {
 public:
  explicit RandomShapes(uint64_t seed) : rng_(seed) {}

  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  int UniformInt(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Somewhere over Syria.
  S2Point Center() { return P(Uniform(32.5, 37.0), Uniform(35.8, 42.0)); }

  // The point `m` metres from `c` on bearing `bearing` (radians from north).
  static S2Point Offset(const S2Point& c, double bearing, double m) {
    const S2Point east = S2Point(0, 0, 1).CrossProd(c).Normalize();
    const S2Point north = c.CrossProd(east);
    const double a = m / kR;
    return (std::cos(a) * c + std::sin(a) * (std::cos(bearing) * north + std::sin(bearing) * east))
        .Normalize();
  }

  // A star-shaped polygon of 3-30 vertices, `scale` x 5-20 km from its
  // centre, given to CheckRing as degrees (either winding), or a circle of
  // `scale` x 2-15 km.
  Shape Make(const S2Point& c, double scale = 1) {
    if (UniformInt(0, 3) == 0) return MakeCircleShape(c, scale * Uniform(2000, 15000));
    for (;;) {
      const int n = UniformInt(3, 30);
      const double phase = Uniform(0, 2 * kPi);
      std::vector<LatLngDeg> lls;
      for (int i = 0; i < n; ++i) {
        const double bearing = phase + (i + Uniform(-0.4, 0.4)) * 2 * kPi / n;
        const S2Point v = Offset(c, bearing, scale * Uniform(5000, 20000));
        const S2LatLng ll(v);
        lls.push_back({ll.lat().degrees(), ll.lng().degrees()});
        if (tiny_edges_) {
          // A second vertex millimetres to centimetres away, across the
          // radius: an edge whose ends nearly coincide.
          const S2LatLng near(Offset(v, bearing + kPi / 2, Uniform(0.003, 0.03)));
          lls.push_back({near.lat().degrees(), near.lng().degrees()});
        }
      }
      if (UniformInt(0, 1) == 0) std::reverse(lls.begin(), lls.end());
      std::vector<FieldError> errors;
      auto ring = CheckRing(
          lls, RingForm::kOpen, "r", [](size_t) { return std::string("v"); }, &errors);
      if (ring) return MakePolygonShape(std::move(*ring));
      ++refused_;
    }
  }

  int refused() const { return refused_; }
  // Polygons made from now on have an edge of 3-30 mm after every vertex.
  void set_tiny_edges(bool on) { tiny_edges_ = on; }

 private:
  std::mt19937_64 rng_;
  int refused_ = 0;
  bool tiny_edges_ = false;
};

// Moves `b` along the great circle towards `a` until the reference distance
// is `target_m` (within 0.1 mm, or as close as 40 steps get); a negative
// target pushes it that much further once the two touch.
Shape Approach(const Shape& a, Shape b, double target_m) {
  const S2Point axis = b.center.CrossProd(a.center).Normalize();
  const double stop = std::max(target_m, 0.0002);
  for (int i = 0; i < 40; ++i) {
    const double d = ReferenceDistanceM(a, b);
    if (std::abs(d - stop) < 1e-4) break;
    b = Moved(b, axis, MetersToAngle(d - stop));
  }
  if (target_m < 0) b = Moved(b, axis, MetersToAngle(-target_m));
  return b;
}

// True when `outer` holds every vertex of the polygon `inner`.
bool HoldsAllVertices(const Outline& outer, const Outline& inner) {
  if (inner.is_circle() || outer.is_circle()) return false;
  for (const S2Point& v : inner.ring()) {
    if (!outer.Contains(v)) return false;
  }
  return true;
}

TEST(WithinDistanceRandomTest, AgreesWithS2ClosestEdgeQuery) {
  RandomShapes gen(0x5c0ffee);
  int compared = 0, within = 0, touching = 0, nested = 0, within_checked = 0;
  constexpr int kPairs = 1500;
  for (int iter = 0; iter < kPairs; ++iter) {
    const S2Point ca = gen.Center();
    const Shape a = gen.Make(ca);
    // Half the pairs end up a few cm either side of touching, 40% a few cm
    // either side of 5 km; the rest share (nearly) a centre: one inside the
    // other, or crossing.
    const int mode = iter % 10;
    const double start = mode == 9 ? gen.Uniform(0, 3000) : 45000 + 5000 * (iter % 2);
    Shape b =
        gen.Make(RandomShapes::Offset(ca, gen.Uniform(0, 2 * kPi), start), mode == 9 ? 0.2 : 1.0);
    if (mode < 5) {
      b = Approach(a, std::move(b), gen.Uniform(-0.05, 0.05));
    } else if (mode < 9) {
      b = Approach(a, std::move(b), 5000 + gen.Uniform(-0.05, 0.05));
    }
    const double ref = ReferenceDistanceM(a, b);
    touching += ref <= kToleranceM;
    nested += HoldsAllVertices(a.outline, b.outline) || HoldsAllVertices(b.outline, a.outline);

    // geo::Distance agrees to well under a centimetre.
    ASSERT_NEAR(DistanceM(a.outline, b.outline), ref, 1e-5) << "pair " << iter;
    ASSERT_NEAR(DistanceM(b.outline, a.outline), ref, 1e-5) << "pair " << iter;

    const double limits[] = {0, kToleranceM, 5000 + kToleranceM, ref + gen.Uniform(-0.03, 0.03),
                             ref + gen.Uniform(-1e-4, 1e-4)};
    for (double limit : limits) {
      if (limit < 0 || std::abs(ref - limit) < 1e-6) continue;
      const bool expected = ref <= limit;
      const S1ChordAngle chord = MetersToChord(limit);
      ASSERT_EQ(WithinDistance(a.outline, b.outline, chord), expected)
          << "pair " << iter << ": reference " << ref << " m, limit " << limit << " m";
      ASSERT_EQ(WithinDistance(b.outline, a.outline, chord), expected)
          << "pair " << iter << " (swapped): reference " << ref << " m, limit " << limit << " m";
      // MeasureWithin answers WithinDistance and, when within, measures.
      const std::optional<S1Angle> measured = MeasureWithin(a.outline, b.outline, chord);
      ASSERT_EQ(measured.has_value(), expected) << "pair " << iter << ", limit " << limit << " m";
      ASSERT_EQ(MeasureWithin(b.outline, a.outline, chord).has_value(), expected)
          << "pair " << iter << " (swapped), limit " << limit << " m";
      if (measured) {
        ASSERT_EQ(measured->radians(), Distance(a.outline, b.outline).radians())
            << "pair " << iter << ", limit " << limit << " m";
      }
      if (WithinDistance(a.outline, b.outline, chord)) {
        // decide() measures a conflict with DistanceWithin: the same bits as
        // Distance (entries record it, and replays compare bytes).
        ASSERT_EQ(DistanceWithin(a.outline, b.outline, chord).radians(),
                  Distance(a.outline, b.outline).radians())
            << "pair " << iter << ", limit " << limit << " m";
        ASSERT_EQ(DistanceWithin(b.outline, a.outline, chord).radians(),
                  Distance(b.outline, a.outline).radians())
            << "pair " << iter << " (swapped), limit " << limit << " m";
        ++within_checked;
      }
      ++compared;
      within += expected;
    }
  }
  EXPECT_GT(compared, 4 * kPairs);
  EXPECT_GT(within, compared / 4);
  EXPECT_LT(within, compared * 3 / 4);
  EXPECT_EQ(within_checked, within);
  EXPECT_GT(touching, kPairs / 8) << "overlaps and near-touches must be well represented";
  EXPECT_GT(nested, kPairs / 100) << "one shape inside the other must be represented";
  EXPECT_LT(gen.refused(), kPairs);
}

TEST(OutlineContainsRandomTest, AgreesWithS2Loop) {
  RandomShapes gen(20160720);
  for (int iter = 0; iter < 300; ++iter) {
    const S2Point c = gen.Center();
    const Shape s = gen.Make(c);
    if (s.outline.is_circle()) continue;
    const S2Loop loop(s.outline.ring(), S2Debug::DISABLE);
    for (int k = 0; k < 20; ++k) {
      const S2Point p = RandomShapes::Offset(c, gen.Uniform(0, 2 * kPi), gen.Uniform(0, 22000));
      ASSERT_EQ(s.outline.Contains(p), loop.Contains(p)) << "shape " << iter << " point " << k;
    }
  }
}

// Edges of a few millimetres, whose ends nearly coincide: the measurement's
// quick orientation tests and estimates must stay within their margins (a
// pole made as a0 x a1 would be ~1e-7 rad astray), so that its verdicts and
// bits are still S2's, touching or 5 km apart, to the centimetre.
TEST(WithinDistanceRandomTest, TinyEdgesAgreeWithS2ClosestEdgeQuery) {
  RandomShapes gen(0x7e1e);
  gen.set_tiny_edges(true);
  int within = 0, compared = 0;
  for (int iter = 0; iter < 300; ++iter) {
    const S2Point ca = gen.Center();
    const Shape a = gen.Make(ca);
    Shape b = gen.Make(RandomShapes::Offset(ca, gen.Uniform(0, 2 * kPi), 45000));
    const double target = iter % 2 == 0 ? gen.Uniform(-0.05, 0.05) : 5000 + gen.Uniform(-0.05, 0.05);
    b = Approach(a, std::move(b), target);
    const double ref = ReferenceDistanceM(a, b);
    for (double limit : {kToleranceM, 5000 + kToleranceM, ref + gen.Uniform(-0.03, 0.03)}) {
      if (limit < 0 || std::abs(ref - limit) < 1e-6) continue;
      const S1ChordAngle chord = MetersToChord(limit);
      const bool expected = ref <= limit;
      for (const auto& [x, y] : {std::pair<const Shape*, const Shape*>(&a, &b), {&b, &a}}) {
        ASSERT_EQ(WithinDistance(x->outline, y->outline, chord), expected)
            << "pair " << iter << ": reference " << ref << " m, limit " << limit << " m";
        const std::optional<S1Angle> measured = MeasureWithin(x->outline, y->outline, chord);
        ASSERT_EQ(measured.has_value(), expected) << "pair " << iter << ", limit " << limit << " m";
        if (measured) {
          ASSERT_EQ(measured->radians(), Distance(x->outline, y->outline).radians())
              << "pair " << iter << ", limit " << limit << " m";
        }
      }
      ++compared;
      within += expected;
    }
  }
  EXPECT_GT(compared, 600);
  EXPECT_GT(within, compared / 4);
}

// Rings of thousands of vertices (ASTM allows 10,000): the pair search works a
// row of edge pairs at a time, so its memory stays small, and it still gives
// Distance's bits.
TEST(WithinDistanceTest, LargeRingsMeasureLikeDistance) {
  auto ring = [](const S2Point& c, int n, double radius_m) {
    std::vector<S2Point> out;
    for (int i = 0; i < n; ++i) out.push_back(RandomShapes::Offset(c, 2 * kPi * i / n, radius_m));
    return Outline::Polygon(std::move(out));
  };
  const S2Point c = P(35.0, 38.0);
  const Outline a = ring(c, 4000, 10000);
  const Outline b = ring(RandomShapes::Offset(c, 1.0, 24990), 3000, 10000);
  const S1ChordAngle limit = MetersToChord(5000 + kToleranceM);
  const double d = DistanceM(a, b);
  ASSERT_GT(d, 4980);
  ASSERT_LT(d, 5000);
  const std::optional<S1Angle> measured = MeasureWithin(a, b, limit);
  ASSERT_TRUE(measured.has_value());
  EXPECT_EQ(measured->radians(), Distance(a, b).radians());
  EXPECT_TRUE(WithinDistance(a, b, limit));
  EXPECT_FALSE(WithinDistance(a, b, MetersToChord(4900)));
  EXPECT_FALSE(MeasureWithin(b, a, MetersToChord(4900)).has_value());
}

// Points on the boundary and a hair either side of it, where the quick
// orientation tests of Contains must hand over to S2's exact ones: the
// vertices themselves, points on the edges, and points 1e-15 to 1e-9 rad
// off them (a few nanometres to millimetres).
TEST(OutlineContainsRandomTest, AgreesWithS2LoopOnAndNearTheBoundary) {
  RandomShapes gen(0xb0da);
  int checked = 0;
  for (int iter = 0; iter < 200; ++iter) {
    const S2Point c = gen.Center();
    const Shape s = gen.Make(c);
    if (s.outline.is_circle()) continue;
    const std::vector<S2Point>& ring = s.outline.ring();
    const S2Loop loop(ring, S2Debug::DISABLE);
    for (size_t i = 0; i < ring.size(); ++i) {
      const S2Point& v = ring[i];
      const S2Point& w = ring[(i + 1) % ring.size()];
      const S2Point normal = S2::RobustCrossProd(v, w).Normalize();
      std::vector<S2Point> probes = {v, S2::Interpolate(v, w, 0.5), S2::Interpolate(v, w, 0.25)};
      for (double off : {1e-15, 1e-13, 1e-11, 1e-9}) {
        const S2Point m = S2::Interpolate(v, w, gen.Uniform(0.05, 0.95));
        probes.push_back((m + off * normal).Normalize());
        probes.push_back((m - off * normal).Normalize());
        probes.push_back((v + off * normal).Normalize());
        probes.push_back((v - off * normal).Normalize());
      }
      for (const S2Point& p : probes) {
        ASSERT_EQ(s.outline.Contains(p), loop.Contains(p)) << "shape " << iter << " edge " << i;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20000);
}

}  // namespace
}  // namespace jic::geo
