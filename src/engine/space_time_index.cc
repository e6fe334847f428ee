#include "jic/engine/space_time_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "jic/geo/earth.h"
#include "s2/s2cell.h"
#include "s2/s2metrics.h"
#include "s2/s2region_coverer.h"

namespace jic::engine {
namespace {

constexpr int kFaceLevel = S2CellId::kMaxLevel + 1;  // slot for items covering whole faces
constexpr uint8_t kUnboundedClass = 16;
constexpr int64_t kMicrosPerMinute = 60'000'000;

int32_t ClampMinutes(int64_t m) {
  return static_cast<int32_t>(std::clamp<int64_t>(m, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}
int32_t FloorMinutes(Time t) {
  int64_t us = t.unix_micros();
  int64_t q = us / kMicrosPerMinute;
  if (us % kMicrosPerMinute != 0 && us < 0) --q;
  return ClampMinutes(q);
}
int32_t CeilMinutes(Time t) {
  int64_t us = t.unix_micros();
  int64_t q = us / kMicrosPerMinute;
  if (us % kMicrosPerMinute != 0 && us > 0) ++q;
  return ClampMinutes(q);
}
float FloatDown(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) > v) f = std::nextafter(f, -INFINITY);
  return f;
}
float FloatUp(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) < v) f = std::nextafter(f, INFINITY);
  return f;
}

// Largest level whose four cells around the nearest vertex hold the cap, or -1
// when it needs more than a face (S2Cap::GetCellUnionBound's rule).
int FitLevel(const S2Cap& cap) {
  return S2::kMinWidth.GetLevelForMinValue(cap.GetRadius().radians()) - 1;
}

}  // namespace

S2Cap SpaceTimeIndex::Widen(const S2Cap& cap, double margin_m) {
  constexpr double kCellBoundarySlackM = 1.0;
  return cap.Expanded(geo::MetersToAngle(margin_m + geo::kToleranceM + kCellBoundarySlackM));
}

SpaceTimeIndex::SpaceTimeIndex(const Options& options) : options_(options) {
  options_.finest_level = std::clamp(options_.finest_level, 0, S2CellId::kMaxLevel - 1);
}

int SpaceTimeIndex::LevelFor(const S2Cap& cap) const {
  return std::min(FitLevel(cap), options_.finest_level);
}

void SpaceTimeIndex::CellsFor(const S2Cap& cap, int level, bool exact,
                              std::vector<S2CellId>* out) const {
  out->clear();
  if (level < 0) {
    for (int f = 0; f < 6; ++f) out->push_back(S2CellId::FromFace(f));
    return;
  }
  if (FitLevel(cap) >= level) {
    S2CellId(cap.center()).AppendVertexNeighbors(level, out);
    if (exact) {
      out->erase(std::remove_if(out->begin(), out->end(),
                                [&](S2CellId id) { return !cap.MayIntersect(S2Cell(id)); }),
                 out->end());
    }
    return;
  }
  // The cap is larger than these cells: every cell of the level it touches.
  S2RegionCoverer::GetSimpleCovering(cap, cap.center(), level, out);
}

SpaceTimeIndex::Posting SpaceTimeIndex::MakePosting(uint32_t item, const Box& box) {
  const S2Point& c = box.cap.center();
  // A float centre is within ~1e-7 of the true one; pad the radius by more.
  const float radius = FloatUp(box.cap.GetRadius().radians() + 4e-7);
  return Posting{FloorMinutes(box.t0),     CeilMinutes(box.t1),       FloatDown(box.alt_lo),
                 FloatUp(box.alt_hi),      static_cast<float>(c.x()), static_cast<float>(c.y()),
                 static_cast<float>(c.z()), radius,                   item};
}

uint8_t SpaceTimeIndex::ClassOf(const Posting& p) {
  const int64_t d = static_cast<int64_t>(p.t1) - p.t0;
  int64_t span = 1;
  for (uint8_t c = 0; c < kUnboundedClass; ++c, span *= 4) {
    if (d <= span) return c;
  }
  return kUnboundedClass;
}

void SpaceTimeIndex::Insert(uint32_t item, const Box& box) {
  const Posting p = MakePosting(item, box);
  const uint8_t cls = ClassOf(p);
  const int level = LevelFor(box.cap);
  std::vector<S2CellId> ids;
  CellsFor(box.cap, level, /*exact=*/true, &ids);
  for (S2CellId id : ids) {
    Cell& cell = cells_[id.id()];
    auto it = std::find_if(cell.begin(), cell.end(), [&](const ClassList& l) { return l.cls == cls; });
    if (it == cell.end()) {
      cell.push_back(ClassList{cls, 0, {}, {}});
      it = cell.end() - 1;
    }
    it->max_minutes = std::max(it->max_minutes, static_cast<int64_t>(p.t1) - p.t0);
    auto pos = std::upper_bound(it->starts.begin(), it->starts.end(), p.t0);
    const auto at = pos - it->starts.begin();
    it->starts.insert(pos, p.t0);
    it->postings.insert(it->postings.begin() + at, p);
  }
  ++items_at_level_[level < 0 ? kFaceLevel : level];
  ++size_;
}

