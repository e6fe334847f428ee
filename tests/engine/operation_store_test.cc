// OperationStore: operations by id, and the volumes of those that take part
// in separation (accepted, pending approval, activated) in the index.
#include "jic/engine/operation_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jic/base/time_format.h"
#include "jic/geo/earth.h"
#include "s2/s2latlng.h"

namespace jic::engine {
namespace {

constexpr OpState kAllStates[] = {OpState::kAccepted, OpState::kPendingApproval,
                                  OpState::kRejected, OpState::kActivated,
                                  OpState::kEnded,    OpState::kCancelled};

Time T(const char* rfc3339) {
  Result<Time> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Time();
}

const Time kT0 = T("2016-07-21T08:00:00Z");

Volume4D Circle(double lat, double lng, double radius_m, double alt_lo = 0, double alt_hi = 3000,
                Time start = kT0, Time end = kT0 + Duration::Seconds(7200)) {
  return Volume4D{geo::Outline::Circle(S2LatLng::FromDegrees(lat, lng).ToPoint(), radius_m), alt_lo,
                  alt_hi, start, end};
}

Operation Op(std::string id, OpState state, std::vector<Volume4D> volumes,
             std::string party = "RU") {
  Operation op;
  op.id = std::move(id);
  op.operator_party = party;
  op.submitted_by = party;
  op.category = "transport";
  op.state = state;
  op.volumes = std::move(volumes);
  return op;
}

// The box a query around (lat, lng) asks for, wide in altitude and time.
SpaceTimeIndex::Box Around(double lat, double lng, double radius_m) {
  return SpaceTimeIndex::Box{
      S2Cap(S2LatLng::FromDegrees(lat, lng).ToPoint(), geo::MetersToAngle(radius_m)), -8000, 100000,
      Time::Min(), Time::Max()};
}

// "id/volume" for every candidate, sorted (the store returns them by its
// internal volume numbers, which are reused).
std::vector<std::string> Candidates(const OperationStore& store, const SpaceTimeIndex::Box& q) {
  std::vector<OperationStore::VolumeRef> refs;
  store.Candidates(q, &refs);
  std::vector<std::string> out;
  for (const auto& r : refs) out.push_back(r.op->id + "/" + std::to_string(r.volume));
  std::sort(out.begin(), out.end());
  EXPECT_EQ(std::adjacent_find(out.begin(), out.end()), out.end()) << "each volume once";
  return out;
}

using Strings = std::vector<std::string>;

TEST(OperationStoreTest, PutFindAndErase) {
  OperationStore store;
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.Find("op-1"), nullptr);

  store.Put(Op("op-1", OpState::kAccepted, {Circle(36.2, 37.6, 5000)}));
  store.Put(Op("op-2", OpState::kAccepted, {Circle(36.3, 37.7, 5000)}, "US"));
  EXPECT_EQ(store.size(), 2u);
  ASSERT_NE(store.Find("op-1"), nullptr);
  EXPECT_EQ(store.Find("op-1")->id, "op-1");
  EXPECT_EQ(store.Find("op-2")->operator_party, "US");
  EXPECT_EQ(store.Find("op-3"), nullptr);
  EXPECT_EQ(store.index().size(), 2u);

  EXPECT_TRUE(store.Erase("op-1"));
  EXPECT_FALSE(store.Erase("op-1")) << "erased twice";
  EXPECT_FALSE(store.Erase("never"));
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.Find("op-1"), nullptr);
  EXPECT_NE(store.Find("op-2"), nullptr);
  EXPECT_EQ(store.index().size(), 1u);
  EXPECT_EQ(Candidates(store, Around(36.25, 37.65, 50e3)), Strings{"op-2/0"});

  EXPECT_TRUE(store.Erase("op-2"));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.index().size(), 0u);
  EXPECT_TRUE(Candidates(store, Around(36.25, 37.65, 50e3)).empty());
}

TEST(OperationStoreTest, PutReplacesTheOperationWithTheSameId) {
  OperationStore store;
  store.Put(Op("op-1", OpState::kAccepted, {Circle(36.2, 37.6, 5000)}));
  Operation v2 = Op("op-1", OpState::kActivated, {Circle(36.2, 37.6, 5000)});
  v2.category = "medevac";
  v2.version = 2;
  store.Put(std::move(v2));
  EXPECT_EQ(store.size(), 1u);
  ASSERT_NE(store.Find("op-1"), nullptr);
  EXPECT_EQ(store.Find("op-1")->category, "medevac");
  EXPECT_EQ(store.Find("op-1")->version, 2);
  EXPECT_EQ(store.Find("op-1")->state, OpState::kActivated);
  EXPECT_EQ(store.index().size(), 1u);
  EXPECT_EQ(Candidates(store, Around(36.2, 37.6, 1000)), Strings{"op-1/0"});
}

