// Ledger speed (issue 5, point 8), one JSON line per measurement:
//   append       durable appends with the tree update: SQLite log (batches as
//                the coordinator commits them) + LedgerService::Appended
//                (leaf hashes, tree, signed checkpoint, leaf cache)
//   tree_append  the tree alone: SHA-256 of each entry and Append
//   inclusion    inclusion proofs at random indices in a tree of --n leaves
//   consistency  consistency proofs between random sizes
//   ed25519      verifying entry-sized signatures of one key: libsodium's
//                crypto_sign_verify_detached, then jic's VerifyEd25519 (its
//                fixed-base table for the key), on the same signatures
//
//   jic_ledger_bench [--n 10000000] [--append-n 200000] [--batch 256] [--queries 20000]
//                    [--sigs 20000]
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "jic/api/json_log.h"
#include "jic/api/ledger_service.h"
#include "jic/ledger/ed25519.h"
#include "jic/ledger/merkle.h"
#include "jic/log/sqlite_log.h"

using namespace jic;
using Clock = std::chrono::steady_clock;

namespace {

double Secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

// An entry of the size and shape of a notification with its decision (~1.2 KB).
std::string Entry(uint64_t seq) {
  std::string e = R"({"actor":{"party":"RU","role":"planner","user":"olga"},"at":"2026-11-25T18:05:12.426770Z","command":{"operation":{"aircraft":[{"callsign":"RFF7001","icao24":"150152"}],"category":"isr","id":"op-)" +
                  std::to_string(seq) +
                  R"(","operator":"RU","submitted_by":"RU","volumes":[{"time_end":{"format":"RFC3339","value":"2016-07-20T13:00:00Z"},"time_start":{"format":"RFC3339","value":"2016-07-20T11:00:00Z"},"volume":{"altitude_lower":{"reference":"W84","units":"M","value":3000},"altitude_upper":{"reference":"W84","units":"M","value":7000},"outline_polygon":{"vertices":[{"lat":34.48,"lng":38.12},{"lat":34.46,"lng":38.4},{"lat":34.6,"lng":38.46},{"lat":34.68,"lng":38.3},{"lat":34.62,"lng":38.14}]}}}]}},"result":{"decision":{"approvers":["US"],"findings":[{"approvers":["US"],"effect":"require_approval","rule":"R2","text":"RU air support in defence of SY forces only if agreed in advance by US"},{"effect":"warn","rule":"R4","text":"notify at least one hour before take-off"}],"outcome":"needs_approval"},"id":"op-)" +
                  std::to_string(seq) + R"(","state":"pending_approval","version":1},"seq":)" + std::to_string(seq) +
                  R"(,"type":"operation.notify","v":1})";
  return e;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 10'000'000, append_n = 200'000, batch = 256, queries = 20'000, sigs = 20'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--n") n = v;
    else if (a == "--append-n") append_n = v;
    else if (a == "--batch") batch = v;
    else if (a == "--queries") queries = v;
    else if (a == "--sigs") sigs = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  api::SetLogQuiet(true);
  {  // Ed25519 verification, libsodium against the fixed-base tables
    const ledger::SignerKey key = ledger::SignerKey::Generate("bench");
    std::vector<std::string> msgs;
    std::vector<std::array<uint8_t, 64>> sig;
    for (uint64_t i = 0; i < sigs; ++i) {
      msgs.push_back(Entry(i));
      sig.push_back(key.SignRaw(msgs.back()));
    }
    auto view = [&](uint64_t i) { return std::string_view(reinterpret_cast<const char*>(sig[i].data()), 64); };
    auto t = Clock::now();
    uint64_t ok = 0;
    for (uint64_t i = 0; i < sigs; ++i) {
      ok += crypto_sign_verify_detached(sig[i].data(), reinterpret_cast<const unsigned char*>(msgs[i].data()),
                                        msgs[i].size(), key.public_key().data()) == 0;
    }
    const double sodium_s = Secs(t);
    for (uint64_t i = 0; i < 32 && i < sigs; ++i) ledger::VerifyEd25519(key.public_key(), msgs[i], view(i));
    t = Clock::now();
    for (uint64_t i = 0; i < sigs; ++i) ok += ledger::VerifyEd25519(key.public_key(), msgs[i], view(i));
    const double jic_s = Secs(t);
    if (ok != 2 * sigs) {
      std::fprintf(stderr, "ed25519: %llu of %llu signatures verified\n", static_cast<unsigned long long>(ok),
                   static_cast<unsigned long long>(2 * sigs));
      return 1;
    }
    std::printf("{\"name\":\"ed25519\",\"sigs\":%llu,\"libsodium_per_s\":%.0f,\"jic_per_s\":%.0f,\"ratio\":%.2f}\n",
                static_cast<unsigned long long>(sigs), static_cast<double>(sigs) / sodium_s,
                static_cast<double>(sigs) / jic_s, sodium_s / jic_s);
    std::fflush(stdout);
  }
  std::vector<std::string> entries;
  entries.reserve(append_n);
  size_t bytes = 0;
  for (uint64_t i = 1; i <= append_n; ++i) {
    entries.push_back(Entry(i));
    bytes += entries.back().size();
  }

  {  // durable appends with the tree update
    char tmpl[] = "/tmp/jic-ledger-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    const std::string dir = tmpl;
    auto log = log::OpenSqliteLog(dir + "/log.sqlite");
    auto ledger = api::LedgerService::Open(dir, **log, "jic/bench");
    if (!log.ok() || !ledger.ok()) {
      std::fprintf(stderr, "cannot open the log or ledger\n");
      return 1;
    }
    auto t0 = Clock::now();
    double ledger_secs = 0;
    for (uint64_t i = 0; i < append_n; i += batch) {
      const uint64_t k = std::min(batch, append_n - i);
      std::span<const std::string> b(entries.data() + i, k);
      if (!(*log)->Append(i + 1, b).ok()) return 1;
      auto t1 = Clock::now();
      (*ledger)->Appended(i + 1, b);
      ledger_secs += Secs(t1);
    }
    const double secs = Secs(t0);
    std::printf("{\"name\":\"append\",\"entries\":%llu,\"batch\":%llu,\"mean_entry_bytes\":%zu,\"seconds\":%.3f,"
                "\"entries_per_s\":%.0f,\"ledger_share\":%.3f,\"ledger_only_entries_per_s\":%.0f}\n",
                static_cast<unsigned long long>(append_n), static_cast<unsigned long long>(batch),
                bytes / std::max<uint64_t>(append_n, 1), secs, static_cast<double>(append_n) / secs,
                ledger_secs / secs, static_cast<double>(append_n) / ledger_secs);
    ledger->reset();
    log->reset();
    std::filesystem::remove_all(dir);
  }
  {  // the tree alone
    ledger::MerkleTree tree;
    auto t0 = Clock::now();
    for (const auto& e : entries) tree.AppendEntry(e);
    const double secs = Secs(t0);
    std::printf("{\"name\":\"tree_append\",\"entries\":%llu,\"seconds\":%.3f,\"entries_per_s\":%.0f}\n",
                static_cast<unsigned long long>(append_n), secs, static_cast<double>(append_n) / secs);
  }
  entries.clear();
  entries.shrink_to_fit();

  // Proofs in a tree of n leaves (random leaf hashes: the proof does not care).
  ledger::MerkleTree tree;
  std::mt19937_64 rng(42);
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    ledger::Hash h;
    for (size_t j = 0; j < 32; j += 8) {
      uint64_t r = rng();
      std::memcpy(h.data() + j, &r, 8);
    }
    tree.Append(h);
  }
  const double build = Secs(t0);
  std::vector<double> us;
  us.reserve(queries);
  size_t path = 0;
  for (uint64_t q = 0; q < queries; ++q) {
    const uint64_t index = rng() % n, size = n - (rng() % std::max<uint64_t>(n / 1000, 1));
    auto a = Clock::now();
    auto proof = tree.InclusionProof(std::min(index, size - 1), size);
    us.push_back(Secs(a) * 1e6);
    path += proof->size();
  }
  std::printf("{\"name\":\"inclusion\",\"n\":%llu,\"build_s\":%.2f,\"queries\":%llu,\"mean_path\":%.1f,"
              "\"p50_us\":%.2f,\"p99_us\":%.2f}\n",
              static_cast<unsigned long long>(n), build, static_cast<unsigned long long>(queries),
              static_cast<double>(path) / static_cast<double>(queries), Percentile(us, 0.5), Percentile(us, 0.99));
  us.clear();
  for (uint64_t q = 0; q < queries; ++q) {
    uint64_t a = 1 + rng() % n, b = 1 + rng() % n;
    if (a > b) std::swap(a, b);
    auto t = Clock::now();
    auto proof = tree.ConsistencyProof(a, b);
    us.push_back(Secs(t) * 1e6);
  }
  std::printf("{\"name\":\"consistency\",\"n\":%llu,\"queries\":%llu,\"p50_us\":%.2f,\"p99_us\":%.2f}\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(queries), Percentile(us, 0.5),
              Percentile(us, 0.99));
  return 0;
}
