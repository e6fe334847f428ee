#include "jic/geo/area_region.h"

#include <cmath>

#include "jic/geo/earth.h"
#include "s2/s2closest_edge_query.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"

namespace jic::geo {

AreaRegion AreaRegion::Disc(const S2Point& center, double radius_m) {
  AreaRegion a;
  a.bound_ = S2Cap(center, MetersToAngle(radius_m));
  return a;
}

AreaRegion AreaRegion::Polygon(std::shared_ptr<const S2Polygon> polygon) {
  AreaRegion a;
  a.bound_ = polygon->GetCapBound();
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
  if (outline.is_circle()) {
    if (polygon_->Contains(outline.bound().center())) return true;
    S2ClosestEdgeQuery query(&polygon_->index());
    S2ClosestEdgeQuery::PointTarget target(outline.bound().center());
    return query.IsDistanceLessOrEqual(
        &target, S1ChordAngle(S1Angle::Radians(outline.bound().GetRadius().radians() + reach)));
  }
  S2ClosestEdgeQuery query(&polygon_->index());
  // Most candidates from the index are far: one point query proves it.
  S2ClosestEdgeQuery::PointTarget center(outline.bound().center());
  if (!query.IsDistanceLessOrEqual(
          &center, S1ChordAngle(S1Angle::Radians(
                       std::min(M_PI, outline.bound().GetRadius().radians() + reach))))) {
    return false;
  }
  // Overlap: a vertex of the outline in the area, or a part of the area
  // (one vertex of each of its loops) in the outline.
  if (polygon_->Contains(outline.ring().front())) return true;
  for (int k = 0; k < polygon_->num_loops(); ++k) {
    if (outline.Contains(polygon_->loop(k)->vertex(0))) return true;
  }
  // Otherwise they meet only where their edges come within the limit.
  const auto& ring = outline.ring();
  for (size_t i = 0; i < ring.size(); ++i) {
    S2ClosestEdgeQuery::EdgeTarget edge(ring[i], ring[i + 1 == ring.size() ? 0 : i + 1]);
    if (query.IsDistanceLessOrEqual(&edge, limit)) return true;
  }
  return false;
}
}  // namespace jic::geo
