#include "jic/geo/area_point_index.h"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>

#include "geo/edge_balls.h"
#include "jic/geo/earth.h"
#include "s2/r2rect.h"
#include "s2/s1angle.h"
#include "s2/s1chord_angle.h"
#include "s2/s2cap.h"
#include "s2/s2cell.h"
#include "s2/s2edge_clipping.h"
#include "s2/s2edge_crosser.h"
#include "s2/s2edge_distances.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"

namespace jic::geo {

namespace internal {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}  // namespace

void* AllocateHuge(size_t bytes) {
  if (bytes < kHugePage) {
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  const size_t len = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  madvise(p, len, MADV_HUGEPAGE);  // a hint: without huge pages the memory works the same
  return p;
}

void FreeHuge(void* p, size_t bytes) {
  if (bytes < kHugePage) {
    std::free(p);
    return;
  }
  munmap(p, (bytes + kHugePage - 1) / kHugePage * kHugePage);
}

}  // namespace internal

namespace {

constexpr double kTolRad = kToleranceM / kEarthRadiusM;

// A disc's boundary costs about as much to test as this many edges.
constexpr size_t kDiscCost = 1;

// How far (in u,v) an edge may be from a cell and still come within
// kToleranceM of a point of it. On a cube face the gnomonic projection
// stretches distances by at most 1 + u^2 + v^2 <= 3, so a point within
// kTolRad of an edge is within 3 kTolRad of it in (u,v); the clipping and
// rectangle tests add errors of ~1e-15, and a point's leaf cell may be off by
// rounding as much. The margin is generous: a wider pad only adds edges.
double PadUV() {
  return 3.01 * kTolRad +
         2 * (S2::kFaceClipErrorUVCoord + S2::kIntersectsRectErrorUVDist +
              S2::kEdgeClipErrorUVCoord) +
         1e-13;
}

using internal::Apart;
using internal::SameSide;

// The great-circle filter of the distance test: an edge whose great circle
// is farther than 2 kTolRad from p is not within kTolRad of it (kDotSlack
// allows for rounding in p.(a x b)).
constexpr double kGreatCircleLimit2 = 4 * kTolRad * kTolRad;
constexpr double kDotSlack = 1e-14;

inline bool MayBeNear(const S2Point& n, double np) {
  const double d = std::fabs(np) - kDotSlack;
  return !(d > 0 && d * d > kGreatCircleLimit2 * n.Norm2());
}

// What AreaRegion::Contains compares the distance to an edge with:
// S2ClosestEdgeQuery::IsDistanceLessOrEqual(limit) tests distance < limit.Successor().
S1ChordAngle EdgeLimit() { return MetersToChord(kToleranceM).Successor(); }

}  // namespace

// ---------------------------------------------------------------------------
// Construction: a quadtree descent from the six faces. Each (cell, area) pair
// is classified as interior, outside (dropped) or boundary; a boundary pair
// carries the area's edges that come within the padding of the cell and
// whether the cell's centre is inside, which the children inherit through
// crossing parity from the parent's centre, as S2ShapeIndex does.

class AreaPointIndex::Builder {
 public:
  Builder(AreaPointIndex* index, const Options& options)
      : index_(index), options_(options), pad_(PadUV()) {
    options_.max_level = std::clamp(options_.max_level, 0, S2CellId::kMaxLevel);
  }

  void AddPolygon(int area, const S2Polygon& polygon) {
    PolygonArea a;
    a.area = area;
    a.polygon = &polygon;
    a.cap = polygon.GetCapBound().Expanded(S1Angle::Radians(4 * kTolRad));
    auto& v = index_->vertices_;
    for (int k = 0; k < polygon.num_loops(); ++k) {
      const S2Loop* loop = polygon.loop(k);
      if (loop->is_empty_or_full()) continue;  // no edges
      const int n = loop->num_vertices();
      a.loops.push_back({static_cast<uint32_t>(v.size()), static_cast<uint32_t>(n)});
      for (int i = 0; i < n; ++i) v.push_back(loop->vertex(i));
      v.push_back(loop->vertex(0));
    }
    polygons_.push_back(std::move(a));
    order_.push_back({false, polygons_.size() - 1});
  }

