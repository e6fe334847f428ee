// AreaPointIndex: which of many areas contain a point — the geofence question
// the monitor asks of every position report.
//
// Built once from a list of AreaRegions (polygons and multipolygons with
// holes, or discs); answers as AreaRegion::Contains does for each of them:
// regions are closed and grown by kToleranceM (1 mm), so a point within 1 mm
// of a polygon's edge or vertex — inside or outside — or within a disc's
// radius plus 1 mm of its centre is contained; a point farther out is not.
// Both compute a polygon's distance with S2::UpdateMinDistance on the
// same edges and a disc's with the same expression, so they agree on every
// point except possibly within ~1e-15 radians (nanometres) of the 1 mm limit
// itself, where S2ClosestEdgeQuery may prune an edge that the index tests.
//
// How: the sphere is cut into S2 cells, finer where there are more edges,
// and each cell lists the areas that reach it. "Interior" areas hold the
// whole cell: no test. For each "boundary" area the cell keeps two 64-bit
// masks over its 64 descendants three levels down: the subcells the boundary
// comes near, and of the others those inside; a point in a far subcell is
// answered by one bit, and only a point near the boundary gets the exact test
// against the few edges that come within 1 mm of the cell (crossings from the
// cell's centre, whose side is known, and the 1 mm distance). The cells are
// one sorted array under a radix directory over their ids, so a query is the
// point's leaf cell id, one or two directory slots, a short search, then the
// cell's record. Queries touch no shared mutable state.
//
// Thread-safety: immutable after construction; any number of threads may
// query one index concurrently.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "jic/geo/area_region.h"
#include "s2/s2cell_id.h"
#include "s2/s2latlng.h"
#include "s2/s2point.h"

