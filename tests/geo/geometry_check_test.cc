// Validation of input geometry: every fault with the path of the field at
// fault and a reason a person can act on.
#include "geo/geo_fixtures.h"
#include "jic/geo/geometry_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jic/geo/outline.h"
#include "s2/s2latlng.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"

namespace jic::geo {
namespace {

using testing::kR;
using testing::kPi;
using testing::P;
using testing::Ring;




std::string VertexPath(size_t i) { return "vertices[" + std::to_string(i) + "]"; }

struct Checked {
  std::optional<std::vector<S2Point>> ring;
  std::vector<FieldError> errors;
};

Checked Check(const std::vector<LatLngDeg>& ring, RingForm form) {
  Checked c;
  c.ring = CheckRing(ring, form, "vertices", VertexPath, &c.errors);
  EXPECT_EQ(c.ring.has_value(), c.errors.empty()) << "a ring comes back exactly when no error does";
  return c;
}
Checked Open(std::string_view text) { return Check(Ring(text), RingForm::kOpen); }
Checked Closed(std::string_view text) { return Check(Ring(text), RingForm::kClosed); }

// The single error, as "field: reason".
std::string OnlyError(const Checked& c) {
  EXPECT_EQ(c.errors.size(), 1u);
  std::string all;
  for (const FieldError& e : c.errors) all += (all.empty() ? "" : " | ") + e.ToString();
  return all;
}

// ---------------------------------------------------------------------------
// Coordinates

std::vector<FieldError> LatLngErrors(double lat, double lng) {
  std::vector<FieldError> errors;
  const bool ok = CheckLatLng(lat, lng, "v.lat", "v.lng", &errors);
  EXPECT_EQ(ok, errors.empty());
  return errors;
}

TEST(CheckLatLngTest, RangeIsClosed) {
  EXPECT_TRUE(LatLngErrors(90, 180).empty());
  EXPECT_TRUE(LatLngErrors(-90, -180).empty());
  EXPECT_TRUE(LatLngErrors(0, 0).empty());
  EXPECT_TRUE(LatLngErrors(36.2, 37.1).empty());
}

TEST(CheckLatLngTest, OutOfRange) {
  EXPECT_EQ(LatLngErrors(91, 37),
            (std::vector<FieldError>{{"v.lat", "latitude 91 is outside -90..90"}}));
  EXPECT_EQ(LatLngErrors(-90.5, 37),
            (std::vector<FieldError>{{"v.lat", "latitude -90.5 is outside -90..90"}}));
  EXPECT_EQ(LatLngErrors(36, 180.25),
            (std::vector<FieldError>{{"v.lng", "longitude 180.25 is outside -180..180"}}));
  EXPECT_EQ(LatLngErrors(36, -181),
            (std::vector<FieldError>{{"v.lng", "longitude -181 is outside -180..180"}}));
  // Both at once: both reported.
  EXPECT_EQ(LatLngErrors(100, 200),
            (std::vector<FieldError>{{"v.lat", "latitude 100 is outside -90..90"},
                                     {"v.lng", "longitude 200 is outside -180..180"}}));
  EXPECT_EQ(LatLngErrors(90.0000001, 0).size(), 1u);
}

TEST(CheckLatLngTest, NotFinite) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(LatLngErrors(nan, 37),
            (std::vector<FieldError>{{"v.lat", "latitude must be a finite number"}}));
  EXPECT_EQ(LatLngErrors(36, inf),
            (std::vector<FieldError>{{"v.lng", "longitude must be a finite number"}}));
  EXPECT_EQ(LatLngErrors(-inf, -nan).size(), 2u);
}

// ---------------------------------------------------------------------------
// Rings

TEST(CheckRingTest, ValidOpenRing) {
  Checked c = Open("36.15:37.0, 36.15:37.2, 36.3:37.2");
  ASSERT_TRUE(c.ring);
  EXPECT_EQ(c.ring->size(), 3u);
  EXPECT_TRUE(S2Loop(*c.ring).IsNormalized());
}

TEST(CheckRingTest, ValidClosedRingDropsTheClosingPosition) {
  Checked c = Closed("36.1:36.9, 36.1:37.4, 36.4:37.4, 36.4:36.9, 36.1:36.9");
  ASSERT_TRUE(c.ring);
  EXPECT_EQ(c.ring->size(), 4u);
}

TEST(CheckRingTest, EitherWindingComesBackCounterClockwise) {
  Checked ccw = Open("36.0:37.0, 36.0:37.1, 36.1:37.1, 36.1:37.0");
  Checked cw = Open("36.1:37.0, 36.1:37.1, 36.0:37.1, 36.0:37.0");
  ASSERT_TRUE(ccw.ring && cw.ring);
  S2Loop a(*ccw.ring), b(*cw.ring);
  EXPECT_TRUE(a.IsNormalized());
  EXPECT_TRUE(b.IsNormalized());
  EXPECT_TRUE(a.BoundaryApproxEquals(b, S1Angle::Radians(1e-15)));
  EXPECT_NEAR(a.GetArea(), b.GetArea(), 1e-18);
  EXPECT_TRUE(b.Contains(P(36.05, 37.05)));
  EXPECT_LT(b.GetArea(), 1e-5);
  // The same vertices as the input, in the other order.
  for (const S2Point& v : *cw.ring) {
    const S2LatLng ll(v);
    EXPECT_TRUE(std::abs(ll.lat().degrees() - 36.0) < 1e-12 ||
                std::abs(ll.lat().degrees() - 36.1) < 1e-12);
  }
}

TEST(CheckRingTest, ClosedRingNotClosed) {
  EXPECT_EQ(OnlyError(Closed("36.1:36.9, 36.1:37.4, 36.4:37.4, 36.4:36.9")),
            "vertices: ring is not closed: the last position must repeat the first");
}

TEST(CheckRingTest, TooFewPositions) {
  EXPECT_EQ(OnlyError(Closed("36.1:36.9, 36.1:37.4, 36.1:36.9")),
            "vertices: a closed ring needs at least 4 positions (3 distinct vertices and the first "
            "repeated), got 3");
  EXPECT_EQ(OnlyError(Open("36.1:36.9, 36.1:37.4")),
            "vertices: a ring needs at least 3 distinct vertices, got 2");
  EXPECT_EQ(OnlyError(Open("36.1:36.9")),
            "vertices: a ring needs at least 3 distinct vertices, got 1");
  EXPECT_EQ(OnlyError(Check({}, RingForm::kOpen)),
            "vertices: a ring needs at least 3 distinct vertices, got 0");
  EXPECT_EQ(OnlyError(Check({}, RingForm::kClosed)),
            "vertices: a closed ring needs at least 4 positions (3 distinct vertices and the first "
            "repeated), got 0");
}

TEST(CheckRingTest, RepeatedConsecutiveVertex) {
  EXPECT_EQ(OnlyError(Open("36.0:37.0, 36.0:37.1, 36.0:37.1, 36.1:37.1")),
            "vertices[2]: repeats vertex 1");
  EXPECT_EQ(OnlyError(Closed("36.0:37.0, 36.0:37.1, 36.1:37.1, 36.1:37.1, 36.0:37.0")),
            "vertices[3]: repeats vertex 2");
  // Two distinct vertices and a repeat: the repeat is what is reported.
  EXPECT_EQ(OnlyError(Closed("36.0:37.0, 36.0:37.1, 36.0:37.1, 36.0:37.0")),
            "vertices[2]: repeats vertex 1");
  // Every repeat at once.
  Checked c = Open("36.0:37.0, 36.0:37.0, 36.0:37.1, 36.1:37.1, 36.1:37.1");
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_EQ(c.errors[0].ToString(), "vertices[1]: repeats vertex 0");
  EXPECT_EQ(c.errors[1].ToString(), "vertices[4]: repeats vertex 3");
}

TEST(CheckRingTest, ClosedRingRepeatingItsFirstVertexBeforeClosing) {
  EXPECT_EQ(OnlyError(Closed("36.0:37.0, 36.0:37.1, 36.1:37.1, 36.0:37.0, 36.0:37.0")),
            "vertices[3]: repeats vertex 0 before the closing position");
}

TEST(CheckRingTest, AstmRingRepeatingItsFirstVertex) {
  EXPECT_EQ(OnlyError(Open("36.15:37.0, 36.15:37.2, 36.3:37.2, 36.15:37.0")),
            "vertices[3]: repeats the first vertex; ASTM polygons are not closed (the last vertex "
            "joins the first)");
}

TEST(CheckRingTest, TooManyVertices) {
  // A circle of kMaxVertices + 1 vertices, 10 km across.
  auto circle = [](size_t n) {
    std::vector<LatLngDeg> ring;
    for (size_t i = 0; i < n; ++i) {
      const double t = 2 * kPi * static_cast<double>(i) / static_cast<double>(n);
      ring.push_back({36 + 0.05 * std::sin(t), 37 + 0.05 * std::cos(t)});
    }
    return ring;
  };
  EXPECT_EQ(OnlyError(Check(circle(kMaxVertices + 1), RingForm::kOpen)),
            "vertices: too many vertices: 10001 (at most 10000)");
  std::vector<LatLngDeg> closed = circle(kMaxVertices + 1);
  closed.push_back(closed.front());
  EXPECT_EQ(OnlyError(Check(closed, RingForm::kClosed)),
            "vertices: too many vertices: 10001 (at most 10000)");
  // Exactly the maximum is fine, in either form.
  Checked ok = Check(circle(kMaxVertices), RingForm::kOpen);
  ASSERT_TRUE(ok.ring);
  EXPECT_EQ(ok.ring->size(), kMaxVertices);
  closed = circle(kMaxVertices);
  closed.push_back(closed.front());
  EXPECT_TRUE(Check(closed, RingForm::kClosed).ring);
}

TEST(CheckRingTest, BowTieNamesTheCrossingEdges) {
  // 0 -> 1 runs east along the south, 1 -> 2 crosses to the north-west corner,
  // 2 -> 3 runs east along the north and 3 -> 0 crosses back.
  EXPECT_EQ(
      OnlyError(Open("36.0:37.0, 36.0:37.1, 36.1:37.0, 36.1:37.1")),
      "vertices: ring self-intersects: the edge from vertex 1 crosses the edge from vertex 3");
  // The same in GeoJSON form: vertex numbers are those of the input.
  EXPECT_EQ(
      OnlyError(Closed("36.0:37.0, 36.0:37.1, 36.1:37.0, 36.1:37.1, 36.0:37.0")),
      "vertices: ring self-intersects: the edge from vertex 1 crosses the edge from vertex 3");
  // Later in a longer ring: the edge from vertex 4 (36.3:37.2 -> 36.3:37.0)
  // is crossed by the one from vertex 6 (36.4:37.1 -> 36.2:37.05).
  EXPECT_EQ(
      OnlyError(Open("36.0:37.0, 36.0:37.2, 36.1:37.2, 36.2:37.2, 36.3:37.2, 36.3:37.0, "
                     "36.4:37.1, 36.2:37.05")),
      "vertices: ring self-intersects: the edge from vertex 4 crosses the edge from vertex 6");
}

TEST(CheckRingTest, RingTouchingItselfAtAVertex) {
  // Two triangles joined at 36.1:37.1 (vertices 2 and 5).
  EXPECT_EQ(OnlyError(Open("36.0:37.0, 36.0:37.2, 36.1:37.1, 36.2:37.2, 36.2:37.0, 36.1:37.1")),
            "vertices: ring self-intersects: vertex 5 repeats vertex 2");
  // The same figure eight starting elsewhere, and in GeoJSON form.
  EXPECT_EQ(OnlyError(Open("36.1:37.1, 36.0:37.0, 36.0:37.2, 36.1:37.1, 36.2:37.2, 36.2:37.0")),
            "vertices: ring self-intersects: vertex 3 repeats vertex 0");
  EXPECT_EQ(OnlyError(Closed("36.2:37.2, 36.2:37.0, 36.1:37.1, 36.0:37.0, 36.0:37.2, 36.1:37.1, "
                             "36.2:37.2")),
            "vertices: ring self-intersects: vertex 5 repeats vertex 2");
}

TEST(CheckRingTest, RingSpanningMoreThan80Degrees) {
  EXPECT_EQ(OnlyError(Open("-50:-85, -50:85, 50:85, 50:-85")),
            "vertices: ring spans too much of the Earth (its vertices do not fit in a cap of 80 "
            "degrees radius)");
  // A third of the globe around the equator.
  EXPECT_EQ(OnlyError(Open("0:0, 0:120, 0:-120")),
            "vertices: ring spans too much of the Earth (its vertices do not fit in a cap of 80 "
            "degrees radius)");
  // 60 degrees from its centre is fine.
  EXPECT_TRUE(Open("-45:-45, -45:45, 45:45, 45:-45").ring);
}

TEST(CheckRingTest, AntimeridianAndPole) {
  Checked dateline = Open("10:179.9, 10:-179.9, 10.1:-179.9, 10.1:179.9");
  ASSERT_TRUE(dateline.ring);
  EXPECT_TRUE(S2Loop(*dateline.ring).Contains(P(10.05, 180)));
  EXPECT_LT(S2Loop(*dateline.ring).GetArea(), 1e-5);
  Checked pole = Open("80:0, 80:90, 80:180, 80:-90");
  ASSERT_TRUE(pole.ring);
  EXPECT_TRUE(S2Loop(*pole.ring).Contains(P(90, 0)));
}

// ---------------------------------------------------------------------------
// Areas: shells, holes, parts

PolygonRings Part(std::string_view shell, std::vector<std::string_view> holes, std::string path) {
  PolygonRings part;
  part.path = path;
  std::vector<FieldError> errors;
  auto s = CheckRing(
      Ring(shell), RingForm::kClosed, path + "[0]",
      [&](size_t i) { return path + "[0][" + std::to_string(i) + "]"; }, &errors);
  EXPECT_TRUE(s) << (errors.empty() ? "" : errors[0].ToString());
  if (s) part.shell = *s;
  for (size_t h = 0; h < holes.size(); ++h) {
    const std::string hp = path + "[" + std::to_string(h + 1) + "]";
    auto r = CheckRing(
        Ring(holes[h]), RingForm::kClosed, hp,
        [&](size_t i) { return hp + "[" + std::to_string(i) + "]"; }, &errors);
    EXPECT_TRUE(r) << (errors.empty() ? "" : errors[0].ToString());
    if (r) part.holes.push_back(*r);
    part.hole_paths.push_back(hp);
  }
  return part;
}

constexpr char kShell[] = "36.0:36.9, 36.0:37.4, 36.4:37.4, 36.4:36.9, 36.0:36.9";
constexpr char kHole[] = "36.15:37.1, 36.25:37.1, 36.25:37.2, 36.15:37.2, 36.15:37.1";  // clockwise
constexpr char kPath[] = "areas[0].geometry.coordinates";

TEST(BuildAreaPolygonTest, PolygonWithAHole) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(Part(kShell, {kHole}, kPath));
  auto poly = BuildAreaPolygon(std::move(parts), &errors);
  ASSERT_NE(poly, nullptr) << errors[0].ToString();
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(poly->num_loops(), 2);
  EXPECT_TRUE(poly->Contains(P(36.05, 37.0)));
  EXPECT_FALSE(poly->Contains(P(36.2, 37.15))) << "in the hole";
  EXPECT_FALSE(poly->Contains(P(36.5, 37.0)));
}