  void AddDisc(int area, const S2Cap& cap) {
    DiscArea d;
    d.area = area;
    d.disc = static_cast<uint32_t>(index_->discs_.size());
    // Exactly AreaRegion::Contains's limit: radius + kToleranceM / kEarthRadiusM.
    index_->discs_.push_back(
        {cap.center(), cap.GetRadius().radians() + kToleranceM / kEarthRadiusM});
    d.inner = cap;  // cells inside it are inside the disc
    d.outer =
        S2Cap(cap.center(), S1Angle::Radians(cap.GetRadius().radians() + 2 * kTolRad + 1e-13));
    discs_.push_back(d);  // discs_[n] is disc number n
    order_.push_back({true, discs_.size() - 1});
  }

  void Build() {
    levels_.resize(S2CellId::kMaxLevel + 1);  // never reallocated during the descent
    index_->records_ = {0, 0};                // the empty record of gaps
    for (int face = 0; face < 6; ++face) BuildFace(face);
    Finish();
  }

 private:
  static constexpr uint32_t kInside = 0;  // BItem kind: the cell is inside the area
  struct LoopRange {
    uint32_t first;  // vertex index in index_->vertices_
    uint32_t edges;
  };
  struct PolygonArea {
    int area;
    const S2Polygon* polygon;
    S2Cap cap;
    std::vector<LoopRange> loops;
  };
  struct DiscArea {
    int area;
    uint32_t disc;
    S2Cap inner, outer;
  };
  // An edge (vertices_[v], vertices_[v + 1]) clipped to the current face.
  // The descent lists edges by their number in face_edges_: the region of an
  // agreement often lies in one cell down to level 6 or so, and copies of
  // every edge at each of those levels would take more memory than the index.
  struct BEdge {
    uint32_t v;
    R2Point a, b;
  };
  using EdgeList = std::vector<uint32_t>;  // numbers in face_edges_
  struct BItem {
    uint32_t area;
    uint32_t kind;                  // kInside or a Kind
    uint32_t disc;                  // kDisc
    uint32_t edge_begin, edge_end;  // kCenterIn / kCenterOut: in the cell's edge list
  };
  // The lists of the child being built, per level of the descent.
  struct Level {
    std::vector<BItem> items;
    EdgeList edges;
  };

  const S2Point& V(uint32_t i) const { return index_->vertices_[i]; }

  void BuildFace(int face) {
    const S2CellId id = S2CellId::FromFace(face);
    const S2Cell cell(id);
    const S2Point center = id.ToPoint();
    std::vector<BItem> items;
    EdgeList edges;
    face_edges_.clear();
    for (const auto& [is_disc, k] : order_) {
      if (is_disc) {
        AddDiscItem(discs_[k], cell, &items);
        continue;
      }
      const PolygonArea& a = polygons_[k];
      if (!a.cap.MayIntersect(cell)) continue;
      const uint32_t begin = static_cast<uint32_t>(edges.size());
      for (const LoopRange& loop : a.loops) {
        for (uint32_t i = loop.first; i < loop.first + loop.edges; ++i) {
          BEdge e{i, {}, {}};
          if (S2::ClipToPaddedFace(V(i), V(i + 1), face, pad_, &e.a, &e.b)) {
            edges.push_back(static_cast<uint32_t>(face_edges_.size()));
            face_edges_.push_back(e);
          }
        }
      }
      // The loops' own Contains (in their vertex order, as the crossings below
      // count them), exclusive-or'ed as S2Polygon::Contains does.
      bool inside = false;
      for (int l = 0; l < a.polygon->num_loops(); ++l)
        inside ^= a.polygon->loop(l)->Contains(center);
      const uint32_t end = static_cast<uint32_t>(edges.size());
      if (begin == end) {
        if (inside) items.push_back({static_cast<uint32_t>(a.area), kInside, 0, 0, 0});
        continue;
      }
      items.push_back(
          {static_cast<uint32_t>(a.area), inside ? kCenterIn : kCenterOut, 0, begin, end});
    }
    Descend(id, center, items, edges);
  }

  void AddDiscItem(const DiscArea& d, const S2Cell& cell, std::vector<BItem>* items) const {
    if (!d.outer.MayIntersect(cell)) return;
    const uint32_t kind = d.inner.Contains(cell) ? kInside : kDisc;
    items->push_back({static_cast<uint32_t>(d.area), kind, d.disc, 0, 0});
  }

