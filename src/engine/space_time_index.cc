#include "jic/engine/space_time_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "s2/s2cell.h"
#include "s2/s2metrics.h"
#include "s2/s2region_coverer.h"

namespace jic::engine {
namespace {

constexpr int kFaceLevel = S2CellId::kMaxLevel + 1;  // slot for items covering whole faces
constexpr uint8_t kUnboundedClass = 16;
constexpr int64_t kMicrosPerMinute = 60'000'000;
constexpr int32_t kDirMinutes = 60;          // one directory entry per hour
constexpr int64_t kMaxDirEntries = 1 << 14;  // ~22 months; longer lists binary-search

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

size_t SpaceTimeIndex::ClassList::FirstAtOrAfter(int32_t t) const {
  if (dir.empty() || t <= dir_base) {
    if (!dir.empty()) return 0;  // every posting starts at or after dir_base
    return std::lower_bound(starts.begin(), starts.end(), t) - starts.begin();
  }
  const int64_t b = (static_cast<int64_t>(t) - dir_base) / kDirMinutes;
  if (b >= static_cast<int64_t>(dir.size())) return starts.size();
  size_t k = dir[b];  // first with t0 >= the hour's start, which is <= t
  while (k < starts.size() && starts[k] < t) ++k;
  return k;
}

void SpaceTimeIndex::ClassList::RebuildDirectory() {
  dir.clear();
  if (starts.empty()) return;
  const int64_t span = (static_cast<int64_t>(starts.back()) - starts.front()) / kDirMinutes + 1;
  if (span > kMaxDirEntries) return;
  dir_base = starts.front();
  dir.resize(span);
  size_t k = 0;
  for (int64_t b = 0; b < span; ++b) {
    const int64_t hour = dir_base + b * kDirMinutes;
    while (k < starts.size() && starts[k] < hour) ++k;
    dir[b] = static_cast<uint32_t>(k);
  }
}

void SpaceTimeIndex::ClassList::Insert(const Posting& p) {
  const size_t k = std::upper_bound(starts.begin(), starts.end(), p.t0) - starts.begin();
  starts.insert(starts.begin() + k, p.t0);
  postings.insert(postings.begin() + k, p);
  const int64_t last = dir_base + static_cast<int64_t>(dir.size()) * kDirMinutes;
  if (dir.empty() || p.t0 < dir_base) {
    RebuildDirectory();
    return;
  }
  if (p.t0 >= last) {
    // Later than every hour so far (the usual case: operations are notified
    // ahead, in time order): add the hours up to it.
    const int64_t size = (static_cast<int64_t>(p.t0) - dir_base) / kDirMinutes + 1;
    if (size > kMaxDirEntries) {
      dir.clear();
      return;
    }
    for (int64_t b = static_cast<int64_t>(dir.size()); b < size; ++b) {
      const int64_t hour = dir_base + b * kDirMinutes;
      dir.push_back(static_cast<uint32_t>(
          std::lower_bound(starts.begin(), starts.end(), hour) - starts.begin()));
    }
    return;
  }
  // Hours that start after p.t0 now begin one posting later.
  for (int64_t b = (static_cast<int64_t>(p.t0) - dir_base) / kDirMinutes + 1;
       b < static_cast<int64_t>(dir.size()); ++b) {
    ++dir[b];
  }
}

bool SpaceTimeIndex::ClassList::Erase(const Posting& p) {
  for (size_t k = FirstAtOrAfter(p.t0); k < starts.size() && starts[k] == p.t0; ++k) {
    if (postings[k].item != p.item) continue;
    starts.erase(starts.begin() + k);
    postings.erase(postings.begin() + k);
    if (dir.empty() || k == 0 || k == starts.size()) {
      RebuildDirectory();  // the span may have shrunk
    } else {
      for (int64_t b = (static_cast<int64_t>(p.t0) - dir_base) / kDirMinutes + 1;
           b < static_cast<int64_t>(dir.size()); ++b) {
        --dir[b];
      }
    }
    return true;
  }
  return false;
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
      cell.emplace_back();
      it = cell.end() - 1;
      it->cls = cls;
    }
    it->max_minutes = std::max(it->max_minutes, static_cast<int64_t>(p.t1) - p.t0);
    it->Insert(p);
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
    if (it->Erase(p)) found = true;
    if (it->postings.empty()) cell.erase(it);
    if (cell.empty()) cells_.erase(cit);
  }
  if (found) {
    --items_at_level_[level < 0 ? kFaceLevel : level];
    --size_;
  }
  return found;
}

void SpaceTimeIndex::Query(const Box& q, std::vector<uint32_t>* out) const {
  const size_t first = out->size();
  const int64_t q0 = FloorMinutes(q.t0);
  const int64_t q1 = CeilMinutes(q.t1);
  const double qx = q.cap.center().x(), qy = q.cap.center().y(), qz = q.cap.center().z();
  const double qr = q.cap.GetRadius().radians();
  std::vector<S2CellId> ids;
  for (int slot = 0; slot <= kFaceLevel; ++slot) {
    if (items_at_level_[slot] == 0) continue;
    CellsFor(q.cap, slot == kFaceLevel ? -1 : slot, /*exact=*/false, &ids);
    for (S2CellId id : ids) {
      auto cit = cells_.find(id.id());
      if (cit == cells_.end()) continue;
      for (const ClassList& l : cit->second) {
        const int32_t from = ClampMinutes(q0 - l.max_minutes);
        const size_t k = l.FirstAtOrAfter(from);
        for (auto pos = l.postings.begin() + k, end = l.postings.end(); pos != end && pos->t0 <= q1;
             ++pos) {
          if (pos->t1 < q0 || pos->alt_lo > q.alt_hi || pos->alt_hi < q.alt_lo) continue;
          // The chord between the centres is at most their angle, so a chord
          // longer than the two radii proves the caps apart.
          const double dx = pos->cx - qx, dy = pos->cy - qy, dz = pos->cz - qz;
          const double reach = qr + pos->radius;
          if (dx * dx + dy * dy + dz * dz > reach * reach) continue;
          out->push_back(pos->item);
        }
      }
    }
  }
  std::sort(out->begin() + first, out->end());
  out->erase(std::unique(out->begin() + first, out->end()), out->end());
}

size_t SpaceTimeIndex::MemoryBytes() const {
  size_t bytes = cells_.capacity() * (sizeof(uint64_t) + sizeof(Cell) + 1);
  for (const auto& [id, cell] : cells_) {
    if (cell.size() > 1) bytes += cell.capacity() * sizeof(ClassList);
    for (const ClassList& l : cell) {
      bytes += l.postings.capacity() * sizeof(Posting) + l.starts.capacity() * sizeof(int32_t) +
               l.dir.capacity() * sizeof(uint32_t);
    }
  }
  return bytes;
}

}  // namespace jic::engine
