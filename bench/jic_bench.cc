// jic's engine benchmarks on the peers' own workload files, so that jic and
// PostGIS, GEOS and S2 are measured on the same bytes.
//
//   jic_bench w1     --workload DIR --n N [--queries Q] [--finest-level L] [--res FILE]
//   jic_bench decide --workload DIR --n N [--queries Q] [--areas Z]
//   jic_bench w2     --workload DIR --n Z [--reports M] [--expect FILE] [--check K]
//                    [--res FILE] [--max-edges E] [--max-level L]
//   jic_bench hiccups [--n SECONDS]
//
// w1: one new 4D volume against N stored ones, zero separation: every stored
//     volume whose outline touches or overlaps the query's and whose closed
//     altitude band and time window overlap (the peers' W1). Index query plus
//     exact confirmation, as decide() does it.
// decide: the whole decide() for one candidate against the same N stored
//     operations (three parties, seven categories), with the demo agreement's
//     minima (5000 m, 300 m, 300 s) and Z areas (the peers' W2 areas) under
//     four rules.
// w2: the peers' geofence workload: which of the first Z areas of
//     w2_areas.tsv contain each report of w2_points.tsv (its position inside
//     the area, its altitude within the area's closed band), through an
//     AreaPointIndex, one report at a time from lat/lng degrees. Answers are
//     checked against the expected ones — FILE, or else DIR/w2_expected_Z.tsv
//     or the peers' GEOS answers DIR/../out/res/geos_w2_Z.tsv, when present
//     ("id count idsum" per report) — and against every area's own
//     AreaRegion::Contains on the first K reports (default 2000); a
//     disagreement with the latter is a bug and fails the run.
// Each prints one JSON object: name, n, p50_us, p99_us, per_s and details.
// Latencies: one warm-up pass over the queries, then a measured pass (as the
// peers do), single-threaded. p50_us/p99_us are the last pass's. With
// --passes P > 1, best_p50_us/best_p99_us are the percentiles of each
// query's fastest of the P measured passes: this machine (a virtual one)
// loses the processor for ~25 us about a thousand times a second, which
// lands on a query of 10 us about one time in a hundred and so sets the p99
// of a single pass; the best of several passes shows the code's own tail.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "jic/agreement/agreement.h"
#include "jic/engine/decide.h"
#include "jic/geo/area_point_index.h"
#include "jic/geo/earth.h"
#include "s2/s2loop.h"
#include "s2/s2polygon.h"
#include "workload.h"

namespace {

using namespace jic;
using Clock = std::chrono::steady_clock;

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(std::ceil(p / 100.0 * v.size()));
  k = std::clamp<size_t>(k, 1, v.size());
  return v[k - 1];
}

double Secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU time of this thread: beside the wall clock, it shows how much of a
// run the scheduler gave to other processes on a shared machine.
double ThreadCpuSecs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

long PeakRssMb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  }
  return -1;
}

struct Args {
  std::string mode, workload;
  size_t n = 10000, queries = 1000, areas = 1000;
  int finest_level = 8;
  int passes = 1;  // measured passes after the warm-up (more for profiling)
  std::string res;
  // w2
  size_t reports = 1000000, check = 2000;
  std::string expect;
  geo::AreaPointIndex::Options index_options;
};

engine::Volume4D VolumeOf(const bench::Row& r) {
  engine::Volume4D v;
  v.outline = geo::Outline::Polygon(r.ring);
  v.alt_lower_m = r.alt_lo;
  v.alt_upper_m = r.alt_hi;
  v.start = Time::FromUnixSeconds(r.t0);
  v.end = Time::FromUnixSeconds(r.t1);
  return v;
}

const char* kParties[] = {"US", "RU", "SY"};
const char* kCategories[] = {"medevac", "personnel_recovery", "humanitarian", "transport",
                             "isr", "combat", "defensive_air_support"};
const int kPriorities[] = {100, 100, 90, 10, 10, 0, 0};

engine::Operation OperationOf(const bench::Row& r, size_t i, const char* prefix) {
  engine::Operation op;
  op.id = std::string(prefix) + std::to_string(r.id);
  op.operator_party = kParties[i % 3];
  op.submitted_by = i % 3 == 2 ? "RU" : op.operator_party;
  op.category = kCategories[(i / 3) % 7];
  op.volumes.push_back(VolumeOf(r));
  op.state = engine::OpState::kAccepted;
  op.version = 1;
  return op;
}

