// The whole monitor in process (issue 4, 6b): association, the four alerts,
// with 1,000 areas, 10,000 active operations and 5,000 live tracks.
//
//   jic_monitor_bench [--areas 1000] [--operations 10000] [--tracks 5000] [--reports 1000000]
//                     [--rounds 1] [--reference]
//
// The workload: an agreement of two parties over a 10 x 15 degree region
// (30-40 N, 30-45 E, ~1.4 M km2) with `areas` areas: three in four
// restricted, star-shaped polygons 2-50 km across of 50-500 vertices (as the
// peers' W2), half of them with an altitude band; one in four protected
// sites, discs of 1-5 km. B may not fly in restricted areas, neither party
// over protected sites (so both parties' tracks are checked against areas,
// now and along their predicted path). `operations` operations are accepted
// for the whole run (circles of 30 km, 0-12,000 m): one for each aircraft
// (some refused by the center's own deconfliction, so their aircraft fly
// unreported) and the rest for aircraft not flying. `tracks` aircraft fly
// straight at 80-250 m/s, 1,000-10,000 m, each reporting once a second of
// report time, the reports of one second spread over it and in time order.
// Ten rounds warm up (every track confirmed, the area index built); then
// `reports` reports are timed, one Process call for all of them, or with
// --rounds K one call for each K-th of them, in turn: "rounds_per_s" lists
// each call's rate, so that a quiet moment on a shared machine shows (A/B
// comparisons take the best round of each).
// --reference runs ReferenceMonitor (reference_monitor.h, the first monitor,
// with its 1 degree grid) on the same reports instead.
//
// Prints one JSON line: {"name":"monitor","reports_per_s":...,...}.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/center.h"
#include "jic/monitor/monitor.h"
#include "jic/monitor/reference_monitor.h"

using namespace jic;
using nlohmann::json;

