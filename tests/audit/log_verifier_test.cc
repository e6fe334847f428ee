// The client side of the transparency log: checkpoints opened with the
// center's key, cosignatures, the first entry that does not hash to a signed
// tree (with proofs only), and the replay that confirms every decision.

#include "jic/audit/log_verifier.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/center.h"

namespace jic::audit {
namespace {

using ledger::Hash;
using ledger::MerkleTree;
using nlohmann::json;

std::array<uint8_t, 32> Seed(uint8_t b) {
  std::array<uint8_t, 32> s;
  s.fill(b);
  return s;
}

const ledger::SignerKey kCenter = ledger::SignerKey::FromSeed("jic.example/log", ledger::kAlgEd25519, Seed(1));

std::string SignedNote(const ledger::Checkpoint& c, const ledger::SignerKey& key = kCenter) {
  return ledger::Note{c.Text(), {ledger::SignNote(key, c.Text())}}.Encode();
}

// --- checkpoints ---

TEST(OpenCheckpointTest, AcceptsTheCentersSignatureOnly) {
  ledger::Checkpoint c{"jic.example/log", 7, ledger::LeafHash("r"), {}};
  auto ok = OpenCheckpoint(SignedNote(c), kCenter.verifier());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->checkpoint, c);

  // Same name, another key: refused, and said so.
  auto impostor = ledger::SignerKey::FromSeed("jic.example/log", ledger::kAlgEd25519, Seed(2));
  auto bad = OpenCheckpoint(SignedNote(c, impostor), kCenter.verifier());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("no signature by the center's key"), std::string::npos)
      << bad.status().ToString();

  // The text altered after signing.
  std::string note = SignedNote(c);
  note.replace(note.find("\n7\n"), 3, "\n8\n");
  bad = OpenCheckpoint(note, kCenter.verifier());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("does not verify"), std::string::npos) << bad.status().ToString();

  EXPECT_FALSE(OpenCheckpoint("hello\n", kCenter.verifier()).ok());
}

TEST(OpenCheckpointTest, Cosignatures) {
  ledger::Checkpoint c{"jic.example/log", 7, ledger::LeafHash("r"), {}};
  auto us = ledger::SignerKey::FromSeed("us/mirror", ledger::kAlgCosignatureV1, Seed(3));
  auto ru = ledger::SignerKey::FromSeed("ru/mirror", ledger::kAlgCosignatureV1, Seed(4));
  ledger::Note n{c.Text(), {ledger::SignNote(kCenter, c.Text()), ledger::Cosign(us, c.Text(), 1700000000)}};
  auto cp = OpenCheckpoint(n.Encode(), kCenter.verifier());
  ASSERT_TRUE(cp.ok());
  EXPECT_TRUE(CheckCosignature(*cp, us.verifier()).ok());
  Status missing = CheckCosignature(*cp, ru.verifier());
  EXPECT_NE(missing.ToString().find("no cosignature by ru/mirror"), std::string::npos) << missing.ToString();
  // A cosignature over another checkpoint, pasted on this one.
  ledger::Checkpoint other = c;
  other.size = 8;
  ledger::Note pasted{c.Text(), {ledger::SignNote(kCenter, c.Text()), ledger::Cosign(ru, other.Text(), 1)}};
  auto cp2 = OpenCheckpoint(pasted.Encode(), kCenter.verifier());
  ASSERT_TRUE(cp2.ok());
  EXPECT_NE(CheckCosignature(*cp2, ru.verifier()).ToString().find("does not verify"), std::string::npos);
}

// Standard base64 key material may hold '+': such keys parse (about half
// of all random keys have one).
TEST(KeysTest, KeyMaterialWithAPlusParses) {
  int seen = 0;
  for (int b = 0; b < 64 && seen < 3; ++b) {
    auto k = ledger::SignerKey::FromSeed("us.jic.example/mirror", ledger::kAlgCosignatureV1, Seed(static_cast<uint8_t>(b)));
    const std::string v = k.verifier().Encode(), sk = k.Encode();
    if (v.find('+', v.find('+', v.find('+') + 1) + 1) == std::string::npos &&
        sk.find('+', sk.rfind("mirror+") + 16) == std::string::npos) {
      continue;
    }
    ++seen;
    auto pv = ledger::VerifierKey::Parse(v);
    ASSERT_TRUE(pv.ok()) << v << ": " << pv.status().ToString();
    EXPECT_EQ(pv->public_key, k.public_key());
    auto ps = ledger::SignerKey::Parse(sk);
    ASSERT_TRUE(ps.ok()) << ps.status().ToString();
    EXPECT_EQ(ps->key_id(), k.key_id());
  }
  EXPECT_GT(seen, 0);
}

// --- the first leaf that differs ---

std::vector<std::string> Entries(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("{\"seq\":" + std::to_string(i) + ",\"x\":" + std::to_string(i * 7) + "}");
  return out;
}

