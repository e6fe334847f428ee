// The Merkle tree of the ledger: RFC 6962 / RFC 9162 section 2.1 over the log
// entries' canonical bytes (docs/ledger.md).
//
//   leaf hash  SHA-256(0x00 || entry)
//   node hash  SHA-256(0x01 || left || right)
//
// MerkleTree keeps every complete aligned subtree hash, level by level (about
// two hashes per leaf), so a root, an inclusion proof or a consistency proof
// for any size up to the tree's costs O(log n) hash computations.
//
// The verifiers are free functions: they take what a client has (sizes,
// roots, proof) and say whether it holds.
//
// Thread-safety: MerkleTree is not synchronized (the caller guards it); the
// free functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jic/base/status.h"

namespace jic::ledger {

using Hash = std::array<uint8_t, 32>;

Hash Sha256(std::string_view bytes);
Hash LeafHash(std::string_view entry);
Hash NodeHash(const Hash& left, const Hash& right);
// The root of the empty tree: SHA-256 of nothing.
Hash EmptyRoot();

std::string ToBase64(std::string_view bytes);
std::string ToBase64(const Hash& h);
// Standard base64 (RFC 4648 section 4, with padding); nullopt-like error when malformed.
Result<std::string> FromBase64(std::string_view b64);
std::string ToHex(std::string_view bytes);
std::string ToHex(const Hash& h);
Result<std::string> FromHex(std::string_view hex);
inline std::string_view AsBytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

class MerkleTree {
 public:
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  void Append(const Hash& leaf_hash);
  void AppendEntry(std::string_view entry) { Append(LeafHash(entry)); }
  // Forgets everything after the first `n` leaves. REQUIRES: n <= size()
  void Truncate(uint64_t n);
  const Hash& leaf(uint64_t index) const { return levels_[0][index]; }
  const std::deque<Hash>& leaves() const {
    static const std::deque<Hash> kNone;
    return levels_.empty() ? kNone : levels_[0];
  }

  // The root of the tree of the first `n` leaves (EmptyRoot() for 0).
  // InvalidArgument when n > size().
  Result<Hash> Root(uint64_t n) const;
  Hash Root() const { return size() == 0 ? EmptyRoot() : Subtree(0, size()); }
  // MTH of leaves [index * 2^level, (index + 1) * 2^level): a complete
  // subtree, as tlog-tiles serve them. REQUIRES: (index + 1) << level <= size()
  const Hash& Node(int level, uint64_t index) const { return levels_[static_cast<size_t>(level)][index]; }
  // The audit path of leaf `index` in the tree of size `n` (RFC 9162 2.1.3.1).
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t n) const;
  // The consistency proof between sizes m and n (RFC 9162 2.1.4.1);
  // 0 < m <= n <= size().
  Result<std::vector<Hash>> ConsistencyProof(uint64_t m, uint64_t n) const;

 private:
  // MTH(D[begin:end]); begin is aligned as RFC 6962's recursion leaves it.
  Hash Subtree(uint64_t begin, uint64_t end) const;
  void Path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash>* out) const;
  void SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                std::vector<Hash>* out) const;

  // levels_[k][i]: the hash of leaves [i * 2^k, (i + 1) * 2^k). Deques: a
  // growing tree never copies what it holds (no stall at 10M leaves).
  std::vector<std::deque<Hash>> levels_;
};

// RFC 9162 2.1.3.2. The leaf hash and the root must be 32 bytes; a proof
// hash of another length cannot lead to the root.
Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       std::span<const std::string> proof, std::string_view root);
// RFC 9162 2.1.4.2. A proof from the empty tree (size1 = 0) is refused as
// meaningless; equal sizes need an empty proof and byte-equal roots (of any
// length: the choice of transparency-dev/merkle's reference verifier, whose
// vectors tests/data/tlog/ holds).
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const std::string> proof,
                         std::string_view root1, std::string_view root2);

// The root of the tree over the given leaf hashes (for verifiers that have
// all the entries; RFC 6962 MTH).
Hash RootOf(std::span<const Hash> leaf_hashes);

}  // namespace jic::ledger
