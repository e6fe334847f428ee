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
  if (is_circle()) return bound_.Contains(p);
  if (!bound_.Contains(p)) return false;
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
      MinVertexChord2(a.ring(), b.ring()) <= limit.length2()) {
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

}  // namespace jic::geo