  static size_t Cost(const std::vector<BItem>& items) {
    size_t cost = 0;
    for (const BItem& it : items) {
      if (it.kind == kDisc) cost += kDiscCost;
      if (it.kind == kCenterIn || it.kind == kCenterOut) cost += it.edge_end - it.edge_begin;
    }
    return cost;
  }

  bool HasShortBoundary(S2CellId id, const std::vector<BItem>& items, const EdgeList& edges) const {
    // The cell's width in (u,v); a disc's angular diameter is at most its
    // extent in (u,v), which the gnomonic projection only stretches.
    const double width = id.GetBoundUV().GetSize().x();
    for (const BItem& it : items) {
      if (it.kind == kDisc && 2 * discs_[it.disc].inner.GetRadius().radians() < width) return true;
      if (it.kind != kCenterIn && it.kind != kCenterOut) continue;
      for (uint32_t e = it.edge_begin; e < it.edge_end; ++e) {
        const R2Point d = face_edges_[edges[e]].b - face_edges_[edges[e]].a;
        if (std::max(std::fabs(d.x()), std::fabs(d.y())) < width) return true;
      }
    }
    return false;
  }

  // A cell is split while it holds more than max_edges_per_cell edges and
  // some of them are short beside it: a boundary that is long beside the cell
  // (a big disc's circle, an edge crossing the whole cell) reaches most
  // children of most splits, and splitting along it would multiply cells
  // without separating anything (the same polygon entered twice, many
  // sectors meeting at a vertex, concentric discs). S2ShapeIndex has the
  // same rule. The children are built one at a time, each into the lists of
  // its level.
  void Descend(S2CellId id, const S2Point& center, const std::vector<BItem>& items,
               const EdgeList& edges) {
    if (items.empty()) return;
    if (Cost(items) <= static_cast<size_t>(options_.max_edges_per_cell) ||
        id.level() >= options_.max_level || !HasShortBoundary(id, items, edges)) {
      Emit(id, items, edges);
      return;
    }
    Level& level = levels_[id.level()];
    for (int k = 0; k < 4; ++k) {
      const S2CellId child = id.child(k);
      const S2Point child_center = child.ToPoint();
      const R2Rect rect = child.GetBoundUV().Expanded(pad_);
      const S2Cell child_cell(child);
      level.items.clear();
      level.edges.clear();
      for (const BItem& it : items) {
        if (it.kind == kInside) {
          level.items.push_back(it);
        } else if (it.kind == kDisc) {
          AddDiscItem(discs_[it.disc], child_cell, &level.items);
        } else {
          AddPolygonItem(it, edges, center, child_center, rect, &level);
        }
      }
      Descend(child, child_center, level.items, level.edges);
    }
  }

  // The child (centre `child_center`, padded bound `rect`) of the cell
  // centred at `center`: its part of `it`, a polygon boundary item there.
  void AddPolygonItem(const BItem& it, const EdgeList& edges, const S2Point& center,
                      const S2Point& child_center, const R2Rect& rect, Level* level) const {
    const uint32_t begin = static_cast<uint32_t>(level->edges.size());
    for (uint32_t e = it.edge_begin; e < it.edge_end; ++e) {
      if (EdgeMeetsRect(face_edges_[edges[e]], rect)) level->edges.push_back(edges[e]);
    }
    // The child's centre: the parent's, flipped at every crossing of the
    // segment between them (which lies inside the parent cell).
    const bool inside =
        (it.kind == kCenterIn) ^
        CrossingParity(&edges[it.edge_begin], &edges[0] + it.edge_end, center, child_center);
    const uint32_t end = static_cast<uint32_t>(level->edges.size());
    if (begin == end) {
      if (inside) level->items.push_back({it.area, kInside, 0, 0, 0});
      return;
    }
    level->items.push_back({it.area, inside ? kCenterIn : kCenterOut, 0, begin, end});
  }

  // The masks of boundary item `it` of the cell in subs_[0]: a descent
  // like the cells', kSubLevels more levels down, that marks each subcell
  // near the boundary, or else inside or outside.
  void SubcellMasks(const BItem& it, const EdgeList& edges, uint32_t* masks) {
    if (subs_[0].id.level() + kSubLevels > S2CellId::kMaxLevel) {  // no subcells: near everywhere
      std::fill(masks, masks + kMaskWords, ~uint32_t{0});
      return;
    }
    if (it.kind == kDisc) {
      SubcellDisc(0, discs_[it.disc], masks);
      return;
    }
    sub_edges_[0].assign(edges.begin() + it.edge_begin, edges.begin() + it.edge_end);
    SubcellPolygon(0, it.kind == kCenterIn, 0, masks);
  }

