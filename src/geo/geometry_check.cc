#include "jic/geo/geometry_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "jic/geo/outline.h"
#include "s2/s2error.h"
#include "s2/s2latlng.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"

namespace jic::geo {
namespace {

// Shapes must fit in a cap of this radius (degrees): well inside a
// hemisphere, so "the smaller region" is always well defined.
constexpr double kMaxCapDeg = 80;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// Turns S2's loop validation error into a sentence about the input's vertices
// (`pts`, in input order; edge i runs from vertex i to vertex i + 1).
std::string DescribeLoopError(const S2Error& err, const std::vector<S2Point>& pts) {
  int a = -1, b = -1;
  const std::string text = err.text();
  if (std::sscanf(text.c_str(), "Edge %d crosses edge %d", &a, &b) == 2) {
    return absl::StrCat("ring self-intersects: the edge from vertex ", a,
                        " crosses the edge from vertex ", b);
  }
  if (std::sscanf(text.c_str(), "Edge %d has duplicate vertex with edge %d", &a, &b) == 2) {
    // S2 names two edges sharing an endpoint; name the vertices themselves.
    const size_t n = pts.size();
    for (size_t i : {size_t(a), (size_t(a) + 1) % n}) {
      for (size_t j : {size_t(b), (size_t(b) + 1) % n}) {
        if (i < n && j < n && i != j && pts[i].x() == pts[j].x() && pts[i].y() == pts[j].y() &&
            pts[i].z() == pts[j].z()) {
          return absl::StrCat("ring self-intersects: vertex ", std::max(i, j), " repeats vertex ",
                              std::min(i, j));
        }
      }
    }
    return absl::StrCat("ring self-intersects: the edges from vertices ", a, " and ", b,
                        " share a vertex");
  }
  if (std::sscanf(text.c_str(), "Vertices %d and %d are antipodal", &a, &b) == 2) {
    return absl::StrCat("vertices ", a, " and ", b, " are antipodal");
  }
  return "invalid ring: " + text;
}

}  // namespace

bool CheckLatLng(double lat, double lng, const std::string& lat_path, const std::string& lng_path,
                 std::vector<FieldError>* errors) {
  bool ok = true;
  if (!std::isfinite(lat)) {
    errors->push_back({lat_path, "latitude must be a finite number"});
    ok = false;
  } else if (lat < -90 || lat > 90) {
    errors->push_back({lat_path, "latitude " + Num(lat) + " is outside -90..90"});
    ok = false;
  }
  if (!std::isfinite(lng)) {
    errors->push_back({lng_path, "longitude must be a finite number"});
    ok = false;
  } else if (lng < -180 || lng > 180) {
    errors->push_back({lng_path, "longitude " + Num(lng) + " is outside -180..180"});
    ok = false;
  }
  return ok;
}

std::optional<std::vector<S2Point>> CheckRing(std::span<const LatLngDeg> ring, RingForm form,
                                              const std::string& path,
                                              const std::function<std::string(size_t)>& vertex_path,
                                              std::vector<FieldError>* errors) {
  const size_t before = errors->size();
  size_t n = ring.size();
  auto same = [&](size_t i, size_t j) {
    return ring[i].lat == ring[j].lat && ring[i].lng == ring[j].lng;
  };
  if (form == RingForm::kClosed) {
    if (n < 4) {
      errors->push_back({path, absl::StrCat("a closed ring needs at least 4 positions (3 distinct "
                                            "vertices and the first repeated), got ", n)});
      return std::nullopt;
    }
    if (!same(0, n - 1)) {
      errors->push_back({path, "ring is not closed: the last position must repeat the first"});
      return std::nullopt;
    }
    --n;  // drop the closing position
  } else {
    if (n >= 2 && same(0, n - 1)) {
      errors->push_back({vertex_path(n - 1),
                         "repeats the first vertex; ASTM polygons are not closed (the last vertex "
                         "joins the first)"});
      return std::nullopt;
    }
  }
  if (n > kMaxVertices) {
    errors->push_back({path, absl::StrCat("too many vertices: ", n, " (at most ", kMaxVertices, ")")});
    return std::nullopt;
  }
  for (size_t i = 1; i < n; ++i) {
    if (same(i, i - 1)) {
      errors->push_back({vertex_path(i), absl::StrCat("repeats vertex ", i - 1)});
    }
  }
  if (form == RingForm::kClosed && n >= 2 && same(n - 1, 0)) {
    errors->push_back({vertex_path(n - 1), "repeats vertex 0 before the closing position"});
  }
  if (errors->size() != before) return std::nullopt;
  if (n < 3) {
    errors->push_back({path, absl::StrCat("a ring needs at least 3 distinct vertices, got ", n)});
    return std::nullopt;
  }
  std::vector<S2Point> pts;
  pts.reserve(n);
  for (size_t i = 0; i < n; ++i) pts.push_back(S2LatLng::FromDegrees(ring[i].lat, ring[i].lng).ToPoint());

  // Hemisphere check before S2 sees the loop: S2 would accept a loop that
  // circles the globe, and "the smaller region" would then mean little.
  Outline probe = Outline::Polygon(pts);
  if (probe.bound().GetRadius().degrees() > kMaxCapDeg) {
    errors->push_back({path, "ring spans too much of the Earth (its vertices do not fit in a cap "
                             "of 80 degrees radius)"});
    return std::nullopt;
  }
  S2Loop loop(pts, S2Debug::DISABLE);
  S2Error err;
  if (loop.FindValidationError(&err)) {
    errors->push_back({path, DescribeLoopError(err, pts)});
    return std::nullopt;
  }
  loop.Normalize();  // the smaller region, whatever the winding
  std::vector<S2Point> out(loop.vertices_span().begin(), loop.vertices_span().end());
  return out;
}

std::unique_ptr<S2Polygon> BuildAreaPolygon(std::vector<PolygonRings> parts,
                                            std::vector<FieldError>* errors) {
  const size_t before = errors->size();
  std::vector<std::unique_ptr<S2Polygon>> polys;
  for (const PolygonRings& part : parts) {
    S2Loop shell(part.shell, S2Debug::DISABLE);
    std::vector<std::unique_ptr<S2Loop>> loops;
    for (size_t h = 0; h < part.holes.size(); ++h) {
      auto hole = std::make_unique<S2Loop>(part.holes[h], S2Debug::DISABLE);
      if (!shell.Contains(*hole)) {
        errors->push_back({part.hole_paths[h], "hole is not inside its shell"});
        continue;
      }
      for (size_t k = 0; k < loops.size(); ++k) {
        if (loops[k]->Intersects(*hole)) {
          errors->push_back({part.hole_paths[h], "hole overlaps another hole of the same polygon"});
        }
      }
      loops.push_back(std::move(hole));
    }
    if (errors->size() != before) continue;
    loops.insert(loops.begin(), std::make_unique<S2Loop>(part.shell, S2Debug::DISABLE));
    auto poly = std::make_unique<S2Polygon>();
    poly->set_s2debug_override(S2Debug::DISABLE);
    poly->InitNested(std::move(loops));
    S2Error err;
    if (poly->FindValidationError(&err)) {
      errors->push_back({part.path, "invalid polygon: " + err.text()});
      continue;
    }
    for (size_t k = 0; k < polys.size(); ++k) {
      if (polys[k]->Intersects(*poly)) {
        errors->push_back({part.path, absl::StrCat("overlaps polygon ", k, " of the same MultiPolygon")});
      }
    }
    polys.push_back(std::move(poly));
  }
  if (errors->size() != before) return nullptr;
  if (polys.size() == 1) return std::move(polys.front());
  // Every ring as its own counter-clockwise loop; InitNested works out which
  // are holes from their nesting.
  std::vector<std::unique_ptr<S2Loop>> all;
  for (const PolygonRings& part : parts) {
    all.push_back(std::make_unique<S2Loop>(part.shell, S2Debug::DISABLE));
    for (const auto& h : part.holes) all.push_back(std::make_unique<S2Loop>(h, S2Debug::DISABLE));
  }
  auto merged = std::make_unique<S2Polygon>();
  merged->set_s2debug_override(S2Debug::DISABLE);
  merged->InitNested(std::move(all));
  S2Error err;
  if (merged->FindValidationError(&err)) {
    errors->push_back({parts.front().path, "invalid multipolygon: " + err.text()});
    return nullptr;
  }
  return merged;
}

}  // namespace jic::geo