bool SpaceTimeIndex::Remove(uint32_t item, const Box& box) {
  const Posting p = MakePosting(item, box);
  const uint8_t cls = ClassOf(p);
  const int level = LevelFor(box.cap);
  std::vector<S2CellId> ids;
  CellsFor(box.cap, level, /*exact=*/true, &ids);
  bool found = false;
  for (S2CellId id : ids) {
    auto cit = cells_.find(id.id());
    if (cit == cells_.end()) continue;
    Cell& cell = cit->second;
    auto it = std::find_if(cell.begin(), cell.end(), [&](const ClassList& l) { return l.cls == cls; });
    if (it == cell.end()) continue;
    auto& v = it->postings;
    size_t k = std::lower_bound(it->starts.begin(), it->starts.end(), p.t0) - it->starts.begin();
    for (; k < v.size() && v[k].t0 == p.t0; ++k) {
      if (v[k].item == item) {
        v.erase(v.begin() + k);
        it->starts.erase(it->starts.begin() + k);
        found = true;
        break;
      }
    }
    if (v.empty()) cell.erase(it);
    if (cell.empty()) cells_.erase(cit);
  }
  if (found) {
    --items_at_level_[level < 0 ? kFaceLevel : level];
    --size_;
  }
  return found;
}

void SpaceTimeIndex::Query(const Box& q, std::vector<uint32_t>* out) const {
  const int64_t q0 = FloorMinutes(q.t0);
  const int64_t q1 = CeilMinutes(q.t1);
  const double qx = q.cap.center().x(), qy = q.cap.center().y(), qz = q.cap.center().z();
  const double qr = q.cap.GetRadius().radians();
  // Every list to read, with the binary search for its first posting that
  // may reach the query's start. The lists are large and scattered, so each
  // step of a search is a cache miss; the searches run in lockstep, one step
  // of each per round, and each asks for its next probe a round ahead, so
  // that their misses overlap instead of following one another.
  struct Search {
    const ClassList* list;
    int32_t from;
    uint32_t lo, n;  // the answer is in [lo, lo + n]
  };
  thread_local std::vector<Search> searches;
  searches.clear();
  std::vector<S2CellId> ids;
  for (int slot = 0; slot <= kFaceLevel; ++slot) {
    if (items_at_level_[slot] == 0) continue;
    CellsFor(q.cap, slot == kFaceLevel ? -1 : slot, /*exact=*/false, &ids);
    for (S2CellId id : ids) {
      auto cit = cells_.find(id.id());
      if (cit == cells_.end()) continue;
      for (const ClassList& l : cit->second) {
        const uint32_t n = static_cast<uint32_t>(l.starts.size());
        searches.push_back({&l, ClampMinutes(q0 - l.max_minutes), 0, n});
        __builtin_prefetch(l.starts.data() + n / 2);
      }
    }
  }
  for (bool more = true; more;) {
    more = false;
    for (Search& s : searches) {
      if (s.n == 0) continue;
      const uint32_t half = s.n / 2;
      const bool right = s.list->starts[s.lo + half] < s.from;
      s.lo = right ? s.lo + half + 1 : s.lo;
      s.n = right ? s.n - half - 1 : half;
      if (s.n != 0) {
        __builtin_prefetch(&s.list->starts[s.lo + s.n / 2]);
        more = true;
      }
    }
  }
  for (const Search& s : searches) {
    const char* first = reinterpret_cast<const char*>(s.list->postings.data() + s.lo);
    __builtin_prefetch(first);
    __builtin_prefetch(first + 64);
  }
  // The postings from there to the query's end, filtered without a branch
  // per posting: each item is written, and kept by advancing past it (into
  // a buffer that only grows, so that it is not cleared for every query).
  thread_local std::vector<uint32_t> kept;
  size_t k = 0;
  for (const Search& s : searches) {
    const std::vector<Posting>& v = s.list->postings;
    if (kept.size() < k + (v.size() - s.lo)) kept.resize(2 * (k + (v.size() - s.lo)));
    uint32_t* dst = kept.data();
    for (auto pos = v.begin() + s.lo, end = v.end(); pos != end && pos->t0 <= q1; ++pos) {
      // The chord between the centres is at most their angle, so a chord
      // longer than the two radii proves the caps apart.
      const double dx = pos->cx - qx, dy = pos->cy - qy, dz = pos->cz - qz;
      const double reach = qr + pos->radius;
      const bool keep = (pos->t1 >= q0) & (pos->alt_lo <= q.alt_hi) & (pos->alt_hi >= q.alt_lo) &
                        (dx * dx + dy * dy + dz * dz <= reach * reach);
      dst[k] = pos->item;
      k += keep;
    }
  }
  const size_t first = out->size();
  out->insert(out->end(), kept.begin(), kept.begin() + static_cast<ptrdiff_t>(k));
  std::sort(out->begin() + first, out->end());
  out->erase(std::unique(out->begin() + first, out->end()), out->end());
}

size_t SpaceTimeIndex::MemoryBytes() const {
  size_t bytes = cells_.capacity() * (sizeof(uint64_t) + sizeof(Cell) + 1);
  for (const auto& [id, cell] : cells_) {
    if (cell.size() > 1) bytes += cell.capacity() * sizeof(ClassList);
    for (const ClassList& l : cell) {
      bytes += l.postings.capacity() * sizeof(Posting) + l.starts.capacity() * sizeof(int32_t);
    }
  }
  return bytes;
}

}  // namespace jic::engine
