// jic verify: trusts nothing but the center's public key (and the cosigners'):
// checks the checkpoint's signatures, recomputes the Merkle root from every
// entry, replays every entry through a fresh engine::Center confirming every
// recorded decision, and names the first entry that differs
// (docs/ledger.md, "Verifying and mirroring").

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "jic/audit/ledger_source.h"
#include "jic/audit/log_verifier.h"

namespace jic::cli {

namespace {

using audit::Failure;
using nlohmann::json;

void Progress(uint64_t done, uint64_t total, double elapsed) {
  const int width = 40;
  const int fill = total ? static_cast<int>(width * done / total) : width;
  std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu entries  %.1f s", fill,
               "########################################", width - fill, "",
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), elapsed);
  std::fflush(stderr);
}

struct Page {
  Status status;
  std::vector<std::string> entries;
};

int Fail(const std::string& what) {
  std::cout << "verify: FAILED: " << what << "\n";
  return kExitFailure;
}

}  // namespace

int RunVerify(const VerifyArgs& args) {
  Result<ledger::VerifierKey> key = ledger::VerifierKey::Parse(args.key);
  if (!key.ok() || key->type != ledger::kAlgEd25519) {
    std::cerr << "--key: not a center verifier key (name+keyid+base64, type 0x01)"
              << (key.ok() ? "" : ": " + key.status().ToString()) << "\n";
    return kExitBadInput;
  }
  std::vector<ledger::VerifierKey> cosigners;
  for (const std::string& c : args.cosigners) {
    Result<ledger::VerifierKey> k = ledger::VerifierKey::Parse(c);
    if (!k.ok()) {
      std::cerr << "--cosigner " << c << ": " << k.status().ToString() << "\n";
      return kExitBadInput;
    }
    cosigners.push_back(std::move(k).value());
  }
  if (args.url.empty() == args.dir.empty()) {
    std::cerr << "give either --url (a running center) or --dir (a mirror's folder)\n";
    return kExitBadInput;
  }
  if (args.no_replay && args.require_signatories) {
    std::cerr << "--require-signatories needs the replay (it reads the agreement and keys from the log)\n";
    return kExitBadInput;
  }
  if (!args.dir.empty() && args.size) {
    std::cerr << "--size: only with --url (a folder holds one checkpoint)\n";
    return kExitBadInput;
  }

  // The source.
  std::unique_ptr<audit::HttpLedger> http;
  std::unique_ptr<audit::EntryFileReader> file;
  const std::string entries_path = args.dir + "/" + audit::kEntriesFile;
  std::string note;
  if (!args.url.empty()) {
    std::string token = args.token;
    if (token.empty()) {
      if (const char* t = std::getenv("JIC_TOKEN")) token = t;
    }
    if (token.empty()) {
      std::cerr << "--token: required (or JIC_TOKEN)\n";
      return kExitBadInput;
    }
    auto client = audit::HttpClient::Make(args.url, token);
    if (!client.ok()) {
      std::cerr << client.status().ToString() << "\n";
      return kExitBadInput;
    }
    http = std::make_unique<audit::HttpLedger>(std::move(client).value());
    // Demanding cosignatures: the newest checkpoint that carries them all
    // (the latest one may not have been cosigned yet).
    std::vector<std::string> names;
    for (const ledger::VerifierKey& c : cosigners) names.push_back(c.name);
    if (args.require_signatories && !args.size) {
      auto body = [&](const std::string& path) {
        Result<std::string> r = http->GetBody(path);
        return r.ok() ? *r : std::string();
      };
      json keys = json::parse(body("/v1/keys"), nullptr, false);
      json agreement = json::parse(body("/v1/agreement"), nullptr, false);
      if (keys.is_object() && agreement.is_object()) {
        for (const json& party : agreement["agreement"].value("signatories", json::array())) {
          std::vector<std::string> of_party;
          for (const json& k : keys.value("keys", json::array())) {
            if (k.value("type", "") == "cosignature" && k.value("party", "") == party) {
              of_party.push_back(k.value("name", ""));
            }
          }
          if (of_party.size() == 1) names.push_back(of_party[0]);
        }
      }
    }
    Result<std::string> n = Status::NotFound("");
    if (!names.empty() && !args.size) n = http->GetCosignedCheckpoint(names);
    if (!n.ok()) n = http->GetCheckpoint(args.size);
    if (!n.ok()) {
      std::cerr << n.status().ToString() << "\n";
      return kExitFailure;
    }
    note = std::move(n).value();
  } else {
    Result<std::string> n = audit::ReadFile(args.dir + "/" + audit::kCheckpointFile);
    if (!n.ok()) return Fail(n.status().ToString() + " (a mirror's folder holds checkpoint and entries.jsonl)");
    note = std::move(n).value();
    auto r = audit::EntryFileReader::Open(entries_path);
    if (!r.ok()) return Fail(r.status().ToString());
    file = std::move(r).value();
  }

  // 1. The checkpoint: the center's signature, then each demanded cosignature.
  Result<audit::SignedCheckpoint> cp = audit::OpenCheckpoint(note, *key);
  if (!cp.ok()) return Fail(cp.status().ToString());
  const uint64_t n = cp->checkpoint.size;
  for (const ledger::VerifierKey& c : cosigners) {
    if (Status s = audit::CheckCosignature(*cp, c); !s.ok()) {
      return Fail("checkpoint " + std::to_string(n) + ": " + s.errors()[0].reason);
    }
  }

  // 2. Every entry: hashed into the tree and replayed.
  audit::LogVerifier verifier(!args.no_replay);
  const bool tty = ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::optional<Failure> hash_failure;
  if (http) {
    // Through the C2SP entry bundles, as `jic mirror` reads: raw bytes, no
    // JSON to unescape, immutable (any cache in front of the center serves
    // them), in whole tiles of 256 but for the last.
    auto fetch = [&http](uint64_t s, uint64_t e) {
      Page p;
      p.status = http->GetEntriesByTiles(s, e, &p.entries);
      return p;
    };
    const uint64_t kChunk = 256 * 4;
    std::future<Page> next;
    if (n > 0) next = std::async(std::launch::async, fetch, 0, std::min(n, kChunk));
    for (uint64_t at = 0; at < n;) {
      Page page = next.get();
      if (!page.status.ok()) {
        if (tty) std::fprintf(stderr, "\n");
        std::cerr << page.status.ToString() << "\n";
        return kExitFailure;
      }
      const uint64_t after = at + page.entries.size();
      // Fetch the next pages while these are replayed.
      if (after < n) next = std::async(std::launch::async, fetch, after, std::min(n, after + kChunk));
      for (const std::string& e : page.entries) verifier.Add(e);
      at = after;
      if (tty) Progress(at, n, elapsed());
    }
  } else {
    uint64_t count = 0;
    while (count < n) {
      std::optional<std::string> line = file->Next();
      if (!line) break;
      verifier.Add(*line);
      ++count;
      if (tty && count % 4096 == 0) Progress(count, n, elapsed());
    }
    if (tty) Progress(count, n, elapsed());
    if (count == n && file->Next()) {
      hash_failure = Failure{n + 1, "entry " + std::to_string(n + 1) + ": not covered by the checkpoint (size " +
                                        std::to_string(n) + "): " + entries_path +
                                        " holds more entries than the center signed"};
    }
  }
  if (tty) std::fprintf(stderr, "\n");
  const double secs = elapsed();

  // 3. The root. When it differs, find the first entry that does not hash
  // to the signed tree, with proofs checked against the signed root.
  const uint64_t held = verifier.size();
  const ledger::Hash root = cp->checkpoint.root;
  if (held != n || verifier.tree().Root() != root) {
    std::function<Result<audit::InclusionProof>(uint64_t)> prove;
    std::function<std::optional<std::string>(uint64_t)> entry_at;
    std::optional<ledger::MerkleTree> cache;
    if (http) {
      prove = [&](uint64_t i) { return http->GetInclusion(i, n); };
      entry_at = [&](uint64_t i) -> std::optional<std::string> {
        std::vector<std::string> one;
        if (!http->GetEntries(i, i + 1, &one).ok() || one.empty()) return std::nullopt;
        return one[0];
      };
    } else {
      cache = audit::ReadLeafHashes(args.dir + "/" + audit::kLeafHashesFile);
      if (cache && cache->size() >= n && cache->Root(n).ok() && *cache->Root(n) == root) {
        prove = [&](uint64_t i) -> Result<audit::InclusionProof> {
          auto p = cache->InclusionProof(i, n);
          if (!p.ok()) return p.status();
          audit::InclusionProof out{std::string(ledger::AsBytes(cache->leaf(i))), {}};
          for (const ledger::Hash& h : *p) out.proof.emplace_back(ledger::AsBytes(h));
          return out;
        };
      }
      entry_at = [&](uint64_t i) -> std::optional<std::string> {
        auto r = audit::EntryFileReader::Open(entries_path);
        if (!r.ok()) return std::nullopt;
        std::optional<std::string> line;
        for (uint64_t k = 0; k <= i; ++k) line = (*r)->Next();
        return line;
      };
    }
    if (prove) {
      auto bad = audit::FirstBadLeaf(verifier.tree(), n, root, prove);
      if (!bad.ok()) {
        hash_failure = Failure{0, bad.status().ToString()};
      } else if (*bad) {
        hash_failure = Failure{**bad + 1, audit::DescribeBadLeaf(**bad, held, entry_at)};
      }
    }
    if (!hash_failure) {
      std::string what = held != n ? "the log holds " + std::to_string(held) + " entries, the checkpoint covers " +
                                         std::to_string(n)
                                   : "the entries do not hash to the checkpoint's root " + ledger::ToBase64(root) +
                                         " (they give " + ledger::ToBase64(verifier.tree().Root()) + ")";
      hash_failure = Failure{0, what + (args.dir.empty() ? "" : "; the checkpoint is of another tree, or the "
                                                                  "entries were altered (no trusted leaf-hash cache "
                                                                  "to name which)")};
    }
  }

  // 4. The first failure of either kind.
  const std::optional<Failure>& replay = verifier.replay_failure();
  if (hash_failure && (!replay || hash_failure->seq == 0 || hash_failure->seq <= replay->seq)) {
    if (replay && hash_failure->seq == 0) std::cout << "verify: " << replay->message << "\n";
    return Fail(hash_failure->message);
  }
  if (replay) return Fail(replay->message);

  // 5. Every signatory's cosignature, with the keys the log registered.
  if (args.require_signatories) {
    if (Status s = audit::CheckSignatories(*cp, verifier); !s.ok()) return Fail(s.errors()[0].reason);
  }

  std::string cosigned;
  for (const ledger::NoteSignature& s : cp->parsed.signatures) {
    if (ledger::CosignatureTime(s) == 0) continue;
    for (const ledger::VerifierKey& c : cosigners) {
      if (c.name == s.name) cosigned += (cosigned.empty() ? "" : ", ") + c.name;
    }
    for (const auto& [party, keys] : verifier.cosigners_by_party()) {
      for (const ledger::VerifierKey& k : keys) {
        if (k.name == s.name && audit::CheckCosignature(*cp, k).ok() &&
            cosigned.find(k.name) == std::string::npos) {
          cosigned += (cosigned.empty() ? "" : ", ") + k.name + " (" + party + ")";
        }
      }
    }
  }
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.0f", secs > 0 ? static_cast<double>(n) / secs : 0.0);
  std::cout << "verify: OK: checkpoint " << n << " of " << cp->checkpoint.origin << " signed by " << key->name
            << (cosigned.empty() ? "" : ", cosigned by " + cosigned) << "; " << n << " entries hash to root "
            << ledger::ToBase64(root)
            << (args.no_replay ? "" : "; every entry replayed, every decision re-derived") << " (" << secs
            << " s, " << rate << " entries/s)\n";
  return kExitOk;
}

}  // namespace jic::cli