int RunW1(const Args& a) {
  auto t0 = Clock::now();
  std::vector<bench::Row> rows = bench::ReadRows(a.workload + "/w1_stored.tsv", a.n, true);
  if (rows.size() < a.n) std::cerr << "only " << rows.size() << " stored volumes in the file\n";
  auto t1 = Clock::now();
  engine::OperationStore store(engine::SpaceTimeIndex::Options{a.finest_level});
  size_t vertex_bytes = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    vertex_bytes += rows[i].ring.size() * sizeof(S2Point);
    store.Put(OperationOf(rows[i], i, ""));
  }
  std::vector<bench::Row>().swap(rows);
  auto t2 = Clock::now();
  std::vector<bench::Row> qs = bench::ReadRows(a.workload + "/w1_queries.tsv", a.queries, true);
  std::vector<engine::Volume4D> qv;
  for (const auto& q : qs) qv.push_back(VolumeOf(q));

  const S1ChordAngle touch = geo::MetersToChord(geo::kToleranceM);
  std::vector<double> lat(qv.size()), index_lat(qv.size());
  std::vector<double> best(qv.size(), 1e300);
  std::vector<int64_t> cnt(qv.size()), idsum(qv.size());
  std::vector<engine::OperationStore::VolumeRef> near;
  int64_t candidates = 0;
  double measured = 0;
  for (int pass = 0; pass <= a.passes; ++pass) {
    candidates = 0;
    auto p0 = Clock::now();
    for (size_t k = 0; k < qv.size(); ++k) {
      auto s = Clock::now();
      const engine::Volume4D& v = qv[k];
      near.clear();
      store.Candidates({engine::SpaceTimeIndex::Widen(v.outline.bound(), 0), v.alt_lower_m, v.alt_upper_m, v.start, v.end},
                       &near);
      auto m = Clock::now();
      int64_t n = 0, sum = 0;
      for (const auto& ref : near) {
        const engine::Volume4D& o = *ref.vol;
        if (o.alt_lower_m > v.alt_upper_m || v.alt_lower_m > o.alt_upper_m) continue;
        if (o.start > v.end || v.start > o.end) continue;
        if (!geo::WithinDistance(v.outline, o.outline, touch)) continue;
        ++n;
        sum += std::stoll(ref.op->id);
      }
      auto e = Clock::now();
      lat[k] = std::chrono::duration<double, std::micro>(e - s).count();
      if (pass > 0) best[k] = std::min(best[k], lat[k]);
      index_lat[k] = std::chrono::duration<double, std::micro>(m - s).count();
      cnt[k] = n;
      idsum[k] = sum;
      candidates += static_cast<int64_t>(near.size());
    }
    measured = Secs(p0, Clock::now());
  }
  if (!a.res.empty()) {
    std::ofstream f(a.res);
    for (size_t k = 0; k < qs.size(); ++k) f << qs[k].id << "\t" << cnt[k] << "\t" << idsum[k] << "\n";
  }
  double hits = 0;
  for (auto c : cnt) hits += c;
  const double n = static_cast<double>(store.size());
  std::printf("{\"name\":\"w1\",\"n\":%zu,\"p50_us\":%.3f,\"p99_us\":%.3f,\"per_s\":%.1f,"
              "\"queries\":%zu,\"load_s\":%.2f,\"build_s\":%.2f,\"index_p50_us\":%.3f,"
              "\"index_p99_us\":%.3f,\"index_bytes_per_volume\":%.1f,"
              "\"vertex_bytes_per_volume\":%.1f,\"mean_candidates\":%.2f,\"mean_hits\":%.3f,"
              "\"finest_level\":%d,\"passes\":%d,\"best_p50_us\":%.3f,\"best_p99_us\":%.3f,"
              "\"rss_mb\":%ld}\n",
              store.size(), Pct(lat, 50), Pct(lat, 99), qv.size() / measured, qv.size(), Secs(t0, t1),
              Secs(t1, t2), Pct(index_lat, 50), Pct(index_lat, 99), store.index().MemoryBytes() / n,
              vertex_bytes / n,
              static_cast<double>(candidates) / qv.size(), hits / qv.size(), a.finest_level,
              a.passes, Pct(best, 50), Pct(best, 99), PeakRssMb());
  return 0;
}

