// The Earth model and the geometric tolerance every predicate shares.
#pragma once

#include "s2/s1angle.h"
#include "s2/s1chord_angle.h"

namespace jic::geo {

// IUGG mean radius, as AGREEMENT.md fixes it.
inline constexpr double kEarthRadiusM = 6371008.8;

// Two shapes closer than this are touching. Well under the 1 cm the agreement
// asks to tell apart, well above the ~1e-9 m rounding of degree inputs.
inline constexpr double kToleranceM = 0.001;

inline S1Angle MetersToAngle(double m) { return S1Angle::Radians(m / kEarthRadiusM); }
inline double AngleToMeters(S1Angle a) { return a.radians() * kEarthRadiusM; }
inline S1ChordAngle MetersToChord(double m) {
  double rad = m / kEarthRadiusM;
  if (rad >= M_PI) return S1ChordAngle::Straight();
  return S1ChordAngle(S1Angle::Radians(rad));
}
inline double ChordToMeters(S1ChordAngle c) { return c.ToAngle().radians() * kEarthRadiusM; }

}  // namespace jic::geo
