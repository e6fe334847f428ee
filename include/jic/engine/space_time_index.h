// SpaceTimeIndex: finds the stored items (operation volumes, areas) whose
// bounding cap, altitude band and time window may meet a query's. It answers
// a superset; callers confirm each candidate with the exact predicates.
//
// Layout. Each item is filed under the S2 cells, at one level, that cover its
// cap (at most four: the cells around the cell vertex nearest its centre, at
// the finest level where those four hold the cap, never finer than
// Options::finest_level). Within a cell, items are grouped by duration class
// (class c: at most 4^c minutes) and kept sorted by start time, so a query
// reads only the items that start between (its start - the class's longest
// duration) and its end. Each posting (24 bytes) also holds the item's cap
// (centre and radius, quantized to a few metres), so that items in the same
// cells but far from the query are dropped before anyone touches the item
// itself. Altitudes, times and caps are rounded outwards (4 m steps, whole
// minutes, padded radius), so filtering stays conservative.
//
// Thread-safety: const methods may run concurrently; Insert and Remove need
// exclusive access.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "jic/base/units.h"
#include "s2/s2cap.h"
#include "s2/s2cell_id.h"

namespace jic::engine {

class SpaceTimeIndex {
 public:
  struct Options {
    // Finest S2 level items are filed at. Default: 8 (cells ~30 km across):
    // queries (volumes widened by the separation minimum) then fit four cells
    // of every level in use, and the postings' caps drop the far items.
    // Measured on the peers' W1 workload: 8 beats 7, 9 and 10.
    int finest_level = 8;
  };

  // What an item occupies, or what a query asks for (already widened by the
  // margins it allows): a cap, a closed altitude band and a closed time window.
  struct Box {
    S2Cap cap;
    double alt_lo = 0;
    double alt_hi = 0;
    Time t0;
    Time t1;
  };

  // A query cap for `cap` widened by `margin_m` metres, plus the shapes'
  // touching tolerance, plus one metre of slack so that shapes touching
  // exactly on a cell boundary still share a cell. Every caller that asks
  // "what may come within margin_m of this shape" widens through here.
  static S2Cap Widen(const S2Cap& cap, double margin_m);

  SpaceTimeIndex() : SpaceTimeIndex(Options()) {}
  explicit SpaceTimeIndex(const Options& options);

  // Files `item` under `box`. The same item id may be inserted only once at a
  // time; Remove it with the same box.
  void Insert(uint32_t item, const Box& box);
  // Returns false when the item was not filed under that box.
  bool Remove(uint32_t item, const Box& box);

  // Appends to *out, sorted and without duplicates, every item whose box may
  // intersect `query` (closed intervals; caps that touch count).
  void Query(const Box& query, std::vector<uint32_t>* out) const;

  size_t size() const { return size_; }
  // Bytes of the index itself: postings, cell table, class lists.
  size_t MemoryBytes() const;

 private:
  // 24 bytes: a query reads a few hundred postings, and its time goes in
  // bringing them from memory, so they are kept small. Altitudes are in
  // steps of kAltStepM, rounded outwards; the cap centre is kept as its
  // offset from the list's reference point in the list's unit (a few metres
  // at the levels in use), and its radius in that unit is rounded up and
  // padded for the rounding of the offset.
  struct Posting {
    int32_t t0;  // minutes since 1970, rounded down
    int32_t t1;  // rounded up
    int16_t alt_lo;
    int16_t alt_hi;
    int16_t x, y, z;  // cap centre - ref, in units
    uint16_t radius;  // in units; kWide: not kept, the item may be anywhere
    uint32_t item;
  };
  struct ClassList {
    uint8_t cls = 0;
    S2Point ref;        // the centre of the list's cell
    double unit = 0;    // radians (of chord) per step of a posting's x, y, z, radius
    int64_t max_minutes = 0;        // longest t1 - t0 ever filed here
    std::vector<int32_t> starts;    // postings[i].t0, packed for the binary search
    std::vector<Posting> postings;  // sorted by t0
    // A directory of start times, so that a query finds where to begin
    // reading with one lookup instead of a binary search over the whole
    // list: bucket b holds the starts in [base + b * 2^shift, base +
    // (b + 1) * 2^shift) minutes, and first[b] is the position of the first
    // posting in it or after it. first has one entry per bucket plus one,
    // which is always postings.size(); every start lies in a bucket. Sized
    // for about kPerBucket postings a bucket, rebuilt when the list doubles
    // or shrinks to a quarter, and when a start falls before the first
    // bucket or far past the last.
    int32_t base = 0;
    uint8_t shift = 0;
    uint32_t built_for = 0;  // postings.size() when the directory was built
    std::vector<uint32_t> first;

    void Rebuild();
    void Inserted(int32_t t0);  // a posting starting at t0 was inserted
    void Removed(int32_t t0);   // one starting at t0 was removed
    // Positions [lo, hi] between which the first posting starting at or
    // after `from` lies.
    void Bracket(int32_t from, uint32_t* lo, uint32_t* hi) const;
  };
  using Cell = absl::InlinedVector<ClassList, 1>;

  int LevelFor(const S2Cap& cap) const;
  void CellsFor(const S2Cap& cap, int level, bool exact, std::vector<S2CellId>* out) const;
  static Posting MakePosting(uint32_t item, const Box& box, const ClassList& list);

  Options options_;
  absl::flat_hash_map<uint64_t, Cell> cells_;
  std::array<uint32_t, S2CellId::kMaxLevel + 2> items_at_level_{};  // [31]: face-level items
  size_t size_ = 0;
};

}  // namespace jic::engine