namespace jic::geo {

namespace internal {
// Allocates arrays of 2 MiB or more in transparent huge pages where the
// kernel offers them (madvise mode): a query touches a few random places in
// arrays of tens of MB, and 4 KiB pages would cost a TLB miss each.
void* AllocateHuge(size_t bytes);
void FreeHuge(void* p, size_t bytes);

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(AllocateHuge(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { FreeHuge(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace internal

class AreaPointIndex {
 public:
  // How near the 1 mm limit VisitCandidates leaves the answer to its caller:
  // ~0.6 µm on the ground, far above the ~1e-15 radians by which two exact
  // distance computations on the same edges may differ.
  static constexpr double kUnsureRad = 1e-13;

  struct Options {
    // A cell is split into its four children while the edges it holds (all
    // areas' together; a disc's boundary counts as one) exceed this and some
    // are short beside it. Default: 32.
    int max_edges_per_cell = 32;
    // Cells are never split below this S2 level (22: ~2 m). Default: 22.
    int max_level = 22;
  };

  // What the index holds (for benchmarks and memory accounting).
  struct Stats {
    size_t areas = 0;
    size_t cells = 0;           // non-empty cells
    size_t interior_items = 0;  // (cell, area) pairs needing no test
    size_t boundary_items = 0;  // (cell, area) pairs with subcell masks and edges
    size_t edge_refs = 0;       // edges listed in boundary items, summed
    size_t vertices = 0;        // vertices copied from the polygons
    size_t directory_slots = 0;
  };

  // What a query at a point looks at (for benchmarks and tests).
  struct QueryCost {
    int items = 0;        // areas listed in the point's cell
    int exact_tests = 0;  // of which boundary items whose masks leave an exact test
    int edges = 0;        // edges in those exact tests
    int searched = 0;     // cells the directory slot left to search
    int level = -1;       // S2 level of the point's cell; -1 outside every cell
  };

  // Indexes `areas`: answers name area i for areas[i]. Copies what it needs
  // (vertices, disc centres and radii), so the areas need not outlive it.
  // Takes about 0.4 s for 1,000 areas of 50-500 vertices, 6 s for 10,000
  // (bench/RESULTS.md, W2), and transiently about three times the memory
  // the index ends with. REQUIRES: every pointer is non-null; fewer than 2^28
  // areas and 2^32 vertices in all, and an index under 4 GiB.
  AreaPointIndex(std::span<const AreaRegion* const> areas, const Options& options);
  explicit AreaPointIndex(std::span<const AreaRegion* const> areas);
  // The same for areas held by value.
  AreaPointIndex(std::span<const AreaRegion> areas, const Options& options);
  explicit AreaPointIndex(std::span<const AreaRegion> areas);

  AreaPointIndex(AreaPointIndex&&) = default;
  AreaPointIndex& operator=(AreaPointIndex&&) = default;

  // Appends to *out, in ascending order, every area that contains `p`.
  // *out is not cleared. REQUIRES: `p` is unit length (as S2LatLng::ToPoint
  // and S2 give them).
  void FindContaining(const S2Point& p, std::vector<int>* out) const {
    FindContaining(
        p, [](int) { return true; }, out);
  }
  void FindContaining(const S2LatLng& ll, std::vector<int>* out) const {
    FindContaining(ll.ToPoint(), out);
  }

  // The same, restricted to the areas for which keep(area) returns true;
  // keep (a cheap filter such as an altitude band) is called before any exact
  // test, at most once per area and query. `Keep` is callable as bool(int).
  template <typename Keep>
  void FindContaining(const S2Point& p, Keep&& keep, std::vector<int>* out) const;

  // Calls visit(area) for every area FindContaining would append, in the
  // same order. `Visit` is callable as void(int).
  template <typename Keep, typename Visit>
  void VisitContaining(const S2Point& p, Keep&& keep, Visit&& visit) const;

  // For callers with their own exact predicate (the monitor, which must
  // decide as RuleBook::AreasMet does): calls visit(area, certain), in
  // ascending order of area, for every area (with keep(area) true) that the
  // index cannot rule out at `p`. certain = true when the index's bits alone
  // place `p` inside: its cell (or subcell) lies wholly in the area, and no
  // boundary comes within the padding (more than kToleranceM, with margin
  // for rounding), so any exact containment test within kToleranceM agrees.
  // certain = false when `p` is in a subcell the boundary comes near: the
  // caller decides. Areas not visited do not come within kToleranceM of `p`.
  // `Visit` is callable as void(int, bool).
  template <typename Keep, typename Visit>
  void VisitCandidates(const S2Point& p, Keep&& keep, Visit&& visit) const;

  // Where the last query through a Hint ended: the leaves of the cell (or
  // gap) it found, and that cell's record. A caller asking about points that
  // move little from one query to the next (a track's position, report after
  // report) keeps one Hint per series; a query whose leaf falls in the same
  // cell skips the walk down the directory. Only for the index that filled
  // it (a default Hint matches no leaf).
  struct Hint {
    uint64_t lo = 1, hi = 0;
    const uint32_t* record = nullptr;
  };
  // VisitCandidates, through and updating *hint.
  template <typename Keep, typename Visit>
  void VisitCandidates(const S2Point& p, Keep&& keep, Visit&& visit, Hint* hint) const;

  // True when area `area` contains `p`, by the index's own test.
  // REQUIRES: 0 <= area < num_areas().
  bool Contains(int area, const S2Point& p) const;

  // What FindContaining(p) would look at.
  QueryCost CostAt(const S2Point& p) const;

  size_t num_areas() const { return num_areas_; }
  Stats stats() const;
  // Heap bytes owned by the index: cells, directory, records (interior lists,
  // boundary items and their masks), edge chains, copied vertices and discs.
  // Large arrays are rounded up to whole 2 MiB pages (see HugePageAllocator).
  size_t MemoryBytes() const;

 private:
  // A (cell, area) pair on the area's boundary, seven words in the cell's
  // record: the cell meets a polygon's boundary (its centre outside or inside
  // the polygon), or a disc's.
  //   word 0: area << 2 | kind
  //   word 1: polygon, one chain: its first vertex; several: the first chain;
  //           disc: its number
  //   word 2: polygon: edges of the one chain, or chains | kManyChains
  //   words 3-4: of the cell's 64 descendants three levels down (its
  //           "subcells", in S2 order), those that the boundary comes near:
  //           a point there needs the exact test
  //   words 5-6: of the others, those inside the area
  // so that most points in a boundary cell are answered by two bits.
  enum Kind : uint32_t { kCenterOut = 1, kCenterIn = 2, kDisc = 3 };
  static constexpr int kSubLevels = 3;                             // 4^3 = 64 subcells
  static constexpr int kMaskWords = (1 << (2 * kSubLevels)) / 32;  // per mask
  static constexpr int kItemWords = 3 + 2 * kMaskWords;
  static constexpr uint32_t kManyChains = 1u << 31;
  // Consecutive edges of one loop: vertices_[first .. first + edges].
  struct Chain {
    uint32_t first;
    uint32_t edges;
  };
  struct Disc {
    S2Point center;
    double limit_rad;  // radius + kToleranceM, as AreaRegion::Contains adds them
  };
  // A cell of the subdivision, or a gap between cells (no areas): the last
  // leaf it covers (the search key) and its record in records_:
  //   word 0: areas whose interior holds the whole cell (n)
  //   word 1: boundary items (m) | level << kLevelShift
  //   n words: those areas, ascending; m items: ascending by area.
  struct Cell {
    uint64_t range_max;
    uint32_t record;
    uint32_t unused = 0;
  };
  static constexpr int kLevelShift = 27;
  // The directory: a radix tree over leaf ids. A node splits the leaves
  // [base, base + slots << shift) into slots; a slot holds a child node
  // (kChild), or the record of the one cell its leaves can be in (kDirect),
  // or else the search for its leaves runs from its `first` cell to the next
  // slot's. Nodes are added where cells are dense, so that a search is short
  // anywhere.
  struct Node {
    uint64_t base;
    uint32_t shift;
    uint32_t slots;  // index of the node's first slot in slots_
  };
  struct Slot {
    uint32_t first;  // first cell whose range_max >= the slot's first leaf
    uint32_t next;   // child | kChild, record | kDirect, or 0
  };
  static constexpr uint32_t kChild = 1u << 31;
  static constexpr uint32_t kDirect = 1u << 30;
  // The centre of the point's cell, computed once per query when needed.
  struct CenterCache {
    bool valid = false;
    S2Point center;
    // The centre of the level-`level` cell holding `leaf`.
    const S2Point& Get(uint64_t leaf, int level) {
      if (!valid) {
        center = S2CellId(leaf).parent(level).ToPoint();
        valid = true;
      }
      return center;
    }
  };
  class Builder;

  // The record of the cell or gap holding leaf `leaf`, or null outside
  // every cell. `searched`, when given, receives the cells searched.
  const uint32_t* FindRecord(uint64_t leaf, int* searched = nullptr) const;
  // The same, and when lo and hi are given, the leaves [*lo, *hi] that share
  // that record.
  const uint32_t* FindRecordRange(uint64_t leaf, uint64_t* lo, uint64_t* hi,
                                  int* searched = nullptr) const;
  template <typename Keep, typename Visit>
  void VisitRecord(const uint32_t* record, uint64_t leaf, const S2Point& p, Keep&& keep,
                   Visit&& visit) const;
  bool BoundaryContains(const uint32_t* item, uint64_t leaf, int level, const S2Point& p,
                        CenterCache* center) const;
  bool PolygonContains(const uint32_t* item, const S2Point& center, const S2Point& p) const;
  // A polygon item's chains (*one holds a single chain).
  std::span<const Chain> ChainsOf(const uint32_t* item, Chain* one) const;
  // Whether p is inside by the crossings of the segment from the cell's
  // centre; sets *near_edge when some edge's great circle may pass within
  // 2 mm of p (and leaves it alone otherwise).
  bool InsideByParity(const uint32_t* item, const S2Point& center, const S2Point& p,
                      bool* near_edge) const;
  // Lowers *best to the distance from p to the item's edges whose great
  // circles may pass within 2 mm of it; true as soon as *best < stop.
  bool LowerToNearEdges(const uint32_t* item, const S2Point& p, S1ChordAngle* best,
                        S1ChordAngle stop) const;
  // The exact test of VisitCandidates: kOut, kIn, or kUnsure within
  // kUnsureRad of the 1 mm limit.
  enum Verdict : int { kOut = 0, kIn = 1, kUnsure = 2 };
  Verdict BoundaryVerdict(const uint32_t* item, uint64_t leaf, int level, const S2Point& p,
                          CenterCache* center) const;
  Verdict PolygonVerdict(const uint32_t* item, const S2Point& center, const S2Point& p) const;

  size_t num_areas_ = 0;
  // Constant after construction.
  internal::HugeVector<Cell> cells_;  // ascending, contiguous from base_ to top_
  uint64_t base_ = 0;
  uint64_t top_ = 0;         // leaves in [base_, top_] are in a cell or a gap
  std::vector<Node> nodes_;  // nodes_[0] is the root
  internal::HugeVector<Slot> slots_;
  internal::HugeVector<uint32_t> records_;  // records_[0, 2) is the empty record of gaps
  std::vector<Chain> chains_;
  internal::HugeVector<S2Point> vertices_;  // each loop with its first vertex repeated at the end
  std::vector<Disc> discs_;
};

// ---------------------------------------------------------------------------
// Implementation details below: the query is inline so that the filter and
// the visitor inline into the caller's loop.

inline const uint32_t* AreaPointIndex::FindRecord(uint64_t leaf, int* searched) const {
  return FindRecordRange(leaf, nullptr, nullptr, searched);
}

inline const uint32_t* AreaPointIndex::FindRecordRange(uint64_t leaf, uint64_t* lo, uint64_t* hi,
                                                       int* searched) const {
  if (leaf < base_ || leaf > top_) return nullptr;
  const Node* node = nodes_.data();
  const Slot* slot;
  uint64_t index;
  for (;;) {
    index = (leaf - node->base) >> node->shift;
    slot = slots_.data() + node->slots + index;
    if (!(slot->next & kChild)) break;
    node = nodes_.data() + (slot->next & ~kChild);
  }
  if (slot->next & kDirect) {
    if (searched) *searched = 0;
    if (lo) {
      // Every leaf of the slot is in that one record's cell (or gap), within
      // [base_, top_].
      const uint64_t first = node->base + (index << node->shift);
      *lo = std::max(first, base_);
      *hi = std::min(first + ((uint64_t{1} << node->shift) - 1), top_);
    }
    return records_.data() + (slot->next & ~kDirect);
  }
  // The first cell whose range ends at or after `leaf`: a branchless lower
  // bound over cells_[first, next slot's first), or that one.
  const Cell* cell = cells_.data() + slot->first;
  uint32_t len = slot[1].first - slot->first;
  if (searched) *searched = static_cast<int>(len);
  if (len > 0) {
    while (len > 1) {
      const uint32_t half = len / 2;
      cell = cell[half].range_max < leaf ? cell + half : cell;
      len -= half;
    }
    cell += cell->range_max < leaf;
  }
  if (lo) {
    // Cells and gaps cover [base_, top_] one after the other.
    *lo = cell == cells_.data() ? base_ : cell[-1].range_max + 1;
    *hi = cell->range_max;
  }
  return records_.data() + cell->record;
}

template <typename Keep, typename Visit>
void AreaPointIndex::VisitContaining(const S2Point& p, Keep&& keep, Visit&& visit) const {
  const uint64_t leaf = S2CellId(p).id();
  const uint32_t* record = FindRecord(leaf);
  if (record == nullptr) return;
  const uint32_t* in = record + 2;
  const uint32_t* const in_end = in + record[0];
  const uint32_t* b = in_end;
  const uint32_t* const b_end = b + kItemWords * (record[1] & ((1u << kLevelShift) - 1));
  const int level = static_cast<int>(record[1] >> kLevelShift);
  // The point's subcell, for the boundary items' masks (cells finer than
  // level 27 have none: every subcell bit is set in their "near" masks).
  const int sub_shift = 2 * (30 - kSubLevels - level) + 1;
  const uint32_t sub =
      sub_shift > 0 ? static_cast<uint32_t>(
                          ((leaf & ((uint64_t{2} << (2 * (30 - level))) - 1)) - 1) >> sub_shift)
                    : 0;
  const uint32_t sub_word = sub >> 5, sub_bit = uint32_t{1} << (sub & 31);
  // Both lists are in ascending order of area: merge them.
  CenterCache center;
  for (; b != b_end; b += kItemWords) {
    const uint32_t area = b[0] >> 2;
    for (; in != in_end && *in < area; ++in) {
      if (keep(static_cast<int>(*in))) visit(static_cast<int>(*in));
    }
    if (!keep(static_cast<int>(area))) continue;
    if ((b[3 + sub_word] & sub_bit) ? BoundaryContains(b, leaf, level, p, &center)
                                    : (b[3 + kMaskWords + sub_word] & sub_bit) != 0) {
      visit(static_cast<int>(area));
    }
  }
  for (; in != in_end; ++in) {
    if (keep(static_cast<int>(*in))) visit(static_cast<int>(*in));
  }
}

template <typename Keep, typename Visit>
void AreaPointIndex::VisitCandidates(const S2Point& p, Keep&& keep, Visit&& visit) const {
  const uint64_t leaf = S2CellId(p).id();
  VisitRecord(FindRecord(leaf), leaf, p, keep, visit);
}

template <typename Keep, typename Visit>
void AreaPointIndex::VisitCandidates(const S2Point& p, Keep&& keep, Visit&& visit,
                                     Hint* hint) const {
  const uint64_t leaf = S2CellId(p).id();
  if (!(hint->lo <= leaf && leaf <= hint->hi)) {
    uint64_t lo, hi;
    const uint32_t* record = FindRecordRange(leaf, &lo, &hi);
    *hint = record == nullptr ? Hint() : Hint{lo, hi, record};
    if (record == nullptr) return;
  }
  VisitRecord(hint->record, leaf, p, keep, visit);
}

template <typename Keep, typename Visit>
void AreaPointIndex::VisitRecord(const uint32_t* record, uint64_t leaf, const S2Point& p,
                                 Keep&& keep, Visit&& visit) const {
  if (record == nullptr) return;
  const uint32_t* in = record + 2;
  const uint32_t* const in_end = in + record[0];
  const uint32_t* b = in_end;
  const uint32_t* const b_end = b + kItemWords * (record[1] & ((1u << kLevelShift) - 1));
  const int level = static_cast<int>(record[1] >> kLevelShift);
  const int sub_shift = 2 * (30 - kSubLevels - level) + 1;
  const uint32_t sub =
      sub_shift > 0 ? static_cast<uint32_t>(
                          ((leaf & ((uint64_t{2} << (2 * (30 - level))) - 1)) - 1) >> sub_shift)
                    : 0;
  const uint32_t sub_word = sub >> 5, sub_bit = uint32_t{1} << (sub & 31);
  CenterCache center;
  for (; b != b_end; b += kItemWords) {
    const uint32_t area = b[0] >> 2;
    for (; in != in_end && *in < area; ++in) {
      if (keep(static_cast<int>(*in))) visit(static_cast<int>(*in), true);
    }
    if (!keep(static_cast<int>(area))) continue;
    if (b[3 + sub_word] & sub_bit) {
      const Verdict v = BoundaryVerdict(b, leaf, level, p, &center);
      if (v != kOut) visit(static_cast<int>(area), v == kIn);
    } else if (b[3 + kMaskWords + sub_word] & sub_bit) {
      visit(static_cast<int>(area), true);
    }
  }
  for (; in != in_end; ++in) {
    if (keep(static_cast<int>(*in))) visit(static_cast<int>(*in), true);
  }
}

template <typename Keep>
void AreaPointIndex::FindContaining(const S2Point& p, Keep&& keep, std::vector<int>* out) const {
  VisitContaining(p, keep, [out](int area) { out->push_back(area); });
}

}  // namespace jic::geo
