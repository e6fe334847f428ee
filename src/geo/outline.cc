#include "jic/geo/outline.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "geo/edge_balls.h"
#include "jic/geo/earth.h"
#include "s2/s2edge_crosser.h"
#include "s2/s2edge_distances.h"
#include "s2/s2pointutil.h"

namespace jic::geo {
using internal::Apart;
using internal::BallOf;
using internal::ChordLen;
using internal::EdgeBall;
using internal::Edges;
using internal::FromRadians;
using internal::kSlack;
using internal::MinEdgePairDistance;
using internal::NearEdges;
using internal::Radians;
using internal::SameSide;

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

// What the approximate arc distance needs of an arc a0-a1, made once per arc:
// its unit pole, and the normals of the planes through the pole and each end
// (p is within the arc's extent when on the inner side of both).
struct ArcFrame {
  S2Point n, in0, in1;
};

// The pole is made as (a1 + a0) x (a1 - a0) = 2 a0 x a1: for ends close
// together (a centimetre is 1.6e-9 rad), a0 x a1 itself would lose most of
// its digits to cancellation and point up to ~1e-7 rad astray, where this
// form stays within a few ulps.
ArcFrame FrameOf(const S2Point& a0, const S2Point& a1) {
  const S2Point n = (a1 + a0).CrossProd(a1 - a0).Normalize();
  return ArcFrame{n, n.CrossProd(a0), a1.CrossProd(n)};
}

// Squared chord from unit point p to the arc a0-a1, approximately (plain
// floating point, no robust predicates): the interior distance where p
// projects inside the arc, else the nearer endpoint. Its chord is within
// 1e-12 of S2::UpdateMinDistance's, either way (the rounding of either
// computation is ~1e-15, and where they pick different cases, at the
// extent's edges, the two cases' distances meet).
double ArcChord2Approx(const S2Point& p, const S2Point& a0, const S2Point& a1, const ArcFrame& f) {
  const double e0 = (p - a0).Norm2(), e1 = (p - a1).Norm2();
  if (f.in0.DotProd(p) > 0 && f.in1.DotProd(p) > 0) {
    const double s = std::fabs(p.DotProd(f.n));
    const double s2 = std::min(1.0, s * s);
    const double c = std::sqrt(1 - s2);
    return std::min({e0, e1, 2 * s2 / (1 + c)});  // 2 (1 - cos) without cancellation
  }
  return std::min(e0, e1);
}

// Defined below, with its helpers.
S1ChordAngle NearestEdgePair(const Outline& a, const Outline& b, S1ChordAngle limit);

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
  // Parity of the crossings of the segment from a point known to be outside,
  // as S2EdgeCrosser::EdgeOrVertexCrossing counts them. Most edges are
  // settled by orientation alone (both ends on one side of the segment's
  // great circle, or the segment on one side of the edge's); the rest go to
  // S2's exact test.
  const S2Point cp = outside_.CrossProd(p);
  const size_t n = ring_.size();
  bool inside = false;
  double dv = cp.DotProd(ring_[n - 1]);
  for (size_t i = 0; i < n; ++i) {
    const S2Point& v = ring_[i == 0 ? n - 1 : i - 1];
    const S2Point& w = ring_[i];
    const double dw = cp.DotProd(w);
    const bool apart = SameSide(dv, dw);
    dv = dw;
    if (apart || Apart(v.CrossProd(w), outside_, p)) continue;
    S2EdgeCrosser crosser(&outside_, &p);
    inside ^= crosser.EdgeOrVertexCrossing(&v, &w);
  }
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

double Outline::CircleReachRadians(S1ChordAngle limit) const {
  return bound_.GetRadius().radians() + Radians(limit);
}

bool Outline::WithinDistance(const S2Point& p, S1ChordAngle limit) const {
  if (is_circle()) return S1Angle(bound_.center(), p).radians() <= CircleReachRadians(limit);
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
  return NearestEdgePair(a, b, limit) < limit.Successor();
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

// Two doubles, as GCC's generic vectors: one SSE2 instruction on two pairs
// (the baseline x86-64 this is built for). Each lane computes exactly what
// the scalar expression would: no FMA contraction is possible on that
// target, so the bits are the same.
typedef double V2 __attribute__((vector_size(16)));
constexpr size_t kLanes = 4;  // columns are padded for two V2 at a time

inline V2 Splat(double x) { return V2{x, x}; }
inline V2 Load(const double* p) {
  V2 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The edges of a ring kept for a pair search, column by column, padded to a
// multiple of kLanes with edges too far away to matter (their squared
// distances, ~1e60, lose every comparison).
struct EdgeColumns {
  static constexpr double kFar = 1e30;
  std::vector<double> mx, my, mz, r;  // the edge's ball (BallOf)
  std::vector<double> vx, vy, vz;     // its first vertex
  std::vector<uint32_t> edge;         // its number: vertices edge and edge + 1
  size_t n = 0;                       // edges kept; the columns hold Padded()
  size_t Padded() const { return (n + kLanes - 1) / kLanes * kLanes; }
};

// NearEdges, into columns: the edges of `ring` whose ball may come within
// `reach` radians of cap `c`. The balls are computed as BallOf does.
void NearEdgeColumns(const std::vector<S2Point>& ring, const S2Cap& c, double reach,
                     EdgeColumns* out) {
  const double lim = ChordLen(c.GetRadius().radians() + reach) + kSlack;
  const size_t n = ring.size();
  const size_t cap = n + kLanes;
  for (auto* col : {&out->mx, &out->my, &out->mz, &out->r, &out->vx, &out->vy, &out->vz}) {
    if (col->size() < cap) col->resize(cap);
  }
  if (out->edge.size() < cap) out->edge.resize(cap);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    const S2Point& a = ring[i];
    const S2Point& b = ring[i + 1 == n ? 0 : i + 1];
    const EdgeBall e = BallOf(a, b);
    const double far = lim + e.r;
    if ((e.m - c.center()).Norm2() > far * far) continue;
    out->mx[k] = e.m.x(), out->my[k] = e.m.y(), out->mz[k] = e.m.z();
    out->r[k] = e.r;
    out->vx[k] = a.x(), out->vy[k] = a.y(), out->vz[k] = a.z();
    out->edge[k] = static_cast<uint32_t>(i);
    ++k;
  }
  out->n = k;
  for (size_t i = k; i < out->Padded(); ++i) {
    out->mx[i] = out->my[i] = out->mz[i] = EdgeColumns::kFar;
    out->vx[i] = out->vy[i] = out->vz[i] = EdgeColumns::kFar;
    out->r[i] = 0;
  }
}

// The smallest edge-pair distance between two polygons neither of which
// holds a vertex of the other, searched among the edges within `limit` of
// the other's cap: below limit.Successor() exactly when the polygons are
// within `limit`, and then equal to Distance(a, b) (see DistanceWithin).
S1ChordAngle NearestEdgePair(const Outline& a, const Outline& b, S1ChordAngle limit) {
  const double reach = Radians(limit);
  thread_local EdgeColumns ea, eb;
  NearEdgeColumns(a.ring(), b.bound(), reach, &ea);
  NearEdgeColumns(b.ring(), a.bound(), reach, &eb);
  const S1ChordAngle above = limit.Successor();
  const size_t na_ = ea.n, nb_ = eb.n, nb4 = eb.Padded();
  if (na_ == 0 || nb_ == 0) return above;
  // The closest pair of the kept edges' first vertices bounds the answer
  // from above (D is at most any vertex chord), so the search prunes from
  // the start.
  double v2 = above.length2();
  {
    V2 vmin0 = Splat(v2), vmin1 = vmin0;
    for (size_t i = 0; i < na_; ++i) {
      const V2 ax = Splat(ea.vx[i]), ay = Splat(ea.vy[i]), az = Splat(ea.vz[i]);
      auto two = [&](size_t j, V2& vmin) {
        const V2 dx = ax - Load(&eb.vx[j]), dy = ay - Load(&eb.vy[j]), dz = az - Load(&eb.vz[j]);
        const V2 d2 = dx * dx + dy * dy + dz * dz;  // S2Point::Norm2, term for term
        vmin = d2 < vmin ? d2 : vmin;
      };
      for (size_t j = 0; j < nb4; j += kLanes) {
        two(j, vmin0);
        two(j + 2, vmin1);
      }
    }
    v2 = std::min({v2, vmin0[0], vmin0[1], vmin1[0], vmin1[1]});
  }
  S1ChordAngle best = v2 < above.length2() ? S1ChordAngle::FromLength2(v2) : above;
  // The pairs whose edges' balls come within that bound (|x.m - y.m| - x.r
  // - y.r <= cb0, without the square root), a row at a time: the squared
  // chords between ball centres two lanes at a time, then, without a branch
  // per pair, each pair written and kept by advancing past it. Memory stays
  // one row plus the pairs kept, however many vertices the rings have.
  struct Pair {
    double lower;  // the edges' balls' gap: a coarse lower bound
    uint32_t i, j;
  };
  thread_local std::vector<double> row;
  thread_local std::vector<Pair> all;
  if (row.size() < nb4) row.resize(nb4);
  size_t kept = 0;
  const double cb0 = std::sqrt(best.length2()) + kSlack;
  for (size_t i = 0; i < na_; ++i) {
    const V2 mx = Splat(ea.mx[i]), my = Splat(ea.my[i]), mz = Splat(ea.mz[i]);
    for (size_t j = 0; j < nb4; j += 2) {
      const V2 ex = mx - Load(&eb.mx[j]), ey = my - Load(&eb.my[j]), ez = mz - Load(&eb.mz[j]);
      const V2 e2 = ex * ex + ey * ey + ez * ez;
      std::memcpy(&row[j], &e2, sizeof e2);
    }
    if (all.size() < kept + nb_) all.resize(2 * (kept + nb_));
    const double reach_i = cb0 + ea.r[i];
    for (size_t j = 0; j < nb_; ++j) {
      const double far = reach_i + eb.r[j];
      all[kept] = Pair{row[j], static_cast<uint32_t>(i), static_cast<uint32_t>(j)};
      kept += row[j] <= far * far;
    }
  }
  std::span<Pair> pairs(all.data(), kept);
  for (Pair& pr : pairs) pr.lower = std::sqrt(pr.lower) - ea.r[pr.i] - eb.r[pr.j];
  std::sort(pairs.begin(), pairs.end(),
            [](const Pair& p, const Pair& q) { return p.lower < q.lower; });
  // Nearest balls first. S2's distance for a pair of arcs is zero when they
  // cross, else the least of its four endpoint-to-arc distances; that least
  // is what decides the bits, so S2 is asked only for what can attain it.
  // - A crossing needs each arc's endpoints on both sides of the other's
  //   great circle (tested with a margin of 1e-12, far above the dot
  //   products' rounding): only such pairs go to
  //   S2::UpdateEdgePairMinDistance, at once.
  // - Every other endpoint-to-arc distance is first estimated
  //   (ArcChord2Approx, within kEps of S2's chord). `upper` bounds the
  //   answer from above (an exact chord, or an estimate plus kEps); an
  //   estimate less kEps above it cannot be the least, and is dropped.
  // - The survivors go to S2::UpdateMinDistance at the end, once `upper`
  //   is as low as it gets: usually one or two.
  constexpr double kEps = 1e-12;
  double upper = std::sqrt(best.length2());
  struct Ask {
    double lower;  // the estimate less kEps
    const S2Point *p, *e0, *e1;
  };
  absl::InlinedVector<Ask, 16> asks;
  // The arcs' frames, made on first use.
  thread_local std::vector<ArcFrame> fa, fb;
  if (fa.size() < na_) fa.resize(na_);
  if (fb.size() < nb_) fb.resize(nb_);
  absl::InlinedVector<bool, 64> made_a(na_, false), made_b(nb_, false);
  const std::vector<S2Point>& ra = a.ring();
  const std::vector<S2Point>& rb = b.ring();
  auto ends = [](const std::vector<S2Point>& ring, uint32_t e) {
    return std::pair<const S2Point*, const S2Point*>(&ring[e],
                                                     &ring[e + 1 == ring.size() ? 0 : e + 1]);
  };
  for (const Pair& pr : pairs) {
    if (pr.lower > upper + kSlack) break;
    const auto [x0, x1] = ends(ra, ea.edge[pr.i]);
    const auto [y0, y1] = ends(rb, eb.edge[pr.j]);
    ArcFrame& fx = fa[pr.i];
    ArcFrame& fy = fb[pr.j];
    if (!made_a[pr.i]) fx = FrameOf(*x0, *x1), made_a[pr.i] = true;
    if (!made_b[pr.j]) fy = FrameOf(*y0, *y1), made_b[pr.j] = true;
    if (!Apart(fx.n, *y0, *y1, kEps) &&
        !Apart(fy.n, *x0, *x1, kEps)) {  // they may cross (or nearly)
      S2::UpdateEdgePairMinDistance(*x0, *x1, *y0, *y1, &best);
      if (best == S1ChordAngle::Zero()) return best;
      upper = std::min(upper, std::sqrt(best.length2()));
      continue;
    }
    auto estimate = [&](const S2Point* p, const S2Point* e0, const S2Point* e1, const ArcFrame& f) {
      const double c = std::sqrt(ArcChord2Approx(*p, *e0, *e1, f));
      if (c - kEps > upper + kSlack) return;
      asks.push_back({c - kEps, p, e0, e1});
      upper = std::min(upper, c + kEps);
    };
    estimate(x0, y0, y1, fy);
    estimate(x1, y0, y1, fy);
    estimate(y0, x0, x1, fx);
    estimate(y1, x0, x1, fx);
  }
  for (const Ask& q : asks) {
    if (q.lower > upper + kSlack) continue;
    S2::UpdateMinDistance(*q.p, *q.e0, *q.e1, &best);
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
