#include "jic/geo/area_region.h"

#include <cmath>

#include "jic/geo/earth.h"
#include "s2/mutable_s2shape_index.h"
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
  S2ClosestEdgeQuery query(&polygon_->index());
  if (outline.is_circle()) {
    S2ClosestEdgeQuery::PointTarget target(outline.bound().center());
    return query.IsDistanceLessOrEqual(
        &target, S1ChordAngle(S1Angle::Radians(outline.bound().GetRadius().radians() + reach)));
  }
  MutableS2ShapeIndex index;
  index.Add(std::make_unique<S2Loop::OwningShape>(
      std::make_unique<S2Loop>(outline.ring(), S2Debug::DISABLE)));
  S2ClosestEdgeQuery::ShapeIndexTarget target(&index);
  target.set_include_interiors(true);
  return query.IsDistanceLessOrEqual(&target, limit);
}

}  // namespace jic::geo
