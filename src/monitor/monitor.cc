#include "jic/monitor/monitor.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "jic/base/time_format.h"
#include "jic/geo/area_point_index.h"
#include "jic/geo/earth.h"
#include "s2/s2latlng.h"
#include "s2/s2latlng_rect.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"

// Every condition below is the one ReferenceMonitor (reference_monitor.cc)
// evaluates, with the same expressions wherever a number decides something;
// what differs is how the candidates are found (grids and the area index,
// each a superset filtered by the original predicate) and what is kept
// between reports (association, compact alert state).

namespace jic::monitor {

using engine::Center;
using engine::Operation;
using engine::Volume4D;
using nlohmann::json;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMetresPerDegree = geo::kEarthRadiusM * kPi / 180;

S2Point ToPoint(double lat, double lng) { return S2LatLng::FromDegrees(lat, lng).ToPoint(); }

double DistanceM(double lat1, double lng1, double lat2, double lng2) {
  return S2LatLng::FromDegrees(lat1, lng1)
             .GetDistance(S2LatLng::FromDegrees(lat2, lng2))
             .radians() *
         geo::kEarthRadiusM;
}

// Points along the great circle from (lat, lng) with initial bearing
// `bearing_deg`, `dist_m` away (as the reference's Destination computes
// them: the same sample points, bit for bit — the same operations in the same
// order; only the sines and cosines of the start and the bearing, the same
// for every sample, are taken once).
class GreatCircleFrom {
 public:
  GreatCircleFrom(double lat, double lng, double bearing_deg) : l1_(lng * kPi / 180) {
    const double b = bearing_deg * kPi / 180, p1 = lat * kPi / 180;
    sin_p1_ = std::sin(p1);
    cos_p1_ = std::cos(p1);
    sin_b_ = std::sin(b);
    cos_b_ = std::cos(b);
  }
  void At(double dist_m, double* out_lat, double* out_lng) const {
    const double d = dist_m / geo::kEarthRadiusM;
    const double sin_d = std::sin(d), cos_d = std::cos(d);
    const double p2 = std::asin(sin_p1_ * cos_d + cos_p1_ * sin_d * cos_b_);
    const double l2 = l1_ + std::atan2(sin_b_ * sin_d * cos_p1_, cos_d - sin_p1_ * std::sin(p2));
    *out_lat = p2 * 180 / kPi;
    *out_lng = std::remainder(l2 * 180 / kPi, 360.0);
  }

 private:
  double l1_, sin_p1_, cos_p1_, sin_b_, cos_b_;
};

// The sine and cosine of an angle that is usually a few 1e-4 radians (a
// stretch of a path): below 1e-2 the series to x^7 is as close as the
// library, for no call.
void SinCosOfSmall(double x, double* sin_x, double* cos_x) {
  if (std::fabs(x) < 1e-2) {
    const double x2 = x * x;
    *sin_x = x * (1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42)));
    *cos_x = 1 - x2 / 2 * (1 - x2 / 12 * (1 - x2 / 30));
  } else {
    *sin_x = std::sin(x);
    *cos_x = std::cos(x);
  }
}

// std::remainder(x, 360) for a longitude or the difference of two, in
// [-180, 180], without the library call when it would return x itself
// (|x| <= 180: exactly x).
inline double WrapLng(double x) { return std::fabs(x) <= 180 ? x : std::remainder(x, 360.0); }

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Whether a reject rule would match an operation of `party` (of `category`,
// or of some category when null) in area `a`.
bool RejectedThere(const agreement::Agreement& ag, const agreement::Area& a,
                   const std::string& party, const std::string* category) {
  for (const agreement::Rule& r : ag.rules) {
    if (r.effect != agreement::Effect::kReject || !r.when.has_area_key()) continue;
    if (r.when.notice_lt) continue;  // about notice, not about where one flies
    if (r.when.areas && !Contains(*r.when.areas, a.id)) continue;
    if (r.when.area_kinds && std::find(r.when.area_kinds->begin(), r.when.area_kinds->end(),
                                       a.kind) == r.when.area_kinds->end()) {
      continue;
    }
    if (r.when.operators && !Contains(*r.when.operators, party)) continue;
    auto category_ok = [&](const std::string& c) {
      if (r.when.categories && !Contains(*r.when.categories, c)) return false;
      if (r.when.category_not && Contains(*r.when.category_not, c)) return false;
      return true;
    };
    if (category != nullptr) {
      if (category_ok(*category)) return true;
    } else {
      for (const agreement::Category& c : ag.categories) {
        if (category_ok(c.id)) return true;
      }
    }
  }
  return false;
}

json Position(const TrackReport& r) {
  json j{{"icao24", r.icao24},
         {"lat", std::round(r.lat_deg * 1e6) / 1e6},
         {"lng", std::round(r.lng_deg * 1e6) / 1e6},
         {"time", FormatRfc3339(r.time)}};
  if (r.alt_m) j["alt_m"] = std::round(*r.alt_m * 10) / 10;
  return j;
}

// A 24-bit address written as six lower-case hex digits, or -1.
int64_t ParseIcao(const std::string& s) {
  if (s.size() != 6) return -1;
  int64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return -1;
    }
    v = v << 4 | d;
  }
  return v;
}

enum AlertType : uint32_t { kUnreported = 0, kNonconf = 1, kArea = 2, kSep = 3 };

std::string_view TypeName(uint32_t t) {
  switch (t) {
    case kUnreported:
      return kUnreportedFlight;
    case kNonconf:
      return kNonconformance;
    case kArea:
      return kAreaIncursion;
    default:
      return kSeparationLoss;
  }
}

// An alert's identity: its type, its track (a pair: the one whose address
// sorts first), and the other track (separation), the operation
// (nonconformance) or the area (incursion) as a slot or interned name.
struct AlertKey {
  uint32_t type = 0;
  uint32_t a = 0;
  uint32_t b = 0;
  bool operator==(const AlertKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const AlertKey& k) {
    return H::combine(std::move(h), k.type, k.a, k.b);
  }
};

// The area prefilter's grid: the reject sets list their areas by 0.5 degree
// cells.
constexpr double kCellDeg = 0.5;
constexpr int kCols = 720;  // columns -360..359

// floor(x) as an integer, without the library call the baseline x86-64
// target makes for std::floor (NaN and huge values clamp to +-1e15).
int64_t FloorToInt(double x) {
  x = std::fmax(-1e15, std::fmin(x, 1e15));
  const int64_t t = static_cast<int64_t>(x);
  return t - (x < static_cast<double>(t));
}

int64_t CellRow(double lat) { return FloorToInt(lat / kCellDeg); }
int64_t CellCol(double lng) {
  int64_t c = FloorToInt(lng / kCellDeg);
  c = ((c + kCols / 2) % kCols + kCols) % kCols - kCols / 2;
  return c;
}
uint64_t CellKey(int64_t row, int64_t col) {
  return static_cast<uint64_t>(row + 1024) << 16 | static_cast<uint64_t>(col + 2048);
}

// The separation grid: per party, bands of kSepRowDeg of latitude ("rows"),
// each one array of records grouped by buckets of kSepBucketDeg of
// longitude, so that the search around a report reads one contiguous run of
// records per row.
constexpr double kSepRowDeg = 0.25;
constexpr int64_t kSepRowMin = -360, kSepRowMax = 360;  // latitudes -90..90
constexpr double kSepBucketDeg = 0.25;
constexpr int64_t kSepBuckets = 1440;  // longitudes -180..180
int64_t SepRowOf(double lat) {
  return std::clamp<int64_t>(FloorToInt(lat / kSepRowDeg), kSepRowMin, kSepRowMax);
}
int64_t SepBucketOf(double normal_lng) {
  return std::clamp<int64_t>(FloorToInt((normal_lng + 180) / kSepBucketDeg), 0, kSepBuckets - 1);
}

// What separation reads of a track's latest report, copied into its row:
// what the first tests read (vertical, then the reach), and the velocity,
// read by the few that pass, apart.
struct SepHot {
  double lat, lng, gs, alt, vrate;
  Time time;
  uint32_t slot;
  bool has_alt;
};
struct SepCold {
  double ve, vn;
};
// One row of one party's tracks (unknown parties are not filed): records
// by bucket, bucket b's at [start[b], start[b + 1]).
struct SepRow {
  std::vector<SepHot> hot;
  std::vector<SepCold> cold;
  std::vector<uint32_t> start = std::vector<uint32_t>(kSepBuckets + 1, 0);
};

