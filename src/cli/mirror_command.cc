// jic mirror: a party's own copy of the center's log, extended only through
// consistency proofs, so that the center cannot rewrite or fork its history
// unnoticed; optionally cosigns every checkpoint it verified
// (docs/ledger.md, "Verifying and mirroring").

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "jic/audit/ledger_source.h"
#include "jic/audit/log_verifier.h"

namespace jic::cli {

namespace {

constexpr int kExitForked = 3;

// Appends to a file and fsyncs.
Status AppendFile(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

class Mirror {
 public:
  Mirror(const MirrorArgs& args, ledger::VerifierKey key, std::optional<ledger::SignerKey> cosigner,
         std::unique_ptr<audit::HttpLedger> http)
      : args_(args), key_(std::move(key)), cosigner_(std::move(cosigner)), http_(std::move(http)) {}

  // Reads the folder's last verified checkpoint and checks the local copy
  // against it (cutting what an interrupted update left past it).
  int Load() {
    std::error_code ec;
    std::filesystem::create_directories(args_.dir, ec);
    if (ec) return Error("cannot create " + args_.dir + ": " + ec.message());
    Result<std::string> note = audit::ReadFile(Path(audit::kCheckpointFile));
    if (!note.ok()) {
      // A new mirror: entries without a checkpoint are an interrupted first update's.
      std::filesystem::remove(Path(audit::kEntriesFile), ec);
      std::filesystem::remove(Path(audit::kLeafHashesFile), ec);
      return kExitOk;
    }
    Result<audit::SignedCheckpoint> cp = audit::OpenCheckpoint(*note, key_);
    if (!cp.ok()) return Error(Path(audit::kCheckpointFile) + ": " + cp.status().ToString());
    const uint64_t m = cp->checkpoint.size;
    // entries.jsonl: the first m lines are the mirror's; cut anything after.
    Result<std::string> entries = audit::ReadFile(Path(audit::kEntriesFile));
    if (!entries.ok() && m > 0) return Error(entries.status().ToString());
    // Every entry is hashed again (SHA-256 is cheap beside a fetch): the copy
    // must still be what the mirror verified.
    uint64_t lines = 0;
    size_t end = 0;
    ledger::MerkleTree tree;
    if (entries.ok()) {
      while (lines < m) {
        const size_t nl = entries->find('\n', end);
        if (nl == std::string::npos) break;
        tree.AppendEntry(std::string_view(*entries).substr(end, nl - end));
        end = nl + 1;
        ++lines;
      }
    }
    if (lines < m || tree.Root() != cp->checkpoint.root) {
      return Error("the local copy in " + args_.dir + " does not match its checkpoint " + std::to_string(m) +
                   " (altered or damaged; `jic verify --dir` names the entry): refusing to extend it");
    }
    if (entries.ok() && end < entries->size()) {
      if (::truncate(Path(audit::kEntriesFile).c_str(), static_cast<off_t>(end)) != 0) {
        return Error("cannot cut " + Path(audit::kEntriesFile));
      }
    }
    std::string hashes;
    hashes.reserve(m * 32);
    for (uint64_t i = 0; i < tree.size(); ++i) hashes.append(ledger::AsBytes(tree.leaf(i)));
    Result<std::string> cached = audit::ReadFile(Path(audit::kLeafHashesFile));
    if (!cached.ok() || *cached != hashes) {
      if (Status s = audit::WriteFileAtomic(Path(audit::kLeafHashesFile), hashes); !s.ok()) return Error(s.ToString());
    }
    last_ = std::move(cp).value();
    tree_ = std::move(tree);
    return kExitOk;
  }

  // One update: 0 done, 1 failed (nothing changed), 3 the history was
  // rewritten or forked (evidence kept).
  int Update() {
    Result<std::string> note = http_->GetCheckpoint();
    if (!note.ok()) return Error(note.status().ToString());
    Result<audit::SignedCheckpoint> cp = audit::OpenCheckpoint(*note, key_);
    if (!cp.ok()) return Error("the center's checkpoint: " + cp.status().ToString());
    const ledger::Checkpoint& next = cp->checkpoint;
    const uint64_t m = last_ ? last_->checkpoint.size : 0, n = next.size;
    if (last_) {
      const ledger::Checkpoint& prev = last_->checkpoint;
      if (prev.origin != next.origin) {
        return Forked(*cp, {}, "the origin changed from '" + prev.origin + "' to '" + next.origin + "'");
      }
      if (n < m) {
        return Forked(*cp, {}, "the tree shrank from " + std::to_string(m) + " to " + std::to_string(n) + " entries");
      }
      if (n == m && next.root != prev.root) {
        return Forked(*cp, {}, "two different trees of size " + std::to_string(n) + ": roots " +
                                   ledger::ToBase64(prev.root) + " and " + ledger::ToBase64(next.root));
      }
      if (n > m && m > 0) {
        Result<std::vector<std::string>> proof = http_->GetConsistency(m, n);
        if (!proof.ok()) return Error(proof.status().ToString());
        if (Status s = ledger::VerifyConsistency(m, n, *proof, ledger::AsBytes(prev.root), ledger::AsBytes(next.root));
            !s.ok()) {
          return Forked(*cp, *proof,
                        "checkpoint " + std::to_string(n) + " is not an extension of checkpoint " + std::to_string(m) +
                            " (the consistency proof fails: " + s.ToString() +
                            "): entries the mirror holds were rewritten");
        }
      }
    }
    // The new entries, read through the tiles' entry bundles (immutable, so
    // cacheable in front of the center) and hashed as they come; kept only
    // when they give the signed root.
    const std::string entries_path = Path(audit::kEntriesFile);
    std::string lines, hashes;
    uint64_t at = m;
    auto rollback = [&] { tree_.Truncate(m); };
    while (at < n) {
      std::vector<std::string> page;
      // Whole bundles (40 of 256 entries) per round, so that no bundle but
      // the last is fetched twice.
      const uint64_t e = std::min(n, (at / 256 + 40) * 256);
      if (Status s = http_->GetEntriesByTiles(at, e, &page); !s.ok()) {
        rollback();
        return Error(s.ToString());
      }
      for (const std::string& entry : page) {
        if (entry.find('\n') != std::string::npos) {
          rollback();
          return Error("entry " + std::to_string(tree_.size() + 1) + " holds a newline: not a canonical entry");
        }
        tree_.AppendEntry(entry);
        hashes.append(ledger::AsBytes(tree_.leaf(tree_.size() - 1)));
        lines += entry;
        lines += '\n';
      }
      at = e;
      if (lines.size() > (64u << 20)) {  // write big catch-ups as they come
        if (Status s = AppendFile(entries_path, lines); !s.ok()) {
          rollback();
          return Error(s.ToString());
        }
        lines.clear();
      }
    }
    if (tree_.Root() != next.root) {
      std::string where;
      auto bad = audit::FirstBadLeaf(tree_, n, next.root, [&](uint64_t i) { return http_->GetInclusion(i, n); });
      if (bad.ok() && *bad) where = ": entry " + std::to_string(**bad + 1) + " is not the one in the tree";
      rollback();
      Cut(m);
      return Error("the entries the center served do not hash to its checkpoint " + std::to_string(n) + where);
    }
    if (Status s = AppendFile(entries_path, lines); !s.ok()) return Error(s.ToString());
    if (Status s = AppendFile(Path(audit::kLeafHashesFile), hashes); !s.ok()) return Error(s.ToString());
    if (Status s = audit::WriteFileAtomic(Path(audit::kCheckpointFile), cp->note); !s.ok()) return Error(s.ToString());
    last_ = std::move(cp).value();
    std::cout << "mirror: checkpoint " << n << " root " << ledger::ToBase64(next.root) << " verified"
              << (m > 0 && n > m ? ", consistent with " + std::to_string(m) : "") << ", " << (n - m)
              << " new entries" << std::flush;
    const int rc = Cosign();
    std::cout << "\n";
    return rc;
  }

 private:
  std::string Path(const char* name) const { return args_.dir + "/" + name; }

  int Error(const std::string& what) {
    std::cerr << "jic mirror: " << what << "\n";
    return kExitFailure;
  }

  // Cuts entries.jsonl and leaf-hashes back to the checkpoint's m entries.
  void Cut(uint64_t m) {
    Result<std::string> entries = audit::ReadFile(Path(audit::kEntriesFile));
    if (entries.ok()) {
      size_t end = 0;
      for (uint64_t i = 0; i < m; ++i) end = entries->find('\n', end) + 1;
      if (::truncate(Path(audit::kEntriesFile).c_str(), static_cast<off_t>(end)) != 0) {
        std::cerr << "jic mirror: cannot cut " << Path(audit::kEntriesFile) << "\n";
      }
    }
  }

  int Forked(const audit::SignedCheckpoint& next, const std::vector<std::string>& proof, const std::string& why) {
    const std::string dir = Path(audit::kEvidenceDir) + "/" + std::to_string(std::time(nullptr)) + "-" +
                            std::to_string(last_->checkpoint.size) + "-" + std::to_string(next.checkpoint.size);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string proof_text = "consistency proof from " + std::to_string(last_->checkpoint.size) + " to " +
                             std::to_string(next.checkpoint.size) + " as the center served it:\n";
    for (const std::string& h : proof) proof_text += ledger::ToBase64(h) + "\n";
    const bool kept = !ec && audit::WriteFileAtomic(dir + "/old.checkpoint", last_->note).ok() &&
                      audit::WriteFileAtomic(dir + "/new.checkpoint", next.note).ok() &&
                      audit::WriteFileAtomic(dir + "/reason.txt", why + "\n" + proof_text).ok();
    std::cerr << "\n"
              << "jic mirror: *** HISTORY REWRITTEN OR FORKED ***\n"
              << "jic mirror: the center at " << http_->url() << " signed checkpoint " << next.checkpoint.size
              << " (root " << ledger::ToBase64(next.checkpoint.root) << "), but " << why << ".\n"
              << "jic mirror: this mirror verified checkpoint " << last_->checkpoint.size << " (root "
              << ledger::ToBase64(last_->checkpoint.root) << ") earlier; both signed checkpoints "
              << (kept ? "are kept in " + dir + "/ (old.checkpoint, new.checkpoint): together they prove it"
                       : "could NOT be saved under " + dir)
              << ".\njic mirror: the mirror keeps its copy as it was and stops.\n";
    return kExitForked;
  }

  // Cosigns the last checkpoint unless it carries our cosignature already;
  // then keeps the note as the center serves it with every cosignature.
  int Cosign() {
    if (!cosigner_) return kExitOk;
    if (audit::CheckCosignature(*last_, cosigner_->verifier()).ok()) return kExitOk;
    const std::string text = last_->parsed.text;
    ledger::NoteSignature sig = ledger::Cosign(*cosigner_, text, static_cast<uint64_t>(std::time(nullptr)));
    audit::HttpClient::Response r = http_->PostCosignature(text, sig.Line());
    if (r.status != 201 && r.status != 200) {
      std::cout << "\n";
      return Error("POST /v1/ledger/cosignatures: " + (r.status ? "HTTP " + std::to_string(r.status) : "no answer") +
                   " " + r.body.substr(0, 300));
    }
    std::cout << ", cosigned as " << cosigner_->name();
    Result<std::string> note = http_->GetCheckpoint(last_->checkpoint.size);
    if (note.ok()) {
      Result<audit::SignedCheckpoint> cp = audit::OpenCheckpoint(*note, key_);
      if (cp.ok() && cp->parsed.text == text) {
        if (audit::WriteFileAtomic(Path(audit::kCheckpointFile), cp->note).ok()) last_ = std::move(cp).value();
      }
    }
    return kExitOk;
  }

  const MirrorArgs& args_;
  ledger::VerifierKey key_;
  std::optional<ledger::SignerKey> cosigner_;
  std::unique_ptr<audit::HttpLedger> http_;
  std::optional<audit::SignedCheckpoint> last_;
  ledger::MerkleTree tree_;
};

}  // namespace

int RunMirror(const MirrorArgs& args) {
  Result<ledger::VerifierKey> key = ledger::VerifierKey::Parse(args.key);
  if (!key.ok() || key->type != ledger::kAlgEd25519) {
    std::cerr << "--key: not a center verifier key (name+keyid+base64, type 0x01)"
              << (key.ok() ? "" : ": " + key.status().ToString()) << "\n";
    return kExitBadInput;
  }
  std::optional<ledger::SignerKey> cosigner;
  if (!args.cosign_key.empty()) {
    Result<std::string> text = audit::ReadFile(args.cosign_key);
    if (!text.ok()) {
      std::cerr << "--cosign-key: " << text.status().ToString() << "\n";
      return kExitBadInput;
    }
    Result<ledger::SignerKey> k = ledger::SignerKey::Parse(*text);
    if (!k.ok() || k->type() != ledger::kAlgCosignatureV1) {
      std::cerr << "--cosign-key: not a cosigner key (PRIVATE+KEY+..., type 0x04: `jic keygen --cosigner`)"
                << (k.ok() ? "" : ": " + k.status().ToString()) << "\n";
      return kExitBadInput;
    }
    cosigner = std::move(k).value();
  }
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
  Mirror mirror(args, std::move(key).value(), std::move(cosigner),
                std::make_unique<audit::HttpLedger>(std::move(client).value()));
  if (int rc = mirror.Load(); rc != kExitOk) return rc;
  for (;;) {
    const int rc = mirror.Update();
    if (args.once || rc == kExitForked) return rc;
    std::this_thread::sleep_for(std::chrono::duration<double>(args.interval));
  }
}

}  // namespace jic::cli