  // subs_: the cell being emitted and its descendants down to the subcells,
  // in heap order (the children of n are 4n + 1 ... 4n + 4), computed once
  // for all its boundary items.
  struct Sub {
    S2CellId id;
    S2Point center;
    R2Rect rect;     // padded bound in (u,v)
    uint32_t first;  // its first subcell
    uint32_t count;  // its subcells
  };
  static constexpr int kSubs = ((1 << (2 * (kSubLevels + 1))) - 1) / 3;  // 85

  void PrepareSubs(S2CellId id) {
    subs_[0].id = id;
    sub_cells_ready_ = false;
    if (id.level() + kSubLevels > S2CellId::kMaxLevel) return;
    const uint64_t range_min = id.range_min().id();
    const int sub_shift = 2 * (S2CellId::kMaxLevel - kSubLevels - id.level()) + 1;
    for (int n = 0; n < kSubs; ++n) {
      Sub& s = subs_[n];
      if (n > 0) s.id = subs_[(n - 1) / 4].id.child((n - 1) % 4);
      s.center = s.id.ToPoint();
      s.rect = s.id.GetBoundUV().Expanded(pad_);
      s.first = static_cast<uint32_t>((s.id.range_min().id() - range_min) >> sub_shift);
      s.count = uint32_t{1} << (2 * (id.level() + kSubLevels - s.id.level()));
    }
  }

  // Marks the subcells under subs_[n] near (what = 0) or inside (what = 1).
  void MarkSubcells(int n, int what, uint32_t* masks) const {
    for (uint32_t k = subs_[n].first; k < subs_[n].first + subs_[n].count; ++k) {
      masks[kMaskWords * what + (k >> 5)] |= uint32_t{1} << (k & 31);
    }
  }

  void SubcellDisc(int n, const DiscArea& d, uint32_t* masks) {
    if (!sub_cells_ready_) {  // only discs need them
      for (int k = 0; k < kSubs; ++k) sub_cells_[k] = S2Cell(subs_[k].id);
      sub_cells_ready_ = true;
    }
    if (!d.outer.MayIntersect(sub_cells_[n])) return;
    if (d.inner.Contains(sub_cells_[n])) {
      MarkSubcells(n, 1, masks);
    } else if (4 * n + 1 >= kSubs) {
      MarkSubcells(n, 0, masks);
    } else {
      for (int k = 1; k <= 4; ++k) SubcellDisc(4 * n + k, d, masks);
    }
  }

  // sub_edges_[depth]: the item's edges near subs_[n], whose centre is
  // inside or not.
  void SubcellPolygon(int n, bool inside, int depth, uint32_t* masks) {
    if (sub_edges_[depth].empty()) {
      if (inside) MarkSubcells(n, 1, masks);
      return;
    }
    if (4 * n + 1 >= kSubs) {
      MarkSubcells(n, 0, masks);
      return;
    }
    const EdgeList& edges = sub_edges_[depth];
    for (int k = 1; k <= 4; ++k) {
      const Sub& child = subs_[4 * n + k];
      EdgeList& out = sub_edges_[depth + 1];
      out.clear();
      for (const uint32_t e : edges) {
        if (EdgeMeetsRect(face_edges_[e], child.rect)) out.push_back(e);
      }
      const bool child_inside = inside ^ CrossingParity(edges.data(), edges.data() + edges.size(),
                                                        subs_[n].center, child.center);
      SubcellPolygon(4 * n + k, child_inside, depth + 1, masks);
    }
  }

