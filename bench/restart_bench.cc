// How long a center takes to come back: recovery of the state from a log of
// N entries, from its latest snapshot (the usual restart), from an older one
// (the tail replayed) and from the log alone.
//
//   jic_restart_bench --dir DIR --entries 1000000 [--signed]
//
// The first run fills DIR (N - 1 notifications through the real coordinator:
// decided and durably committed in batches), later runs reuse it. With
// --signed the agreement demands that every command be signed
// (`signed_commands: all`): two planners are added, each registers an
// Ed25519 key, and every notification carries its planner's signature, as
// `jic call --key` would send it (the log `jic verify` is slowest on).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/api/coordinator.h"
#include "jic/api/json_log.h"
#include <atomic>
#include <thread>

#include "jic/base/time_format.h"
#include "jic/ledger/note.h"
#include "jic/log/sqlite_log.h"

using namespace jic;
using nlohmann::json;

namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::unique_ptr<api::Coordinator> Open(const std::string& dir, uint64_t snapshot_every) {
  auto log = log::OpenSqliteLog(dir + "/log.sqlite");
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    std::exit(1);
  }
  api::Coordinator::Options opt;
  opt.snapshot_every = snapshot_every;
  auto c = api::Coordinator::Open(std::move(log).value(), SystemClock::Get(), opt);
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(c).value();
}