TEST(BuildAreaPolygonTest, HoleOutsideItsShell) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(Part(kShell, {"36.5:37.1, 36.6:37.1, 36.6:37.2, 36.5:37.2, 36.5:37.1"}, kPath));
  EXPECT_EQ(BuildAreaPolygon(std::move(parts), &errors), nullptr);
  EXPECT_EQ(errors, (std::vector<FieldError>{
                        {"areas[0].geometry.coordinates[1]", "hole is not inside its shell"}}));
}

TEST(BuildAreaPolygonTest, HoleCrossingItsShell) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(
      Part(kShell, {kHole, "36.3:37.3, 36.5:37.3, 36.5:37.35, 36.3:37.35, 36.3:37.3"}, kPath));
  EXPECT_EQ(BuildAreaPolygon(std::move(parts), &errors), nullptr);
  EXPECT_EQ(errors, (std::vector<FieldError>{
                        {"areas[0].geometry.coordinates[2]", "hole is not inside its shell"}}));
}

TEST(BuildAreaPolygonTest, HolesOverlapping) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(
      Part(kShell, {kHole, "36.2:37.15, 36.3:37.15, 36.3:37.25, 36.2:37.25, 36.2:37.15"}, kPath));
  EXPECT_EQ(BuildAreaPolygon(std::move(parts), &errors), nullptr);
  EXPECT_EQ(errors, (std::vector<FieldError>{{"areas[0].geometry.coordinates[2]",
                                              "hole overlaps another hole of the same polygon"}}));
}

