// Outline: the horizontal shape of an operation's 4D volume, compact enough to
// keep a million in memory, with the distance predicates the engine needs.
//
// A polygon is a simple ring of geodesic edges bounding the smaller of the two
// regions it separates (ASTM's rule), or a circle (a spherical cap). Every
// shape fits well inside a hemisphere (validation refuses larger ones), which
// lets the predicates use a reference point outside the bounding cap.
//
// Thread-safety: immutable after construction; any number of threads may read.
#pragma once

#include <optional>
#include <vector>

#include "s2/s1chord_angle.h"
#include "s2/s2cap.h"
#include "s2/s2point.h"

namespace jic::geo {

class Outline {
 public:
  Outline() = default;

  // A circle of `radius_m` metres around `center` (unit length).
  static Outline Circle(const S2Point& center, double radius_m);

  // A polygon. REQUIRES: `ring` is a valid simple loop of unit-length points
  // (as CheckRing returns them) spanning less than a hemisphere.
  static Outline Polygon(std::vector<S2Point> ring);
  // The circle whose cap is `cap`, exactly (snapshots keep circles this way,
  // since metres -> angle -> metres need not round-trip).
  static Outline CircleFromCap(const S2Cap& cap);

  bool is_circle() const { return ring_.empty(); }
  // Polygon vertices, counter-clockwise around the region; empty for a circle.
  const std::vector<S2Point>& ring() const { return ring_; }
  // A cap containing the whole region; for a circle, the circle itself.
  const S2Cap& bound() const { return bound_; }
  double circle_radius_m() const;

  // True when `p` lies in the region. Points within ~1e-15 rad of the
  // boundary may go either way; callers that care use WithinDistance.
  bool Contains(const S2Point& p) const;

  // True when some point of the region (boundary or interior) is within
  // `limit` of `p`.
  bool WithinDistance(const S2Point& p, S1ChordAngle limit) const;

  // For a circle, WithinDistance(p, limit) is exactly
  //   S1Angle(bound().center(), p).radians() <= CircleReachRadians(limit)
  // so that a caller testing many points against one circle and one limit
  // (the monitor's conformance) can keep the two numbers beside its own data.
  // REQUIRES: is_circle().
  double CircleReachRadians(S1ChordAngle limit) const;

  // Distance from `p` to the region; zero inside.
  S1Angle Distance(const S2Point& p) const;

  // Asks the CPU to start loading the vertices (a ring of 32 takes twelve
  // lines), so that a caller about to test many outlines found by an index
  // overlaps their cache misses.
  void PrefetchVertices() const {
    if (ring_.empty()) return;  // a circle: no vertices (and no pointer to offset)
    const char* p = reinterpret_cast<const char*>(ring_.data());
    const char* end = reinterpret_cast<const char*>(ring_.data() + ring_.size());
    for (; p < end; p += 64) __builtin_prefetch(p);
  }

  // Heap bytes owned (vertices), for the index's memory accounting.
  size_t HeapBytes() const { return ring_.capacity() * sizeof(S2Point); }

 private:
  S1ChordAngle PolygonMinDistance(const S2Point& p, S1ChordAngle limit) const;

  std::vector<S2Point> ring_;
  S2Cap bound_;
  S2Point outside_;  // polygon only: a point known to be outside the region
};

// True when the regions `a` and `b` (interiors included) come within `limit`
// of each other; zero limit means they touch or overlap.
bool WithinDistance(const Outline& a, const Outline& b, S1ChordAngle limit);

// The distance between the regions; zero when they touch or overlap.
S1Angle Distance(const Outline& a, const Outline& b);

// Distance(a, b), bit for bit, for regions known to be within `limit` of
// each other (WithinDistance(a, b, limit)): only the edges that come within
// `limit` of the other region are searched. (Falls back to Distance when
// they are not within it after all.)
S1Angle DistanceWithin(const Outline& a, const Outline& b, S1ChordAngle limit);

// WithinDistance(a, b, limit) and, when true, DistanceWithin(a, b, limit) in
// one search: nullopt when the regions are farther apart than `limit`.
std::optional<S1Angle> MeasureWithin(const Outline& a, const Outline& b, S1ChordAngle limit);

}  // namespace jic::geo
