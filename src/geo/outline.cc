#include "jic/geo/outline.h"

#include <algorithm>
#include <cmath>

#include "geo/edge_balls.h"
#include "jic/geo/earth.h"
#include "s2/s2edge_crosser.h"
#include "s2/s2edge_distances.h"
#include "s2/s2pointutil.h"

namespace jic::geo {
using internal::BallOf;
using internal::ChordLen;
using internal::EdgeBall;
using internal::Edges;
using internal::FromRadians;
using internal::kSlack;
using internal::MinEdgePairDistance;
using internal::NearEdges;
using internal::Radians;

namespace {

// The smallest squared chord between a vertex of `a` and a vertex of `b`.
double MinVertexChord2(const std::vector<S2Point>& a, const std::vector<S2Point>& b) {
  double best = INFINITY;
  for (const S2Point& p : a) {
    for (const S2Point& q : b) best = std::min(best, (p - q).Norm2());
  }
  return best;
}

// Whether some vertex of `a` and some vertex of `b` are within a squared
// chord of `limit2` (MinVertexChord2(a, b) <= limit2, without finishing).
bool AnyVertexWithin(const std::vector<S2Point>& a, const std::vector<S2Point>& b, double limit2) {
  for (const S2Point& p : a) {
    for (const S2Point& q : b) {
      if ((p - q).Norm2() <= limit2) return true;
    }
  }
  return false;
}

// Squared chord from unit point p to the arc a0-a1 (pole n, unit),
// approximately (plain floating point, no robust predicates): the interior
// distance where p projects inside the arc, else the nearer endpoint.
double ArcChord2Approx(const S2Point& p, const S2Point& a0, const S2Point& a1, const S2Point& n) {
  const double e0 = (p - a0).Norm2(), e1 = (p - a1).Norm2();
  // Inside the arc's extent: on the a1 side of the plane through n and a0,
  // and on the a0 side of the plane through n and a1.
  if (n.CrossProd(a0).DotProd(p) > 0 && a1.CrossProd(n).DotProd(p) > 0) {
    const double s = std::fabs(p.DotProd(n));
    const double s2 = std::min(1.0, s * s);
    const double c = std::sqrt(1 - s2);
    return std::min({e0, e1, 2 * s2 / (1 + c)});  // 2 (1 - cos) without cancellation
  }
  return std::min(e0, e1);
}

// A lower bound of the chord distance between arcs x (x0-x1, pole nx) and y:
// zero when they may cross, else the smallest of the four endpoint-to-arc
// distances, less 1e-12 (far above the rounding of either computation, so
// never above the distance S2::UpdateEdgePairMinDistance computes).
double ArcGapLower(const S2Point& x0, const S2Point& x1, const S2Point& nx, const S2Point& y0,
                   const S2Point& y1, const S2Point& ny) {
  constexpr double kEps = 1e-12;
  const double sy0 = nx.DotProd(y0), sy1 = nx.DotProd(y1);
  const double sx0 = ny.DotProd(x0), sx1 = ny.DotProd(x1);
  const bool y_straddles = !(sy0 > kEps && sy1 > kEps) && !(sy0 < -kEps && sy1 < -kEps);
  const bool x_straddles = !(sx0 > kEps && sx1 > kEps) && !(sx0 < -kEps && sx1 < -kEps);
  if (y_straddles && x_straddles) return 0;  // they may cross (or nearly)
  const double d2 = std::min({ArcChord2Approx(x0, y0, y1, ny), ArcChord2Approx(x1, y0, y1, ny),
                              ArcChord2Approx(y0, x0, x1, nx), ArcChord2Approx(y1, x0, x1, nx)});
  return std::max(0.0, std::sqrt(d2) - kEps);
}

}  // namespace

Outline Outline::Circle(const S2Point& center, double radius_m) {
  Outline o;
  o.bound_ = S2Cap(center, MetersToAngle(radius_m));
  return o;
}

Outline Outline::CircleFromCap(const S2Cap& cap) {
  Outline o;
  o.bound_ = cap;
  return o;
}

Outline Outline::Polygon(std::vector<S2Point> ring) {
  Outline o;
  S2Point sum;
  for (const S2Point& v : ring) sum += v;
  const S2Point c = sum.Normalize();
  S1ChordAngle r = S1ChordAngle::Zero();
  for (const S2Point& v : ring) r = std::max(r, S1ChordAngle(c, v));
  // A cap smaller than a hemisphere is convex, so it holds the geodesic edges
  // and the smaller region they bound. Pad it for rounding.
  const double rad = r.ToAngle().radians() + 1e-12;
  o.bound_ = S2Cap(c, S1Angle::Radians(rad));
  const double alpha = rad + std::min(0.01, std::max(1e-6, rad));
  o.outside_ = (std::cos(alpha) * c + std::sin(alpha) * S2::Ortho(c)).Normalize();
  o.ring_ = std::move(ring);
  return o;
}

double Outline::circle_radius_m() const { return AngleToMeters(bound_.GetRadius()); }

bool Outline::Contains(const S2Point& p) const {
  // S2Cap::Contains, inline: Debian's libs2 is built with its debug checks,
  // and the out-of-line call spent a third of its time checking that p is
  // unit length.
  if (S1ChordAngle(bound_.center(), p) > bound_.radius()) return false;
  if (is_circle()) return true;
  // Parity of the crossings of the segment from a point known to be outside.
  S2EdgeCrosser crosser(&outside_, &p);
  crosser.RestartAt(&ring_.back());
  bool inside = false;
  for (const S2Point& v : ring_) inside ^= crosser.EdgeOrVertexCrossing(&v);
  return inside;
}

S1ChordAngle Outline::PolygonMinDistance(const S2Point& p, S1ChordAngle limit) const {
  S1ChordAngle best = limit;
  const size_t n = ring_.size();
  for (size_t i = 0; i < n; ++i) {
    const S2Point& a = ring_[i];
    const S2Point& b = ring_[i + 1 == n ? 0 : i + 1];
    const double cb = best.is_infinity() ? INFINITY : std::sqrt(best.length2());
    const EdgeBall e = BallOf(a, b);
    if ((p - e.m).Norm() - e.r > cb + kSlack) continue;
    S2::UpdateMinDistance(p, a, b, &best);
  }
  return best;
}

bool Outline::WithinDistance(const S2Point& p, S1ChordAngle limit) const {
  if (is_circle()) {
    return S1Angle(bound_.center(), p).radians() <=
           bound_.GetRadius().radians() + Radians(limit);
  }
  const double reach = Radians(limit);
  if (S1Angle(bound_.center(), p).radians() > bound_.GetRadius().radians() + reach + 1e-12) {
    return false;
  }
  if (Contains(p)) return true;
  return PolygonMinDistance(p, limit.Successor()) < limit.Successor();
}

S1Angle Outline::Distance(const S2Point& p) const {
  if (is_circle()) {
    return S1Angle::Radians(
        std::max(0.0, S1Angle(bound_.center(), p).radians() - bound_.GetRadius().radians()));
  }
  if (Contains(p)) return S1Angle::Zero();
  return PolygonMinDistance(p, S1ChordAngle::Infinity()).ToAngle();
}

bool WithinDistance(const Outline& a, const Outline& b, S1ChordAngle limit) {
  const double reach = Radians(limit);
  const double centers = S1Angle(a.bound().center(), b.bound().center()).radians();
  const double ra = a.bound().GetRadius().radians();
  const double rb = b.bound().GetRadius().radians();
  if (a.is_circle() && b.is_circle()) return centers <= ra + rb + reach;
  if (centers > ra + rb + reach + 1e-12) return false;
  if (a.is_circle()) return b.WithinDistance(a.bound().center(), FromRadians(ra + reach));
  if (b.is_circle()) return a.WithinDistance(b.bound().center(), FromRadians(rb + reach));
  // Either one region holds a vertex of the other, or the closest points are
  // on the boundaries.
  if (b.Contains(a.ring().front()) || a.Contains(b.ring().front())) return true;
  // Two vertices within the limit settle it; with wide minima (kilometres
  // around small polygons) that is the common case and spares the edges.
  // With a touching-only limit it almost never does, so it is skipped.
  if (reach > MetersToAngle(1.0).radians() &&
      AnyVertexWithin(a.ring(), b.ring(), limit.length2())) {
    return true;
  }
  Edges ea, eb;
  NearEdges(a.ring(), b.bound(), reach, &ea);
  if (ea.empty()) return false;
  NearEdges(b.ring(), a.bound(), reach, &eb);
  if (eb.empty()) return false;
  S1ChordAngle best = limit.Successor();
  return MinEdgePairDistance(ea, eb, &best, limit.Successor());
}

S1Angle Distance(const Outline& a, const Outline& b) {
  const double ra = a.bound().GetRadius().radians();
  const double rb = b.bound().GetRadius().radians();
  if (a.is_circle() && b.is_circle()) {
    return S1Angle::Radians(
        std::max(0.0, S1Angle(a.bound().center(), b.bound().center()).radians() - ra - rb));
  }
  if (a.is_circle()) {
    return S1Angle::Radians(std::max(0.0, b.Distance(a.bound().center()).radians() - ra));
  }
  if (b.is_circle()) {
    return S1Angle::Radians(std::max(0.0, a.Distance(b.bound().center()).radians() - rb));
  }
  if (b.Contains(a.ring().front()) || a.Contains(b.ring().front())) return S1Angle::Zero();
  Edges ea, eb;
  NearEdges(a.ring(), b.bound(), INFINITY, &ea);
  NearEdges(b.ring(), a.bound(), INFINITY, &eb);
  // The closest pair of vertices bounds the answer from above, which lets the
  // edge search prune from the start.
  S1ChordAngle best = S1ChordAngle::FromLength2(std::min(4.0, MinVertexChord2(a.ring(), b.ring())));
  MinEdgePairDistance(ea, eb, &best, S1ChordAngle::Zero());
  return best.ToAngle();
}

namespace {

// The smallest edge-pair distance between two polygons neither of which
// holds a vertex of the other, searched among the edges within `limit` of
// the other's cap: below limit.Successor() exactly when the polygons are
// within `limit`, and then equal to Distance(a, b) (see DistanceWithin).
S1ChordAngle NearestEdgePair(const Outline& a, const Outline& b, S1ChordAngle limit) {
  const double reach = Radians(limit);
  Edges ea, eb;
  NearEdges(a.ring(), b.bound(), reach, &ea);
  NearEdges(b.ring(), a.bound(), reach, &eb);
  const S1ChordAngle above = limit.Successor();
  if (ea.empty() || eb.empty()) return above;
  // The closest pair of the kept edges' vertices bounds the answer from
  // above (D is at most any vertex chord), so the search prunes from the start.
  double v2 = above.length2();
  for (const EdgeBall& x : ea) {
    for (const EdgeBall& y : eb) v2 = std::min(v2, (*x.a - *y.a).Norm2());
  }
  S1ChordAngle best = v2 < above.length2() ? S1ChordAngle::FromLength2(v2) : above;
  // Pairs by the gap between their edges' balls.
  struct Pair {
    double lower;  // the edges' balls' gap: a coarse lower bound
    uint32_t i, j;
  };
  absl::InlinedVector<Pair, 64> pairs;
  const double cb0 = std::sqrt(best.length2());
  for (size_t i = 0; i < ea.size(); ++i) {
    const EdgeBall& x = ea[i];
    for (size_t j = 0; j < eb.size(); ++j) {
      const EdgeBall& y = eb[j];
      // |x.m - y.m| - x.r - y.r > cb0 (+ slack), without the square root.
      const double far = cb0 + kSlack + x.r + y.r;
      const double d2 = (x.m - y.m).Norm2();
      if (d2 > far * far) continue;
      pairs.push_back({std::sqrt(d2) - x.r - y.r, static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
    }
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const Pair& p, const Pair& q) { return p.lower < q.lower; });
  // Nearest balls first: the first exact distances (S2's, which decide the
  // bits) are near the answer, and the rest fall to the balls' bound or to
  // the tighter arcs' bound (ArcGapLower: plain floating point, a trillionth
  // of a radian below the truth) before S2 is asked.
  // The edges' great-circle poles, made on first use (zero: not yet; an
  // edge of a valid ring has a non-zero pole).
  absl::InlinedVector<S2Point, 48> na(ea.size()), nb(eb.size());
  auto pole = [](S2Point& cached, const EdgeBall& e) -> const S2Point& {
    if (cached == S2Point()) cached = e.a->CrossProd(*e.b).Normalize();
    return cached;
  };
  for (const Pair& pr : pairs) {
    const double cb = std::sqrt(best.length2()) + kSlack;
    if (pr.lower > cb) break;
    const EdgeBall& x = ea[pr.i];
    const EdgeBall& y = eb[pr.j];
    if (ArcGapLower(*x.a, *x.b, pole(na[pr.i], x), *y.a, *y.b, pole(nb[pr.j], y)) > cb) continue;
    S2::UpdateEdgePairMinDistance(*x.a, *x.b, *y.a, *y.b, &best);
    if (best == S1ChordAngle::Zero()) break;
  }
  return best;
}

}  // namespace

// Why it equals Distance: Distance's answer is the smallest edge-pair
// distance D (every vertex pair is an endpoint pair of some edge pair, and
// S2's edge-pair distance is at most its endpoints' chords, computed the
// same way), and the pair that attains it has both edges within D <= limit
// of the other region's cap, so NearEdges keeps it and the search, started
// at or above D, reaches it.
S1Angle DistanceWithin(const Outline& a, const Outline& b, S1ChordAngle limit) {
  if (a.is_circle() || b.is_circle() || limit.is_infinity()) return Distance(a, b);
  if (b.Contains(a.ring().front()) || a.Contains(b.ring().front())) return S1Angle::Zero();
  const S1ChordAngle best = NearestEdgePair(a, b, limit);
  if (!(best < limit.Successor())) return Distance(a, b);
  return best.ToAngle();
}

// WithinDistance is: a vertex of one inside the other, or some edge pair
// within the limit (its vertex-chord shortcut agrees, as D is at most any
// vertex chord); the search below decides the second and measures at once.
std::optional<S1Angle> MeasureWithin(const Outline& a, const Outline& b, S1ChordAngle limit) {
  if (a.is_circle() || b.is_circle() || limit.is_infinity()) {
    if (!WithinDistance(a, b, limit)) return std::nullopt;
    return Distance(a, b);
  }
  const double reach = Radians(limit);
  const double centers = S1Angle(a.bound().center(), b.bound().center()).radians();
  if (centers > a.bound().GetRadius().radians() + b.bound().GetRadius().radians() + reach + 1e-12) {
    return std::nullopt;
  }
  if (b.Contains(a.ring().front()) || a.Contains(b.ring().front())) return S1Angle::Zero();
  const S1ChordAngle best = NearestEdgePair(a, b, limit);
  if (!(best < limit.Successor())) return std::nullopt;
  return best.ToAngle();
}

}  // namespace jic::geo