// A small circle somewhere on a world grid, one hour somewhere in a year:
// notifications that rarely conflict, as a busy center's would.
std::string Notification(uint64_t i, const char* party) {
  const double lat = -60 + static_cast<double>((i * 7919) % 12000) / 100.0;
  const double lng = -170 + static_cast<double>((i * 104729) % 34000) / 100.0;
  const int64_t start = 1467331200 + static_cast<int64_t>((i * 3571) % (365 * 24)) * 3600;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                R"({"operator":"%s","category":"isr","aircraft":[{"callsign":"B%llu","icao24":"ae%04llx"}],)"
                R"("volumes":[{"volume":{"outline_circle":{"center":{"lat":%.4f,"lng":%.4f},)"
                R"("radius":{"value":2000,"units":"M"}},"altitude_lower":{"value":1000,"reference":"W84","units":"M"},)"
                R"("altitude_upper":{"value":3000,"reference":"W84","units":"M"}},)"
                R"("time_start":{"value":"%s","format":"RFC3339"},"time_end":{"value":"%s","format":"RFC3339"}}]})",
                party, static_cast<unsigned long long>(i), static_cast<unsigned long long>(i & 0xffff),
                lat, lng, FormatRfc3339(Time::FromUnixSeconds(start)).c_str(),
                FormatRfc3339(Time::FromUnixSeconds(start + 3600)).c_str());
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/jic-restart-bench";
  uint64_t entries = 100000;
  bool sign = false;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--signed") sign = true;
    if (i + 1 >= argc) continue;
    if (k == "--dir") dir = argv[i + 1];
    if (k == "--entries") entries = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const engine::Actor planners[2] = {{"ivan", "RU", engine::Role::kPlanner}, {"pat", "US", engine::Role::kPlanner}};
  std::vector<ledger::SignerKey> keys;
  for (const engine::Actor& a : planners) {
    std::array<uint8_t, 32> seed{};
    seed[0] = static_cast<uint8_t>(a.user[0]);
    keys.push_back(ledger::SignerKey::FromSeed(a.user + "-key", ledger::kAlgEd25519, seed));
  }
  api::SetLogQuiet(true);
  std::filesystem::create_directories(dir);
  {
    auto c = Open(dir, 0);
    if (c->committed_seq() == 0) {
      std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
      std::stringstream ss;
      ss << f.rdbuf();
      engine::Command init;
      init.type = std::string(engine::kAgreementInit);
      init.actor = {"bench", "", engine::Role::kSystem};
      json agreement = json::parse(*agreement::AgreementToCanonicalJson(ss.str()));
      if (sign) agreement["signed_commands"] = "all";
      init.body = json{{"agreement", agreement}}.dump();
      if (!c->SubmitAndWait(init).ok()) return 1;
      if (sign) {
        for (int p = 0; p < 2; ++p) {
          engine::Command add;
          add.type = std::string(engine::kUserAdd);
          add.actor = {"bench", "", engine::Role::kSystem};
          add.body = json{{"name", planners[p].user},
                          {"party", planners[p].party},
                          {"role", "planner"},
                          {"token_hash", engine::HashToken(engine::NewToken())}}
                         .dump();
          engine::Command reg;
          reg.type = std::string(engine::kKeyRegister);
          reg.actor = planners[p];
          reg.body = json{{"key", keys[p].verifier().Encode()}}.dump();
          if (!c->SubmitAndWait(add).ok() || !c->SubmitAndWait(reg).ok()) return 1;
        }
      }
    }
    if (c->committed_seq() < entries) {
      auto t0 = std::chrono::steady_clock::now();
      const uint64_t have = c->committed_seq();
      std::atomic<uint64_t> done{0}, failed{0};
      for (uint64_t i = have; i < entries; ++i) {
        engine::Command cmd;
        cmd.type = std::string(engine::kOperationNotify);
        cmd.actor = planners[i % 2];
        cmd.body = Notification(i, i % 2 ? "US" : "RU");
        if (sign) {
          const ledger::SignerKey& key = keys[i % 2];
          const std::string message = engine::Center::CommandMessage(
              "jic-2016", cmd.actor.user, *engine::Center::RequestLine(cmd.type, ""), std::nullopt, cmd.body);
          const std::array<uint8_t, 64> sig = key.SignRaw(message);
          char id[9];
          std::snprintf(id, sizeof id, "%08x", key.key_id());
          cmd.signature = key.name() + "+" + id + " " +
                          ledger::ToBase64(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
        }
        c->Submit(std::move(cmd), [&](Result<engine::Reply> r) {
          if (!r.ok()) ++failed;
          ++done;
        });
        while (i - have + 1 - done.load() > 20000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      c->Stop();
      std::printf("filled %llu entries in %.1f s (%llu refused)\n",
                  static_cast<unsigned long long>(c->committed_seq()), Seconds(t0),
                  static_cast<unsigned long long>(failed.load()));
    }
  }
  // Latest snapshot (written at Stop).
  for (int run = 0; run < 2; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    auto c = Open(dir, 0);
    double secs = Seconds(t0);
    std::printf("restart from snapshot: %llu entries, %zu operations, %.2f s\n",
                static_cast<unsigned long long>(c->committed_seq()),
                c->Read([](const engine::Center& s) { return s.operations().size(); }), secs);
    if (run == 0) {
      auto t1 = std::chrono::steady_clock::now();
      std::string snap = c->Read([](const engine::Center& s) { return s.Snapshot(); });
      std::printf("  snapshot: %.1f MB written in %.2f s\n", snap.size() / 1e6, Seconds(t1));
    }
  }
  // The log alone (no snapshot), for comparison; skipped above 200k entries
  // unless asked.
  if (entries <= 200000 || std::getenv("JIC_BENCH_FULL_REPLAY")) {
    std::filesystem::copy_file(dir + "/log.sqlite", dir + "/replay.sqlite",
                               std::filesystem::copy_options::overwrite_existing);
    auto log = log::OpenSqliteLog(dir + "/replay.sqlite");
    engine::Center center;
    auto t0 = std::chrono::steady_clock::now();
    Status applied;
    (void)(*log)->Read(1, UINT64_MAX, [&](uint64_t seq, std::string_view bytes) {
      applied = center.ApplyBytes(seq, bytes);
      return applied.ok();
    });
    std::printf("replay of the whole log without a snapshot: %.2f s (%s)\n", Seconds(t0),
                applied.ok() ? "ok" : applied.ToString().c_str());
    std::filesystem::remove(dir + "/replay.sqlite");
  }
  return 0;
}
