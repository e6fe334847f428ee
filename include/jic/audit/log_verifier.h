// The client side of the transparency log (docs/ledger.md, "Verifying and
// mirroring"): what `jic verify` and `jic mirror` check, without any I/O.
//
//   OpenCheckpoint    a signed note -> the checkpoint, when the center's key
//                     signed it
//   CheckCosignature  a valid cosignature/v1 by a given key is on the note
//   LogVerifier       fed every entry in order: hashes it into the tree,
//                     replays it through a fresh engine::Center (Recheck, then
//                     ApplyBytes), remembers the first entry that differs and
//                     the cosigner keys the log registered, by party
//   FirstBadLeaf      given authenticated inclusion proofs against a signed
//                     root, the first leaf whose bytes the verifier holds do
//                     not hash to the tree (a binary search: O(log n) proofs)
//
// Thread-safety: none (one verifier per thread).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jic/base/status.h"
#include "jic/ledger/merkle.h"
#include "jic/ledger/note.h"

namespace jic::engine {
class Center;
}

namespace jic::audit {

// A checkpoint whose center signature verified.
struct SignedCheckpoint {
  std::string note;  // the whole signed note, as received
  ledger::Note parsed;
  ledger::Checkpoint checkpoint;
};

// Parses `note` and checks it carries a valid signature by `center` (other
// signers' lines are ignored, as C2SP signed-note says). The error names what
// is wrong: not a note, not a checkpoint, no signature by the key, a
// signature that does not verify.
Result<SignedCheckpoint> OpenCheckpoint(std::string_view note, const ledger::VerifierKey& center);

// OK when the note carries a valid cosignature by `key` (type 0x04, or a
// note signature for a type 0x01 key).
Status CheckCosignature(const SignedCheckpoint& cp, const ledger::VerifierKey& key);

// An inclusion proof as a log source gives it (hashes as raw bytes).
struct InclusionProof {
  std::string leaf_hash;
  std::vector<std::string> proof;
};

// The index of the first leaf i < size for which `ours` (the leaf hashes the
// verifier computed from the entries it holds, possibly fewer or more than
// `size`) differs from the tree with root `root`, or nullopt when all of the
// first `size` agree. `prove(i)` fetches the inclusion proof of leaf i in the
// tree of `size`; a proof that does not verify against `root` is an error
// (the source contradicts its own checkpoint).
Result<std::optional<uint64_t>> FirstBadLeaf(
    const ledger::MerkleTree& ours, uint64_t size, const ledger::Hash& root,
    const std::function<Result<InclusionProof>(uint64_t index)>& prove);

// Where a log and its checkpoint part ways.
struct Failure {
  uint64_t seq = 0;      // the entry (from 1); 0 when none in particular
  std::string message;   // "entry 17 (operation.approve): decision differs: ..."
};

class LogVerifier {
 public:
  explicit LogVerifier(bool replay = true);
  ~LogVerifier();
  LogVerifier(const LogVerifier&) = delete;
  LogVerifier& operator=(const LogVerifier&) = delete;

  // Entry number size() + 1. After the first replay failure, entries are
  // only hashed (the state is no longer the center's).
  void Add(std::string_view bytes);

  uint64_t size() const { return tree_.size(); }
  const ledger::MerkleTree& tree() const { return tree_; }
  const std::optional<Failure>& replay_failure() const { return replay_failure_; }
  // The center the entries folded into (its agreement, users...).
  const engine::Center& center() const { return *center_; }

  // Cosigner keys (type 0x04) registered by key.register entries, by the
  // registering user's party.
  const std::map<std::string, std::vector<ledger::VerifierKey>>& cosigners_by_party() const {
    return cosigners_;
  }
  // The signatory parties of the agreement in force (empty before agreement.init).
  std::vector<std::string> Signatories() const;

 private:
  void Fail(uint64_t seq, std::string_view bytes, const std::string& why);

  bool replay_;
  std::unique_ptr<engine::Center> center_;
  ledger::MerkleTree tree_;
  std::optional<Failure> replay_failure_;
  std::map<std::string, std::vector<ledger::VerifierKey>> cosigners_;
};

// The entry's "type" and top-level "seq", read without a full parse ("" and
// 0 when absent), for messages.
std::string EntryType(std::string_view bytes);
uint64_t EntrySeq(std::string_view bytes);

// "entry 5: its bytes do not hash to the tree" and the like, for leaf
// `index`, given the entries the verifier holds (`entry_at(i)` gives the
// bytes of leaf i, or nullopt when it has none).
std::string DescribeBadLeaf(uint64_t index, uint64_t held,
                            const std::function<std::optional<std::string>(uint64_t)>& entry_at);

// Whether a checkpoint carries one valid cosignature per signatory party,
// with the keys the log registered. The error names each party missing.
Status CheckSignatories(const SignedCheckpoint& cp, const LogVerifier& log);

}  // namespace jic::audit