// A cap around an area's region, as small as its vertices allow: the
// region's own bound() comes from its latitude-longitude rectangle, up to
// twice as wide. Centred on the mean of the vertices, with the radius of the
// farthest; a cap narrower than a hemisphere holds every geodesic edge
// between points it holds, so it holds the boundary, and it holds the
// region when the region does not hold the cap's antipode (then the outside
// of the cap, connected and crossed by no edge, is all outside the region).
// Falls back to bound() whenever that is not the narrower.
S2Cap TightBound(const geo::AreaRegion& region) {
  const S2Polygon* polygon = region.polygon();
  if (polygon == nullptr || polygon->num_loops() == 0) return region.bound();
  S2Point sum(0, 0, 0);
  for (int k = 0; k < polygon->num_loops(); ++k) {
    for (const S2Point& v : polygon->loop(k)->vertices_span()) sum += v;
  }
  if (!(sum.Norm2() > 1e-20)) return region.bound();
  const S2Point center = sum.Normalize();
  double radius = 0;
  for (int k = 0; k < polygon->num_loops(); ++k) {
    for (const S2Point& v : polygon->loop(k)->vertices_span())
      radius = std::max(radius, S1Angle(center, v).radians());
  }
  // Rounding of the angles (~1e-15) is far inside the prefilters' margin.
  if (!(radius < kPi / 2 - 1e-6) || radius >= region.bound().GetRadius().radians() ||
      polygon->Contains(-center)) {
    return region.bound();
  }
  return S2Cap(center, S1Angle::Radians(radius));
}

// The margin by which the area prefilters widen every cap (the exact
// predicates decide; this only keeps rounding from hiding a candidate).
constexpr double kPrefilterMarginM = 100;

}  // namespace

// ---------------------------------------------------------------------------

struct Monitor::State {
  struct RejectSet;
  struct AlertState {
    int consecutive = 0;  // evaluations in a row where the condition held
    bool raised = false;
    bool predicted = false;
    Time last_update;
    uint32_t operation = 0;  // interned: the operation named when first held
    uint32_t should = 0;     // unreported: the party that should have notified
  };

  // An alert (counting or raised) as its tracks keep it: the state is held
  // by the track `key.a` (for separation, the other track keeps the key only).
  struct KeyEntry {
    AlertKey key;
    AlertState state;
  };
  struct Slot {
    Track t;
    bool in_use = false;
    uint32_t self = 0;
    uint32_t party = 0;  // interned; 0: unknown
    int64_t hex = -1;    // the 24-bit address, or -1 (then by name)
    // the latest report's velocity east and north (m/s: ground speed times
    // the sine and cosine of the track angle) and that sine and cosine, as
    // GridPut computed them
    double ve = 0, vn = 0, sin_trk = 0, cos_trk = 1;
    // separation grid: the row and bucket of this track's record
    bool in_grid = false;
    int64_t grid_row = 0, grid_bucket = 0;
    // association, kept until the center, the agreement, the callsign or
    // the report time says otherwise
    const Center* a_center = nullptr;
    uint64_t a_seq = 0, a_gen = 0;
    std::string a_callsign;
    bool a_valid = false, a_time_valid = false;
    int64_t a_lo = 0, a_hi = -1;          // report times (µs) the associated list holds for
    std::vector<const Operation*> a_ops;  // Center::OperationsOfAircraft
    std::vector<const Operation*> assoc;  // of those, associated at a_lo..a_hi
    uint32_t assoc_first = 0;             // the first one's id, interned (0: none)
    const RejectSet* reject = nullptr;    // for the party and category
    // nonconformance: the volumes of `assoc`, in order, as the test reads
    // them (kept inline: a track's one volume costs no further cache miss)
    struct Conform {
      Time from, to;  // the volume's window widened by conformance_tolerance_s
      double alt_lo, alt_hi;
      const geo::Outline* polygon;  // null for a circle:
      S2Point center;               // its centre and
      double reach_rad;             // CircleReachRadians(conformance_tolerance_m)
    };
    absl::InlinedVector<Conform, 1> conform;
    // alerts (counting or raised) involving this track; the few a track has
    // are kept inline, read with the slot
    absl::InlinedVector<KeyEntry, 3> keys;
    // area incursion: the candidate areas of the reject set `near_rs` (of
    // the derived state `near_gen`) listed in the cells `near_box` (rows
    // and columns, first and last)
    const RejectSet* near_rs = nullptr;
    uint64_t near_gen = 0;
    int64_t near_box[4] = {0, -1, 0, -1};
    absl::InlinedVector<int, 12> near;
    // where the area index's last lookups of the position and of a path
    // sample ended, for the index of the derived state `hint_gen`
    uint64_t hint_gen = 0;
    geo::AreaPointIndex::Hint hint_position, hint_path;
  };

  // One condition found true at one report; what its transition needs.
  struct Condition {
    AlertKey key;
    bool predicted = false;
    uint32_t other = 0;  // separation: the other track's slot
    double in_s = 0;     // area predicted: seconds ahead
    double h_now = 0, tcpa = 0, h_cpa = 0;
    std::optional<double> dz_now;
  };

  // Derived from one agreement: area records, the point index, reject sets.
  struct AreaInfo {
    S2Point center;             // of `cap`
    double cos_limit;           // cos(cap radius + margin); 1 < x: never
    double lim_rad, sin_limit;  // that angle, and its sine
    double alt_lo, alt_hi;
    Time from, to;
    uint32_t name;
    S2Cap cap;  // TightBound(region)
  };
  struct RejectSet {
    std::vector<uint64_t> bits;  // by area
    std::vector<int> areas;      // ascending
    // Areas by 0.5 degree cells their widened cap's rectangle meets; the
    // ones too large for that in `everywhere`.
    absl::flat_hash_map<uint64_t, std::vector<int>> cells;
    std::vector<int> everywhere;
    bool Has(int a) const { return (bits[static_cast<size_t>(a) >> 6] >> (a & 63)) & 1; }
  };
  struct Derived {
    const Center* center = nullptr;
    const engine::RuleBook* rules = nullptr;
    int64_t version = -1;
    uint64_t gen = 0;
    std::vector<AreaInfo> areas;
    std::unique_ptr<geo::AreaPointIndex> index;  // made on first need
    std::unordered_map<std::string, std::unique_ptr<RejectSet>> reject;
    std::vector<uint32_t> stamp;  // per area: the last query that listed it
    uint32_t query = 0;
  };

  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<uint32_t> free;
  absl::flat_hash_map<int64_t, uint32_t> by_hex;
  absl::flat_hash_map<std::string, uint32_t> by_name;

  std::vector<std::string> names{""};
  absl::flat_hash_map<std::string, uint32_t> name_ix;
  uint32_t Intern(const std::string& s) {
    if (s.empty()) return 0;
    auto [it, added] = name_ix.try_emplace(s, static_cast<uint32_t>(names.size()));
    if (added) names.push_back(s);
    return it->second;
  }

  // The alert `k`, or null: in the slot of its first track.
  AlertState* FindAlert(const AlertKey& k) {
    for (KeyEntry& e : slots[k.a]->keys) {
      if (e.key == k) return &e.state;
    }
    return nullptr;
  }
  // The alert `k`, added (with its key to both tracks) when new.
  std::pair<AlertState*, bool> AddAlert(const AlertKey& k) {
    if (AlertState* a = FindAlert(k)) return {a, false};
    if (k.type == kSep) slots[k.b]->keys.push_back({k, {}});
    return {&slots[k.a]->keys.emplace_back(KeyEntry{k, {}}).state, true};
  }
  void EraseAlert(const AlertKey& k) {
    auto drop = [&](Slot& slot) {
      auto& keys = slot.keys;
      for (size_t i = 0; i < keys.size(); ++i) {
        if (keys[i].key == k) {
          keys[i] = keys.back();
          keys.pop_back();
          return;
        }
      }
    };
    drop(*slots[k.a]);
    if (k.type == kSep) drop(*slots[k.b]);
  }

  // Separation grid (SepRow): each party's rows, made as its tracks first
  // reach them.
  struct PartyGrid {
    uint32_t party = 0;
    std::vector<std::unique_ptr<SepRow>> rows;  // by row - kSepRowMin
  };
  std::vector<PartyGrid> grid_parties;  // parties ever filed
  PartyGrid* GridOf(uint32_t party) {
    for (PartyGrid& g : grid_parties) {
      if (g.party == party) return &g;
    }
    return nullptr;
  }
  // Bounds over every record filed (widened as they are filed, recomputed
  // when Expire scans): the fastest ground speed and the report times.
  double gs_max = 0;
  Time t_min = Time::Max(), t_max = Time::Min();