  // Whether edge `be` comes within the (padded) rectangle: bounding boxes
  // first, then whether the rectangle's corners all lie on one side of the
  // edge's line (with a margin for rounding, so the test never misses).
  static bool EdgeMeetsRect(const BEdge& be, const R2Rect& rect) {
    if (std::max(be.a.x(), be.b.x()) < rect.x().lo() ||
        std::min(be.a.x(), be.b.x()) > rect.x().hi() ||
        std::max(be.a.y(), be.b.y()) < rect.y().lo() ||
        std::min(be.a.y(), be.b.y()) > rect.y().hi()) {
      return false;
    }
    const double dx = be.b.x() - be.a.x(), dy = be.b.y() - be.a.y();
    const double eps = 1e-14 * (std::fabs(dx) + std::fabs(dy));
    int above = 0, below = 0;
    for (int k = 0; k < 4; ++k) {
      const R2Point c = rect.GetVertex(k);
      const double f = dx * (c.y() - be.a.y()) - dy * (c.x() - be.a.x());
      above += f > eps;
      below += f < -eps;
    }
    return above < 4 && below < 4;
  }

  // Whether the segment from `a` to `b` crosses `edges` an odd number of
  // times (semi-open model); edges certainly apart from the segment are
  // settled without S2's exact test.
  bool CrossingParity(const uint32_t* first, const uint32_t* last, const S2Point& a,
                      const S2Point& b) const {
    bool odd = false;
    const S2Point ab = a.CrossProd(b);
    for (const uint32_t* e = first; e != last; ++e) {
      const S2Point& v = V(face_edges_[*e].v);
      const S2Point& w = V(face_edges_[*e].v + 1);
      if (Apart(ab, v, w) || Apart(v.CrossProd(w), a, b)) continue;
      S2EdgeCrosser crosser(&a, &b);
      odd ^= crosser.EdgeOrVertexCrossing(&v, &w);
    }
    return odd;
  }

  // Appends cell `id` (after a gap if it does not follow the previous cell)
  // and its record. Cells arrive in ascending order: faces in order,
  // children in order.
  void Emit(S2CellId id, const std::vector<BItem>& items, const EdgeList& edges) {
    AreaPointIndex& x = *index_;
    bool prepared = false;
    if (x.cells_.empty()) {
      x.base_ = id.range_min().id();
    } else if (id.range_min().id() > x.cells_.back().range_max + 1) {
      x.cells_.push_back({id.range_min().id() - 1, 0});
    }
    auto& r = x.records_;
    const uint32_t record = static_cast<uint32_t>(r.size());
    r.push_back(0);
    r.push_back(static_cast<uint32_t>(id.level()) << kLevelShift);
    for (const BItem& it : items) {
      if (it.kind != kInside) continue;
      r.push_back(it.area);
      ++r[record];
    }
    for (const BItem& it : items) {
      if (it.kind == kInside) continue;
      if (!prepared) {
        PrepareSubs(id);
        prepared = true;
      }
      ++r[record + 1];
      const size_t at = r.size();
      r.resize(at + kItemWords, 0);
      r[at] = it.area << 2 | it.kind;
      SubcellMasks(it, edges, &r[at + 3]);
      if (it.kind == kDisc) {
        r[at + 1] = it.disc;
        continue;
      }
      // Runs of consecutive edges become chains of vertices.
      chains_scratch_.clear();
      for (uint32_t e = it.edge_begin; e < it.edge_end; ++e) {
        const uint32_t v = face_edges_[edges[e]].v;
        if (!chains_scratch_.empty() &&
            chains_scratch_.back().first + chains_scratch_.back().edges == v) {
          ++chains_scratch_.back().edges;
        } else {
          chains_scratch_.push_back({v, 1});
        }
      }
      if (chains_scratch_.size() == 1) {
        r[at + 1] = chains_scratch_[0].first;
        r[at + 2] = chains_scratch_[0].edges;
      } else {
        r[at + 1] = static_cast<uint32_t>(x.chains_.size());
        r[at + 2] = static_cast<uint32_t>(chains_scratch_.size()) | kManyChains;
        x.chains_.insert(x.chains_.end(), chains_scratch_.begin(), chains_scratch_.end());
      }
    }
    x.cells_.push_back({id.range_max().id(), record});
  }

  // The directory over the sorted cells: a root of up to 2^16 slots over
  // [base_, top_], and below any slot that leaves more than kMaxSearch cells
  // to search a child node of about one slot per cell, recursively. (Two
  // slots per cell, or searches of at most 4, made the directory twice as
  // big and W2 no faster.)
  static constexpr uint32_t kMaxSearch = 16;