TEST(OperationStoreTest, OnlyAcceptedPendingAndActivatedOperationsAreIndexed) {
  for (OpState s : kAllStates) {
    SCOPED_TRACE(std::string(OpStateName(s)));
    OperationStore store;
    store.Put(Op("op-1", s, {Circle(36.2, 37.6, 5000), Circle(36.4, 37.6, 5000)}));
    EXPECT_EQ(store.size(), 1u);
    EXPECT_NE(store.Find("op-1"), nullptr) << "every state is kept";
    const bool indexed = TakesPartInSeparation(s);
    EXPECT_EQ(indexed, s == OpState::kAccepted || s == OpState::kPendingApproval ||
                           s == OpState::kActivated);
    EXPECT_EQ(store.index().size(), indexed ? 2u : 0u);
    EXPECT_EQ(Candidates(store, Around(36.3, 37.6, 50e3)),
              indexed ? (Strings{"op-1/0", "op-1/1"}) : Strings{});
  }
}

TEST(OperationStoreTest, ReplacingReindexesTheVolumes) {
  OperationStore store;
  store.Put(Op("op-1", OpState::kAccepted,
               {Circle(36.2, 37.6, 3000), Circle(36.5, 37.6, 3000), Circle(36.8, 37.6, 3000)}));
  EXPECT_EQ(store.index().size(), 3u);
  EXPECT_EQ(Candidates(store, Around(36.5, 37.6, 1000)), Strings{"op-1/1"});

  // Moved 200 km east, one volume left.
  store.Put(Op("op-1", OpState::kAccepted, {Circle(36.5, 39.8, 3000)}));
  EXPECT_EQ(store.index().size(), 1u);
  EXPECT_TRUE(Candidates(store, Around(36.2, 37.6, 1000)).empty());
  EXPECT_TRUE(Candidates(store, Around(36.5, 37.6, 1000)).empty());
  EXPECT_TRUE(Candidates(store, Around(36.8, 37.6, 1000)).empty());
  EXPECT_EQ(Candidates(store, Around(36.5, 39.8, 1000)), Strings{"op-1/0"});

  // Rejected: out of the index, still stored.
  store.Put(Op("op-1", OpState::kRejected, {Circle(36.5, 39.8, 3000)}));
  EXPECT_EQ(store.index().size(), 0u);
  EXPECT_TRUE(Candidates(store, Around(36.5, 39.8, 1000)).empty());
  EXPECT_NE(store.Find("op-1"), nullptr);

  // Accepted again, somewhere else and at another time.
  const Time later = kT0 + Duration::Seconds(86400);
  store.Put(Op("op-1", OpState::kPendingApproval,
               {Circle(35.0, 38.0, 3000, 0, 3000, later, later + Duration::Seconds(600)),
                Circle(35.1, 38.0, 3000, 0, 3000, later, later + Duration::Seconds(600))}));
  EXPECT_EQ(store.index().size(), 2u);
  EXPECT_EQ(Candidates(store, Around(35.05, 38.0, 30e3)), (Strings{"op-1/0", "op-1/1"}));
  SpaceTimeIndex::Box before = Around(35.05, 38.0, 30e3);
  before.t1 = kT0 + Duration::Seconds(7200);
  EXPECT_TRUE(Candidates(store, before).empty()) << "the old time window is gone";

  // Ended: out again.
  store.Put(Op("op-1", OpState::kEnded, {Circle(35.0, 38.0, 3000)}));
  EXPECT_EQ(store.index().size(), 0u);
  EXPECT_TRUE(Candidates(store, Around(35.05, 38.0, 30e3)).empty());
}

TEST(OperationStoreTest, CandidatesNameTheOperationAndItsVolume) {
  OperationStore store;
  store.Put(Op("a", OpState::kAccepted, {Circle(10, 10, 1000), Circle(20, 20, 1000)}));
  store.Put(Op("b", OpState::kActivated, {Circle(20, 20, 1000), Circle(30, 30, 1000)}));
  store.Put(Op("c", OpState::kCancelled, {Circle(20, 20, 1000)}));
  std::vector<OperationStore::VolumeRef> refs;
  store.Candidates(Around(20, 20, 5000), &refs);
  ASSERT_EQ(refs.size(), 2u);
  std::set<std::pair<std::string, uint32_t>> got;
  for (const auto& r : refs) {
    got.insert({r.op->id, r.volume});
    EXPECT_EQ(r.op, store.Find(r.op->id)) << "points at the stored operation";
  }
  EXPECT_EQ(got, (std::set<std::pair<std::string, uint32_t>>{{"a", 1}, {"b", 0}}));
}