  Derived derived;
  uint64_t next_gen = 1;

  // Reused per report.
  std::vector<Condition> holds;
  std::vector<AlertKey> evaluated, held, unheld;
  std::vector<int> inside, predicted;
  std::vector<std::string> key_strings;
};

namespace {
using State = Monitor::State;
using Slot = State::Slot;

std::string KeyString(const State& st, const AlertKey& k) {
  std::string s(TypeName(k.type));
  s += '/';
  s += st.slots[k.a]->t.icao24;
  s += '/';
  if (k.type == kSep) {
    s += st.slots[k.b]->t.icao24;
  } else if (k.type != kUnreported) {
    s += st.names[k.b];
  } else {
    s.pop_back();
  }
  return s;
}

// Where the track's record is in its row (it is filed).
size_t FindRecord(const SepRow& row, const Slot& s) {
  size_t i = row.start[static_cast<size_t>(s.grid_bucket)];
  while (row.hot[i].slot != s.self) ++i;
  return i;
}

void GridRemove(State& st, Slot& s) {
  if (!s.in_grid) return;
  SepRow& row = *st.GridOf(s.party)->rows[static_cast<size_t>(s.grid_row - kSepRowMin)];
  const size_t i = FindRecord(row, s);
  row.hot.erase(row.hot.begin() + static_cast<ptrdiff_t>(i));
  row.cold.erase(row.cold.begin() + static_cast<ptrdiff_t>(i));
  for (size_t b = static_cast<size_t>(s.grid_bucket) + 1; b <= kSepBuckets; ++b) --row.start[b];
  s.in_grid = false;
}

// Files (or refiles) the track's latest report in the separation grid.
void GridPut(State& st, Slot& s) {
  if (s.party == 0 || s.t.reports == 0) {
    GridRemove(st, s);
    return;
  }
  const TrackReport& q = s.t.last;
  SepHot e;
  SepCold f;
  e.lat = q.lat_deg;
  e.lng = q.lng_deg;
  e.gs = q.gs_mps.value_or(0);
  {  // the velocity, east and north
    const double gs = q.gs_mps.value_or(0), tr = q.track_deg.value_or(0) * kPi / 180;
    s.sin_trk = std::sin(tr);
    s.cos_trk = std::cos(tr);
    s.ve = f.ve = gs * s.sin_trk;
    s.vn = f.vn = gs * s.cos_trk;
  }
  e.has_alt = q.alt_m.has_value();
  e.alt = q.alt_m.value_or(0);
  e.vrate = q.vrate_mps.value_or(0);
  e.time = q.time;
  e.slot = s.self;
  const int64_t row_ix = SepRowOf(q.lat_deg), bucket = SepBucketOf(WrapLng(q.lng_deg));
  State::PartyGrid* grid = st.GridOf(s.party);
  if (grid == nullptr) {
    grid = &st.grid_parties.emplace_back();
    grid->party = s.party;
    grid->rows.resize(kSepRowMax - kSepRowMin + 1);
  }
  auto& row = grid->rows[static_cast<size_t>(row_ix - kSepRowMin)];
  if (!row) row = std::make_unique<SepRow>();
  if (s.in_grid && s.grid_row == row_ix && s.grid_bucket == bucket) {
    const size_t i = FindRecord(*row, s);
    row->hot[i] = e;
    row->cold[i] = f;
  } else {
    GridRemove(st, s);
    // At the end of its bucket.
    const uint32_t i = row->start[static_cast<size_t>(bucket) + 1];
    row->hot.insert(row->hot.begin() + i, e);
    row->cold.insert(row->cold.begin() + i, f);
    for (size_t b = static_cast<size_t>(bucket) + 1; b <= kSepBuckets; ++b) ++row->start[b];
    s.grid_row = row_ix;
    s.grid_bucket = bucket;
    s.in_grid = true;
  }
  st.gs_max = std::max(st.gs_max, std::fabs(e.gs));
  st.t_min = std::min(st.t_min, e.time);
  st.t_max = std::max(st.t_max, e.time);
}

// The reject set of (party, category or any), made on first need.
const State::RejectSet* RejectFor(State& st, const agreement::Agreement& ag,
                                  const std::string& party, const std::string* category) {
  std::string key = party;
  key += category ? '\x1f' : '\x1e';
  if (category) key += *category;
  auto& slot = st.derived.reject[key];
  if (slot) return slot.get();
  auto rs = std::make_unique<State::RejectSet>();
  rs->bits.assign((ag.areas.size() + 63) / 64, 0);
  for (size_t i = 0; i < ag.areas.size(); ++i) {
    if (!RejectedThere(ag, ag.areas[i], party, category)) continue;
    rs->bits[i >> 6] |= uint64_t{1} << (i & 63);
    rs->areas.push_back(static_cast<int>(i));
    // Cells of the widened cap's rectangle.
    const S2Cap cap = st.derived.areas[i].cap.Expanded(
        S1Angle::Radians(2 * kPrefilterMarginM / geo::kEarthRadiusM));
    const S2LatLngRect rect = cap.GetRectBound();
    const int64_t r0 = CellRow(rect.lat_lo().degrees()), r1 = CellRow(rect.lat_hi().degrees());
    const double lng_lo = rect.lng_lo().degrees(), lng_hi = rect.lng_hi().degrees();
    const int64_t c0 = static_cast<int64_t>(std::floor(lng_lo / kCellDeg));
    int64_t c1 = static_cast<int64_t>(std::floor(lng_hi / kCellDeg));
    if (rect.lng().is_inverted()) c1 += kCols;  // crosses the antimeridian
    if (rect.lng().is_full() || (r1 - r0 + 1) * (c1 - c0 + 1) > 4096) {
      rs->everywhere.push_back(static_cast<int>(i));
      continue;
    }
    for (int64_t r = r0; r <= r1; ++r) {
      for (int64_t c = c0; c <= c1; ++c) {
        rs->cells[CellKey(r, CellCol((static_cast<double>(c) + 0.5) * kCellDeg))].push_back(
            static_cast<int>(i));
      }
    }
  }
  slot = std::move(rs);
  return slot.get();
}

const geo::AreaPointIndex& IndexFor(State& st, const agreement::Agreement& ag) {
  if (!st.derived.index) {
    std::vector<const geo::AreaRegion*> regions;
    for (const agreement::Area& a : ag.areas) regions.push_back(&a.region);
    st.derived.index = std::make_unique<geo::AreaPointIndex>(regions);
  }
  return *st.derived.index;
}

// The reference's RuleBook::Meets for a point volume, once altitude and
// time are known to overlap: the area's region within kToleranceM of the
// point. Asked only where the point index is unsure (a point within
// AreaPointIndex::kUnsureRad of the 1 mm limit).
bool RegionMeetsPoint(const agreement::Area& a, const S2Point& p) {
  return a.region.WithinDistance(geo::Outline::Circle(p, 0), geo::MetersToChord(geo::kToleranceM));
}

// Altitude and time of the reference's PointVolume(alt, t) against an area.
inline bool BandAndTimeMeet(const State::AreaInfo& a, const std::optional<double>& alt, Time t) {
  const double lo = alt ? *alt : -1e9, hi = alt ? *alt : 1e9;
  if (lo > a.alt_hi || a.alt_lo > hi) return false;
  if (t > a.to || a.from > t) return false;
  return true;
}

}  // namespace

Monitor::Monitor(Options options) : options_(options), st_(std::make_unique<State>()) {}
Monitor::~Monitor() = default;

namespace {
// Starts fetching the slot of the track with address `hex`, if it has one.
// Only the monitor's thread changes by_hex and slots.
void PrefetchSlot(const Monitor::State& st, int64_t hex) {
  if (hex < 0) return;
  auto it = st.by_hex.find(hex);
  if (it == st.by_hex.end()) return;
  const char* b = reinterpret_cast<const char*>(st.slots[it->second].get());
  for (size_t off = 0; off < sizeof(Monitor::State::Slot); off += 64) __builtin_prefetch(b + off);
}
}  // namespace

