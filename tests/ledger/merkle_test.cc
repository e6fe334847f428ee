#include "jic/ledger/merkle.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace jic::ledger {
namespace {

namespace fs = std::filesystem;

std::string Bytes(const Hash& h) { return std::string(AsBytes(h)); }

// The eight leaves of transparency-dev/merkle's test trees (tests/data/tlog/README.md).
std::vector<std::string> TestLeaves() {
  std::vector<std::string> hex = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                  "606162636465666768696a6b6c6d6e6f"};
  std::vector<std::string> out;
  for (auto& h : hex) out.push_back(FromHex(h).value());
  return out;
}

TEST(MerkleTest, RootsOfTheReferenceTrees) {
  const char* prefixes[] = {"6e340b9c", "fac54203", "aeb6bcfe", "d37ee418",
                            "4e3bbb1f", "76e67dad", "ddb89be4", "5dc9da79"};
  MerkleTree tree;
  std::vector<Hash> leaves;
  for (const auto& leaf : TestLeaves()) {
    tree.AppendEntry(leaf);
    leaves.push_back(LeafHash(leaf));
    const size_t n = tree.size();
    EXPECT_EQ(ToHex(tree.Root()).substr(0, 8), prefixes[n - 1]) << "size " << n;
    EXPECT_EQ(RootOf(leaves), tree.Root());
  }
  EXPECT_EQ(ToHex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(tree.Root(0).value(), EmptyRoot());
  EXPECT_FALSE(tree.Root(9).ok());
}

TEST(MerkleTest, LeafAndNodeHashesAreDomainSeparated) {
  // SHA-256(0x00) and SHA-256(0x01 || l || r), not SHA-256 of the bare data.
  EXPECT_EQ(ToHex(LeafHash("")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_NE(LeafHash("x"), Sha256("x"));
  Hash a = LeafHash("a"), b = LeafHash("b");
  EXPECT_EQ(NodeHash(a, b), Sha256("\x01" + Bytes(a) + Bytes(b)));
  EXPECT_NE(NodeHash(a, b), NodeHash(b, a));
}

// Every proof the tree makes verifies, for every size and index up to 70,
// and a proof for the wrong leaf, size or root does not.
TEST(MerkleTest, ProofsRoundTripAtEverySize) {
  MerkleTree tree;
  std::vector<Hash> leaves;
  for (int i = 0; i < 70; ++i) {
    tree.AppendEntry("entry " + std::to_string(i));
    leaves.push_back(tree.leaf(i));
  }
  auto strings = [](const std::vector<Hash>& p) {
    std::vector<std::string> out;
    for (auto& h : p) out.push_back(Bytes(h));
    return out;
  };
  for (uint64_t n = 1; n <= 70; ++n) {
    const Hash root = RootOf(std::span(leaves).first(n));
    ASSERT_EQ(tree.Root(n).value(), root);
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = strings(tree.InclusionProof(i, n).value());
      EXPECT_TRUE(VerifyInclusion(i, n, Bytes(leaves[i]), proof, Bytes(root)).ok()) << i << "/" << n;
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % n, n, Bytes(leaves[i]), proof, Bytes(root)).ok());
      }
      Hash wrong_root = root;
      wrong_root[31] ^= 0x80;
      EXPECT_FALSE(VerifyInclusion(i, n, Bytes(leaves[i]), proof, Bytes(wrong_root)).ok());
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = strings(tree.ConsistencyProof(m, n).value());
      const Hash root1 = RootOf(std::span(leaves).first(m));
      EXPECT_TRUE(VerifyConsistency(m, n, proof, Bytes(root1), Bytes(root)).ok()) << m << "->" << n;
      if (m < n) {
        Hash other = root1;
        other[0] ^= 1;
        EXPECT_FALSE(VerifyConsistency(m, n, proof, Bytes(other), Bytes(root)).ok());
        EXPECT_FALSE(VerifyConsistency(m, n, proof, Bytes(root1), Bytes(other)).ok());
      }
    }
  }
  EXPECT_FALSE(tree.InclusionProof(70, 70).ok());
  EXPECT_FALSE(tree.ConsistencyProof(0, 5).ok());
  EXPECT_FALSE(tree.ConsistencyProof(6, 5).ok());
  EXPECT_FALSE(tree.ConsistencyProof(5, 71).ok());
}

TEST(MerkleTest, TruncateForgetsTheTail) {
  MerkleTree a, b;
  for (int i = 0; i < 37; ++i) a.AppendEntry(std::to_string(i));
  for (int i = 0; i < 21; ++i) b.AppendEntry(std::to_string(i));
  a.Truncate(21);
  EXPECT_EQ(a.size(), 21u);
  EXPECT_EQ(a.Root(), b.Root());
  a.AppendEntry("x");
  b.AppendEntry("x");
  EXPECT_EQ(a.Root(), b.Root());
}

std::vector<std::string> ProofOf(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& p : j) out.push_back(FromBase64(p.get<std::string>()).value());
  }
  return out;
}

nlohmann::json ReadJson(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// transparency-dev/merkle's vectors (tests/data/tlog/): each must verify
// exactly when it says it should.
TEST(MerkleTest, PublishedInclusionVectors) {
  int files = 0, valid = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(JIC_SOURCE_DIR) / "tests/data/tlog/merkle/inclusion")) {
    if (e.path().extension() != ".json") continue;
    auto j = ReadJson(e.path());
    const bool want_err = j["wantErr"].get<bool>();
    Status s = VerifyInclusion(j["leafIdx"].get<uint64_t>(), j["treeSize"].get<uint64_t>(),
                               FromBase64(j["leafHash"].get<std::string>()).value(), ProofOf(j["proof"]),
                               FromBase64(j["root"].get<std::string>()).value());
    EXPECT_EQ(!s.ok(), want_err) << e.path() << ": " << s.ToString();
    ++files;
    valid += !want_err;
  }
  EXPECT_EQ(files, 98);
  EXPECT_EQ(valid, 6);
}

TEST(MerkleTest, PublishedConsistencyVectors) {
  int files = 0, valid = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(JIC_SOURCE_DIR) / "tests/data/tlog/merkle/consistency")) {
    if (e.path().extension() != ".json") continue;
    auto j = ReadJson(e.path());
    const bool want_err = j["wantErr"].get<bool>();
    Status s = VerifyConsistency(j["size1"].get<uint64_t>(), j["size2"].get<uint64_t>(), ProofOf(j["proof"]),
                                 FromBase64(j["root1"].get<std::string>()).value(),
                                 FromBase64(j["root2"].get<std::string>()).value());
    EXPECT_EQ(!s.ok(), want_err) << e.path() << ": " << s.ToString();
    ++files;
    valid += !want_err;
  }
  EXPECT_EQ(files, 98);
  EXPECT_GE(valid, 6);
}

TEST(MerkleTest, Base64AndHex) {
  EXPECT_EQ(ToBase64(std::string_view("hello")), "aGVsbG8=");
  EXPECT_EQ(FromBase64("aGVsbG8=").value(), "hello");
  EXPECT_FALSE(FromBase64("aGVsbG8").ok());
  EXPECT_FALSE(FromBase64("aGVs bG8=").ok());
  EXPECT_EQ(FromHex("00ff10").value(), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(FromHex("0g").ok());
}

}  // namespace
}  // namespace jic::ledger