TEST(OperationStoreTest, BoxOfIsTheVolumesBounds) {
  const Volume4D v = Circle(36.2, 37.6, 5000, 120.5, 3000.25, kT0, kT0 + Duration::Seconds(60));
  const SpaceTimeIndex::Box b = OperationStore::BoxOf(v);
  EXPECT_EQ(b.cap, v.outline.bound());
  EXPECT_EQ(b.alt_lo, 120.5);
  EXPECT_EQ(b.alt_hi, 3000.25);
  EXPECT_EQ(b.t0, v.start);
  EXPECT_EQ(b.t1, v.end);
}

TEST(OperationStoreTest, ForEachVisitsEveryOperationWhateverItsState) {
  OperationStore store;
  int n = 0;
  for (OpState s : kAllStates) store.Put(Op("op-" + std::to_string(n++), s, {Circle(1, 1, 100)}));
  std::set<std::string> seen;
  store.ForEach([&](const Operation& op) { seen.insert(op.id); });
  EXPECT_EQ(seen.size(), 6u);
  store.Erase("op-2");
  seen.clear();
  store.ForEach([&](const Operation& op) { seen.insert(op.id); });
  EXPECT_EQ(seen, (std::set<std::string>{"op-0", "op-1", "op-3", "op-4", "op-5"}));
}

// Random Put/Erase against a plain map: the index always holds exactly the
// volumes of the stored operations that take part in separation.
TEST(OperationStoreTest, RandomPutsAndErasesAgainstAMap) {
  std::mt19937_64 rng(2016);
  std::uniform_real_distribution<double> u(0, 1);
  OperationStore store;
  std::map<std::string, Operation> model;
  for (int step = 0; step < 3000; ++step) {
    const std::string id = "op-" + std::to_string(rng() % 60);
    if (u(rng) < 0.3) {
      EXPECT_EQ(store.Erase(id), model.erase(id) == 1);
    } else {
      std::vector<Volume4D> vols;
      const int n = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) {
        const Time s = kT0 + Duration::Seconds(static_cast<int64_t>(rng() % (3 * 86400)));
        const double lo = 10000 * u(rng);
        vols.push_back(Circle(35 + u(rng), 37 + u(rng), 500 + 20000 * u(rng), lo,
                              lo + 2000 * u(rng), s, s + Duration::Seconds(60 + rng() % 20000)));
      }
      Operation op = Op(id, kAllStates[rng() % 6], std::move(vols), u(rng) < 0.5 ? "US" : "RU");
      model[id] = op;
      store.Put(std::move(op));
    }
    ASSERT_EQ(store.size(), model.size());
    size_t indexed = 0;
    for (const auto& [k, op] : model) {
      if (TakesPartInSeparation(op.state)) indexed += op.volumes.size();
    }
    ASSERT_EQ(store.index().size(), indexed) << "step " << step;
    if (step % 50 != 0) continue;
    // Every indexed volume that truly meets a query comes back, and nothing
    // else but indexed volumes of stored operations.
    for (int q = 0; q < 20; ++q) {
      const double lat = 35 + u(rng), lng = 37 + u(rng);
      SpaceTimeIndex::Box box = Around(lat, lng, 1000 + 30000 * u(rng));
      box.t0 = kT0 + Duration::Seconds(static_cast<int64_t>(rng() % (3 * 86400)));
      box.t1 = box.t0 + Duration::Seconds(static_cast<int64_t>(rng() % 20000));
      box.alt_lo = 10000 * u(rng);
      box.alt_hi = box.alt_lo + 1000;
      std::vector<OperationStore::VolumeRef> refs;
      store.Candidates(box, &refs);
      std::set<std::pair<std::string, uint32_t>> got;
      for (const auto& r : refs) {
        ASSERT_TRUE(model.count(r.op->id));
        EXPECT_TRUE(TakesPartInSeparation(r.op->state));
        ASSERT_LT(r.volume, r.op->volumes.size());
        EXPECT_TRUE(got.insert({r.op->id, r.volume}).second) << "each once";
      }
      for (const auto& [k, op] : model) {
        if (!TakesPartInSeparation(op.state)) continue;
        for (uint32_t i = 0; i < op.volumes.size(); ++i) {
          const Volume4D& v = op.volumes[i];
          const bool meets = v.outline.bound().Intersects(box.cap) && v.alt_lower_m <= box.alt_hi &&
                             box.alt_lo <= v.alt_upper_m && v.start <= box.t1 && box.t0 <= v.end;
          if (meets) {
            EXPECT_TRUE(got.count({k, i})) << k << "/" << i;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace jic::engine
