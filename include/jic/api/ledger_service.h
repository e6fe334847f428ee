// LedgerService: the log as a transparency log (docs/ledger.md).
//
// Keeps the RFC 6962 Merkle tree over the log entries' exact bytes, signs a
// C2SP checkpoint of it after every commit batch with the center's Ed25519
// key, serves inclusion and consistency proofs, and keeps the parties'
// cosignatures (C2SP tlog-cosignature) of the checkpoints they verified.
//
// On disk, in DIR/ledger/:
//   center.key      the center's signer key (PRIVATE+KEY+..., mode 0600),
//                   made at the first start; its name is the log's origin
//   leaves          the leaf hashes, 32 bytes each: a cache, rebuilt from the
//                   log when it disagrees with it
//   checkpoint      the last signed checkpoint: at start, the tree rebuilt
//                   from the log must give its root, or the center refuses
//                   to start (its history was changed under it)
//   cosignatures    "<size> <signature line>" per line, synced before the
//                   cosigner hears back
//
// Thread-safety: Appended() from the coordinator's writer thread; every
// other method from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jic/base/status.h"
#include "jic/ledger/merkle.h"
#include "jic/ledger/note.h"
#include "jic/log/log.h"

namespace jic::api {

class LedgerService {
 public:
  // `origin`: the log's name in checkpoints, used when the key is made (a
  // later start keeps the key's name). `log`: read to rebuild the tree.
  static Result<std::unique_ptr<LedgerService>> Open(const std::filesystem::path& dir,
                                                     const log::Log& log, std::string origin);
  ~LedgerService();

  // Re-hashes every entry of `log` and compares with the tree (whose leaves
  // may come from the cache): Internal, naming the first entry that differs,
  // when the log was changed under the center. Stops early, OK, when `stop`
  // becomes true. `jic serve` runs it in the background after a start.
  Status AuditLog(const log::Log& log, const std::atomic<bool>& stop) const;

  // Entries first_seq, first_seq + 1, ... are durable: grow the tree, sign.
  void Appended(uint64_t first_seq, std::span<const std::string> entries);

  const std::string& origin() const { return origin_; }
  // The center's verifier key (Go note format: name+hex(id)+base64(0x01||key)).
  std::string verifier_key() const { return key_.verifier().Encode(); }
  uint64_t size() const;

  // The signed checkpoint of the tree of `size` leaves (nullopt: the
  // latest), with the cosignatures of that size. InvalidArgument past the end.
  Result<std::string> CheckpointNote(std::optional<uint64_t> size) const;
  // The newest checkpoint that carries a cosignature by each of `names`;
  // NotFound when there is none.
  Result<std::string> CosignedCheckpointNote(const std::vector<std::string>& names) const;
  // {"index", "size", "leaf_hash", "root", "proof"} (base64 hashes)
  Result<std::string> InclusionProof(uint64_t index, uint64_t size) const;
  // {"first", "second", "proof"}
  Result<std::string> ConsistencyProof(uint64_t first, uint64_t second) const;
  // The leaf hash of entry `index` (0-based).
  Result<ledger::Hash> LeafHash(uint64_t index) const;
  // Tile `index` of `level` in the C2SP tlog-tiles layout, `width` hashes
  // wide (256: a full tile; 1-255: a partial one): the concatenated 32-byte
  // Merkle Tree Hashes of D[(index*256 + i) * 256^level : (index*256 + i + 1)
  // * 256^level] for i < width. NotFound when the tree does not (yet) hold
  // all of them; InvalidArgument for a level above 63 or a width outside
  // 1-256.
  Result<std::string> Tile(uint64_t level, uint64_t index, uint64_t width) const;

  // Keeps `cosignature` (a signature line) of `checkpoint_text` by `key`
  // once it verifies and the text is a checkpoint of this tree. Durable on
  // return. InvalidArgument (malformed, does not verify), Conflict (not this
  // tree's checkpoint). Returns {"size", "name"}.
  Result<std::string> AddCosignature(std::string_view checkpoint_text, std::string_view cosignature,
                                     const ledger::VerifierKey& key);

 private:
  LedgerService() = default;
  Status Load(const log::Log& log);
  ledger::Checkpoint CheckpointAt(uint64_t size) const;  // REQUIRES: lock held
  std::string NoteAt(uint64_t size) const;               // REQUIRES: lock held

  std::filesystem::path dir_;
  std::string origin_;
  ledger::SignerKey key_ = ledger::SignerKey::FromSeed("unset", ledger::kAlgEd25519, {});
  int leaves_fd_ = -1;
  int checkpoint_fd_ = -1;
  int cosign_fd_ = -1;

  mutable std::shared_mutex mu_;
  ledger::MerkleTree tree_;                                    // guarded by mu_
  std::string latest_note_;                                    // guarded by mu_
  std::map<uint64_t, std::vector<ledger::NoteSignature>> cosignatures_;  // guarded by mu_
};

}  // namespace jic::api