std::shared_ptr<const agreement::Agreement> BenchAgreement(const std::string& dir, size_t z) {
  auto a = std::make_shared<agreement::Agreement>();
  a->id = "bench";
  a->title = "benchmark agreement";
  a->signatories = {"US", "RU"};
  a->parties = {{"US", "United States", {}, {}}, {"RU", "Russian Federation", {}, {}},
                {"SY", "Syrian Arab Republic", {"RU"}, {}}};
  for (int i = 0; i < 7; ++i) a->categories.push_back({kCategories[i], kPriorities[i]});
  a->separation = {5000, 300, Duration::Seconds(300), false};
  std::vector<bench::Row> rows = bench::ReadRows(dir + "/w2_areas.tsv", z, false);
  const agreement::AreaKind kinds[] = {agreement::AreaKind::kDesignated,
                                       agreement::AreaKind::kProtectedSite,
                                       agreement::AreaKind::kRestricted,
                                       agreement::AreaKind::kCorridor};
  for (size_t i = 0; i < rows.size(); ++i) {
    agreement::Area area;
    area.id = "A" + std::to_string(rows[i].id);
    area.kind = kinds[i % 4];
    area.geometry_type = "Polygon";
    area.region = geo::AreaRegion::Polygon(
        std::make_shared<S2Polygon>(std::make_unique<S2Loop>(rows[i].ring)));
    area.alt_lower_m = rows[i].alt_lo;
    area.alt_upper_m = rows[i].alt_hi;
    a->areas.push_back(std::move(area));
  }
  using agreement::Effect;
  agreement::Rule r1{"R1", "SY not in designated areas except medevac, humanitarian, PR", {}, Effect::kReject, {}};
  r1.when.operators = std::vector<std::string>{"SY"};
  r1.when.area_kinds = std::vector<agreement::AreaKind>{agreement::AreaKind::kDesignated};
  r1.when.category_not = std::vector<std::string>{"medevac", "humanitarian", "personnel_recovery"};
  agreement::Rule r2{"R2", "RU air support only if agreed in advance by US", {}, Effect::kRequireApproval, {"US"}};
  r2.when.operators = std::vector<std::string>{"RU"};
  r2.when.categories = std::vector<std::string>{"defensive_air_support"};
  agreement::Rule r3{"R3", "no operation over a protected site except medevac and humanitarian", {},
                     Effect::kReject, {}};
  r3.when.area_kinds = std::vector<agreement::AreaKind>{agreement::AreaKind::kProtectedSite};
  r3.when.category_not = std::vector<std::string>{"medevac", "humanitarian"};
  agreement::Rule r4{"R4", "notify at least one hour before take-off", {}, Effect::kWarn, {}};
  r4.when.notice_lt = Duration::Seconds(3600);
  a->rules = {r1, r2, r3, r4};
  a->Reindex();
  return a;
}

