#include "jic/api/ledger_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "jic/api/json_log.h"

namespace jic::api {

namespace fs = std::filesystem;
using ledger::Hash;
using nlohmann::json;

namespace {

Status Errno(const std::string& what) { return Status::IoError(what + ": " + std::strerror(errno)); }

bool WriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json HashList(const std::vector<Hash>& hashes) {
  json out = json::array();
  for (const Hash& h : hashes) out.push_back(ledger::ToBase64(h));
  return out;
}

}  // namespace

LedgerService::~LedgerService() {
  for (int fd : {leaves_fd_, checkpoint_fd_, cosign_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

Result<std::unique_ptr<LedgerService>> LedgerService::Open(const fs::path& dir, const log::Log& log,
                                                           std::string origin) {
  std::unique_ptr<LedgerService> l(new LedgerService());
  l->dir_ = dir / "ledger";
  std::error_code ec;
  fs::create_directories(l->dir_, ec);
  if (ec) return Status::IoError("cannot create " + l->dir_.string() + ": " + ec.message());
  const fs::path key_path = l->dir_ / "center.key";
  if (fs::exists(key_path)) {
    auto text = ReadFile(key_path);
    if (!text.ok()) return text.status();
    auto key = ledger::SignerKey::Parse(*text);
    if (!key.ok()) return Status::Internal(key_path.string() + ": " + key.status().ToString());
    l->key_ = std::move(key).value();
  } else {
    // The origin names the log in every checkpoint (C2SP: a schema-less URL).
    for (char& c : origin) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == '+') c = '-';
    }
    l->key_ = ledger::SignerKey::Generate(origin);
    const std::string tmp = (l->dir_ / "center.key.tmp").string();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Errno("cannot create " + tmp);
    const std::string text = l->key_.Encode() + "\n";
    const bool ok = WriteAll(fd, text.data(), text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return Errno("cannot write " + tmp);
    if (::rename(tmp.c_str(), key_path.c_str()) != 0) return Errno("cannot rename " + tmp);
    std::ofstream(l->dir_ / "center.vkey") << l->key_.verifier().Encode() << "\n";
  }
  l->origin_ = l->key_.name();
  if (Status s = l->Load(log); !s.ok()) return s;
  return l;
}

Status LedgerService::Load(const log::Log& log) {
  const uint64_t log_size = log.next_seq() - 1;
  // The leaf hashes kept last time: a cache, trusted only as far as the log agrees.
  const fs::path leaves_path = dir_ / "leaves";
  uint64_t cached = 0;
  {
    auto bytes = fs::exists(leaves_path) ? ReadFile(leaves_path) : Result<std::string>(std::string());
    if (!bytes.ok()) return bytes.status();
    cached = std::min<uint64_t>(bytes->size() / 32, log_size);
    for (uint64_t i = 0; i < cached; ++i) {
      Hash h;
      std::memcpy(h.data(), bytes->data() + i * 32, 32);
      tree_.Append(h);
    }
  }
  auto rebuild_from = [&](uint64_t from_index) -> Status {
    tree_.Truncate(from_index);
    Status s = log.Read(from_index + 1, UINT64_MAX, [&](uint64_t, std::string_view bytes) {
      tree_.AppendEntry(bytes);
      return true;
    });
    return s;
  };
  // The last cached leaf must be the last entry's hash; else start afresh.
  if (cached > 0) {
    Hash last{};
    Status s = log.Read(cached, 1, [&](uint64_t, std::string_view bytes) {
      last = ledger::LeafHash(bytes);
      return false;
    });
    if (!s.ok()) return s;
    if (last != tree_.leaf(cached - 1)) {
      LogWarn("ledger leaf cache disagrees with the log; rebuilding", json{{"cached", cached}}.dump());
      cached = 0;
    }
  }
  if (Status s = rebuild_from(cached); !s.ok()) return s;

  // The last checkpoint this center signed must still hold.
  const fs::path cp_path = dir_ / "checkpoint";
  if (fs::exists(cp_path)) {
    auto text = ReadFile(cp_path);
    if (!text.ok()) return text.status();
    if (!text->empty()) {
      auto note = ledger::Note::Parse(*text);
      Result<ledger::Checkpoint> cp = note.ok() ? ledger::Checkpoint::Parse(note->text)
                                                : Result<ledger::Checkpoint>(note.status());
      bool signed_ok = note.ok() && cp.ok() && !note->signatures.empty() &&
                       ledger::VerifySignature(key_.verifier(), note->text, note->signatures[0]).ok();
      if (!signed_ok) {
        LogWarn("ledger checkpoint file unreadable; ignoring it", "{}");
      } else {
        auto holds = [&] { return cp->size <= tree_.size() && tree_.Root(cp->size).value() == cp->root; };
        if (!holds() && cached > 0) {
          LogWarn("ledger leaf cache disagrees with the last checkpoint; rebuilding", "{}");
          if (Status s = rebuild_from(0); !s.ok()) return s;
        }
        if (!holds()) {
          return Status::Internal(
              "the log does not match checkpoint " + std::to_string(cp->size) +
              " that this center signed: its history was changed or truncated (see docs/ledger.md)");
        }
      }
    }
  }
  // Rewrite the cache when it was not all good, then keep appending to it.
  leaves_fd_ = ::open(leaves_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (leaves_fd_ < 0) return Errno("cannot open " + leaves_path.string());
  if (::ftruncate(leaves_fd_, static_cast<off_t>(cached * 32)) != 0) return Errno("cannot truncate leaves");
  if (::lseek(leaves_fd_, static_cast<off_t>(cached * 32), SEEK_SET) < 0) return Errno("cannot seek leaves");
  for (uint64_t i = cached; i < tree_.size(); ++i) {
    if (!WriteAll(leaves_fd_, tree_.leaf(i).data(), 32)) return Errno("cannot write leaves");
  }
  checkpoint_fd_ = ::open(cp_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (checkpoint_fd_ < 0) return Errno("cannot open " + cp_path.string());

  // Cosignatures.
  const fs::path cs_path = dir_ / "cosignatures";
  if (fs::exists(cs_path)) {
    auto text = ReadFile(cs_path);
    if (!text.ok()) return text.status();
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      const size_t sp = line.find(' ');
      if (sp == std::string::npos) continue;
      const uint64_t size = std::strtoull(line.c_str(), nullptr, 10);
      auto parsed = ledger::Note::Parse("x\n\n" + line.substr(sp + 1) + "\n");
      if (!parsed.ok() || size > tree_.size()) continue;  // a torn last line
      cosignatures_[size].push_back(parsed->signatures[0]);
    }
  }
  cosign_fd_ = ::open(cs_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (cosign_fd_ < 0) return Errno("cannot open " + cs_path.string());

  latest_note_ = NoteAt(tree_.size());
  (void)!::pwrite(checkpoint_fd_, latest_note_.data(), latest_note_.size(), 0);
  (void)!::ftruncate(checkpoint_fd_, static_cast<off_t>(latest_note_.size()));
  LogInfo("ledger ready", json{{"origin", origin_}, {"size", tree_.size()},
                               {"key", key_.verifier().Encode()}, {"leaf_cache", cached}}
                              .dump());
  return Status::Ok();
}

ledger::Checkpoint LedgerService::CheckpointAt(uint64_t size) const {
  return ledger::Checkpoint{origin_, size, tree_.Root(size).value(), {}};
}

std::string LedgerService::NoteAt(uint64_t size) const {
  const std::string text = CheckpointAt(size).Text();
  ledger::Note note{text, {ledger::SignNote(key_, text)}};
  if (auto it = cosignatures_.find(size); it != cosignatures_.end()) {
    for (const auto& s : it->second) note.signatures.push_back(s);
  }
  return note.Encode();
}

void LedgerService::Appended(uint64_t first_seq, std::span<const std::string> entries) {
  std::vector<Hash> hashes;
  hashes.reserve(entries.size());
  for (const std::string& e : entries) hashes.push_back(ledger::LeafHash(e));
  std::string note;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (first_seq != tree_.size() + 1) {
      LogError("ledger out of step with the log",
               json{{"first_seq", first_seq}, {"tree_size", tree_.size()}}.dump());
      std::abort();
    }
    for (const Hash& h : hashes) tree_.Append(h);
    latest_note_ = NoteAt(tree_.size());
    note = latest_note_;
  }
  // The caches on disk (the log is the truth; see Load).
  if (!WriteAll(leaves_fd_, hashes.data(), hashes.size() * 32)) {
    LogWarn("cannot write the ledger leaf cache", json{{"error", std::strerror(errno)}}.dump());
  }
  if (::pwrite(checkpoint_fd_, note.data(), note.size(), 0) < 0 ||
      ::ftruncate(checkpoint_fd_, static_cast<off_t>(note.size())) != 0) {
    LogWarn("cannot write the ledger checkpoint", json{{"error", std::strerror(errno)}}.dump());
  }
}

Status LedgerService::AuditLog(const log::Log& log, const std::atomic<bool>& stop) const {
  const uint64_t n = size();
  Status bad;
  Status read = log.Read(1, n, [&](uint64_t seq, std::string_view bytes) {
    if (stop.load(std::memory_order_relaxed)) return false;
    const Hash h = ledger::LeafHash(bytes);
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (h != tree_.leaf(seq - 1)) {
      bad = Status::Internal("log entry " + std::to_string(seq) +
                             " does not hash to the leaf this center signed in its checkpoints: "
                             "the log was changed under the center (docs/ledger.md)");
      return false;
    }
    return true;
  });
  if (!read.ok()) return read;
  return bad;
}

uint64_t LedgerService::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return tree_.size();
}

Result<std::string> LedgerService::CheckpointNote(std::optional<uint64_t> size) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (!size) return latest_note_;
  if (*size > tree_.size()) {
    return Status::Invalid("size", "larger than the tree (" + std::to_string(tree_.size()) + ")");
  }
  return NoteAt(*size);
}

Result<std::string> LedgerService::CosignedCheckpointNote(const std::vector<std::string>& names) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (auto it = cosignatures_.rbegin(); it != cosignatures_.rend(); ++it) {
    bool all = true;
    for (const std::string& n : names) {
      bool found = false;
      for (const auto& s : it->second) found = found || s.name == n;
      all = all && found;
    }
    if (all) return NoteAt(it->first);
  }
  return Status::NotFound("no checkpoint is cosigned by all of them yet");
}

Result<std::string> LedgerService::InclusionProof(uint64_t index, uint64_t size) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto proof = tree_.InclusionProof(index, size);
  if (!proof.ok()) return proof.status();
  return json{{"index", index},
              {"size", size},
              {"leaf_hash", ledger::ToBase64(tree_.leaf(index))},
              {"root", ledger::ToBase64(tree_.Root(size).value())},
              {"proof", HashList(*proof)}}
      .dump();
}