TEST(BuildAreaPolygonTest, HoleInsideAnotherHole) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(Part(
      kShell, {kHole, "36.18:37.13, 36.22:37.13, 36.22:37.17, 36.18:37.17, 36.18:37.13"}, kPath));
  EXPECT_EQ(BuildAreaPolygon(std::move(parts), &errors), nullptr);
  EXPECT_EQ(errors, (std::vector<FieldError>{{"areas[0].geometry.coordinates[2]",
                                              "hole overlaps another hole of the same polygon"}}));
}

TEST(BuildAreaPolygonTest, SeparateHolesAreFine) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(
      Part(kShell, {kHole, "36.05:37.25, 36.1:37.25, 36.1:37.3, 36.05:37.3, 36.05:37.25"}, kPath));
  auto poly = BuildAreaPolygon(std::move(parts), &errors);
  ASSERT_NE(poly, nullptr);
  EXPECT_EQ(poly->num_loops(), 3);
  EXPECT_FALSE(poly->Contains(P(36.075, 37.275)));
  EXPECT_FALSE(poly->Contains(P(36.2, 37.15)));
  EXPECT_TRUE(poly->Contains(P(36.3, 37.0)));
}

TEST(BuildAreaPolygonTest, MultiPolygonPartsOverlapping) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(Part(kShell, {}, std::string(kPath) + "[0]"));
  parts.push_back(Part("36.3:37.3, 36.3:37.5, 36.5:37.5, 36.5:37.3, 36.3:37.3", {},
                       std::string(kPath) + "[1]"));
  EXPECT_EQ(BuildAreaPolygon(std::move(parts), &errors), nullptr);
  EXPECT_EQ(errors, (std::vector<FieldError>{{"areas[0].geometry.coordinates[1]",
                                              "overlaps polygon 0 of the same MultiPolygon"}}));
}