int RunDecide(const Args& a) {
  auto t0 = Clock::now();
  engine::RuleBook rules(BenchAgreement(a.workload, a.areas));
  std::vector<bench::Row> rows = bench::ReadRows(a.workload + "/w1_stored.tsv", a.n, true);
  engine::OperationStore store(engine::SpaceTimeIndex::Options{a.finest_level});
  for (size_t i = 0; i < rows.size(); ++i) store.Put(OperationOf(rows[i], i, "op-"));
  std::vector<bench::Row>().swap(rows);
  auto t1 = Clock::now();
  std::vector<bench::Row> qs = bench::ReadRows(a.workload + "/w1_queries.tsv", a.queries, true);
  std::vector<engine::Operation> cands;
  for (size_t i = 0; i < qs.size(); ++i) cands.push_back(OperationOf(qs[i], i + 1, "q-"));
  std::vector<double> lat(cands.size()), best(cands.size(), 1e300);
  int outcomes[3] = {0, 0, 0};
  double findings = 0, measured = 0;
  for (int pass = 0; pass <= a.passes; ++pass) {
    outcomes[0] = outcomes[1] = outcomes[2] = 0;
    findings = 0;
    auto p0 = Clock::now();
    for (size_t k = 0; k < cands.size(); ++k) {
      const Time received = cands[k].volumes[0].start - Duration::Seconds(2 * 3600);
      auto s = Clock::now();
      auto d = engine::Decide(rules, store, cands[k], received);
      auto e = Clock::now();
      lat[k] = std::chrono::duration<double, std::micro>(e - s).count();
      if (pass > 0) best[k] = std::min(best[k], lat[k]);
      if (!d.ok()) {
        std::cerr << d.status().ToString() << "\n";
        return 1;
      }
      ++outcomes[static_cast<int>(d->outcome)];
      findings += d->findings.size();
    }
    measured = Secs(p0, Clock::now());
  }
  std::printf("{\"name\":\"decide\",\"n\":%zu,\"p50_us\":%.3f,\"p99_us\":%.3f,\"per_s\":%.1f,"
              "\"queries\":%zu,\"areas\":%zu,\"setup_s\":%.2f,\"mean_findings\":%.2f,"
              "\"accepted\":%d,\"needs_approval\":%d,\"rejected\":%d,\"passes\":%d,"
              "\"best_p50_us\":%.3f,\"best_p99_us\":%.3f,\"rss_mb\":%ld}\n",
              store.size(), Pct(lat, 50), Pct(lat, 99), cands.size() / measured, cands.size(),
              rules.agreement().areas.size(), Secs(t0, t1), findings / cands.size(), outcomes[0],
              outcomes[1], outcomes[2], a.passes, Pct(best, 50), Pct(best, 99), PeakRssMb());
  return 0;
}

// A position report of w2_points.tsv: id lon lat alt t.
struct Report {
  int64_t id;
  double lat, lng, alt;
};

std::vector<Report> ReadReports(const std::string& path, size_t limit) {
  std::ifstream f(path);
  if (!f) {
    std::cerr << "cannot open " << path << " (generate it with bench/gen_workload.py)\n";
    std::exit(2);
  }
  std::vector<Report> out;
  std::string line;
  while (out.size() < limit && std::getline(f, line)) {
    Report r;
    char* e;
    r.id = std::strtoll(line.c_str(), &e, 10);
    r.lng = std::strtod(e, &e);
    r.lat = std::strtod(e, &e);
    r.alt = std::strtod(e, &e);
    out.push_back(r);
  }
  return out;
}

// "id count idsum" lines; empty when the file does not exist.
std::unordered_map<int64_t, std::pair<int64_t, int64_t>> ReadExpected(const std::string& path) {
  std::unordered_map<int64_t, std::pair<int64_t, int64_t>> out;
  std::ifstream f(path);
  int64_t id, n, sum;
  while (f >> id >> n >> sum) out[id] = {n, sum};
  return out;
}

