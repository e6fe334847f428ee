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
// Postings per bucket of a list's start-time directory, on average: a query
// reads at most about one bucket's worth of postings before its window.
constexpr size_t kPerBucket = 16;

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
// Altitudes in postings: steps of kAltStepM, rounded outwards (NaN as the
// widest), clamped to what an int16 holds. Floor, ceiling and clamping are
// all monotonic, so comparing rounded bands never drops an overlap.
constexpr double kAltStepM = 4;
int16_t AltSteps(double m, bool up) {
  const double s = up ? std::ceil(m / kAltStepM) : std::floor(m / kAltStepM);
  if (std::isnan(s)) return up ? INT16_MAX : INT16_MIN;
  return static_cast<int16_t>(std::clamp<double>(s, INT16_MIN, INT16_MAX));
}

// A posting's radius when its cap is not kept. The filing rule keeps every
// cap in range (an item's centre lies in one of the four cells it is filed
// under, and its radius is below the cells' width), so this only guards
// against a cap that is not a cap (NaN): such an item is kept for every query.
constexpr uint16_t kWide = 0xffff;

uint8_t ClassOfSpan(int64_t minutes) {
  int64_t span = 1;
  for (uint8_t c = 0; c < kUnboundedClass; ++c, span *= 4) {
    if (minutes <= span) return c;
  }
  return kUnboundedClass;
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

SpaceTimeIndex::Posting SpaceTimeIndex::MakePosting(uint32_t item, const Box& box,
                                                    const ClassList& list) {
  Posting p{FloorMinutes(box.t0), CeilMinutes(box.t1), AltSteps(box.alt_lo, false),
            AltSteps(box.alt_hi, true), 0, 0, 0, kWide, item};
  // The offset is rounded to the nearest step, at most 0.87 of a step off
  // in all; the radius is rounded up with 1.5 steps to spare, which also
  // covers the query's float arithmetic.
  const S2Point d = (box.cap.center() - list.ref) / list.unit;
  const double r = std::max(0.0, box.cap.GetRadius().radians()) / list.unit + 1.5;
  const double x = std::round(d.x()), y = std::round(d.y()), z = std::round(d.z());
  const double lim = INT16_MAX;
  if (r < kWide && std::abs(x) <= lim && std::abs(y) <= lim && std::abs(z) <= lim) {
    p.x = static_cast<int16_t>(x);
    p.y = static_cast<int16_t>(y);
    p.z = static_cast<int16_t>(z);
    p.radius = static_cast<uint16_t>(std::ceil(r));
  }
  return p;
}

void SpaceTimeIndex::ClassList::Rebuild() {
  const size_t n = postings.size();
  built_for = static_cast<uint32_t>(n);
  first.clear();
  if (n == 0) return;
  base = starts.front();
  const int64_t span = static_cast<int64_t>(starts.back()) - base + 1;  // 1 to 2^32
  const int64_t want = std::max<int64_t>(1, static_cast<int64_t>(n / kPerBucket));
  int s = 0;
  while (((span - 1) >> s) + 1 > want) ++s;
  shift = static_cast<uint8_t>(s);
  const int64_t buckets = ((span - 1) >> s) + 1;
  first.resize(static_cast<size_t>(buckets) + 1);
  size_t j = 0;
  for (int64_t b = 0; b < buckets; ++b) {
    const int64_t bound = base + (b << s);
    while (j < n && starts[j] < bound) ++j;
    first[static_cast<size_t>(b)] = static_cast<uint32_t>(j);
  }
  first.back() = static_cast<uint32_t>(n);
}

void SpaceTimeIndex::ClassList::Inserted(int32_t t0) {
  const size_t n = postings.size();
  if (first.empty() || t0 < base || n > 2 * static_cast<size_t>(built_for) + kPerBucket) {
    Rebuild();
    return;
  }
  const size_t b = static_cast<size_t>((static_cast<int64_t>(t0) - base) >> shift);
  const size_t buckets = first.size() - 1;
  if (b >= buckets) {
    // Past the last bucket (the usual case: new operations start later).
    // Add buckets up to it, unless a start far in the future would make the
    // directory much longer than the list.
    if (b + 1 - buckets > n / kPerBucket + 16) {
      Rebuild();
      return;
    }
    // Every earlier start lies before the new buckets.
    first.resize(b + 2, static_cast<uint32_t>(n - 1));
  }
  // Buckets after the new start begin one posting later.
  for (size_t k = b + 1; k < first.size(); ++k) ++first[k];
}

void SpaceTimeIndex::ClassList::Removed(int32_t t0) {
  const size_t n = postings.size();
  if (n == 0 || 4 * n + kPerBucket < built_for) {
    Rebuild();
    return;
  }
  // Every start that was filed is at or after base, inside the buckets.
  const size_t b = static_cast<size_t>((static_cast<int64_t>(t0) - base) >> shift);
  for (size_t k = b + 1; k < first.size(); ++k) --first[k];
}

void SpaceTimeIndex::ClassList::Bracket(int32_t from, uint32_t* lo, uint32_t* hi) const {
  const int64_t d = static_cast<int64_t>(from) - base;
  if (first.empty() || d <= 0) {  // every start is at or after `from`
    *lo = *hi = 0;
    return;
  }
  const size_t b = static_cast<size_t>(d >> shift);
  if (b + 1 >= first.size()) {  // every start is before `from`
    *lo = *hi = static_cast<uint32_t>(postings.size());
    return;
  }
  *lo = first[b];
  *hi = first[b + 1];
}

void SpaceTimeIndex::Insert(uint32_t item, const Box& box) {
  const uint8_t cls =
      ClassOfSpan(static_cast<int64_t>(CeilMinutes(box.t1)) - FloorMinutes(box.t0));
  const int level = LevelFor(box.cap);
  std::vector<S2CellId> ids;
  CellsFor(box.cap, level, /*exact=*/true, &ids);
  for (S2CellId id : ids) {
    Cell& cell = cells_[id.id()];
    auto it = std::find_if(cell.begin(), cell.end(), [&](const ClassList& l) { return l.cls == cls; });
    if (it == cell.end()) {
      ClassList& l = cell.emplace_back();
      l.cls = cls;
      // Items are filed under the four cells around a cell vertex, so an
      // item's centre is within two diagonals of the cell's centre: 15 bits
      // for that span gives steps of ~4 m at level 8.
      l.ref = id.ToPoint();
      l.unit = 2 * S2::kMaxDiag.GetValue(id.level()) / INT16_MAX;
      it = cell.end() - 1;
    }
    const Posting p = MakePosting(item, box, *it);
    it->max_minutes = std::max(it->max_minutes, static_cast<int64_t>(p.t1) - p.t0);
    auto pos = std::upper_bound(it->starts.begin(), it->starts.end(), p.t0);
    const auto at = pos - it->starts.begin();
    it->starts.insert(pos, p.t0);
    it->postings.insert(it->postings.begin() + at, p);
    it->Inserted(p.t0);
  }
  ++items_at_level_[level < 0 ? kFaceLevel : level];
  ++size_;
}

bool SpaceTimeIndex::Remove(uint32_t item, const Box& box) {
  const int32_t t0 = FloorMinutes(box.t0);
  const uint8_t cls = ClassOfSpan(static_cast<int64_t>(CeilMinutes(box.t1)) - t0);
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
    size_t k = std::lower_bound(it->starts.begin(), it->starts.end(), t0) - it->starts.begin();
    for (; k < v.size() && v[k].t0 == t0; ++k) {
      if (v[k].item == item) {
        v.erase(v.begin() + k);
        it->starts.erase(it->starts.begin() + k);
        it->Removed(t0);
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
  // Every list to read, and where in it the first posting that may reach
  // the query's start lies: the list's directory brackets it, and a
  // bracket longer than a couple of buckets (starts bunched in time) is
  // narrowed by a binary search. The lists are scattered, so each lookup is
  // a cache miss; the searches run in lockstep, one step of each per round,
  // and each asks for its next probe a round ahead, so that their misses
  // overlap instead of following one another.
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
        searches.push_back({&l, ClampMinutes(q0 - l.max_minutes), 0, 0});
      }
    }
  }
  for (Search& s : searches) {
    uint32_t hi;
    s.list->Bracket(s.from, &s.lo, &hi);
    // A short bracket is read whole: its postings that start before `from`
    // end before the query starts, and the filter below drops them.
    s.n = hi - s.lo > 2 * kPerBucket ? hi - s.lo : 0;
    if (s.n != 0) __builtin_prefetch(&s.list->starts[s.lo + s.n / 2]);
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
  // Each list's range, up to the directory's bound on its end, is asked
  // for before any is read (at most 64 lines a list: a long window streams).
  for (const Search& s : searches) {
    uint32_t lo, hi;
    s.list->Bracket(ClampMinutes(q1 + 1), &lo, &hi);
    const char* first = reinterpret_cast<const char*>(s.list->postings.data() + s.lo);
    const char* last = reinterpret_cast<const char*>(s.list->postings.data() + hi);
    last = std::min(last, first + 64 * 64);
    for (const char* c = first; c < last; c += 64) __builtin_prefetch(c);
  }
  // The postings from there to the query's end, filtered without a branch
  // per posting: each item is written, and kept by advancing past it (into
  // a buffer that only grows, so that it is not cleared for every query).
  thread_local std::vector<uint32_t> kept;
  size_t k = 0;
  const int32_t alt_lo = AltSteps(q.alt_lo, false), alt_hi = AltSteps(q.alt_hi, true);
  for (const Search& s : searches) {
    const ClassList& l = *s.list;
    const std::vector<Posting>& v = l.postings;
    if (kept.size() < k + (v.size() - s.lo)) kept.resize(2 * (k + (v.size() - s.lo)));
    uint32_t* dst = kept.data();
    // The query's centre and radius in the list's units, with one unit to
    // spare for the float arithmetic. The chord between the centres is at
    // most their angle, so a chord longer than the two radii proves the caps
    // apart.
    const float x = static_cast<float>((qx - l.ref.x()) / l.unit);
    const float y = static_cast<float>((qy - l.ref.y()) / l.unit);
    const float z = static_cast<float>((qz - l.ref.z()) / l.unit);
    const float r = static_cast<float>(std::min(qr / l.unit + 1, 1e30));
    for (auto pos = v.begin() + s.lo, end = v.end(); pos != end && pos->t0 <= q1; ++pos) {
      const float dx = pos->x - x, dy = pos->y - y, dz = pos->z - z;
      const float reach = r + pos->radius;
      // (as integers: all five tests, no branch)
      const int keep = static_cast<int>(pos->t1 >= q0) & static_cast<int>(pos->alt_lo <= alt_hi) &
                       static_cast<int>(pos->alt_hi >= alt_lo) &
                       (static_cast<int>(dx * dx + dy * dy + dz * dz <= reach * reach) |
                        static_cast<int>(pos->radius == kWide));
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
      bytes += l.postings.capacity() * sizeof(Posting) + l.starts.capacity() * sizeof(int32_t) +
               l.first.capacity() * sizeof(uint32_t);
    }
  }
  return bytes;
}

}  // namespace jic::engine
