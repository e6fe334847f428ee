// Coordinator: one writer, group commit, recovery from the log and snapshots,
// events after durability.

#include "jic/api/coordinator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/api/json_log.h"
#include "jic/log/sqlite_log.h"

namespace jic::api {
namespace {

using engine::Actor;
using engine::Command;
using engine::Role;
using nlohmann::json;

const Actor kSystem{"test", "", Role::kSystem};
const Actor kUs{"pat", "US", Role::kPlanner};
const Actor kRu{"ivan", "RU", Role::kPlanner};

json Op(const std::string& op, const std::string& category, double lat, double lng) {
  return json::parse(R"({"operator": ")" + op + R"(", "category": ")" + category +
                     R"(", "volumes": [{"volume": {"outline_circle": {"center": {"lat": )" +
                     std::to_string(lat) + R"(, "lng": )" + std::to_string(lng) +
                     R"(}, "radius": {"value": 1000, "units": "M"}},
      "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
      "altitude_upper": {"value": 1000, "reference": "W84", "units": "M"}},
      "time_start": {"value": "2016-07-20T10:00:00Z", "format": "RFC3339"},
      "time_end": {"value": "2016-07-20T11:00:00Z", "format": "RFC3339"}}]})");
}

Command Cmd(std::string_view type, const Actor& a, std::string body) {
  Command c;
  c.type = std::string(type);
  c.actor = a;
  c.body = std::move(body);
  return c;
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogQuiet(true);
    char tmpl[] = "/tmp/jic-coord-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Coordinator> Open(Coordinator::Options opt = {}) {
    auto log = log::OpenSqliteLog(dir_ + "/log.sqlite");
    EXPECT_TRUE(log.ok());
    auto c = Coordinator::Open(std::move(log).value(), SystemClock::Get(), opt);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }

  void Init(Coordinator& c) {
    std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
    std::stringstream ss;
    ss << f.rdbuf();
    auto doc = agreement::AgreementToCanonicalJson(ss.str());
    ASSERT_TRUE(doc.ok());
    auto r = c.SubmitAndWait(
        Cmd(engine::kAgreementInit, kSystem, json{{"agreement", json::parse(*doc)}}.dump()));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 201);
  }

  std::string dir_;
};

TEST_F(CoordinatorTest, ParallelSubmittersAllGetDurableDistinctEntries) {
  auto c = Open();
  Init(*c);
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = c->SubmitAndWait(Cmd(engine::kOperationNotify, t % 2 ? kUs : kRu,
                                      Op(t % 2 ? "US" : "RU", "isr", 30 + t, 30 + 0.1 * i).dump()));
        if (r.ok() && r->status == 201) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(c->committed_seq(), 1u + kThreads * kEach);
  // Group commit: fewer commits than entries under contention is likely but
  // not guaranteed; every entry was counted.
  EXPECT_EQ(c->stats().entries.load(), 1u + kThreads * kEach);
  EXPECT_LE(c->stats().commits.load(), c->stats().entries.load());
}

TEST_F(CoordinatorTest, ConflictingNotificationsFromTwoPartiesOneWins) {
  auto c = Open();
  Init(*c);
  std::atomic<int> accepted{0}, rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto r = c->SubmitAndWait(
          Cmd(engine::kOperationNotify, t % 2 ? kUs : kRu, Op(t % 2 ? "US" : "RU", "isr", 33.3, 39.9).dump()));
      ASSERT_TRUE(r.ok());
      std::string state = json::parse(r->body)["state"];
      if (state == "accepted") ++accepted;
      if (state == "rejected") ++rejected;
    });
  }
  for (auto& t : threads) t.join();
  // Same party does not conflict (same_party: false): the first party's
  // notifications are all accepted, the other party's all rejected.
  EXPECT_EQ(accepted.load() + rejected.load(), 8);
  EXPECT_EQ(accepted.load(), 4);
}

TEST_F(CoordinatorTest, RecoversTheSameStateFromTheLogWithAndWithoutSnapshots) {
  std::string before;
  {
    Coordinator::Options opt;
    opt.snapshot_every = 7;
    auto c = Open(opt);
    Init(*c);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(c->SubmitAndWait(Cmd(engine::kOperationNotify, kUs, Op("US", "isr", 31, 31 + 0.2 * i).dump())).ok());
    }
    c->Stop();
    EXPECT_GE(c->stats().snapshots.load(), 2u);
    before = c->Read([](const engine::Center& s) { return s.Snapshot(); });
  }
  {
    auto c = Open();
    EXPECT_EQ(c->committed_seq(), 21u);
    EXPECT_TRUE(c->Read([](const engine::Center& s) { return s.Snapshot(); }) == before);
    // It goes on where it stopped.
    auto r = c->SubmitAndWait(Cmd(engine::kOperationNotify, kUs, Op("US", "isr", 31, 40).dump()));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(json::parse(r->body)["id"], "op-22");
  }
  // Without any snapshot (a bad one is ignored), the log alone gives the same.
  {
    auto log = log::OpenSqliteLog(dir_ + "/log.sqlite");
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->PutSnapshot(22, "JICSNAP1 garbage").ok());
  }
  auto c = Open();
  EXPECT_EQ(c->committed_seq(), 22u);
  auto r = c->Read([](const engine::Center& s) { return s.GetOperation("op-22"); });
  EXPECT_EQ(r.status, 200);
}

TEST_F(CoordinatorTest, RefusedCommandsRecordNothing) {
  auto c = Open();
  Init(*c);
  auto r = c->SubmitAndWait(Cmd(engine::kOperationNotify, kUs, "{\"operator\": 3}"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c->committed_seq(), 1u);
  EXPECT_EQ(c->stats().refused.load(), 1u);
}

TEST_F(CoordinatorTest, EventsArePublishedAfterCommitAndReadableFromTheLog) {
  auto c = Open();
  Init(*c);
  std::atomic<int> wakes{0};
  auto sub = c->events().Subscribe([&] { ++wakes; });
  ASSERT_TRUE(c->SubmitAndWait(Cmd(engine::kOperationNotify, kUs, Op("US", "isr", 31, 31).dump())).ok());
  std::vector<EventPtr> got;
  ASSERT_TRUE(sub->Take(&got));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->seq, 2u);
  EXPECT_EQ(got[0]->type, "operation.notify");
  EXPECT_GE(wakes.load(), 1);
  auto from_log = c->ReadEvents(0, 10);
  ASSERT_TRUE(from_log.ok());
  ASSERT_EQ(from_log->size(), 2u);
  EXPECT_EQ((*from_log)[1]->data, got[0]->data);
  c->events().Unsubscribe(sub);
}

TEST_F(CoordinatorTest, StopFinishesQueuedCommandsAndRefusesLaterOnes) {
  auto c = Open();
  Init(*c);
  std::atomic<int> done{0};
  for (int i = 0; i < 50; ++i) {
    c->Submit(Cmd(engine::kOperationNotify, kUs, Op("US", "isr", 31, 31 + 0.1 * i).dump()),
              [&](Result<engine::Reply> r) {
                if (r.ok()) ++done;
              });
  }
  c->Stop();
  EXPECT_EQ(done.load(), 50);
  EXPECT_EQ(c->committed_seq(), 51u);
  auto r = c->SubmitAndWait(Cmd(engine::kOperationNotify, kUs, Op("US", "isr", 31, 40).dump()));
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace jic::api