int RunW2(const Args& a) {
  const size_t z = a.n;
  auto t0 = Clock::now();
  std::vector<bench::Row> rows = bench::ReadRows(a.workload + "/w2_areas.tsv", z, false);
  if (rows.size() < z) std::cerr << "only " << rows.size() << " areas in the file\n";
  std::vector<Report> reports = ReadReports(a.workload + "/w2_points.tsv", a.reports);
  auto t1 = Clock::now();
  std::vector<geo::AreaRegion> areas;
  std::vector<double> lo, hi;
  std::vector<int64_t> ids;
  for (const bench::Row& r : rows) {
    areas.push_back(
        geo::AreaRegion::Polygon(std::make_shared<S2Polygon>(std::make_unique<S2Loop>(r.ring))));
    lo.push_back(r.alt_lo);
    hi.push_back(r.alt_hi);
    ids.push_back(r.id);
  }
  std::vector<bench::Row>().swap(rows);
  const long rss_before_index = PeakRssMb();
  auto t2 = Clock::now();
  const geo::AreaPointIndex index(areas, a.index_options);
  auto t3 = Clock::now();

  // One report: count and id sum of the areas that hold it.
  auto one = [&](const Report& r, int64_t* n, int64_t* sum) {
    int64_t c = 0, s = 0;
    const double alt = r.alt;
    index.VisitContaining(
        S2LatLng::FromDegrees(r.lat, r.lng).ToPoint(),
        [&](int i) { return alt >= lo[i] && alt <= hi[i]; },
        [&](int i) {
          ++c;
          s += ids[i];
        });
    *n = c;
    *sum = s;
  };

  // Latency pass (also the warm-up) on the first 200k reports, then the
  // throughput pass over all of them, as the peers measure.
  const size_t m = reports.size();
  const size_t timed = std::min<size_t>(m, 200000);
  std::vector<double> lat(timed);
  std::vector<int64_t> cnt(m), idsum(m);
  for (size_t k = 0; k < timed; ++k) {
    auto s = Clock::now();
    one(reports[k], &cnt[k], &idsum[k]);
    lat[k] = std::chrono::duration<double, std::micro>(Clock::now() - s).count();
  }
  double measured = 0, cpu = 0;
  int64_t hits = 0;
  for (int pass = 0; pass < a.passes; ++pass) {
    hits = 0;
    const double c0 = ThreadCpuSecs();
    auto p0 = Clock::now();
    for (size_t k = 0; k < m; ++k) {
      one(reports[k], &cnt[k], &idsum[k]);
      hits += cnt[k];
    }
    measured = Secs(p0, Clock::now());
    cpu = ThreadCpuSecs() - c0;
  }

  // What the queries looked at, on a sample, untimed.
  const size_t sampled = std::min<size_t>(m, 100000);
  double items = 0, tests = 0, edges = 0, searched = 0;
  for (size_t k = 0; k < sampled; ++k) {
    const auto c = index.CostAt(S2LatLng::FromDegrees(reports[k].lat, reports[k].lng).ToPoint());
    items += c.items;
    tests += c.exact_tests;
    edges += c.edges;
    searched += c.searched;
  }

  // Against the expected answers, when the workload has them.
  std::string expect = a.expect;
  if (expect.empty()) {
    for (std::string p : {a.workload + "/w2_expected_" + std::to_string(z) + ".tsv",
                          a.workload + "/../out/res/geos_w2_" + std::to_string(z) + ".tsv"}) {
      if (std::ifstream(p)) {
        expect = p;
        break;
      }
    }
  }
  const auto expected = ReadExpected(expect);
  int64_t exp_checked = 0, exp_disagree = 0;
  for (size_t k = 0; k < m; ++k) {
    auto it = expected.find(reports[k].id);
    if (it == expected.end()) continue;
    ++exp_checked;
    if (it->second != std::make_pair(cnt[k], idsum[k])) {
      if (++exp_disagree <= 5) {
        std::cerr << "report " << reports[k].id << ": expected " << it->second.first
                  << " areas (id sum " << it->second.second << "), jic " << cnt[k] << " ("
                  << idsum[k] << ")\n";
      }
    }
  }
  // Against every area's own Contains, by brute force.
  int64_t brute_checked = 0, brute_disagree = 0;
  for (size_t k = 0; k < std::min(a.check, m); ++k) {
    const Report& r = reports[k];
    const S2Point p = S2LatLng::FromDegrees(r.lat, r.lng).ToPoint();
    int64_t n = 0, sum = 0;
    for (size_t i = 0; i < areas.size(); ++i) {
      if (r.alt >= lo[i] && r.alt <= hi[i] && areas[i].Contains(p)) {
        ++n;
        sum += ids[i];
      }
    }
    ++brute_checked;
    if (n != cnt[k] || sum != idsum[k]) {
      if (++brute_disagree <= 5) {
        std::cerr << "report " << r.id << ": AreaRegion::Contains " << n << " areas (id sum " << sum
                  << "), index " << cnt[k] << " (" << idsum[k] << ")\n";
      }
    }
  }
  if (!a.res.empty()) {
    std::ofstream f(a.res);
    for (size_t k = 0; k < std::min<size_t>(m, 20000); ++k) {
      f << reports[k].id << "\t" << cnt[k] << "\t" << idsum[k] << "\n";
    }
  }
  const geo::AreaPointIndex::Stats st = index.stats();
  std::printf(
      "{\"name\":\"w2\",\"z\":%zu,\"p50_us\":%.3f,\"p99_us\":%.3f,\"reports_per_s\":%.1f,"
      "\"cpu_reports_per_s\":%.1f,\"reports\":%zu,\"load_s\":%.2f,\"build_s\":%.2f,\"index_mb\":%."
      "1f,"
      "\"cells\":%zu,\"interior_items\":%zu,\"boundary_items\":%zu,\"mean_searched\":%.2f,\"mean_"
      "items\":%.2f,\"mean_exact_tests\":%.3f,\"mean_edges\":%.2f,\"mean_hits\":%.3f,"
      "\"expected_checked\":%lld,\"expected_disagree\":%lld,\"brute_checked\":%lld,"
      "\"brute_disagree\":%lld,\"max_edges_per_cell\":%d,\"rss_before_index_mb\":%ld,\"rss_mb\":%ld}\n",
      areas.size(), Pct(lat, 50), Pct(lat, 99), m / measured, m / cpu, m, Secs(t0, t1),
      Secs(t2, t3), index.MemoryBytes() / 1e6, st.cells, st.interior_items, st.boundary_items,
      searched / sampled, items / sampled, tests / sampled, edges / sampled,
      static_cast<double>(hits) / m, static_cast<long long>(exp_checked),
      static_cast<long long>(exp_disagree), static_cast<long long>(brute_checked),
      static_cast<long long>(brute_disagree), a.index_options.max_edges_per_cell, rss_before_index, PeakRssMb());
  if (exp_disagree > 0) std::cerr << exp_disagree << " reports differ from " << expect << "\n";
  return brute_disagree == 0 ? 0 : 1;
}