  void Finish() {
    AreaPointIndex& x = *index_;
    if (x.cells_.empty()) {
      x.base_ = 1;
      x.top_ = 0;
      return;
    }
    x.top_ = x.cells_.back().range_max;
    const uint64_t span = x.top_ - x.base_;
    const uint64_t target = std::clamp<uint64_t>(2 * x.cells_.size(), 16, 1 << 16);
    int shift = 0;
    while ((span >> shift) + 1 > target) ++shift;
    x.nodes_.push_back({});  // the root, filled below
    AddNode(0, x.base_, shift, (span >> shift) + 1, 0, static_cast<uint32_t>(x.cells_.size() - 1));
  }

  // Fills node `node`: `slots` slots of 2^shift leaves from `base`, over
  // cells_[begin .. end] (the last one reaching past the node).
  void AddNode(uint32_t node, uint64_t base, int shift, uint64_t slots, uint32_t begin,
               uint32_t end) {
    AreaPointIndex& x = *index_;
    const uint32_t first_slot = static_cast<uint32_t>(x.slots_.size());
    x.nodes_[node] = {base, static_cast<uint32_t>(shift), first_slot};
    x.slots_.resize(first_slot + slots + 1);
    uint32_t i = begin;
    for (uint64_t k = 0; k <= slots; ++k) {
      // The slot's first leaf; for the sentinel, the node's end.
      const uint64_t start = base + (k << shift);
      while (i < end && x.cells_[i].range_max < start) ++i;
      x.slots_[first_slot + k] = {k == slots ? end : i, 0};
    }
    for (uint64_t k = 0; k < slots; ++k) {
      const uint32_t lo = x.slots_[first_slot + k].first, hi = x.slots_[first_slot + k + 1].first;
      if (lo == hi) x.slots_[first_slot + k].next = x.cells_[lo].record | kDirect;
      if (hi - lo <= kMaxSearch || shift == 0) continue;
      // About one slot per cell to search, in a power of two.
      int bits = 1;
      while ((uint64_t{1} << bits) < uint64_t{hi - lo} && bits < shift) ++bits;
      const uint32_t child = static_cast<uint32_t>(x.nodes_.size());
      x.nodes_.push_back({});
      x.slots_[first_slot + k].next = child | kChild;
      AddNode(child, base + (k << shift), shift - bits, uint64_t{1} << bits, lo, hi);
    }
  }