TEST(BuildAreaPolygonTest, MultiPolygonPartInsideAnotherPart) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  parts.push_back(Part(kShell, {}, std::string(kPath) + "[0]"));
  parts.push_back(Part("36.1:37.0, 36.1:37.1, 36.2:37.1, 36.2:37.0, 36.1:37.0", {},
                       std::string(kPath) + "[1]"));
  EXPECT_EQ(BuildAreaPolygon(std::move(parts), &errors), nullptr);
  EXPECT_EQ(errors, (std::vector<FieldError>{{"areas[0].geometry.coordinates[1]",
                                              "overlaps polygon 0 of the same MultiPolygon"}}));
}

TEST(BuildAreaPolygonTest, MultiPolygonEveryOverlapReported) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  const std::string p(kPath);
  parts.push_back(Part(kShell, {}, p + "[0]"));
  parts.push_back(Part("35.0:37.0, 35.0:37.1, 35.1:37.1, 35.1:37.0, 35.0:37.0", {}, p + "[1]"));
  parts.push_back(
      Part("35.05:37.05, 35.05:37.15, 36.05:37.15, 36.05:37.05, 35.05:37.05", {}, p + "[2]"));
  EXPECT_EQ(BuildAreaPolygon(std::move(parts), &errors), nullptr);
  EXPECT_EQ(errors,
            (std::vector<FieldError>{{p + "[2]", "overlaps polygon 0 of the same MultiPolygon"},
                                     {p + "[2]", "overlaps polygon 1 of the same MultiPolygon"}}));
}

