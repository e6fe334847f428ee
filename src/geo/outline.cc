#include "jic/geo/outline.h"

#include <algorithm>
#include <cmath>

#include "absl/container/inlined_vector.h"
#include "jic/geo/earth.h"
#include "s2/s2edge_crosser.h"
#include "s2/s2edge_distances.h"
#include "s2/s2pointutil.h"

namespace jic::geo {
namespace {

// A Euclidean ball containing the geodesic arc from a to b (shorter than a
// half circle): centre (a+b)/2, radius |a-b|/2. The arc's points satisfy
// |p - m|^2 = 1 - 2 cos(t/2) (p.u) + cos^2(t/2) <= sin^2(t/2).
struct EdgeBall {
  S2Point m;
  double r;
  const S2Point* a;
  const S2Point* b;
};

EdgeBall BallOf(const S2Point& a, const S2Point& b) {
  return EdgeBall{(a + b) * 0.5, (a - b).Norm() * 0.5, &a, &b};
}

// Euclidean length of the chord subtending `angle` (radians, clamped to pi).
double ChordLen(double angle) { return angle >= M_PI ? 2.0 : 2.0 * std::sin(angle * 0.5); }

// Slack on the pruning tests so that rounding never prunes a true candidate.
constexpr double kSlack = 1e-13;

double Radians(S1ChordAngle c) { return c.is_infinity() ? INFINITY : c.ToAngle().radians(); }

S1ChordAngle FromRadians(double rad) {
  if (!std::isfinite(rad)) return S1ChordAngle::Infinity();
  if (rad >= M_PI) return S1ChordAngle::Straight();
  return S1ChordAngle(S1Angle::Radians(std::max(0.0, rad)));
}

using Edges = absl::InlinedVector<EdgeBall, 48>;

// Edges of `ring` whose arc may come within `reach` radians of cap `c`.
void NearEdges(const std::vector<S2Point>& ring, const S2Cap& c, double reach, Edges* out) {
  const double lim = ChordLen(c.GetRadius().radians() + reach) + kSlack;
  const size_t n = ring.size();
  for (size_t i = 0; i < n; ++i) {
    EdgeBall e = BallOf(ring[i], ring[i + 1 == n ? 0 : i + 1]);
    if ((e.m - c.center()).Norm() - e.r > lim) continue;
    out->push_back(e);
  }
}

// Smallest distance between two edge sets, searching only below `*best`
// (which it lowers). Returns true as soon as *best drops below `stop`.
bool MinEdgePairDistance(const Edges& ea, const Edges& eb, S1ChordAngle* best, S1ChordAngle stop) {
  for (const EdgeBall& x : ea) {
    for (const EdgeBall& y : eb) {
      double cb = best->is_infinity() ? INFINITY : std::sqrt(best->length2());
      if ((x.m - y.m).Norm() - x.r - y.r > cb + kSlack) continue;
      S2::UpdateEdgePairMinDistance(*x.a, *x.b, *y.a, *y.b, best);
      if (*best < stop) return true;
    }
  }
  return false;
}

}  // namespace

Outline Outline::Circle(const S2Point& center, double radius_m) {
  Outline o;
  o.bound_ = S2Cap(center, MetersToAngle(radius_m));
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
  S1ChordAngle best = S1ChordAngle::Infinity();
  MinEdgePairDistance(ea, eb, &best, S1ChordAngle::Zero());
  return best.ToAngle();
}

}  // namespace jic::geo
