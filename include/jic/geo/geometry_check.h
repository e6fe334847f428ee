// Validation of input geometry: every problem is reported with the path of
// the field at fault, and only checked geometry reaches the predicates.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jic/base/status.h"
#include "s2/s2point.h"

class S2Polygon;

namespace jic::geo {

// At most this many vertices in one ring (ASTM's polygons and the agreement's
// areas alike), so that one input cannot take the engine hostage.
inline constexpr size_t kMaxVertices = 10000;

// Largest circle or disc radius accepted, metres.
inline constexpr double kMaxRadiusM = 5000e3;

struct LatLngDeg {
  double lat = 0;
  double lng = 0;
};

// How the input writes a ring: GeoJSON repeats the first vertex at the end,
// ASTM F3548 does not.
enum class RingForm { kClosed, kOpen };

// Checks one coordinate pair: finite, latitude within +-90, longitude within
// +-180. Appends an error naming `lat_path` or `lng_path` for each fault.
bool CheckLatLng(double lat, double lng, const std::string& lat_path,
                 const std::string& lng_path, std::vector<FieldError>* errors);

// Checks a ring whose coordinates have passed CheckLatLng: closed (kClosed) or
// not repeating its first vertex (kOpen), no vertex repeating the previous
// one, at least 3 distinct vertices, at most kMaxVertices, no
// self-intersection, spanning less than a hemisphere. Returns the vertices as
// unit points, closing vertex dropped, counter-clockwise around the smaller of
// the two regions the ring bounds (so either winding means the same region);
// nullopt after appending errors to *errors (`path` names the ring,
// `vertex_path(i)` the i-th vertex of the input).
std::optional<std::vector<S2Point>> CheckRing(std::span<const LatLngDeg> ring, RingForm form,
                                              const std::string& path,
                                              const std::function<std::string(size_t)>& vertex_path,
                                              std::vector<FieldError>* errors);

// One polygon of an area: its shell and holes as CheckRing returned them.
struct PolygonRings {
  std::vector<S2Point> shell;
  std::vector<std::vector<S2Point>> holes;
  std::string path;                     // e.g. "areas[3].geometry.coordinates[1]"
  std::vector<std::string> hole_paths;  // e.g. "...coordinates[1][2]"
};

// Builds the polygon of an area from one (Polygon) or more (MultiPolygon)
// parts, checking that every hole lies inside its shell, that holes do not
// overlap each other and that parts do not overlap. Returns null after
// appending errors to *errors.
std::unique_ptr<S2Polygon> BuildAreaPolygon(std::vector<PolygonRings> parts,
                                            std::vector<FieldError>* errors);

}  // namespace jic::geo
