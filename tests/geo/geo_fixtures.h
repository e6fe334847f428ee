// Fixtures the geometry tests share: degree/radian helpers and rings written
// as text, "36.0:37.0, 36.1:37.0, ..." (lat:lng in degrees), as in S2's tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "jic/geo/earth.h"
#include "jic/geo/geometry_check.h"
#include "s2/s2latlng.h"

namespace jic::geo::testing {

inline constexpr double kR = kEarthRadiusM;
inline constexpr double kPi = 3.14159265358979323846;
inline double Rad(double deg) { return deg * kPi / 180; }
inline double Deg(double rad) { return rad * 180 / kPi; }

inline S2Point P(double lat, double lng) { return S2LatLng::FromDegrees(lat, lng).ToPoint(); }

inline std::vector<LatLngDeg> Ring(std::string_view text) {
  std::vector<LatLngDeg> out;
  std::string s(text);
  const char* c = s.c_str();
  while (*c != '\0') {
    char* end;
    LatLngDeg ll;
    ll.lat = std::strtod(c, &end);
    EXPECT_EQ(*end, ':') << "bad fixture: " << text;
    ll.lng = std::strtod(end + 1, &end);
    out.push_back(ll);
    while (*end == ',' || *end == ' ') ++end;
    c = end;
  }
  return out;
}

}  // namespace jic::geo::testing
