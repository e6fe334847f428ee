// AreaRegion: the horizontal region of an agreement's area — a polygon or
// multipolygon with holes (any size up to a hemisphere, any vertex count), or
// a disc around a point (a protected site with `radius_m`).
//
// Thread-safety: immutable after construction; S2Polygon builds its index
// lazily but thread-safely, so any number of threads may query it.
#pragma once

#include <memory>

#include "jic/geo/outline.h"
#include "s2/s2cap.h"
#include "s2/s2point.h"

class S2Polygon;

namespace jic::geo {

struct AreaEdges;  // the polygon's edges with their bounding balls

class AreaRegion {
 public:
  AreaRegion() = default;
  static AreaRegion Disc(const S2Point& center, double radius_m);
  // REQUIRES: `polygon` is valid (as BuildAreaPolygon returns it).
  static AreaRegion Polygon(std::shared_ptr<const S2Polygon> polygon);

  bool is_disc() const { return polygon_ == nullptr; }
  const S2Cap& bound() const { return bound_; }
  // The polygon, or null for a disc.
  const S2Polygon* polygon() const { return polygon_.get(); }

  // True when `p` is in the closed region (within kToleranceM of it).
  bool Contains(const S2Point& p) const;

  // True when the region and the outline (interiors included) come within
  // `limit` of each other.
  bool WithinDistance(const Outline& outline, S1ChordAngle limit) const;

  // Distance from the region to `p`; zero inside.
  S1Angle Distance(const S2Point& p) const;

 private:
  std::shared_ptr<const S2Polygon> polygon_;
  std::shared_ptr<const AreaEdges> edges_;
  S2Cap bound_;
};

}  // namespace jic::geo
