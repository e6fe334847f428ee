// RFC 6962 / RFC 9162 Merkle tree: hashing, proofs and their verification.
#include "jic/ledger/merkle.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <bit>
#include <cstring>

namespace jic::ledger {
namespace {

// The largest power of two smaller than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// SHA-256 over the concatenation of `parts`, with OpenSSL (SHA-NI or AVX2
// where the processor has them: several times libsodium's portable SHA-256,
// and the tree hashes every entry). One context per thread, reused.
Hash Sha256Parts(std::initializer_list<std::string_view> parts) {
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Ctx c;
  Hash out;
  EVP_DigestInit_ex(c.ctx, EVP_sha256(), nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(c.ctx, p.data(), p.size());
  unsigned int len = 0;
  EVP_DigestFinal_ex(c.ctx, out.data(), &len);
  return out;
}

Hash NodeHashBytes(std::string_view left, std::string_view right) {
  return Sha256Parts({std::string_view("\x01", 1), left, right});
}

std::string HashString(const Hash& h) { return std::string(AsBytes(h)); }

}  // namespace

Hash Sha256(std::string_view bytes) {
  Hash out;
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
  return out;
}

Hash LeafHash(std::string_view entry) { return Sha256Parts({std::string_view("\x00", 1), entry}); }

Hash NodeHash(const Hash& left, const Hash& right) {
  unsigned char buf[65];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  Hash out;
  SHA256(buf, sizeof buf, out.data());
  return out;
}

Hash EmptyRoot() { return Sha256(""); }

std::string ToBase64(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}
std::string ToBase64(const Hash& h) { return ToBase64(AsBytes(h)); }

Result<std::string> FromBase64(std::string_view b64) {
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size()) {
    return Status::Invalid("", "not standard base64 (RFC 4648 section 4, padded)");
  }
  out.resize(len);
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}
std::string ToHex(const Hash& h) { return ToHex(AsBytes(h)); }

Result<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::Invalid("", "odd number of hex digits");
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::Invalid("", "not a hex digit");
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// --- MerkleTree ---------------------------------------------------------------

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Every level whose count became even completes a parent.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (k + 1 == levels_.size()) levels_.emplace_back();
    const auto& lv = levels_[k];
    levels_[k + 1].push_back(NodeHash(lv[lv.size() - 2], lv[lv.size() - 1]));
  }
}

void MerkleTree::Truncate(uint64_t n) {
  for (size_t k = 0; k < levels_.size(); ++k) levels_[k].resize(std::min<uint64_t>(levels_[k].size(), n >> k));
  while (!levels_.empty() && levels_.back().empty()) levels_.pop_back();
}

Hash MerkleTree::Subtree(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    const int k = std::countr_zero(n);
    return levels_[k][begin >> k];
  }
  const uint64_t split = SplitPoint(n);
  return NodeHash(Subtree(begin, begin + split), Subtree(begin + split, end));
}

Result<Hash> MerkleTree::Root(uint64_t n) const {
  if (n > size()) return Status::Invalid("size", "larger than the tree (" + std::to_string(size()) + ")");
  if (n == 0) return EmptyRoot();
  return Subtree(0, n);
}

void MerkleTree::Path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash>* out) const {
  const uint64_t n = end - begin;
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(m, begin, begin + k, out);
    out->push_back(Subtree(begin + k, end));
  } else {
    Path(m - k, begin + k, end, out);
    out->push_back(Subtree(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index, uint64_t n) const {
  if (n > size()) return Status::Invalid("size", "larger than the tree (" + std::to_string(size()) + ")");
  if (index >= n) return Status::Invalid("index", "not below size");
  std::vector<Hash> out;
  Path(index, 0, n, &out);
  return out;
}

void MerkleTree::SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                          std::vector<Hash>* out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out->push_back(Subtree(begin, end));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, begin, begin + k, whole, out);
    out->push_back(Subtree(begin + k, end));
  } else {
    SubProof(m - k, begin + k, end, false, out);
    out->push_back(Subtree(begin, begin + k));
  }
}

Result<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t m, uint64_t n) const {
  if (n > size()) return Status::Invalid("second", "larger than the tree (" + std::to_string(size()) + ")");
  if (m == 0) return Status::Invalid("first", "must be at least 1");
  if (m > n) return Status::Invalid("first", "larger than second");
  std::vector<Hash> out;
  SubProof(m, 0, n, true, &out);
  return out;
}

Hash RootOf(std::span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  // Fold complete subtrees on a stack (the "compact range" of the tree).
  std::vector<std::pair<Hash, uint64_t>> stack;  // hash, size
  for (const Hash& h : leaves) {
    Hash cur = h;
    uint64_t sz = 1;
    while (!stack.empty() && stack.back().second == sz) {
      cur = NodeHash(stack.back().first, cur);
      sz *= 2;
      stack.pop_back();
    }
    stack.emplace_back(cur, sz);
  }
  Hash root = stack.back().first;
  for (size_t i = stack.size() - 1; i-- > 0;) root = NodeHash(stack[i].first, root);
  return root;
}

// --- verification (RFC 9162) -----------------------------------------------------

Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       std::span<const std::string> proof, std::string_view root) {
  if (index >= size) return Status::Invalid("index", "not below the tree size");
  if (leaf_hash.size() != 32) return Status::Invalid("leaf_hash", "not 32 bytes");
  if (root.size() != 32) return Status::Invalid("root", "not 32 bytes");
  uint64_t fn = index, sn = size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) return Status::Invalid("proof", "longer than the path to the root");
    if ((fn & 1) || fn == sn) {
      r = HashString(NodeHashBytes(p, r));
      if (!(fn & 1)) {
        while (!((fn & 1) || fn == 0)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashString(NodeHashBytes(r, p));
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Invalid("proof", "shorter than the path to the root");
  if (r != root) return Status::Invalid("proof", "does not lead to the root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const std::string> proof,
                         std::string_view root1, std::string_view root2) {
  if (size2 < size1) return Status::Invalid("size2", "smaller than size1");
  if (size1 == 0) return Status::Invalid("size1", "a proof from the empty tree is meaningless");
  if (size1 == size2) {
    if (!proof.empty()) return Status::Invalid("proof", "must be empty for equal sizes");
    if (root1 != root2) return Status::Invalid("root2", "differs from root1 at the same size");
    return Status::Ok();
  }
  if (proof.empty()) return Status::Invalid("proof", "empty");
  std::vector<std::string> path;
  if (std::has_single_bit(size1)) path.emplace_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const std::string& c = path[i];
    if (sn == 0) return Status::Invalid("proof", "longer than expected");
    if ((fn & 1) || fn == sn) {
      fr = HashString(NodeHashBytes(c, fr));
      sr = HashString(NodeHashBytes(c, sr));
      if (!(fn & 1)) {
        while (!((fn & 1) || fn == 0)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = HashString(NodeHashBytes(sr, c));
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Invalid("proof", "shorter than expected");
  if (fr != root1) return Status::Invalid("root1", "the proof does not lead to the first root");
  if (sr != root2) return Status::Invalid("root2", "the proof does not lead to the second root");
  return Status::Ok();
}

}  // namespace jic::ledger