Result<std::string> LedgerService::ConsistencyProof(uint64_t first, uint64_t second) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto proof = tree_.ConsistencyProof(first, second);
  if (!proof.ok()) return proof.status();
  return json{{"first", first}, {"second", second}, {"proof", HashList(*proof)}}.dump();
}

Result<std::string> LedgerService::Tile(uint64_t level, uint64_t index, uint64_t width) const {
  if (level > 63) return Status::Invalid("level", "must be 0-63");
  if (width < 1 || width > 256) return Status::Invalid("width", "must be 1-256");
  std::shared_lock<std::shared_mutex> lock(mu_);
  const uint64_t n = tree_.size();
  // The tile's hashes are subtrees of 2^(8 level) leaves; past 2^64 leaves
  // nothing exists.
  const uint64_t shift = 8 * level;
  auto missing = [&] {
    return Status::NotFound("tile " + std::to_string(level) + "/" + std::to_string(index) +
                            (width < 256 ? ".p/" + std::to_string(width) : "") +
                            ": the tree (size " + std::to_string(n) + ") does not hold it");
  };
  if (shift >= 64 || index > (UINT64_MAX >> shift) / 256) return missing();
  const uint64_t first = index * 256;          // the first hash's number at its level
  if (first + width > (n >> shift)) return missing();
  std::string out;
  out.reserve(width * 32);
  for (uint64_t i = 0; i < width; ++i) {
    const Hash& h = tree_.Node(static_cast<int>(shift), first + i);
    out.append(reinterpret_cast<const char*>(h.data()), h.size());
  }
  return out;
}

