#include "jic/monitor/reference_monitor.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "jic/base/time_format.h"
#include "jic/geo/earth.h"
#include "s2/s2latlng.h"

namespace jic::monitor {

using engine::Center;
using engine::Operation;
using engine::Volume4D;
using nlohmann::json;

namespace ref_internal {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMetresPerDegree = geo::kEarthRadiusM * kPi / 180;

S2Point ToPoint(double lat, double lng) { return S2LatLng::FromDegrees(lat, lng).ToPoint(); }

double DistanceM(double lat1, double lng1, double lat2, double lng2) {
  return S2LatLng::FromDegrees(lat1, lng1)
             .GetDistance(S2LatLng::FromDegrees(lat2, lng2))
             .radians() *
         geo::kEarthRadiusM;
}

// The point `dist_m` from (lat, lng) along the great circle with initial
// bearing `bearing_deg`.
void Destination(double lat, double lng, double bearing_deg, double dist_m, double* out_lat,
                 double* out_lng) {
  const double d = dist_m / geo::kEarthRadiusM, b = bearing_deg * kPi / 180;
  const double p1 = lat * kPi / 180, l1 = lng * kPi / 180;
  const double p2 =
      std::asin(std::sin(p1) * std::cos(d) + std::cos(p1) * std::sin(d) * std::cos(b));
  const double l2 = l1 + std::atan2(std::sin(b) * std::sin(d) * std::cos(p1),
                                    std::cos(d) - std::sin(p1) * std::sin(p2));
  *out_lat = p2 * 180 / kPi;
  *out_lng = std::remainder(l2 * 180 / kPi, 360.0);
}

// A volume that is one point at one instant (altitude unknown: any).
Volume4D PointVolume(double lat, double lng, std::optional<double> alt, Time t) {
  Volume4D v;
  v.outline = geo::Outline::Circle(ToPoint(lat, lng), 0);
  v.alt_lower_m = alt ? *alt : -1e9;
  v.alt_upper_m = alt ? *alt : 1e9;
  v.start = v.end = t;
  return v;
}

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

// East and north components of a report's velocity, m/s.
void Velocity(const TrackReport& x, double* ve, double* vn) {
  const double gs = x.gs_mps.value_or(0), tr = x.track_deg.value_or(0) * kPi / 180;
  *ve = gs * std::sin(tr);
  *vn = gs * std::cos(tr);
}

// Grid of 1° cells for finding tracks near one another.
int64_t GridKey(double lat, double lng) {
  const int64_t a = static_cast<int64_t>(std::floor(lat)) + 90;
  const int64_t b = static_cast<int64_t>(std::floor(lng)) + 180;
  return a * 1000 + b;
}

}  // namespace ref_internal

using namespace ref_internal;

void ReferenceMonitor::GridRemove(ReferenceTrack* t) {
  auto it = grid_.find(GridKey(t->last.lat_deg, t->last.lng_deg));
  if (it == grid_.end()) return;
  auto& v = it->second;
  auto pos = std::find(v.begin(), v.end(), t);
  if (pos != v.end()) {
    *pos = v.back();
    v.pop_back();
  }
}

void ReferenceMonitor::GridAdd(ReferenceTrack* t) {
  grid_[GridKey(t->last.lat_deg, t->last.lng_deg)].push_back(t);
}

void ReferenceMonitor::Count(uint64_t Stats::*field) {
  std::lock_guard<std::mutex> lock(mu_);
  ++(stats_.*field);
}

void ReferenceMonitor::Process(const Center& center, std::span<const TrackReport> reports,
                               std::vector<AlertTransition>* out) {
  if (!center.initialized()) return;
  for (const TrackReport& r : reports) OnReport(center, r, out);
}

void ReferenceMonitor::OnReport(const Center& center, const TrackReport& r,
                                std::vector<AlertTransition>* out) {
  Count(&Stats::reports);
  const agreement::Agreement& ag = center.rules()->agreement();
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
  ReferenceTrack* t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tracks_.find(r.icao24);
    if (it == tracks_.end()) {
      ReferenceTrack nt;
      nt.icao24 = r.icao24;
      const agreement::Party* p = ag.PartyOfAircraft(r.icao24);
      nt.party = p ? p->id : "";
      it = tracks_.emplace(r.icao24, std::move(nt)).first;
    }
    t = &it->second;
    if (r.time < t->last_seen) {  // older than what we have: not a new position
      ++stats_.out_of_order;      // mu_ is held
      return;
    }
    t->last_seen = r.time;
    auto plausible = [&](const TrackReport& a, const TrackReport& b) {
      const double dt = (b.time - a.time).seconds();
      // Plus a floor for timing noise (Options::position_noise_m).
      return DistanceM(a.lat_deg, a.lng_deg, b.lat_deg, b.lng_deg) <=
             options_.implausible_speed_mps * std::max(dt, 0.0) + options_.position_noise_m;
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
    const bool confirmed = t->reports > 0;
    if (confirmed && plausible(t->last, r)) {
      t->runs.clear();
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
          ++stats_.implausible;  // mu_ is held
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
      if (confirmed) {
        ++stats_.restarted;
        GridRemove(t);
      }
      std::vector<TrackReport> seed(run->begin(), run->end() - 1);
      t->runs.clear();
      t->trail.clear();
      for (const TrackReport& x : seed) {
        t->trail.push_back(x);
        if (!x.callsign.empty()) t->callsign = x.callsign;
      }
      if (!seed.empty()) t->last = seed.back();
      t->reports = seed.size();
    }
    if (t->reports > 0) GridRemove(t);
    TrackReport merged = r;
    // A report without them keeps the last known callsign and velocity.
    if (merged.callsign.empty()) merged.callsign = t->last.callsign;
    if (!merged.gs_mps && t->reports > 0) merged.gs_mps = t->last.gs_mps;
    if (!merged.track_deg && t->reports > 0) merged.track_deg = t->last.track_deg;
    if (!merged.alt_m && t->reports > 0) merged.alt_m = t->last.alt_m;
    t->last = merged;
    if (!merged.callsign.empty()) t->callsign = merged.callsign;
    t->trail.push_back(merged);
    while (t->trail.size() > options_.trail_length) t->trail.pop_front();
    ++t->reports;
    GridAdd(t);
  }
  std::vector<Condition> holds;
  std::set<std::string> evaluated;
  Evaluate(center, *t, &holds, &evaluated);
  Apply(holds, evaluated, r.time, out);
}

void ReferenceMonitor::Evaluate(const Center& center, ReferenceTrack& t,
                                std::vector<Condition>* holds, std::set<std::string>* evaluated) {
  const agreement::Agreement& ag = center.rules()->agreement();
  const agreement::Monitoring& mon = ag.monitoring;
  const TrackReport& r = t.last;
  for (const std::string& k : keys_of_track_[t.icao24]) evaluated->insert(k);

  // Association (AGREEMENT.md): accepted or activated operations listing
  // the aircraft, one of whose volumes' windows (widened) holds the time.
  std::vector<const Operation*> ops, associated;
  center.OperationsOfAircraft(t.icao24, t.callsign, &ops);
  const Duration tol_t = Duration::Micros(static_cast<int64_t>(mon.conformance_tolerance_s * 1e6));
  for (const Operation* op : ops) {
    for (const Volume4D& v : op->volumes) {
      if (r.time >= v.start - tol_t && r.time <= v.end + tol_t) {
        associated.push_back(op);
        break;
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    t.operations.clear();
    for (const Operation* op : associated) t.operations.push_back(op->id);
  }
  if (t.party.empty()) return;  // alerts concern the parties' aircraft only

  // Details are written only when a transition is emitted (rarely).
  const TrackReport snap = r;
  // --- unreported flight
  if (associated.empty()) {
    const agreement::Party* p = ag.FindParty(t.party);
    std::string should = p && !p->reported_by.empty() ? p->reported_by.front() : t.party;
    Condition c;
    c.key = std::string(kUnreportedFlight) + "/" + t.icao24;
    c.type = kUnreportedFlight;
    c.parties = {t.party};
    if (should != t.party) c.parties.push_back(should);
    c.tracks = {t.icao24};
    c.detail = [snap, should, callsign = t.callsign] {
      json d = Position(snap);
      d["should_notify"] = should;
      if (!callsign.empty()) d["callsign"] = callsign;
      return d.dump();
    };
    holds->push_back(std::move(c));
  } else {
    // --- nonconformance: within tolerance of some current volume of some
    // associated operation, horizontally and in altitude.
    const S2Point p = ToPoint(r.lat_deg, r.lng_deg);
    const S1ChordAngle tol(S1Angle::Radians(mon.conformance_tolerance_m / geo::kEarthRadiusM));
    bool conforms = false;
    double nearest = INFINITY;
    for (const Operation* op : associated) {
      for (const Volume4D& v : op->volumes) {
        if (r.time < v.start - tol_t || r.time > v.end + tol_t) continue;
        const bool alt_ok = !r.alt_m || (*r.alt_m >= v.alt_lower_m && *r.alt_m <= v.alt_upper_m);
        if (v.outline.WithinDistance(p, tol) && alt_ok) {
          conforms = true;
          break;
        }
        nearest = std::min(nearest, v.outline.Distance(p).radians() * geo::kEarthRadiusM);
      }
      if (conforms) break;
    }
    if (!conforms) {
      Condition c;
      c.key = std::string(kNonconformance) + "/" + t.icao24 + "/" + associated.front()->id;
      c.type = kNonconformance;
      c.parties = {t.party};
      c.tracks = {t.icao24};
      c.operation = associated.front()->id;
      c.detail = [snap, nearest] {
        json d = Position(snap);
        if (std::isfinite(nearest)) d["distance_m"] = std::round(nearest);
        return d.dump();
      };
      holds->push_back(std::move(c));
    }
  }

  // --- area incursion, actual and predicted
  const std::string* category = associated.empty() ? nullptr : &associated.front()->category;
  std::vector<int> met;
  center.rules()->AreasMet(PointVolume(r.lat_deg, r.lng_deg, r.alt_m, r.time), &met);
  // The same alert whether the track is in the area or predicted to enter it.
  auto incursion = [&](const agreement::Area& a) {
    Condition c;
    c.key = std::string(kAreaIncursion) + "/" + t.icao24 + "/" + a.id;
    c.type = kAreaIncursion;
    c.parties = {t.party};
    c.tracks = {t.icao24};
    c.area = a.id;
    if (category) c.operation = associated.front()->id;
    return c;
  };
  std::set<int> inside;
  for (int ai : met) {
    const agreement::Area& a = ag.areas[ai];
    if (!RejectedThere(ag, a, t.party, category)) continue;
    inside.insert(ai);
    Condition c = incursion(a);
    c.detail = [snap] { return Position(snap).dump(); };
    holds->push_back(std::move(c));
  }
  if (r.gs_mps && r.track_deg && *r.gs_mps > 1) {
    constexpr int kSteps = 6;
    std::set<int> predicted;
    for (int k = 1; k <= kSteps; ++k) {
      const double dt = mon.lookahead_s * k / kSteps;
      double lat, lng;
      Destination(r.lat_deg, r.lng_deg, *r.track_deg, *r.gs_mps * dt, &lat, &lng);
      std::optional<double> alt = r.alt_m;
      if (alt && r.vrate_mps) *alt += *r.vrate_mps * dt;
      center.rules()->AreasMet(
          PointVolume(lat, lng, alt, r.time + Duration::Micros(static_cast<int64_t>(dt * 1e6))),
          &met);
      for (int ai : met) {
        if (inside.count(ai) || predicted.count(ai)) continue;
        const agreement::Area& a = ag.areas[ai];
        if (!RejectedThere(ag, a, t.party, category)) continue;
        predicted.insert(ai);
        Condition c = incursion(a);
        c.predicted = true;
        c.detail = [snap, dt] {
          json d = Position(snap);
          d["in_s"] = dt;
          return d.dump();
        };
        holds->push_back(std::move(c));
      }
    }
  }

  // --- separation loss with tracks of other known parties, actual and
  // predicted (closest approach along straight lines within lookahead_s).
  const agreement::Separation& sep = ag.separation;
  const double reach = sep.horizontal_m + mon.lookahead_s * (r.gs_mps.value_or(0) + 350.0);
  const double dlat = reach / kMetresPerDegree;
  const double coslat = std::max(0.01, std::cos(r.lat_deg * kPi / 180));
  const double dlng = std::min(180.0, reach / (kMetresPerDegree * coslat));
  const double gs_self = r.gs_mps.value_or(0);
  double vae, van;
  Velocity(r, &vae, &van);
  auto consider = [&](const ReferenceTrack* other) {
    if (other == &t) return;
    const ReferenceTrack& o = *other;
    if (o.reports == 0 || o.party.empty() || o.party == t.party) return;
    const TrackReport& q = o.last;
    // Local east/north metres around this track (equirectangular at its
    // latitude: ample at the tens of kilometres that matter here).
    const double ex = std::remainder(q.lng_deg - r.lng_deg, 360.0) * kMetresPerDegree * coslat;
    const double ny = (q.lat_deg - r.lat_deg) * kMetresPerDegree;
    const double lag = (r.time - q.time).seconds();
    // Cheap rejection: farther apart than both could close within lookahead_s.
    const double gs_q = q.gs_mps.value_or(0);
    const double close =
        sep.horizontal_m + mon.lookahead_s * (gs_self + gs_q) + std::fabs(lag) * gs_q;
    if (ex * ex + ny * ny > close * close) return;
    const std::string& other_id = o.icao24;
    double vbe, vbn;
    Velocity(q, &vbe, &vbn);
    const double px = ex + vbe * lag;
    const double py = ny + vbn * lag;
    const double vx = vbe - vae, vy = vbn - van;
    const double h_now = std::hypot(px, py);
    std::optional<double> dz_now;
    const double vz = q.vrate_mps.value_or(0) - r.vrate_mps.value_or(0);
    if (r.alt_m && q.alt_m) dz_now = *q.alt_m + q.vrate_mps.value_or(0) * lag - *r.alt_m;
    const bool actual =
        h_now <= sep.horizontal_m && (!dz_now || std::fabs(*dz_now) <= sep.vertical_m);
    bool predicted = false;
    double tcpa = 0, h_cpa = h_now;
    if (!actual) {
      const double v2 = vx * vx + vy * vy;
      tcpa = v2 > 0 ? std::clamp(-(px * vx + py * vy) / v2, 0.0, mon.lookahead_s) : 0;
      h_cpa = std::hypot(px + vx * tcpa, py + vy * tcpa);
      const bool vertical_ok = !dz_now || std::fabs(*dz_now + vz * tcpa) <= sep.vertical_m;
      predicted = tcpa > 0 && h_cpa <= sep.horizontal_m && vertical_ok;
    }
    if (!actual && !predicted) return;
    const std::string& a = std::min(t.icao24, other_id);
    const std::string& b = std::max(t.icao24, other_id);
    Condition c;
    c.key = std::string(kSeparationLoss) + "/" + a + "/" + b;
    c.type = kSeparationLoss;
    c.parties = {t.party, o.party};
    std::sort(c.parties.begin(), c.parties.end());
    c.tracks = {a, b};
    c.predicted = predicted;
    c.detail = [snap, q = q, h_now, dz_now, predicted, tcpa, h_cpa] {
      json d{{"time", FormatRfc3339(snap.time)},
             {"horizontal_m", std::round(h_now)},
             {"positions", json::array({Position(snap), Position(q)})}};
      if (dz_now) d["vertical_m"] = std::round(std::fabs(*dz_now));
      if (predicted) {
        d["in_s"] = std::round(tcpa * 10) / 10;
        d["closest_m"] = std::round(h_cpa);
      }
      return d.dump();
    };
    holds->push_back(std::move(c));
  };
  if (scan_all_pairs_) {
    // Every track, as AGREEMENT.md says (the grid below assumes the others
    // fly at most 350 m/s and report in step).
    for (const auto& [icao, o] : tracks_) consider(&o);
    return;
  }
  for (double la = std::floor(r.lat_deg - dlat); la <= std::floor(r.lat_deg + dlat); la += 1) {
    for (double lo = std::floor(r.lng_deg - dlng); lo <= std::floor(r.lng_deg + dlng); lo += 1) {
      double wrapped = std::remainder(lo, 360.0);
      if (wrapped >= 180) wrapped -= 360;
      auto cell = grid_.find(GridKey(la, wrapped));
      if (cell == grid_.end()) continue;
      for (const ReferenceTrack* other : cell->second) consider(other);
    }
  }
}

void ReferenceMonitor::Apply(const std::vector<Condition>& holds,
                             const std::set<std::string>& evaluated, Time now,
                             std::vector<AlertTransition>* out) {
  std::set<std::string> held;
  for (const Condition& c : holds) {
    if (!held.insert(c.key).second) continue;  // one condition per key per report
    AlertState& a = alerts_[c.key];
    if (a.consecutive == 0 && !a.raised) {
      a.type = c.type;
      a.tracks = c.tracks;
      a.parties = c.parties;
      a.operation = c.operation;
      a.area = c.area;
      for (const std::string& icao : c.tracks) keys_of_track_[icao].insert(c.key);
    }
    ++a.consecutive;
    auto transition = [&](AlertTransition::Kind kind) {
      AlertTransition tr;
      tr.kind = kind;
      tr.key = c.key;
      tr.type = c.type;
      tr.parties = c.parties;
      tr.tracks = c.tracks;
      tr.operation = c.operation;
      tr.area = c.area;
      tr.predicted = c.predicted;
      tr.time = now;
      tr.detail_json = c.detail ? c.detail() : "{}";
      out->push_back(std::move(tr));
    };
    if (!a.raised) {
      if (a.consecutive >= 2) {
        a.raised = true;
        a.predicted = c.predicted;
        a.last_update = now;
        Count(&Stats::raised);
        transition(AlertTransition::Kind::kRaise);
      }
    } else if (a.predicted != c.predicted ||
               (now - a.last_update).seconds() >= options_.update_every_s) {
      a.predicted = c.predicted;
      a.last_update = now;
      Count(&Stats::updated);
      transition(AlertTransition::Kind::kUpdate);
    }
  }
  for (const std::string& key : evaluated) {
    if (held.count(key)) continue;
    auto it = alerts_.find(key);
    if (it == alerts_.end()) continue;
    Resolve(key, it->second, now, "clear", out);
    Forget(it);
  }
}

void ReferenceMonitor::Forget(std::map<std::string, AlertState>::iterator it) {
  for (const std::string& icao : it->second.tracks) {
    auto k = keys_of_track_.find(icao);
    if (k != keys_of_track_.end()) {
      k->second.erase(it->first);
      if (k->second.empty()) keys_of_track_.erase(k);
    }
  }
  alerts_.erase(it);
}

void ReferenceMonitor::Resolve(const std::string& key, AlertState& a, Time now, const char* why,
                               std::vector<AlertTransition>* out) {
  if (!a.raised) return;
  AlertTransition tr;
  tr.kind = AlertTransition::Kind::kResolve;
  tr.key = key;
  tr.type = a.type;
  tr.tracks = a.tracks;
  tr.parties = a.parties;
  tr.operation = a.operation;
  tr.area = a.area;
  tr.time = now;
  tr.detail_json = json{{"time", FormatRfc3339(now)}, {"why", why}}.dump();
  Count(&Stats::resolved);
  out->push_back(std::move(tr));
}

void ReferenceMonitor::Expire(const Center& center, Time now, std::vector<AlertTransition>* out) {
  if (!center.initialized()) return;
  const double stale_s = center.rules()->agreement().monitoring.stale_after_s;
  const Time cutoff = now - Duration::Micros(static_cast<int64_t>(stale_s * 1e6));
  std::vector<std::string> gone;
  for (const auto& [icao, t] : tracks_) {
    if (t.last_seen < cutoff) gone.push_back(icao);
  }
  std::sort(gone.begin(), gone.end());  // a fixed order, for the same log on every replay
  for (const std::string& icao : gone) {
    auto k = keys_of_track_.find(icao);
    if (k != keys_of_track_.end()) {
      std::set<std::string> keys = k->second;
      for (const std::string& key : keys) {
        auto it = alerts_.find(key);
        if (it == alerts_.end()) continue;
        Resolve(key, it->second, now, "track lost", out);
        Forget(it);
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    ReferenceTrack& t = tracks_.at(icao);
    if (t.reports > 0) GridRemove(&t);
    tracks_.erase(icao);
    ++stats_.dropped_tracks;  // mu_ is held
  }
}

std::string ReferenceMonitor::TracksJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const ReferenceTrack*> ts;
  for (const auto& [icao, t] : tracks_) {
    if (t.reports > 0) ts.push_back(&t);  // tentative tracks are not shown
  }
  std::sort(ts.begin(), ts.end(),
            [](const ReferenceTrack* a, const ReferenceTrack* b) { return a->icao24 < b->icao24; });
  json list = json::array();
  for (const ReferenceTrack* t : ts) {
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
    for (const TrackReport& p : t->trail) {
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

size_t ReferenceMonitor::track_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [icao, t] : tracks_) n += t.reports > 0;
  return n;
}

ReferenceMonitor::Stats ReferenceMonitor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace jic::monitor
