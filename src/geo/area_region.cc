#include "jic/geo/area_region.h"

#include <algorithm>
#include <cmath>

#include "geo/edge_balls.h"
#include "jic/geo/earth.h"
#include "s2/s2closest_edge_query.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"

namespace jic::geo {

// The polygon's edges with their balls, in runs of consecutive edges, each
// run with a ball around its edges' balls, so that a test skips whole runs.
struct AreaEdges {
  static constexpr size_t kRun = 16;
  struct Run {
    S2Point m;
    double r;
    size_t begin, end;
  };
  internal::Edges balls;
  std::vector<Run> runs;
};

AreaRegion AreaRegion::Disc(const S2Point& center, double radius_m) {
  AreaRegion a;
  a.bound_ = S2Cap(center, MetersToAngle(radius_m));
  return a;
}

AreaRegion AreaRegion::Polygon(std::shared_ptr<const S2Polygon> polygon) {
  AreaRegion a;
  a.bound_ = polygon->GetCapBound();
  auto edges = std::make_shared<AreaEdges>();
  for (int k = 0; k < polygon->num_loops(); ++k) {
    const S2Loop* loop = polygon->loop(k);
    const int n = loop->num_vertices();
    for (int i = 0; i < n; ++i) {
      edges->balls.push_back(internal::BallOf(loop->vertex(i), loop->vertex(i + 1 == n ? 0 : i + 1)));
    }
  }
  for (size_t b = 0; b < edges->balls.size(); b += AreaEdges::kRun) {
    const size_t e = std::min(edges->balls.size(), b + AreaEdges::kRun);
    S2Point m;
    for (size_t i = b; i < e; ++i) m += edges->balls[i].m;
    m = m / static_cast<double>(e - b);
    double r = 0;
    for (size_t i = b; i < e; ++i) r = std::max(r, (edges->balls[i].m - m).Norm() + edges->balls[i].r);
    edges->runs.push_back({m, r * (1 + 1e-12), b, e});
  }
  a.edges_ = std::move(edges);
  a.polygon_ = std::move(polygon);
  return a;
}

bool AreaRegion::Contains(const S2Point& p) const {
  if (is_disc()) {
    return S1Angle(bound_.center(), p).radians() <=
           bound_.GetRadius().radians() + kToleranceM / kEarthRadiusM;
  }
  if (!bound_.Expanded(MetersToAngle(kToleranceM)).Contains(p)) return false;
  if (polygon_->Contains(p)) return true;
  S2ClosestEdgeQuery query(&polygon_->index());
  S2ClosestEdgeQuery::PointTarget target(p);
  return query.IsDistanceLessOrEqual(&target, MetersToChord(kToleranceM));
}

S1Angle AreaRegion::Distance(const S2Point& p) const {
  if (is_disc()) {
    return S1Angle::Radians(
        std::max(0.0, S1Angle(bound_.center(), p).radians() - bound_.GetRadius().radians()));
  }
  S2ClosestEdgeQuery query(&polygon_->index());
  S2ClosestEdgeQuery::PointTarget target(p);
  return query.GetDistance(&target).ToAngle();
}

bool AreaRegion::WithinDistance(const Outline& outline, S1ChordAngle limit) const {
  const double reach = limit.ToAngle().radians();
  const double centers = S1Angle(bound_.center(), outline.bound().center()).radians();
  if (centers > bound_.GetRadius().radians() + outline.bound().GetRadius().radians() + reach +
                    1e-12) {
    return false;
  }
  if (is_disc()) {
    return outline.WithinDistance(bound_.center(),
                                  S1ChordAngle(S1Angle::Radians(bound_.GetRadius().radians() + reach)));
  }
  // Overlap: a vertex of the outline (or a circle's centre) in the area, or a
  // part of the area (one vertex of each of its loops) in the outline.
  const S2Point& probe = outline.is_circle() ? outline.bound().center() : outline.ring().front();
  if (polygon_->Contains(probe)) return true;
  if (!outline.is_circle()) {
    for (int k = 0; k < polygon_->num_loops(); ++k) {
      if (outline.Contains(polygon_->loop(k)->vertex(0))) return true;
    }
  }
  // Otherwise they meet only where their boundaries come within the limit.
  // Only the area's edges that may reach the outline's cap are examined.
  internal::Edges near;
  const double lim = internal::ChordLen(outline.bound().GetRadius().radians() + reach) + internal::kSlack;
  for (const AreaEdges::Run& run : edges_->runs) {
    if ((run.m - outline.bound().center()).Norm() - run.r > lim) continue;
    for (size_t i = run.begin; i < run.end; ++i) {
      if (internal::MayReach(edges_->balls[i], outline.bound(), reach)) near.push_back(edges_->balls[i]);
    }
  }
  if (near.empty()) return false;
  if (outline.is_circle()) {
    const S1ChordAngle lim = internal::FromRadians(outline.bound().GetRadius().radians() + reach);
    S1ChordAngle best = lim.Successor();
    internal::MinPointDistance(outline.bound().center(), near, &best);
    return best < lim.Successor();
  }
  internal::Edges mine;
  internal::NearEdges(outline.ring(), bound_, reach, &mine);
  S1ChordAngle best = limit.Successor();
  return internal::MinEdgePairDistance(mine, near, &best, limit.Successor());
}
}  // namespace jic::geo