Result<Hash> LedgerService::LeafHash(uint64_t index) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (index >= tree_.size()) return Status::Invalid("index", "past the end of the tree");
  return tree_.leaf(index);
}

Result<std::string> LedgerService::AddCosignature(std::string_view checkpoint_text,
                                                  std::string_view cosignature,
                                                  const ledger::VerifierKey& key) {
  auto cp = ledger::Checkpoint::Parse(checkpoint_text);
  if (!cp.ok()) return Status::Invalid("checkpoint", cp.status().errors().empty() ? cp.status().ToString() : cp.status().errors()[0].reason);
  std::string line(cosignature);
  if (line.empty() || line.back() != '\n') line.push_back('\n');
  auto parsed = ledger::Note::Parse(std::string(checkpoint_text) + "\n" + line);
  if (!parsed.ok() || parsed->signatures.size() != 1) {
    return Status::Invalid("cosignature", "must be one signature line: '— <name> <base64>'");
  }
  const ledger::NoteSignature& sig = parsed->signatures[0];
  if (key.type != ledger::kAlgCosignatureV1) {
    return Status::Invalid("cosignature", "key '" + key.name + "' is not a cosigner key (type 0x04)");
  }
  if (Status s = ledger::VerifySignature(key, checkpoint_text, sig); !s.ok()) {
    return Status::Invalid("cosignature", s.errors().empty() ? s.ToString() : s.errors()[0].reason);
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (cp->origin != origin_) return Status::Conflict("the checkpoint is not of this log (origin '" + cp->origin + "')");
  if (cp->size > tree_.size() || tree_.Root(cp->size).value() != cp->root || !cp->extensions.empty()) {
    return Status::Conflict("the checkpoint is not one of this log's tree: size " +
                            std::to_string(cp->size) + " has another root here");
  }
  auto& list = cosignatures_[cp->size];
  for (auto& s : list) {
    if (s.name == sig.name) {
      if (ledger::CosignatureTime(s) >= ledger::CosignatureTime(sig)) {
        return json{{"size", cp->size}, {"name", sig.name}}.dump();
      }
    }
  }
  const std::string record = std::to_string(cp->size) + " " + sig.Line();
  if (!WriteAll(cosign_fd_, record.data(), record.size()) || ::fdatasync(cosign_fd_) != 0) {
    return Errno("cannot record the cosignature");
  }
  std::erase_if(list, [&](const ledger::NoteSignature& s) { return s.name == sig.name; });
  list.push_back(sig);
  if (cp->size == tree_.size()) latest_note_ = NoteAt(cp->size);
  return json{{"size", cp->size}, {"name", sig.name}}.dump();
}

}  // namespace jic::api