void Monitor::Process(const Center& center, std::span<const TrackReport> reports,
                      std::vector<AlertTransition>* out) {
  if (!center.initialized()) return;
  State& st = *st_;
  // What the agreement gives, remade when it changes.
  if (st.derived.center != &center || st.derived.rules != center.rules() ||
      st.derived.version != center.agreement_version()) {
    State::Derived d;
    d.center = &center;
    d.rules = center.rules();
    d.version = center.agreement_version();
    d.gen = st.next_gen++;
    const agreement::Agreement& ag = center.rules()->agreement();
    const double margin = kPrefilterMarginM / geo::kEarthRadiusM;
    for (const agreement::Area& a : ag.areas) {
      State::AreaInfo info;
      info.cap = TightBound(a.region);
      info.center = info.cap.center();
      const double lim = info.cap.GetRadius().radians() + margin;
      info.cos_limit = lim >= kPi ? -2 : std::cos(lim);
      info.lim_rad = lim;
      info.sin_limit = std::sin(lim);
      info.alt_lo = a.alt_lower_m;
      info.alt_hi = a.alt_upper_m;
      info.from = a.valid_from;
      info.to = a.valid_to;
      info.name = st.Intern(a.id);
      d.areas.push_back(info);
    }
    d.stamp.assign(ag.areas.size(), 0);
    st.derived = std::move(d);
  }
  // Reports of different aircraft follow each other, and each first touches
  // its track's slot (~10 cache lines, somewhere in the heap), found through
  // the table of addresses: while one is evaluated, the report kReport later
  // is fetched, the table's entry for the one kHash later, and the slot of
  // the one kAhead later.
  // Each address is parsed once, kHash ahead, into a ring.
  constexpr size_t kAhead = 4, kHash = 8, kReport = 16, kRing = 16;
  const size_t n = reports.size();
  int64_t hexes[kRing];
  for (size_t j = 0; j < std::min(kHash, n); ++j) hexes[j % kRing] = ParseIcao(reports[j].icao24);
  for (size_t i = 0; i < n; ++i) {
    if (i + kReport < n) {
      const char* b = reinterpret_cast<const char*>(&reports[i + kReport]);
      for (size_t off = 0; off < sizeof(TrackReport); off += 64) __builtin_prefetch(b + off);
    }
    if (i + kHash < n) {
      const int64_t hex = hexes[(i + kHash) % kRing] = ParseIcao(reports[i + kHash].icao24);
      if (hex >= 0) st.by_hex.prefetch(hex);
    }
    if (i + kAhead < n) PrefetchSlot(st, hexes[(i + kAhead) % kRing]);
    OnReport(center, reports[i], hexes[i % kRing], out);
  }
}

