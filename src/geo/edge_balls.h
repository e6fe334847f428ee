// Internal to src/geo: bounding balls around geodesic edges, and the pruned
// edge-pair distance search that Outline and AreaRegion share.
#pragma once

#include <cmath>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "s2/s1chord_angle.h"
#include "s2/s2cap.h"
#include "s2/s2edge_distances.h"
#include "s2/s2point.h"

namespace jic::geo::internal {

// A Euclidean ball containing the geodesic arc from a to b (shorter than a
// half circle): centre (a+b)/2, radius |a-b|/2. The arc's points satisfy
// |p - m|^2 = 1 - 2 cos(t/2) (p.u) + cos^2(t/2) <= sin^2(t/2).
// REQUIRES: *a and *b outlive it.
struct EdgeBall {
  S2Point m;
  double r;
  const S2Point* a;
  const S2Point* b;
};

inline EdgeBall BallOf(const S2Point& a, const S2Point& b) {
  return EdgeBall{(a + b) * 0.5, (a - b).Norm() * 0.5, &a, &b};
}

// Euclidean length of the chord subtending `angle` (radians, clamped to pi).
inline double ChordLen(double angle) { return angle >= M_PI ? 2.0 : 2.0 * std::sin(angle * 0.5); }

// The orientation of three unit points from (a x b).c is certain beyond
// this (s2pred::TriageSign's bound is 1.8274 DBL_EPSILON, ~4.1e-16; a larger
// one only sends more edges to S2's exact test).
inline constexpr double kDetError = 1e-14;

// True when two signed distances from a great circle (dot products with its
// normal) are certainly of one sign: both beyond `margin` on the same side.
inline bool SameSide(double dx, double dy, double margin = kDetError) {
  return (dx > margin && dy > margin) || (dx < -margin && dy < -margin);
}

// True when x and y are certainly on the same side of the great circle with
// normal n (= a x b for unit a, b): no arc between them crosses the arc ab.
inline bool Apart(const S2Point& n, const S2Point& x, const S2Point& y, double margin = kDetError) {
  return SameSide(n.DotProd(x), n.DotProd(y), margin);
}

// Slack on the pruning tests so that rounding never prunes a true candidate.
inline constexpr double kSlack = 1e-13;

inline double Radians(S1ChordAngle c) { return c.is_infinity() ? INFINITY : c.ToAngle().radians(); }

inline S1ChordAngle FromRadians(double rad) {
  if (!std::isfinite(rad)) return S1ChordAngle::Infinity();
  if (rad >= M_PI) return S1ChordAngle::Straight();
  return S1ChordAngle(S1Angle::Radians(std::max(0.0, rad)));
}

using Edges = absl::InlinedVector<EdgeBall, 48>;

// True when the edge's ball may come within `reach` radians of cap `c`.
inline bool MayReach(const EdgeBall& e, const S2Cap& c, double reach) {
  return (e.m - c.center()).Norm() - e.r <= ChordLen(c.GetRadius().radians() + reach) + kSlack;
}

// Edges of `ring` whose arc may come within `reach` radians of cap `c`.
inline void NearEdges(const std::vector<S2Point>& ring, const S2Cap& c, double reach, Edges* out) {
  const double lim = ChordLen(c.GetRadius().radians() + reach) + kSlack;
  const size_t n = ring.size();
  for (size_t i = 0; i < n; ++i) {
    EdgeBall e = BallOf(ring[i], ring[i + 1 == n ? 0 : i + 1]);
    // |e.m - centre| - e.r > lim, without a second square root.
    const double far = lim + e.r;
    if ((e.m - c.center()).Norm2() > far * far) continue;
    out->push_back(e);
  }
}

// Lowers *best to the smallest distance between the two edge sets, searching
// only below *best. Returns true as soon as *best drops below `stop`.
inline bool MinEdgePairDistance(const Edges& ea, const Edges& eb, S1ChordAngle* best,
                                S1ChordAngle stop) {
  for (const EdgeBall& x : ea) {
    for (const EdgeBall& y : eb) {
      const double cb = best->is_infinity() ? INFINITY : std::sqrt(best->length2());
      if ((x.m - y.m).Norm() - x.r - y.r > cb + kSlack) continue;
      S2::UpdateEdgePairMinDistance(*x.a, *x.b, *y.a, *y.b, best);
      if (*best < stop) return true;
    }
  }
  return false;
}

// Lowers *best to the smallest distance from p to the edges, searching only
// below *best.
inline void MinPointDistance(const S2Point& p, const Edges& edges, S1ChordAngle* best) {
  for (const EdgeBall& e : edges) {
    const double cb = best->is_infinity() ? INFINITY : std::sqrt(best->length2());
    if ((p - e.m).Norm() - e.r > cb + kSlack) continue;
    S2::UpdateMinDistance(p, *e.a, *e.b, best);
  }
}

}  // namespace jic::geo::internal