namespace {

char Hex(int v) { return "0123456789abcdef"[v & 15]; }

std::string Icao(int party, int i) {
  // Party A: a00000.., party B: b00000..
  std::string s = party == 0 ? "a" : "b";
  for (int k = 4; k >= 0; --k) s += Hex(i >> (4 * k));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int areas = 1000, operations = 10000, tracks = 5000;
  long reports = 1000000;
  int rounds = 1;
  bool reference = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--reference") reference = true;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--reference") {
      --i;
      continue;
    }
    if (k == "--areas") areas = std::atoi(argv[i + 1]);
    if (k == "--operations") operations = std::atoi(argv[i + 1]);
    if (k == "--tracks") tracks = std::atoi(argv[i + 1]);
    if (k == "--reports") reports = std::atol(argv[i + 1]);
    if (k == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
  }
  std::mt19937_64 rng(20250101);
  std::uniform_real_distribution<double> lat_d(30, 40), lng_d(30, 45), u(0, 1);
  // The agreement: two parties, `areas` areas (above), separation 5 km / 300 m.
  json doc = json::parse(R"({"jic": 1, "id": "bench", "title": "monitor bench", "signatories": ["A", "B"],
    "parties": [{"id": "A", "name": "A", "aircraft": ["a*"]}, {"id": "B", "name": "B", "aircraft": ["b*"]}],
    "categories": [{"id": "isr", "priority": 10}],
    "separation": {"horizontal_m": 5000, "vertical_m": 300, "time_s": 300},
    "rules": [{"id": "R1", "text": "B stays out of restricted areas", "when": {"operator": ["B"], "area_kind": ["restricted"]}, "effect": "reject"},
              {"id": "R2", "text": "nobody over protected sites", "when": {"area_kind": ["protected_site"]}, "effect": "reject"}],
    "monitoring": {"lookahead_s": 120, "conformance_tolerance_m": 500, "conformance_tolerance_s": 60, "stale_after_s": 30}})");
  doc["areas"] = json::array();
  for (int i = 0; i < areas; ++i) {
    const double lat = lat_d(rng), lng = lng_d(rng);
    json a{{"id", "A" + std::to_string(i)}, {"name", "area"}, {"kind", i % 4 == 0 ? "protected_site" : "restricted"}};
    if (i % 4 == 0) {
      a["geometry"] = {{"type", "Point"}, {"coordinates", {lng, lat}}};
      a["radius_m"] = 1000 + 4000 * u(rng);
    } else {
      // Star-shaped (vertex angles increasing around the centre): simple.
      const int nv = 50 + static_cast<int>(u(rng) * 451);
      const double radius_deg = (1 + 24 * u(rng)) / 111.195;
      const double coslat = std::cos(lat * M_PI / 180);
      json ring = json::array();
      for (int k = 0; k < nv; ++k) {
        const double ang = 2 * M_PI * (k + 0.7 * (u(rng) - 0.5)) / nv;
        const double rr = radius_deg * (0.5 + 0.5 * u(rng));
        ring.push_back(json::array({lng + rr * std::cos(ang) / coslat, lat + rr * std::sin(ang)}));
      }
      ring.push_back(ring[0]);
      a["geometry"] = {{"type", "Polygon"}, {"coordinates", json::array({ring})}};
      if (u(rng) < 0.5) a["altitude"] = {{"lower", 0}, {"upper", 2000 + 8000 * u(rng)}};
    }
    doc["areas"].push_back(a);
  }
  engine::Center center;
  const Time t0 = *ParseRfc3339("2030-01-01T00:00:00Z");
  auto run = [&](std::string_view type, engine::Actor a, std::string body) {
    engine::Command c;
    c.type = std::string(type);
    c.actor = std::move(a);
    c.body = std::move(body);
    auto p = center.Prepare(c, t0 - Duration::Seconds(86400), center.last_seq() + 1);
    if (!p.ok() || !p->entry) {
      std::fprintf(stderr, "setup: %s\n", p.ok() ? "no entry" : p.status().ToString().c_str());
      std::exit(1);
    }
    if (!center.Apply(center.last_seq() + 1, *p->entry).ok()) std::exit(1);
  };
  run(engine::kAgreementInit, {"bench", "", engine::Role::kSystem}, json{{"agreement", doc}}.dump());
  // Operations: large circles over 24 h, one per aircraft (the first
  // `operations` aircraft of each party alternately), some of them rejected by
  // separation or areas — those are simply not associated.
  struct Plane {
    std::string icao;
    double lat, lng, gs, trk, alt;
  };
  std::vector<Plane> planes;
  for (int i = 0; i < tracks; ++i) {
    planes.push_back({Icao(i % 2, i / 2), lat_d(rng), lng_d(rng), 80 + 170 * u(rng), 360 * u(rng),
                      1000 + 9000 * u(rng)});
  }
  for (int i = 0; i < operations; ++i) {
    const int party = i % 2;
    const Plane* p = i < tracks ? &planes[i] : nullptr;
    json op{{"operator", party ? "B" : "A"},
            {"category", "isr"},
            {"aircraft", json::array({json{{"icao24", p ? p->icao : Icao(party, 100000 + i)}}})},
            {"volumes", json::array({json{{"volume",
                                           {{"outline_circle",
                                             {{"center", {{"lat", p ? p->lat : lat_d(rng)}, {"lng", p ? p->lng : lng_d(rng)}}},
                                              {"radius", {{"value", 30000}, {"units", "M"}}}}},
                                            {"altitude_lower", {{"value", 0}, {"reference", "W84"}, {"units", "M"}}},
                                            {"altitude_upper", {{"value", 12000}, {"reference", "W84"}, {"units", "M"}}}}},
                                          {"time_start", {{"value", FormatRfc3339(t0)}, {"format", "RFC3339"}}},
                                          {"time_end", {{"value", FormatRfc3339(t0 + Duration::Seconds(86400))}, {"format", "RFC3339"}}}}})}};
    run(engine::kOperationNotify, {"p", party ? "B" : "A", engine::Role::kPlanner}, op.dump());
  }
  // Reports: every plane in turn, one second of flight apart per round.
  std::vector<monitor::TrackReport> batch;
  monitor::Monitor fast;
  monitor::ReferenceMonitor ref(monitor::ReferenceMonitor::Options(), /*scan_all_pairs=*/false);
  auto process = [&](std::span<const monitor::TrackReport> rs, std::vector<monitor::AlertTransition>* o) {
    if (reference) {
      ref.Process(center, rs, o);
    } else {
      fast.Process(center, rs, o);
    }
  };
  std::vector<monitor::AlertTransition> out;
  const double k = 111195.0;
  long made = 0;  // reports made so far: time runs on from one batch to the next
  auto make = [&](long n) {
    batch.clear();
    for (long j = made; j < made + n; ++j) {
      Plane& p = planes[static_cast<size_t>(j % tracks)];
      const double t = static_cast<double>(j / tracks);
      p.lat += p.gs * std::cos(p.trk * M_PI / 180) / k;
      p.lng += p.gs * std::sin(p.trk * M_PI / 180) / (k * std::cos(p.lat * M_PI / 180));
      monitor::TrackReport r;
      r.icao24 = p.icao;
      r.lat_deg = p.lat;
      r.lng_deg = p.lng;
      r.alt_m = p.alt;
      r.gs_mps = p.gs;
      r.track_deg = p.trk;
      r.time = t0 + Duration::Micros(static_cast<int64_t>(t * 1e6) + (j % tracks) * 100);
      batch.push_back(std::move(r));
    }
    made += n;
  };
  make(static_cast<long>(tracks) * 10);  // warm up: every track confirmed
  process(batch, &out);
  make(reports);
  out.clear();
  double secs = 0;
  std::string per_round;
  const std::span<const monitor::TrackReport> all(batch);
  for (int k = 0; k < rounds; ++k) {
    const size_t from = all.size() * static_cast<size_t>(k) / static_cast<size_t>(rounds);
    const size_t to = all.size() * static_cast<size_t>(k + 1) / static_cast<size_t>(rounds);
    auto s0 = std::chrono::steady_clock::now();
    process(all.subspan(from, to - from), &out);
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    secs += t;
    per_round += (k ? "," : "") + std::to_string(static_cast<long>(static_cast<double>(to - from) / t));
  }
  const auto st = reference ? ref.stats() : fast.stats();
  const size_t track_count = reference ? ref.track_count() : fast.track_count();
  size_t by_type[4] = {0, 0, 0, 0};
  for (const auto& t : out) {
    if (t.kind != monitor::AlertTransition::Kind::kRaise) continue;
    by_type[t.type == monitor::kUnreportedFlight ? 0 : t.type == monitor::kNonconformance ? 1
            : t.type == monitor::kAreaIncursion  ? 2 : 3]++;
  }
  std::printf("{\"name\":\"monitor\",\"areas\":%d,\"operations\":%d,\"tracks\":%zu,"
              "\"reports\":%ld,\"seconds\":%.3f,\"reports_per_s\":%.0f,\"transitions\":%zu,\"raised\":%llu,"
              "\"raised_unreported\":%zu,\"raised_nonconformance\":%zu,\"raised_area\":%zu,\"raised_separation\":%zu,\"out_of_order\":%llu,\"rounds_per_s\":[%s],\"impl\":\"%s\"}\n",
              areas, operations, track_count, reports, secs, reports / secs,
              out.size(), static_cast<unsigned long long>(st.raised), by_type[0], by_type[1], by_type[2], by_type[3],
              static_cast<unsigned long long>(st.out_of_order), per_round.c_str(), reference ? "reference" : "monitor");
  return 0;
}