MerkleTree TreeOf(const std::vector<std::string>& entries) {
  MerkleTree t;
  for (const auto& e : entries) t.AppendEntry(e);
  return t;
}

std::optional<uint64_t> FirstBad(const std::vector<std::string>& held, const MerkleTree& real) {
  const uint64_t n = real.size();
  auto r = FirstBadLeaf(TreeOf(held), n, real.Root(), [&](uint64_t i) -> Result<InclusionProof> {
    auto p = real.InclusionProof(i, n);
    if (!p.ok()) return p.status();
    InclusionProof out{std::string(ledger::AsBytes(real.leaf(i))), {}};
    for (const Hash& h : *p) out.proof.emplace_back(ledger::AsBytes(h));
    return out;
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}

TEST(FirstBadLeafTest, NamesTheFirstTamperedEntry) {
  for (int n : {1, 2, 3, 7, 8, 9, 37, 64, 100}) {
    SCOPED_TRACE(n);
    const auto real = Entries(n);
    const MerkleTree tree = TreeOf(real);
    EXPECT_EQ(FirstBad(real, tree), std::nullopt);
    for (int k = 0; k < n; ++k) {
      auto flipped = real;
      flipped[k][3] ^= 1;
      EXPECT_EQ(FirstBad(flipped, tree), std::optional<uint64_t>(k));
      auto dropped = real;
      dropped.erase(dropped.begin() + k);
      EXPECT_EQ(FirstBad(dropped, tree), std::optional<uint64_t>(k));
      auto truncated = std::vector<std::string>(real.begin(), real.begin() + k);
      EXPECT_EQ(FirstBad(truncated, tree), std::optional<uint64_t>(k));
      if (k + 1 < n) {
        auto swapped = real;
        std::swap(swapped[k], swapped[k + 1]);
        EXPECT_EQ(FirstBad(swapped, tree), std::optional<uint64_t>(k));
      }
    }
    auto longer = real;
    longer.push_back("{\"extra\":1}");
    EXPECT_EQ(FirstBad(longer, tree), std::nullopt);  // the first n agree
  }
}

TEST(FirstBadLeafTest, AProofAgainstAnotherRootIsAnError) {
  const auto real = Entries(10);
  const MerkleTree tree = TreeOf(real);
  auto other = real;
  other[9] = "{}";
  const MerkleTree forged = TreeOf(other);
  auto r = FirstBadLeaf(tree, 10, tree.Root(), [&](uint64_t i) -> Result<InclusionProof> {
    InclusionProof out{std::string(ledger::AsBytes(forged.leaf(i))), {}};
    auto proof = forged.InclusionProof(i, 10);
    for (const Hash& h : *proof) out.proof.emplace_back(ledger::AsBytes(h));
    return out;
  });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("does not verify against the checkpoint"), std::string::npos);
}

TEST(DescribeBadLeafTest, SaysWhatHappened) {
  auto at = [](std::string bytes) {
    return [bytes](uint64_t) -> std::optional<std::string> { return bytes; };
  };
  EXPECT_EQ(DescribeBadLeaf(4, 10, at(R"({"seq":5,"type":"operation.notify","v":1})")),
            "entry 5 (operation.notify): its bytes do not hash to the tree (altered)");
  EXPECT_NE(DescribeBadLeaf(4, 10, at(R"({"seq":6,"type":"operation.notify","v":1})")).find("out of place: position 5 holds entry 6"),
            std::string::npos);
  EXPECT_NE(DescribeBadLeaf(10, 10, at("")).find("entry 11: missing"), std::string::npos);
  EXPECT_EQ(EntrySeq(R"({"result":{"approvals":[{"seq":2}]},"seq":9,"type":"x","v":1})"), 9u);
  EXPECT_EQ(EntryType(R"({"command":{"type":"conflict"},"seq":9,"type":"alert.raise","v":1})"), "alert.raise");
}

// --- the replay ---

const std::string kAgreement = std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml";

class LogBuilder {
 public:
  LogBuilder() {
    std::ifstream f(kAgreement);
    std::stringstream ss;
    ss << f.rdbuf();
    auto doc = agreement::AgreementToCanonicalJson(ss.str());
    EXPECT_TRUE(doc.ok());
    Do(engine::kAgreementInit, {"test", "", engine::Role::kSystem}, json{{"agreement", json::parse(*doc)}}.dump());
    for (auto [name, party] : {std::pair{"ivan", "RU"}, std::pair{"sam", "US"}}) {
      Do(engine::kUserAdd, {"test", "", engine::Role::kSystem},
         json{{"name", name}, {"party", party}, {"role", name == std::string("ivan") ? "planner" : "officer"}, {"token_hash", engine::HashToken(name)}}.dump());
    }
  }

  void Do(std::string_view type, engine::Actor actor, std::string body, std::string target = "") {
    engine::Command c;
    c.type = std::string(type);
    c.actor = std::move(actor);
    c.body = std::move(body);
    c.target = std::move(target);
    now = now + Duration::Seconds(60);
    auto p = center.Prepare(c, now, center.last_seq() + 1);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    ASSERT_TRUE(center.Apply(center.last_seq() + 1, *p->entry).ok());
    log.push_back(p->bytes);
  }

  void Notify(double lat) {
    json op{{"operator", "RU"},
            {"category", "transport"},
            {"aircraft", json::array({json{{"callsign", "X1"}, {"icao24", "15c0a1"}}})},
            {"volumes",
             json::array({json{{"volume",
                                {{"outline_polygon",
                                  {{"vertices", json::array({json{{"lat", lat}, {"lng", 39.0}},
                                                             json{{"lat", lat}, {"lng", 39.01}},
                                                             json{{"lat", lat + 0.01}, {"lng", 39.01}}})}}},
                                 {"altitude_lower", {{"value", 500}, {"reference", "W84"}, {"units", "M"}}},
                                 {"altitude_upper", {{"value", 3000}, {"reference", "W84"}, {"units", "M"}}}}},
                               {"time_start", {{"value", "2016-07-20T10:00:00Z"}, {"format", "RFC3339"}}},
                               {"time_end", {{"value", "2016-07-20T11:00:00Z"}, {"format", "RFC3339"}}}}})}};
    Do(engine::kOperationNotify, {"ivan", "RU", engine::Role::kPlanner}, op.dump());
  }

  engine::Center center;
  std::vector<std::string> log;
  Time now = *ParseRfc3339("2016-07-20T06:00:00Z");
};

TEST(LogVerifierTest, ReplaysAnHonestLogAndLearnsCosignerKeys) {
  LogBuilder b;
  for (int i = 0; i < 5; ++i) b.Notify(35.0 + i * 0.1);
  auto us = ledger::SignerKey::FromSeed("us/mirror", ledger::kAlgCosignatureV1, Seed(5));
  b.Do(engine::kKeyRegister, {"sam", "US", engine::Role::kOfficer}, json{{"key", us.verifier().Encode()}}.dump());
  LogVerifier v;
  for (const auto& e : b.log) v.Add(e);
  EXPECT_FALSE(v.replay_failure()) << v.replay_failure()->message;
  EXPECT_EQ(v.size(), b.log.size());
  ASSERT_EQ(v.cosigners_by_party().count("US"), 1u);
  EXPECT_EQ(v.cosigners_by_party().at("US")[0].key_id, us.key_id());
  EXPECT_EQ(v.Signatories(), (std::vector<std::string>{"US", "RU"}));

  // Signatories: US cosigned, RU did not.
  ledger::Checkpoint c{"jic.example/log", v.size(), v.tree().Root(), {}};
  ledger::Note n{c.Text(), {ledger::SignNote(kCenter, c.Text()), ledger::Cosign(us, c.Text(), 1)}};
  auto cp = OpenCheckpoint(n.Encode(), kCenter.verifier());
  ASSERT_TRUE(cp.ok());
  Status s = CheckSignatories(*cp, v);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("signatory party RU (it registered no cosigner key)"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(s.ToString().find("US"), std::string::npos) << s.ToString();
}

TEST(LogVerifierTest, NamesTheFirstEntryWhoseDecisionDiffers) {
  LogBuilder b;
  for (int i = 0; i < 4; ++i) b.Notify(35.0 + i * 0.1);
  // Entry 5 (the second notification) says rejected where the center accepted.
  std::string& e = b.log[4];
  json j = json::parse(e);
  ASSERT_TRUE(j["result"]["decision"].contains("outcome"));
  const std::string was = j["result"]["decision"]["outcome"];
  j["result"]["decision"]["outcome"] = was == "rejected" ? "accepted" : "rejected";
  e = j.dump();
  LogVerifier v;
  for (const auto& x : b.log) v.Add(x);
  ASSERT_TRUE(v.replay_failure());
  EXPECT_EQ(v.replay_failure()->seq, 5u);
  EXPECT_EQ(v.replay_failure()->message.rfind("entry 5 (operation.notify): ", 0), 0u) << v.replay_failure()->message;
  EXPECT_NE(v.replay_failure()->message.find("differs"), std::string::npos) << v.replay_failure()->message;
  EXPECT_EQ(v.size(), b.log.size());  // hashed to the end all the same
}

TEST(LogVerifierTest, AMissingEntryIsNamedByItsSeq) {
  LogBuilder b;
  for (int i = 0; i < 3; ++i) b.Notify(35.0 + i * 0.1);
  b.log.erase(b.log.begin() + 3);
  LogVerifier v;
  for (const auto& x : b.log) v.Add(x);
  ASSERT_TRUE(v.replay_failure());
  EXPECT_EQ(v.replay_failure()->seq, 4u);
  EXPECT_NE(v.replay_failure()->message.find("records seq 5"), std::string::npos) << v.replay_failure()->message;
}

}  // namespace
}  // namespace jic::audit