TEST(BuildAreaPolygonTest, MultiPolygonWithAnIslandInAHole) {
  std::vector<FieldError> errors;
  std::vector<PolygonRings> parts;
  const std::string p(kPath);
  parts.push_back(Part(kShell, {kHole}, p + "[0]"));
  parts.push_back(
      Part("36.18:37.13, 36.18:37.17, 36.22:37.17, 36.22:37.13, 36.18:37.13", {}, p + "[1]"));
  parts.push_back(Part("35.0:37.0, 35.0:37.1, 35.1:37.1, 35.1:37.0, 35.0:37.0", {}, p + "[2]"));
  auto poly = BuildAreaPolygon(std::move(parts), &errors);
  ASSERT_NE(poly, nullptr) << errors[0].ToString();
  EXPECT_EQ(poly->num_loops(), 4);
  EXPECT_TRUE(poly->Contains(P(36.05, 37.0))) << "shell";
  EXPECT_FALSE(poly->Contains(P(36.16, 37.11))) << "hole";
  EXPECT_TRUE(poly->Contains(P(36.2, 37.15))) << "island in the hole";
  EXPECT_TRUE(poly->Contains(P(35.05, 37.05))) << "second part";
  EXPECT_FALSE(poly->Contains(P(35.5, 37.05))) << "between the parts";
}

TEST(BuildAreaPolygonTest, HoleWindingDoesNotMatter) {
  // RFC 7946 asks for clockwise holes; a counter-clockwise one means the same.
  const char kHoleCcw[] = "36.15:37.1, 36.15:37.2, 36.25:37.2, 36.25:37.1, 36.15:37.1";
  std::vector<FieldError> errors;
  std::vector<PolygonRings> a, b;
  a.push_back(Part(kShell, {kHole}, kPath));
  b.push_back(Part(kShell, {kHoleCcw}, kPath));
  auto pa = BuildAreaPolygon(std::move(a), &errors);
  auto pb = BuildAreaPolygon(std::move(b), &errors);
  ASSERT_TRUE(pa && pb);
  EXPECT_TRUE(pa->BoundaryApproxEquals(*pb, S1Angle::Radians(1e-15)));
  EXPECT_NEAR(pa->GetArea(), pb->GetArea(), 1e-18);
  EXPECT_FALSE(pb->Contains(P(36.2, 37.15)));
}

}  // namespace
}  // namespace jic::geo