// hiccups: how often this machine takes the processor away. A loop that
// only reads the clock, for S seconds (--n S, default 2); every gap between
// two readings longer than 10 us is time the thread did not run. On the
// project's virtual machines such gaps come about a thousand times a second
// and last ~25 us, so they set the p99 of anything that takes ~10 us.
int RunHiccups(const Args& a) {
  const double secs = a.n > 0 && a.n < 600 ? static_cast<double>(a.n) : 2.0;
  const auto start = Clock::now();
  auto prev = start;
  int64_t over10 = 0, over25 = 0, over100 = 0;
  double lost_us = 0, longest_us = 0;
  for (int64_t i = 0;; ++i) {
    const auto t = Clock::now();
    const double gap = std::chrono::duration<double, std::micro>(t - prev).count();
    prev = t;
    if (gap > 10) {
      ++over10;
      over25 += gap > 25;
      over100 += gap > 100;
      lost_us += gap;
      longest_us = std::max(longest_us, gap);
    }
    if ((i & 1023) == 0 && Secs(start, t) >= secs) break;
  }
  const double wall = Secs(start, Clock::now());
  std::printf("{\"name\":\"hiccups\",\"seconds\":%.2f,\"gaps_over_10us_per_s\":%.1f,"
              "\"gaps_over_25us_per_s\":%.1f,\"gaps_over_100us_per_s\":%.1f,"
              "\"mean_gap_us\":%.1f,\"longest_gap_us\":%.1f,\"lost_fraction\":%.4f}\n",
              wall, over10 / wall, over25 / wall, over100 / wall, over10 ? lost_us / over10 : 0.0,
              longest_us, lost_us / 1e6 / wall);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (argc < 2) {
    std::cerr << "usage: jic_bench w1|decide|w2|hiccups --workload DIR --n N [--queries Q] [--areas Z] "
                 "[--finest-level L] [--res FILE] [--reports M] [--expect FILE] [--check K] "
                 "[--max-edges E] [--max-level L]\n";
    return 2;
  }
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--workload") a.workload = v;
    else if (k == "--n") a.n = std::stoul(v);
    else if (k == "--queries") a.queries = std::stoul(v);
    else if (k == "--areas") a.areas = std::stoul(v);
    else if (k == "--finest-level") a.finest_level = std::stoi(v);
    else if (k == "--res") a.res = v;
    else if (k == "--passes") a.passes = std::stoi(v);
    else if (k == "--reports") a.reports = std::stoul(v);
    else if (k == "--expect") a.expect = v;
    else if (k == "--check") a.check = std::stoul(v);
    else if (k == "--max-edges") a.index_options.max_edges_per_cell = std::stoi(v);
    else if (k == "--max-level") a.index_options.max_level = std::stoi(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.mode == "hiccups") return RunHiccups(a);
  if (a.workload.empty()) {
    std::cerr << "--workload DIR is required\n";
    return 2;
  }
  if (a.mode == "w1") return RunW1(a);
  if (a.mode == "decide") return RunDecide(a);
  if (a.mode == "w2") return RunW2(a);
  std::cerr << "unknown benchmark " << a.mode << "\n";
  return 2;
}