  AreaPointIndex* index_;
  Options options_;
  const double pad_;
  std::vector<PolygonArea> polygons_;
  std::vector<DiscArea> discs_;
  std::vector<std::pair<bool, size_t>> order_;  // areas in their order: (is disc, slot)
  std::vector<BEdge> face_edges_;               // the current face's
  std::vector<Level> levels_;
  std::vector<Chain> chains_scratch_;
  // SubcellMasks' state.
  Sub subs_[kSubs];
  S2Cell sub_cells_[kSubs];
  bool sub_cells_ready_ = false;
  EdgeList sub_edges_[kSubLevels + 1];
};

// ---------------------------------------------------------------------------

AreaPointIndex::AreaPointIndex(std::span<const AreaRegion* const> areas)
    : AreaPointIndex(areas, Options()) {}

AreaPointIndex::AreaPointIndex(std::span<const AreaRegion> areas)
    : AreaPointIndex(areas, Options()) {}

AreaPointIndex::AreaPointIndex(std::span<const AreaRegion* const> areas, const Options& options)
    : num_areas_(areas.size()) {
  size_t vertices = 0;
  for (const AreaRegion* a : areas) {
    if (a->is_disc()) continue;
    for (int k = 0; k < a->polygon()->num_loops(); ++k)
      vertices += a->polygon()->loop(k)->num_vertices() + 1;
  }
  vertices_.reserve(vertices);
  Builder b(this, options);
  for (size_t i = 0; i < areas.size(); ++i) {
    const AreaRegion& a = *areas[i];
    if (a.is_disc()) {
      b.AddDisc(static_cast<int>(i), a.bound());
    } else {
      b.AddPolygon(static_cast<int>(i), *a.polygon());
    }
  }
  b.Build();
  cells_.shrink_to_fit();
  nodes_.shrink_to_fit();
  slots_.shrink_to_fit();
  records_.shrink_to_fit();
  chains_.shrink_to_fit();
  vertices_.shrink_to_fit();
  discs_.shrink_to_fit();
}

namespace {
std::vector<const AreaRegion*> Pointers(std::span<const AreaRegion> areas) {
  std::vector<const AreaRegion*> out;
  out.reserve(areas.size());
  for (const AreaRegion& a : areas) out.push_back(&a);
  return out;
}
}  // namespace

AreaPointIndex::AreaPointIndex(std::span<const AreaRegion> areas, const Options& options)
    : AreaPointIndex(std::span<const AreaRegion* const>(Pointers(areas)), options) {}

std::span<const AreaPointIndex::Chain> AreaPointIndex::ChainsOf(const uint32_t* item, Chain* one) const {
  if (item[2] & kManyChains) return {&chains_[item[1]], item[2] & ~kManyChains};
  *one = Chain{item[1], item[2]};
  return {one, 1};
}

bool AreaPointIndex::InsideByParity(const uint32_t* item, const S2Point& center, const S2Point& p,
                                    bool* near_edge) const {
  Chain one;
  const std::span<const Chain> chains = ChainsOf(item, &one);
  // Inside by the semi-open model: the centre's answer, flipped at every
  // crossing of the segment from the centre to p (which lies in the cell),
  // as S2ContainsPointQuery counts them. Most edges are settled here by
  // orientation alone (both ends on one side of the segment's great circle,
  // or the segment on one side of the edge's); the rest go to S2's exact
  // EdgeOrVertexCrossing. Edges whose great circle passes near p are noted
  // for the distance test.
  bool inside = (item[0] & 3) == kCenterIn;
  const S2Point cp = center.CrossProd(p);
  for (const Chain& chain : chains) {
    const S2Point* v = &vertices_[chain.first];
    double dv = cp.DotProd(v[0]);
    for (uint32_t e = 0; e < chain.edges; ++e) {
      const double dw = cp.DotProd(v[e + 1]);
      const S2Point n = v[e].CrossProd(v[e + 1]);
      const double np = n.DotProd(p);
      *near_edge |= MayBeNear(n, np);
      const bool apart = SameSide(dv, dw);
      dv = dw;
      if (apart) continue;
      const double nc = n.DotProd(center);
      if (SameSide(nc, np)) continue;
      S2EdgeCrosser crosser(&center, &p);
      inside ^= crosser.EdgeOrVertexCrossing(&v[e], &v[e + 1]);
    }
  }
  return inside;
}

bool AreaPointIndex::LowerToNearEdges(const uint32_t* item, const S2Point& p, S1ChordAngle* best,
                                      S1ChordAngle stop) const {
  Chain one;
  for (const Chain& chain : ChainsOf(item, &one)) {
    const S2Point* v = &vertices_[chain.first];
    for (uint32_t e = 0; e < chain.edges; ++e) {
      const S2Point n = v[e].CrossProd(v[e + 1]);
      if (!MayBeNear(n, n.DotProd(p))) continue;
      S2::UpdateMinDistance(p, v[e], v[e + 1], best);
      if (*best < stop) return true;
    }
  }
  return false;
}

bool AreaPointIndex::PolygonContains(const uint32_t* item, const S2Point& center,
                                     const S2Point& p) const {
  bool near = false;
  if (InsideByParity(item, center, p, &near)) return true;
  if (!near) return false;
  // Within 1 mm of an edge, by the same computation as S2ClosestEdgeQuery's.
  S1ChordAngle best = EdgeLimit();
  return LowerToNearEdges(item, p, &best, EdgeLimit());
}

AreaPointIndex::Verdict AreaPointIndex::PolygonVerdict(const uint32_t* item, const S2Point& center,
                                                       const S2Point& p) const {
  // The parity is exact: inside means inside for any caller. Outside, the
  // distance to the nearest edge decides, against the limit.
  bool near = false;
  if (InsideByParity(item, center, p, &near)) return kIn;
  if (!near) return kOut;  // every edge's great circle is beyond 2 mm
  S1ChordAngle best = S1ChordAngle::Infinity();
  LowerToNearEdges(item, p, &best, S1ChordAngle::Zero());
  if (best.is_infinity()) return kOut;
  // Chord lengths: at a millimetre they equal the angles to 1e-27.
  const double d = std::sqrt(best.length2());
  const double limit = std::sqrt(MetersToChord(kToleranceM).length2());
  if (d < limit - kUnsureRad) return kIn;
  if (d > limit + kUnsureRad) return kOut;
  return kUnsure;
}

AreaPointIndex::Verdict AreaPointIndex::BoundaryVerdict(const uint32_t* item, uint64_t leaf, int level,
                                                        const S2Point& p, CenterCache* center) const {
  if ((item[0] & 3) == kDisc) {
    const Disc& d = discs_[item[1]];
    const double a = S1Angle(d.center, p).radians();
    if (a < d.limit_rad - kUnsureRad) return kIn;
    if (a > d.limit_rad + kUnsureRad) return kOut;
    return kUnsure;
  }
  return PolygonVerdict(item, center->Get(leaf, level), p);
}

bool AreaPointIndex::BoundaryContains(const uint32_t* item, uint64_t leaf, int level,
                                      const S2Point& p, CenterCache* center) const {
  if ((item[0] & 3) == kDisc) {
    const Disc& d = discs_[item[1]];
    return S1Angle(d.center, p).radians() <= d.limit_rad;
  }
  return PolygonContains(item, center->Get(leaf, level), p);
}

bool AreaPointIndex::Contains(int area, const S2Point& p) const {
  bool found = false;
  VisitContaining(
      p, [area](int a) { return a == area; }, [&found](int) { found = true; });
  return found;
}

AreaPointIndex::QueryCost AreaPointIndex::CostAt(const S2Point& p) const {
  QueryCost cost;
  const uint64_t leaf = S2CellId(p).id();
  const uint32_t* record = FindRecord(leaf, &cost.searched);
  if (record == nullptr) return cost;
  const uint32_t boundary = record[1] & ((1u << kLevelShift) - 1);
  const int level = static_cast<int>(record[1] >> kLevelShift);
  const int sub_shift = 2 * (30 - kSubLevels - level) + 1;
  const uint32_t sub =
      sub_shift > 0 ? static_cast<uint32_t>(
                          ((leaf & ((uint64_t{2} << (2 * (30 - level))) - 1)) - 1) >> sub_shift)
                    : 0;
  cost.level = record[0] + boundary > 0 ? level : -1;
  cost.items = static_cast<int>(record[0] + boundary);
  const uint32_t* item = record + 2 + record[0];
  for (uint32_t i = 0; i < boundary; ++i, item += kItemWords) {
    if (!(item[3 + (sub >> 5)] & (uint32_t{1} << (sub & 31)))) continue;  // answered by its masks
    ++cost.exact_tests;
    if ((item[0] & 3) == kDisc) continue;
    if (item[2] & kManyChains) {
      for (uint32_t k = 0; k < (item[2] & ~kManyChains); ++k)
        cost.edges += chains_[item[1] + k].edges;
    } else {
      cost.edges += item[2];
    }
  }
  return cost;
}

AreaPointIndex::Stats AreaPointIndex::stats() const {
  Stats s;
  s.areas = num_areas_;
  for (const Cell& c : cells_) {
    const uint32_t* record = records_.data() + c.record;
    const uint32_t boundary = record[1] & ((1u << kLevelShift) - 1);
    if (record[0] + boundary == 0) continue;
    ++s.cells;
    s.interior_items += record[0];
    s.boundary_items += boundary;
    const uint32_t* item = record + 2 + record[0];
    for (uint32_t i = 0; i < boundary; ++i, item += kItemWords) {
      if ((item[0] & 3) == kDisc) continue;
      if (item[2] & kManyChains) {
        for (uint32_t k = 0; k < (item[2] & ~kManyChains); ++k)
          s.edge_refs += chains_[item[1] + k].edges;
      } else {
        s.edge_refs += item[2];
      }
    }
  }
  s.vertices = vertices_.size();
  s.directory_slots = slots_.size();
  return s;
}

namespace {
// What AllocateHuge takes for `bytes`.
size_t HugeBytes(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  return bytes < kHugePage ? bytes : (bytes + kHugePage - 1) / kHugePage * kHugePage;
}
}  // namespace

size_t AreaPointIndex::MemoryBytes() const {
  return HugeBytes(cells_.capacity() * sizeof(Cell)) + nodes_.capacity() * sizeof(Node) +
         HugeBytes(slots_.capacity() * sizeof(Slot)) +
         HugeBytes(records_.capacity() * sizeof(uint32_t)) + chains_.capacity() * sizeof(Chain) +
         HugeBytes(vertices_.capacity() * sizeof(S2Point)) + discs_.capacity() * sizeof(Disc);
}

}  // namespace jic::geo
