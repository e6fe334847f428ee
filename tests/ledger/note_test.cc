#include "jic/ledger/note.h"

#include <gtest/gtest.h>

namespace jic::ledger {
namespace {

std::array<uint8_t, 32> Seed(uint8_t b) {
  std::array<uint8_t, 32> s;
  s.fill(b);
  return s;
}

TEST(NoteTest, SignerAndVerifierKeysRoundTrip) {
  SignerKey k = SignerKey::FromSeed("jic.example/center", kAlgEd25519, Seed(7));
  auto parsed = SignerKey::Parse(k.Encode());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->public_key(), k.public_key());
  EXPECT_EQ(parsed->key_id(), k.key_id());
  EXPECT_EQ(k.Encode().rfind("PRIVATE+KEY+jic.example/center+", 0), 0u);
  auto v = VerifierKey::Parse(k.verifier().Encode());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->public_key, k.public_key());
  EXPECT_EQ(v->key_id, KeyId("jic.example/center", kAlgEd25519, k.public_key()));
  // The same key as a cosigner has another key ID.
  EXPECT_NE(k.WithType(kAlgCosignatureV1).key_id(), k.key_id());
}

TEST(NoteTest, BadKeysAreRefusedWithAReason) {
  SignerKey k = SignerKey::FromSeed("center", kAlgEd25519, Seed(1));
  std::string v = k.verifier().Encode();
  EXPECT_FALSE(VerifierKey::Parse("center+00000000+" + v.substr(v.rfind('+') + 1)).ok());  // wrong id
  EXPECT_FALSE(VerifierKey::Parse("center").ok());
  EXPECT_FALSE(VerifierKey::Parse("cen ter+" + v.substr(7)).ok());
  EXPECT_FALSE(SignerKey::Parse(v).ok());
  EXPECT_FALSE(SignerKey::Parse("PRIVATE+KEY+center+12345678+AAAA").ok());
}

TEST(NoteTest, CheckpointTextAndParse) {
  Checkpoint c{"jic.example/syria-2016", 42, LeafHash("x"), {}};
  const std::string text = c.Text();
  EXPECT_EQ(text, "jic.example/syria-2016\n42\n" + ToBase64(LeafHash("x")) + "\n");
  auto back = Checkpoint::Parse(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  EXPECT_FALSE(Checkpoint::Parse("origin\n042\n" + ToBase64(LeafHash("x")) + "\n").ok());
  EXPECT_FALSE(Checkpoint::Parse("origin\n42\nAAAA\n").ok());
  EXPECT_FALSE(Checkpoint::Parse("origin\n42\n").ok());
  EXPECT_FALSE(Checkpoint::Parse("origin\n-1\n" + ToBase64(LeafHash("x")) + "\n").ok());
}

TEST(NoteTest, SignedNoteVerifiesAndTamperingIsCaught) {
  SignerKey center = SignerKey::FromSeed("jic.example/log", kAlgEd25519, Seed(2));
  Checkpoint c{"jic.example/log", 10, LeafHash("root"), {}};
  Note note{c.Text(), {SignNote(center, c.Text())}};
  const std::string encoded = note.Encode();
  EXPECT_NE(encoded.find("\n\n\xE2\x80\x94 jic.example/log "), std::string::npos);
  auto parsed = Note::Parse(encoded);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->signatures.size(), 1u);
  EXPECT_EQ(parsed->text, c.Text());
  EXPECT_TRUE(VerifySignature(center.verifier(), parsed->text, parsed->signatures[0]).ok());
  // Another text, another key, another name: refused.
  Checkpoint other = c;
  other.size = 11;
  EXPECT_FALSE(VerifySignature(center.verifier(), other.Text(), parsed->signatures[0]).ok());
  SignerKey impostor = SignerKey::FromSeed("jic.example/log", kAlgEd25519, Seed(3));
  EXPECT_FALSE(VerifySignature(impostor.verifier(), parsed->text, parsed->signatures[0]).ok());
  EXPECT_FALSE(Note::Parse(c.Text()).ok());  // no signature
}

TEST(NoteTest, CosignatureCoversTimeAndCheckpoint) {
  SignerKey us = SignerKey::FromSeed("us.jic.example/mirror", kAlgCosignatureV1, Seed(4));
  Checkpoint c{"jic.example/log", 10, LeafHash("root"), {}};
  NoteSignature sig = Cosign(us, c.Text(), 1700000000);
  EXPECT_EQ(sig.signature.size(), 72u);
  EXPECT_EQ(CosignatureTime(sig), 1700000000u);
  EXPECT_EQ(CosignedMessage(c.Text(), 5), "cosignature/v1\ntime 5\n" + c.Text());
  EXPECT_TRUE(VerifySignature(us.verifier(), c.Text(), sig).ok());
  NoteSignature moved = sig;
  moved.signature[7] ^= 1;  // another time
  EXPECT_FALSE(VerifySignature(us.verifier(), c.Text(), moved).ok());
  // A cosigner key does not make note signatures and vice versa.
  EXPECT_FALSE(VerifySignature(us.WithType(kAlgEd25519).verifier(), c.Text(), sig).ok());
}

}  // namespace
}  // namespace jic::ledger