void Monitor::OnReport(const Center& center, const TrackReport& r, int64_t hex,
                       std::vector<AlertTransition>* out) {
  State& st = *st_;
  const agreement::Agreement& ag = center.rules()->agreement();
  const agreement::Monitoring& mon = ag.monitoring;
  // Report time drives the monitor: tracks silent for too long go first.
  if (r.time > clock_) {
    clock_ = r.time;
    // Scanning every track for silence once per second of report time is
    // plenty for a stale_after_s of tens of seconds.
    if (clock_ - last_expire_ >= Duration::Seconds(1)) {
      last_expire_ = clock_;
      Expire(center, clock_, out);
    }
  }
  Slot* s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.reports;
    uint32_t* where;
    bool added;
    if (hex >= 0) {
      auto [it, a] = st.by_hex.try_emplace(hex, 0);
      where = &it->second;
      added = a;
    } else {
      auto [it, a] = st.by_name.try_emplace(r.icao24, 0);
      where = &it->second;
      added = a;
    }
    if (added) {
      uint32_t ix;
      if (!st.free.empty()) {
        ix = st.free.back();
        st.free.pop_back();
      } else {
        ix = static_cast<uint32_t>(st.slots.size());
        st.slots.push_back(std::make_unique<Slot>());
      }
      Slot& n = *st.slots[ix];
      n = Slot();
      n.in_use = true;
      n.self = ix;
      n.hex = hex;
      n.t.icao24 = r.icao24;
      const agreement::Party* p = ag.PartyOfAircraft(r.icao24);
      n.t.party = p ? p->id : "";
      n.party = st.Intern(n.t.party);
      *where = ix;
    }
    s = st.slots[*where].get();
    Track* t = &s->t;
    if (r.time < t->last_seen) {  // older than what we have: not a new position
      ++stats_.out_of_order;
      return;
    }
    t->last_seen = r.time;
    if (!std::isfinite(r.lat_deg) || !std::isfinite(r.lng_deg)) {  // out of contract
      ++t->implausible;
      ++stats_.implausible;
      return;
    }
    auto plausible = [&](const TrackReport& a, const TrackReport& b) {
      const double dt = (b.time - a.time).seconds();
      // Plus a floor for timing noise (Options::position_noise_m).
      const double limit =
          options_.implausible_speed_mps * std::max(dt, 0.0) + options_.position_noise_m;
      // The great-circle distance is at most the path along a meridian then
      // a parallel: when that is well within the limit, so is the distance.
      const double bound =
          (std::fabs(b.lat_deg - a.lat_deg) + std::fabs(WrapLng(b.lng_deg - a.lng_deg))) *
          kMetresPerDegree;
      if (bound <= 0.999 * limit) return true;
      return DistanceM(a.lat_deg, a.lng_deg, b.lat_deg, b.lng_deg) <= limit;
    };
    // Reports that agree with each other, apart from those the track follows:
    // the start of a track (it is tentative until one run is long enough: an
    // M-of-N initiation, so a bad first decode cannot seed it), or a track
    // that was following the wrong reports.
    auto add_to_runs = [&]() -> std::vector<TrackReport>* {
      for (auto& run : t->runs) {
        if (plausible(run.back(), r)) {
          run.push_back(r);
          return &run;
        }
      }
      if (t->runs.size() >= 4) t->runs.erase(t->runs.begin());
      t->runs.push_back({r});
      return &t->runs.back();
    };
    auto trail_push = [&](const TrackReport& x) {
      const size_t n = options_.trail_length;
      if (n == 0) return;
      Track::Point p{x.lat_deg, x.lng_deg, x.alt_m, x.time};
      if (t->trail.size() < n) {
        t->trail.push_back(p);
      } else {
        t->trail[t->trail_head] = p;
        t->trail_head = (t->trail_head + 1) % n;
      }
    };
    const bool confirmed = t->reports > 0;
    if (confirmed && plausible(t->last, r)) {
      if (!t->runs.empty()) t->runs.clear();
    } else {
      std::vector<TrackReport>* run = add_to_runs();
      const size_t needed = confirmed ? std::max<size_t>(2, options_.restart_reports)
                                      : std::max<size_t>(1, options_.confirm_reports);
      const bool long_enough =
          run->size() >= needed ||
          (run->size() >= 2 &&
           (run->back().time - run->front().time).seconds() >= options_.confirm_seconds);
      if (!long_enough) {
        if (confirmed) {
          // A bad decode (CPR) or a corrupt report: set aside, never alerted on.
          ++t->implausible;
          ++stats_.implausible;
        }
        return;
      }
      // This run is the aircraft: the track starts (or restarts) from it, and
      // every other report seen meanwhile was an outlier.
      size_t others = 0;
      for (const auto& other : t->runs) {
        if (&other != run) others += other.size();
      }
      t->implausible += others;
      stats_.implausible += others;
      if (confirmed) ++stats_.restarted;
      std::vector<TrackReport> seed(run->begin(), run->end() - 1);
      t->runs.clear();
      t->trail.clear();
      t->trail_head = 0;
      for (const TrackReport& x : seed) {
        trail_push(x);
        if (!x.callsign.empty()) t->callsign = x.callsign;
      }
      if (!seed.empty()) t->last = seed.back();
      t->reports = seed.size();
    }
    // A report without them keeps the last known callsign and velocity.
    const bool had = t->reports > 0;
    std::optional<double> gs = r.gs_mps, trk = r.track_deg, alt = r.alt_m;
    if (!gs && had) gs = t->last.gs_mps;
    if (!trk && had) trk = t->last.track_deg;
    if (!alt && had) alt = t->last.alt_m;
    if (!r.callsign.empty()) {
      t->last.callsign = r.callsign;
    }  // else: keeps t->last.callsign (the merged report's, as the reference's)
    t->last.icao24 = r.icao24;
    t->last.lat_deg = r.lat_deg;
    t->last.lng_deg = r.lng_deg;
    t->last.alt_m = alt;
    t->last.time = r.time;
    t->last.gs_mps = gs;
    t->last.track_deg = trk;
    t->last.vrate_mps = r.vrate_mps;
    if (!t->last.callsign.empty()) t->callsign = t->last.callsign;
    trail_push(t->last);
    ++t->reports;
    GridPut(st, *s);
  }

  // --- association (AGREEMENT.md): accepted or activated operations listing
  // the aircraft, one of whose volumes' windows (widened) holds the time.
  Track& t = s->t;
  const TrackReport& r2 = t.last;
  const Duration tol_t = Duration::Micros(static_cast<int64_t>(mon.conformance_tolerance_s * 1e6));
  const S1ChordAngle tol(S1Angle::Radians(mon.conformance_tolerance_m / geo::kEarthRadiusM));
  const uint64_t seq = center.last_seq();
  if (!s->a_valid || s->a_center != &center || s->a_seq != seq || s->a_gen != st.derived.gen ||
      s->a_callsign != t.callsign) {
    center.OperationsOfAircraft(t.icao24, t.callsign, &s->a_ops);
    s->a_center = &center;
    s->a_seq = seq;
    s->a_gen = st.derived.gen;
    s->a_callsign = t.callsign;
    s->a_valid = true;
    s->a_time_valid = false;  // the time part is redone below
  }
  const int64_t now_us = r2.time.unix_micros();
  if (!s->a_time_valid || !(s->a_lo <= now_us && now_us <= s->a_hi)) {
    std::vector<const Operation*> assoc;
    int64_t lo = Time::Min().unix_micros(), hi = Time::Max().unix_micros();
    for (const Operation* op : s->a_ops) {
      bool in = false;
      for (const Volume4D& v : op->volumes) {
        const Time a = v.start - tol_t, b = v.end + tol_t;
        if (r2.time >= a && r2.time <= b) {
          in = true;
          lo = std::max(lo, a.unix_micros());
          hi = std::min(hi, b.unix_micros());
        } else if (r2.time < a) {
          hi = std::min(hi, a.unix_micros() - 1);
        } else {
          lo = std::max(lo, b.unix_micros() + 1);
        }
      }
      if (in) assoc.push_back(op);
    }
    s->a_lo = lo;
    s->a_hi = hi;
    if (assoc != s->assoc) {
      s->assoc = std::move(assoc);
      s->assoc_first = s->assoc.empty() ? 0 : st.Intern(s->assoc.front()->id);
      std::lock_guard<std::mutex> lock(mu_);
      t.operations.clear();
      for (const Operation* op : s->assoc) t.operations.push_back(op->id);
    }
    s->conform.clear();
    for (const Operation* op : s->assoc) {
      for (const Volume4D& v : op->volumes) {
        Slot::Conform c;
        c.from = v.start - tol_t;
        c.to = v.end + tol_t;
        c.alt_lo = v.alt_lower_m;
        c.alt_hi = v.alt_upper_m;
        c.polygon = v.outline.is_circle() ? nullptr : &v.outline;
        c.center = v.outline.bound().center();
        c.reach_rad = v.outline.is_circle() ? v.outline.CircleReachRadians(tol) : 0;
        s->conform.push_back(c);
      }
    }
    s->a_time_valid = true;
    s->reject =
        t.party.empty()
            ? nullptr
            : RejectFor(st, ag, t.party, s->assoc.empty() ? nullptr : &s->assoc.front()->category);
  }
  if (t.party.empty()) return;  // alerts concern the parties' aircraft only

  std::vector<State::Condition>& holds = st.holds;
  holds.clear();
  st.evaluated.resize(s->keys.size());
  for (size_t i = 0; i < s->keys.size(); ++i) st.evaluated[i] = s->keys[i].key;
  const std::vector<const Operation*>& associated = s->assoc;
  const TrackReport& r3 = t.last;
  const S2Point p = ToPoint(r3.lat_deg, r3.lng_deg);

  if (associated.empty()) {
    // --- unreported flight
    State::Condition c;
    c.key = {kUnreported, s->self, 0};
    holds.push_back(c);
  } else {
    // --- nonconformance: within tolerance of some current volume of some
    // associated operation, horizontally and in altitude.
    bool conforms = false;
    for (const Slot::Conform& v : s->conform) {
      if (r3.time < v.from || r3.time > v.to) continue;
      const bool alt_ok = !r3.alt_m || (*r3.alt_m >= v.alt_lo && *r3.alt_m <= v.alt_hi);
      if (alt_ok && (v.polygon != nullptr ? v.polygon->WithinDistance(p, tol)
                                          : S1Angle(v.center, p).radians() <= v.reach_rad)) {
        conforms = true;
        break;
      }
    }
    if (!conforms) {
      State::Condition c;
      c.key = {kNonconf, s->self, s->assoc_first};
      holds.push_back(c);
    }
  }

  // --- area incursion, actual and predicted, among the areas where a reject
  // rule concerns this party (and category).
  const State::RejectSet* rs = s->reject;
  if (rs != nullptr && !rs->areas.empty()) {
    State::Derived& d = st.derived;
    const bool moving = r3.gs_mps && r3.track_deg && *r3.gs_mps > 1;
    constexpr int kSteps = 6;
    // The path, approximately (for the prefilter only): p moved along the
    // great circle of its bearing, sample k at angle k * step.
    S2Point approx[kSteps + 1];
    approx[0] = p;
    double path_rad = 0;
    bool polar = std::fabs(r3.lat_deg) > 89;
    if (moving) path_rad = *r3.gs_mps * mon.lookahead_s / geo::kEarthRadiusM;
    if (moving && !polar) {
      // The local north and east from p itself (p = (cos lat cos lng,
      // cos lat sin lng, sin lat); |lat| <= 89 here), and the samples by
      // rotating one step at a time: a few ulps off, where the caps carry a
      // 100 m margin, for two sines and cosines instead of eight.
      const double cos_lat = std::sqrt(p.x() * p.x() + p.y() * p.y());
      const double cos_lng = p.x() / cos_lat, sin_lng = p.y() / cos_lat;
      const S2Point north(-p.z() * cos_lng, -p.z() * sin_lng, cos_lat);
      const S2Point east(-sin_lng, cos_lng, 0);
      // (the track angle's cosine and sine, as GridPut took them)
      const S2Point dir = north * s->cos_trk + east * s->sin_trk;
      const double step = path_rad / kSteps;
      double c1, s1;
      SinCosOfSmall(step, &s1, &c1);
      double ck = 1, sk = 0;
      for (int k = 1; k <= kSteps; ++k) {
        const double c = ck * c1 - sk * s1;
        sk = sk * c1 + ck * s1;
        ck = c;
        approx[k] = p * ck + dir * sk;
      }
      if (path_rad > 1) polar = true;  // absurd speeds: no prefilter
    }
    // The areas whose caps hold each sample.
    absl::InlinedVector<int, 4> maybe[kSteps + 1];
    // The altitudes and times the samples can have (widened: this only
    // prefilters, BandAndTimeMeet decides).
    const double climb = moving && r3.vrate_mps ? *r3.vrate_mps * mon.lookahead_s : 0;
    const double alt_lo = r3.alt_m ? *r3.alt_m + std::min(0.0, climb) - 1 : -INFINITY;
    const double alt_hi = r3.alt_m ? *r3.alt_m + std::max(0.0, climb) + 1 : INFINITY;
    const Time t_lo = r3.time - Duration::Seconds(1);
    const Time t_hi = r3.time + Duration::Micros(static_cast<int64_t>(std::min(
                                    (moving ? std::fabs(mon.lookahead_s) : 0) * 1e6 + 1e6, 1e15)));
    // Candidates: the reject set's areas listed in the cells the path's
    // cap meets, and the ones listed everywhere. The list is kept with the
    // track while the cells it came from stay the same.
    // Every sample is within half the path of the middle one: an area whose
    // cap is farther than its radius plus that from the middle sample holds
    // none (cos(lim + half) = cos lim cos half - sin lim sin half; less a
    // hair for rounding, far inside the caps' margin).
    const S2Point& middle = approx[moving ? kSteps / 2 : 0];
    const double half = moving ? path_rad / 2 : 0;
    double cos_half, sin_half;
    SinCosOfSmall(half, &sin_half, &cos_half);
    auto consider = [&](int a) {
      const State::AreaInfo& info = d.areas[a];
      if (!(alt_lo <= info.alt_hi && info.alt_lo <= alt_hi)) return;
      if (t_hi < info.from || info.to < t_lo) return;
      if (!polar && info.lim_rad + half < kPi &&
          info.center.DotProd(middle) <
              info.cos_limit * cos_half - info.sin_limit * sin_half - 1e-12) {
        return;
      }
      for (int k = 0; k <= (moving ? kSteps : 0); ++k) {
        if (polar || info.center.DotProd(approx[k]) >= info.cos_limit) maybe[k].push_back(a);
      }
    };
    {
      const double reach_deg =
          (path_rad * geo::kEarthRadiusM + 2 * kPrefilterMarginM) / kMetresPerDegree;
      const double lat0 = r3.lat_deg - reach_deg, lat1 = r3.lat_deg + reach_deg;
      // A point within the reach is at most as far from the pole as lat0 or
      // lat1: its longitude differs by at most asin(sin(reach) / cos(that)).
      const double coslat = std::cos(std::max(std::fabs(lat0), std::fabs(lat1)) * kPi / 180);
      const double dlng = coslat > 0.02 ? 1.01 * reach_deg / coslat + 1e-9 : 360;
      if (polar || lat0 < -89 || lat1 > 89 || dlng >= 90) {
        for (int a : rs->areas) consider(a);
      } else {
        const int64_t box[4] = {CellRow(lat0), CellRow(lat1),
                                FloorToInt((r3.lng_deg - dlng) / kCellDeg),
                                FloorToInt((r3.lng_deg + dlng) / kCellDeg)};
        if (s->near_rs != rs || s->near_gen != d.gen || !std::equal(box, box + 4, s->near_box)) {
          s->near_rs = rs;
          s->near_gen = d.gen;
          std::copy(box, box + 4, s->near_box);
          s->near.clear();
          const uint32_t q = ++d.query;
          auto add = [&](int a) {
            if (d.stamp[a] == q) return;
            d.stamp[a] = q;
            s->near.push_back(a);
          };
          for (int a : rs->everywhere) add(a);
          for (int64_t row = box[0]; row <= box[1]; ++row) {
            for (int64_t col = box[2]; col <= box[3]; ++col) {
              auto it = rs->cells.find(
                  CellKey(row, CellCol((static_cast<double>(col) + 0.5) * kCellDeg)));
              if (it == rs->cells.end()) continue;
              for (int a : it->second) add(a);
            }
          }
        }
        for (int a : s->near) consider(a);
      }
    }
    std::vector<int>& inside = st.inside;
    std::vector<int>& predicted = st.predicted;
    inside.clear();
    predicted.clear();
    if (s->hint_gen != d.gen) {
      s->hint_gen = d.gen;
      s->hint_position = s->hint_path = geo::AreaPointIndex::Hint();
    }
    if (!maybe[0].empty()) {
      const geo::AreaPointIndex& index = IndexFor(st, ag);
      index.VisitCandidates(
          p, [&](int a) { return rs->Has(a) && BandAndTimeMeet(d.areas[a], r3.alt_m, r3.time); },
          [&](int a, bool certain) {
            if (!certain && !RegionMeetsPoint(ag.areas[a], p)) return;
            inside.push_back(a);
            State::Condition c;
            c.key = {kArea, s->self, d.areas[a].name};
            holds.push_back(c);
          },
          &s->hint_position);
    }
    if (moving) {
      std::optional<GreatCircleFrom> path;  // made for the first sample needed
      for (int k = 1; k <= kSteps; ++k) {
        // Only an area not already found can be found here: the index is
        // asked when some area whose cap holds the sample is not.
        if (std::all_of(maybe[k].begin(), maybe[k].end(), [&](int a) {
              return std::find(inside.begin(), inside.end(), a) != inside.end() ||
                     std::find(predicted.begin(), predicted.end(), a) != predicted.end();
            })) {
          continue;
        }
        const double dt = mon.lookahead_s * k / kSteps;
        double lat, lng;
        if (!path) path.emplace(r3.lat_deg, r3.lng_deg, *r3.track_deg);
        path->At(*r3.gs_mps * dt, &lat, &lng);
        std::optional<double> alt = r3.alt_m;
        if (alt && r3.vrate_mps) *alt += *r3.vrate_mps * dt;
        const Time at = r3.time + Duration::Micros(static_cast<int64_t>(dt * 1e6));
        const S2Point pk = ToPoint(lat, lng);
        const geo::AreaPointIndex& index = IndexFor(st, ag);
        index.VisitCandidates(
            pk,
            [&](int a) {
              return rs->Has(a) && BandAndTimeMeet(d.areas[a], alt, at) &&
                     std::find(inside.begin(), inside.end(), a) == inside.end() &&
                     std::find(predicted.begin(), predicted.end(), a) == predicted.end();
            },
            [&](int a, bool certain) {
              if (!certain && !RegionMeetsPoint(ag.areas[a], pk)) return;
              predicted.push_back(a);
              State::Condition c;
              c.key = {kArea, s->self, d.areas[a].name};
              c.predicted = true;
              c.in_s = dt;
              holds.push_back(c);
            },
            &s->hint_path);
      }
    }
  }

  // --- separation loss with tracks of other known parties, actual and
  // predicted (closest approach along straight lines within lookahead_s).
  const agreement::Separation& sep = ag.separation;
  const size_t first_sep = holds.size();
  {
    const double gs_self = r3.gs_mps.value_or(0);
    const double lag_max =
        std::max({0.0, (r3.time - st.t_min).seconds(), (st.t_max - r3.time).seconds()});
    // Farther than this, no track can pass the reference's first test
    // (|offset| <= horizontal_m + lookahead_s (gs + gs_q) + |lag| gs_q).
    const double reach =
        (std::fabs(sep.horizontal_m) + std::fabs(mon.lookahead_s) * std::fabs(gs_self) +
         st.gs_max * (std::fabs(mon.lookahead_s) + lag_max)) *
            (1 + 1e-9) +
        1e-6;
    const double coslat = std::max(0.01, std::cos(r3.lat_deg * kPi / 180));
    // (NaN or absurd reaches search everything.)
    double dlat = reach / kMetresPerDegree + 1e-9;
    if (!(dlat < 360)) dlat = 360;
    const double vae = s->ve, van = s->vn;  // r3's, from GridPut
    const uint32_t party = s->party;
    const double h = sep.horizontal_m;
    // hypot(x, y) > h for certain when x^2 + y^2 exceeds this (rounding is
    // ~1e-16 relative): most candidates are decided without hypot.
    const double h2 = h >= 0 ? h * h * (1 + 1e-9) : INFINITY;
    // The rows the reach meets, and in each the longitudes within it: a
    // record of a row at least dy degrees of latitude away passes the first
    // test below only if |WrapLng(lng difference)| * coslat <= sqrt(dlat^2 -
    // dy^2) (in degrees), since that test's ex and ny are these differences
    // scaled by kMetresPerDegree (and coslat), and close <= reach.
    const int64_t r0 = SepRowOf(r3.lat_deg - dlat), r1 = SepRowOf(r3.lat_deg + dlat);
    const double lng0 = WrapLng(r3.lng_deg);
    // Calls visit(row, first, end) for each run of the other parties'
    // records that the reach can meet.
    auto scan_rows = [&](auto&& visit) {
      // In passes over the rows, so that the loads of one row's pointers,
      // bucket starts and records overlap with the other rows' instead of
      // waiting on each other.
      struct Span {
        const SepRow* row;
        int64_t row_ix;
        size_t first = 0, end = 0, first2 = 0, end2 = 0;  // one or two runs
      };
      absl::InlinedVector<Span, 16> spans;
      for (const State::PartyGrid& grid : st.grid_parties) {
        if (grid.party == party) continue;
        for (int64_t row_ix = r0; row_ix <= r1; ++row_ix) {
          const SepRow* row = grid.rows[static_cast<size_t>(row_ix - kSepRowMin)].get();
          if (row == nullptr) continue;
          __builtin_prefetch(row);
          spans.push_back({row, row_ix});
        }
      }
      for (Span& span : spans) {
        const SepRow& row = *span.row;
        if (row.hot.empty()) continue;
        // The row's band of latitude (the first and last rows also hold
        // whatever lies beyond the poles).
        const double band_lo =
            span.row_ix == kSepRowMin ? -INFINITY : static_cast<double>(span.row_ix) * kSepRowDeg;
        const double band_hi = span.row_ix == kSepRowMax
                                   ? INFINITY
                                   : static_cast<double>(span.row_ix + 1) * kSepRowDeg;
        const double dy = std::max(
            0.0, std::max({0.0, band_lo - r3.lat_deg, r3.lat_deg - band_hi}) * (1 - 1e-9) - 1e-9);
        if (dy > dlat) continue;
        const double w =
            std::sqrt(std::max(dlat * dlat - dy * dy, 0.0)) / coslat * (1 + 1e-9) + 1e-9;
        if (!(w < 180)) {
          span.end = row.hot.size();
          continue;
        }
        // Buckets b0..b1, wrapping past the antimeridian when b0 > b1.
        const int64_t b0 = SepBucketOf(lng0 - w < -180 ? lng0 - w + 360 : lng0 - w);
        const int64_t b1 = SepBucketOf(lng0 + w > 180 ? lng0 + w - 360 : lng0 + w);
        const bool wraps = lng0 - w < -180 || lng0 + w > 180;
        auto at = [&](int64_t b) { return row.start[static_cast<size_t>(b)]; };
        if (!wraps) {
          span.first = at(b0);
          span.end = at(b1 + 1);
        } else if (b1 >= b0) {  // the two ends meet in one bucket
          span.end = row.hot.size();
        } else {
          span.end = at(b1 + 1);
          span.first2 = at(b0);
          span.end2 = at(kSepBuckets);
        }
        auto fetch = [&](size_t first, size_t end) {  // the first 16 records at most
          const char* p = reinterpret_cast<const char*>(row.hot.data() + first);
          const char* e = reinterpret_cast<const char*>(row.hot.data() + std::min(end, first + 16));
          for (; p < e; p += 64) __builtin_prefetch(p);
        };
        fetch(span.first, span.end);
        fetch(span.first2, span.end2);
      }
      for (const Span& span : spans) {
        if (span.first < span.end) visit(*span.row, span.first, span.end);
        if (span.first2 < span.end2) visit(*span.row, span.first2, span.end2);
      }
    };

    const std::optional<double> alt_self = r3.alt_m;
    const double vrate_self = r3.vrate_mps.value_or(0);
    scan_rows([&](const SepRow& row, size_t first, size_t end) {
      for (size_t i = first; i < end; ++i) {
        const SepHot& q = row.hot[i];
        // The time between the two reports, taken only when needed (a level
        // track's altitude does not need it: q.vrate * lag is then zero).
        double lag = 0;
        bool lag_known = false;
        auto take_lag = [&] {
          lag = (r3.time - q.time).seconds();
          lag_known = true;
        };
        std::optional<double> dz_now;
        const double vz = q.vrate - vrate_self;
        if (alt_self && q.has_alt) {
          if (q.vrate != 0) take_lag();
          dz_now = q.alt + q.vrate * lag - *alt_self;
          // Cheap rejection, vertically: |dz_now + vz t| stays above
          // vertical_m for every t in [0, lookahead_s] (with a margin far
          // above the rounding of the exact tests below).
          const double far = std::fabs(*dz_now) - std::fabs(vz) * std::fabs(mon.lookahead_s);
          if (far > sep.vertical_m + 1e-6 * (std::fabs(*dz_now) + std::fabs(sep.vertical_m)) + 1e-6)
            continue;
        }
        if (!lag_known) take_lag();
        // Local east/north metres around this track (equirectangular at its
        // latitude: ample at the tens of kilometres that matter here).
        const double ex = WrapLng(q.lng - r3.lng_deg) * kMetresPerDegree * coslat;
        const double ny = (q.lat - r3.lat_deg) * kMetresPerDegree;
        // Cheap rejection: farther apart than both could close within lookahead_s.
        const double gs_q = q.gs;
        const double close =
            sep.horizontal_m + mon.lookahead_s * (gs_self + gs_q) + std::fabs(lag) * gs_q;
        if (ex * ex + ny * ny > close * close) continue;
        const SepCold& qc = row.cold[i];
        const double vbe = qc.ve, vbn = qc.vn;
        const double px = ex + vbe * lag;
        const double py = ny + vbn * lag;
        const double vx = vbe - vae, vy = vbn - van;
        const bool near_now = !(px * px + py * py > h2);
        const double h_now = near_now ? std::hypot(px, py) : INFINITY;  // INFINITY: > h, not used
        const bool actual = near_now && h_now <= sep.horizontal_m &&
                            (!dz_now || std::fabs(*dz_now) <= sep.vertical_m);
        bool pred = false;
        double tcpa = 0, h_cpa = h_now;
        if (!actual) {
          const double v2 = vx * vx + vy * vy;
          tcpa = v2 > 0 ? std::clamp(-(px * vx + py * vy) / v2, 0.0, mon.lookahead_s) : 0;
          const double cx = px + vx * tcpa, cy = py + vy * tcpa;
          if (cx * cx + cy * cy > h2) continue;  // h_cpa > h: not predicted
          h_cpa = std::hypot(cx, cy);
          const bool vertical_ok = !dz_now || std::fabs(*dz_now + vz * tcpa) <= sep.vertical_m;
          pred = tcpa > 0 && h_cpa <= sep.horizontal_m && vertical_ok;
        }
        if (!actual && !pred) continue;
        State::Condition c;
        c.h_now = near_now ? h_now : std::hypot(px, py);
        const bool self_first = t.icao24 < st.slots[q.slot]->t.icao24;
        c.key = {kSep, self_first ? s->self : q.slot, self_first ? q.slot : s->self};
        c.predicted = pred;
        c.other = q.slot;
        c.dz_now = dz_now;
        c.tcpa = tcpa;
        c.h_cpa = h_cpa;
        holds.push_back(c);
      }
    });
  }
  // Pairs in the order of the other track's address (the grid's order
  // depends on history).
  if (holds.size() - first_sep > 1) {
    std::sort(holds.begin() + static_cast<ptrdiff_t>(first_sep), holds.end(),
              [&](const State::Condition& a, const State::Condition& b) {
                return st.slots[a.other]->t.icao24 < st.slots[b.other]->t.icao24;
              });
  }

  // --- apply: raise on the second consecutive evaluation, update, resolve.
  const Time now = r3.time;
  if (holds.empty() && st.evaluated.empty()) return;
  std::vector<AlertKey>& held = st.held;
  held.clear();
  auto parties_of = [&](const AlertKey& k, uint32_t should) {
    std::vector<std::string> ps;
    const Slot& a = *st.slots[k.a];
    ps.push_back(a.t.party);
    if (k.type == kUnreported && should != 0 && st.names[should] != a.t.party)
      ps.push_back(st.names[should]);
    if (k.type == kSep) {
      ps.push_back(st.slots[k.b]->t.party);
      std::sort(ps.begin(), ps.end());
    }
    return ps;
  };
  auto tracks_of = [&](const AlertKey& k) {
    std::vector<std::string> ts{st.slots[k.a]->t.icao24};
    if (k.type == kSep) ts.push_back(st.slots[k.b]->t.icao24);
    return ts;
  };
  auto should_notify = [&]() -> uint32_t {
    const agreement::Party* pp = ag.FindParty(t.party);
    return st.Intern(pp && !pp->reported_by.empty() ? pp->reported_by.front() : t.party);
  };
  for (const State::Condition& c : holds) {
    if (std::find(held.begin(), held.end(), c.key) != held.end())
      continue;  // one per key per report
    held.push_back(c.key);
    auto [state, added] = st.AddAlert(c.key);
    State::AlertState& a = *state;
    if (added) {
      a.operation = c.key.type == kNonconf || c.key.type == kArea ? s->assoc_first : 0;
      if (c.key.type == kUnreported) a.should = should_notify();
    }
    ++a.consecutive;
    auto transition = [&](AlertTransition::Kind kind) {
      AlertTransition tr;
      tr.kind = kind;
      tr.key = KeyString(st, c.key);
      tr.type = std::string(TypeName(c.key.type));
      const uint32_t should = c.key.type == kUnreported ? should_notify() : 0;
      tr.parties = parties_of(c.key, should);
      tr.tracks = tracks_of(c.key);
      if ((c.key.type == kNonconf || c.key.type == kArea) && !associated.empty())
        tr.operation = associated.front()->id;
      if (c.key.type == kArea) tr.area = st.names[c.key.b];
      tr.predicted = c.predicted;
      tr.time = now;
      const TrackReport& snap = r3;
      json dj;
      switch (c.key.type) {
        case kUnreported:
          dj = Position(snap);
          dj["should_notify"] = st.names[should];
          if (!t.callsign.empty()) dj["callsign"] = t.callsign;
          break;
        case kNonconf: {
          double nearest = INFINITY;
          for (const Operation* op : associated) {
            for (const Volume4D& v : op->volumes) {
              if (snap.time < v.start - tol_t || snap.time > v.end + tol_t) continue;
              nearest = std::min(nearest, v.outline.Distance(p).radians() * geo::kEarthRadiusM);
            }
          }
          dj = Position(snap);
          if (std::isfinite(nearest)) dj["distance_m"] = std::round(nearest);
          break;
        }
        case kArea:
          dj = Position(snap);
          if (c.predicted) dj["in_s"] = c.in_s;
          break;
        default: {
          const TrackReport& q = st.slots[c.other]->t.last;
          dj = json{{"time", FormatRfc3339(snap.time)},
                    {"horizontal_m", std::round(c.h_now)},
                    {"positions", json::array({Position(snap), Position(q)})}};
          if (c.dz_now) dj["vertical_m"] = std::round(std::fabs(*c.dz_now));
          if (c.predicted) {
            dj["in_s"] = std::round(c.tcpa * 10) / 10;
            dj["closest_m"] = std::round(c.h_cpa);
          }
        }
      }
      tr.detail_json = dj.dump();
      out->push_back(std::move(tr));
    };
    if (!a.raised) {
      if (a.consecutive >= 2) {
        a.raised = true;
        a.predicted = c.predicted;
        a.last_update = now;
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++stats_.raised;
        }
        transition(AlertTransition::Kind::kRaise);
      }
    } else if (a.predicted != c.predicted ||
               (now - a.last_update).seconds() >= options_.update_every_s) {
      a.predicted = c.predicted;
      a.last_update = now;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.updated;
      }
      transition(AlertTransition::Kind::kUpdate);
    }
  }
  // Resolve what was evaluated and no longer holds, in the order of the
  // keys' strings (as the reference's std::set of keys).
  std::vector<AlertKey>& unheld = st.unheld;
  unheld.clear();
  for (const AlertKey& k : st.evaluated) {
    if (std::find(held.begin(), held.end(), k) == held.end()) unheld.push_back(k);
  }
  if (unheld.size() > 1) {
    std::vector<std::pair<std::string, AlertKey>> sorted;
    for (const AlertKey& k : unheld) sorted.emplace_back(KeyString(st, k), k);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t i = 0; i < sorted.size(); ++i) unheld[i] = sorted[i].second;
  }
  for (const AlertKey& k : unheld) {
    const State::AlertState* a = st.FindAlert(k);
    if (a == nullptr) continue;
    if (a->raised) {
      AlertTransition tr;
      tr.kind = AlertTransition::Kind::kResolve;
      tr.key = KeyString(st, k);
      tr.type = std::string(TypeName(k.type));
      tr.tracks = tracks_of(k);
      tr.parties = parties_of(k, a->should);
      tr.operation = st.names[a->operation];
      if (k.type == kArea) tr.area = st.names[k.b];
      tr.time = now;
      tr.detail_json = json{{"time", FormatRfc3339(now)}, {"why", "clear"}}.dump();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.resolved;
      }
      out->push_back(std::move(tr));
    }
    st.EraseAlert(k);
  }
}

void Monitor::Expire(const Center& center, Time now, std::vector<AlertTransition>* out) {
  if (!center.initialized()) return;
  State& st = *st_;
  const double stale_s = center.rules()->agreement().monitoring.stale_after_s;
  const Time cutoff = now - Duration::Micros(static_cast<int64_t>(stale_s * 1e6));
  std::vector<uint32_t> gone;
  double gs_max = 0;
  Time t_min = Time::Max(), t_max = Time::Min();
  for (const auto& sp : st.slots) {
    if (!sp->in_use) continue;
    if (sp->t.last_seen < cutoff) {
      gone.push_back(sp->self);
    } else if (sp->in_grid) {
      const TrackReport& q = sp->t.last;
      gs_max = std::max(gs_max, std::fabs(q.gs_mps.value_or(0)));
      t_min = std::min(t_min, q.time);
      t_max = std::max(t_max, q.time);
    }
  }
  // The separation bounds, tight again (the dropped tracks leave the grid).
  st.gs_max = gs_max;
  st.t_min = t_min;
  st.t_max = t_max;
  // A fixed order, for the same log on every replay.
  std::sort(gone.begin(), gone.end(),
            [&](uint32_t a, uint32_t b) { return st.slots[a]->t.icao24 < st.slots[b]->t.icao24; });
  for (uint32_t ix : gone) {
    Slot& s = *st.slots[ix];
    if (!s.keys.empty()) {
      std::vector<std::pair<std::string, AlertKey>> sorted;
      for (const State::KeyEntry& e : s.keys) sorted.emplace_back(KeyString(st, e.key), e.key);
      std::sort(sorted.begin(), sorted.end(),
                [](const auto& x, const auto& y) { return x.first < y.first; });
      for (const auto& [key, k] : sorted) {
        const State::AlertState* a = st.FindAlert(k);
        if (a == nullptr) continue;
        if (a->raised) {
          AlertTransition tr;
          tr.kind = AlertTransition::Kind::kResolve;
          tr.key = key;
          tr.type = std::string(TypeName(k.type));
          tr.tracks = {st.slots[k.a]->t.icao24};
          if (k.type == kSep) tr.tracks.push_back(st.slots[k.b]->t.icao24);
          std::vector<std::string> ps{st.slots[k.a]->t.party};
          const uint32_t should = a->should;
          if (k.type == kUnreported && should != 0 && st.names[should] != ps[0])
            ps.push_back(st.names[should]);
          if (k.type == kSep) {
            ps.push_back(st.slots[k.b]->t.party);
            std::sort(ps.begin(), ps.end());
          }
          tr.parties = std::move(ps);
          tr.operation = st.names[a->operation];
          if (k.type == kArea) tr.area = st.names[k.b];
          tr.time = now;
          tr.detail_json = json{{"time", FormatRfc3339(now)}, {"why", "track lost"}}.dump();
          {
            std::lock_guard<std::mutex> lock(mu_);
            ++stats_.resolved;
          }
          out->push_back(std::move(tr));
        }
        st.EraseAlert(k);
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    GridRemove(st, s);
    if (s.hex >= 0) {
      st.by_hex.erase(s.hex);
    } else {
      st.by_name.erase(s.t.icao24);
    }
    s = Slot();
    st.free.push_back(ix);
    ++stats_.dropped_tracks;
  }
}

std::string Monitor::TracksJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Track*> ts;
  for (const auto& sp : st_->slots) {
    if (sp->in_use && sp->t.reports > 0) ts.push_back(&sp->t);  // tentative tracks are not shown
  }
  std::sort(ts.begin(), ts.end(),
            [](const Track* a, const Track* b) { return a->icao24 < b->icao24; });
  json list = json::array();
  for (const Track* t : ts) {
    const TrackReport& r = t->last;
    json j = Position(r);
    j["callsign"] = t->callsign;
    j["party"] = t->party;
    if (r.gs_mps) j["gs_mps"] = std::round(*r.gs_mps * 10) / 10;
    if (r.track_deg) j["track_deg"] = std::round(*r.track_deg * 10) / 10;
    if (r.vrate_mps) j["vrate_mps"] = std::round(*r.vrate_mps * 10) / 10;
    j["operations"] = t->operations;
    j["reports"] = t->reports;
    j["implausible"] = t->implausible;
    json trail = json::array();
    const size_t n = t->trail.size();
    for (size_t i = 0; i < n; ++i) {
      const Track::Point& p = t->trail[(t->trail_head + i) % n];
      json q = json::array({std::round(p.lat_deg * 1e6) / 1e6, std::round(p.lng_deg * 1e6) / 1e6});
      q.push_back(p.alt_m ? json(std::round(*p.alt_m)) : json(nullptr));
      q.push_back(FormatRfc3339(p.time));
      trail.push_back(std::move(q));
    }
    j["trail"] = std::move(trail);
    list.push_back(std::move(j));
  }
  json out{{"tracks", std::move(list)}};
  if (clock_ > Time::Min()) out["time"] = FormatRfc3339(clock_);
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

size_t Monitor::track_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& sp : st_->slots) n += sp->in_use && sp->t.reports > 0;
  return n;
}

Monitor::Stats Monitor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace jic::monitor
