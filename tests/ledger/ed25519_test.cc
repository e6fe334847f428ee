// The fixed-base Ed25519 verifier against libsodium, which is the reference:
// the same points for the same scalars, the same verdicts for the same
// signatures, valid or not.
#include "jic/ledger/ed25519.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include "jic/ledger/merkle.h"
#include "jic/ledger/note.h"

namespace jic::ledger {
namespace {

using Bytes32 = std::array<uint8_t, 32>;

// The ledger's own hex helpers (merkle.h), over byte arrays.
std::string Hex(const uint8_t* p, size_t n) { return ToHex(std::string_view(reinterpret_cast<const char*>(p), n)); }
template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return Hex(a.data(), N);
}
std::vector<uint8_t> FromHexOrDie(std::string_view h) {
  Result<std::string> b = FromHex(h);
  if (!b.ok()) std::abort();
  return std::vector<uint8_t>(b->begin(), b->end());
}

class Ed25519Test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }

  Bytes32 RandomScalar() {  // uniform below L
    uint8_t wide[64];
    for (auto& b : wide) b = static_cast<uint8_t>(rng_());
    Bytes32 s;
    crypto_core_ed25519_scalar_reduce(s.data(), wide);
    return s;
  }
  struct Key {
    PublicKey pk;
    std::array<uint8_t, 64> sk;
  };
  Key NewKey() {
    Key k;
    std::array<uint8_t, 32> seed;
    for (auto& b : seed) b = static_cast<uint8_t>(rng_());
    crypto_sign_seed_keypair(k.pk.data(), k.sk.data(), seed.data());
    return k;
  }
  std::string Message(size_t n) {
    std::string m(n, '\0');
    for (auto& c : m) c = static_cast<char>(rng_());
    return m;
  }
  static std::string Sign(const Key& k, std::string_view m) {
    std::string sig(64, '\0');
    crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                         reinterpret_cast<const unsigned char*>(m.data()), m.size(), k.sk.data());
    return sig;
  }
  static bool Sodium(const PublicKey& pk, std::string_view m, std::string_view sig) {
    return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                       reinterpret_cast<const unsigned char*>(m.data()), m.size(), pk.data()) == 0;
  }

  std::mt19937_64 rng_{20261207};
};

TEST_F(Ed25519Test, TheBasePointIsRfc8032s) {
  Bytes32 one{1};
  EXPECT_EQ(Hex(Ed25519FastKey::MultiplyBase(one)),
            "5866666666666666666666666666666666666666666666666666666666666666");
  Bytes32 zero{};
  EXPECT_EQ(Hex(Ed25519FastKey::MultiplyBase(zero)),
            "0100000000000000000000000000000000000000000000000000000000000000");  // the identity
}

TEST_F(Ed25519Test, BaseMultiplesMatchLibsodium) {
  std::vector<Bytes32> scalars;
  for (int i = 0; i < 300; ++i) scalars.push_back(RandomScalar());
  // Every signed digit at its extremes: bytes of 0x7f, 0x80, 0xff carry into the next row.
  for (uint8_t fill : {uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}, uint8_t{0x01}}) {
    Bytes32 s;
    s.fill(fill);
    s[31] &= 0x0f;  // below 2^252 < L
    scalars.push_back(s);
  }
  Bytes32 l_minus_1;  // L − 1, the largest scalar
  uint8_t minus_one[64] = {0};
  minus_one[0] = 1;
  crypto_core_ed25519_scalar_negate(l_minus_1.data(), minus_one);
  scalars.push_back(l_minus_1);
  for (const Bytes32& s : scalars) {
    Bytes32 want;
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(want.data(), s.data()), 0);
    EXPECT_EQ(Hex(Ed25519FastKey::MultiplyBase(s)), Hex(want)) << "n = " << Hex(s);
  }
}

TEST_F(Ed25519Test, KeyMultiplesMatchLibsodium) {
  for (int k = 0; k < 4; ++k) {
    Key key = NewKey();
    auto fast = Ed25519FastKey::Make(key.pk);
    ASSERT_NE(fast, nullptr);
    for (int i = 0; i < 100; ++i) {
      Bytes32 s = RandomScalar();
      Bytes32 want;
      ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(want.data(), s.data(), key.pk.data()), 0);
      EXPECT_EQ(Hex(fast->Multiply(s)), Hex(want)) << "key " << Hex(key.pk) << ", n = " << Hex(s);
    }
  }
}

TEST_F(Ed25519Test, Rfc8032TestVectorsVerify) {
  struct Vector {
    const char* seed;
    const char* pk;
    const char* msg;
    const char* sig;
  };
  // RFC 8032 §7.1, TEST 1 to TEST 3.
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
  };
  for (const Vector& v : vectors) {
    auto seed = FromHexOrDie(v.seed);
    PublicKey pk;
    std::array<uint8_t, 64> sk;
    crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
    ASSERT_EQ(Hex(pk), v.pk);
    auto m = FromHexOrDie(v.msg);
    auto sig = FromHexOrDie(v.sig);
    const std::string msg(m.begin(), m.end()), signature(sig.begin(), sig.end());
    auto fast = Ed25519FastKey::Make(pk);
    ASSERT_NE(fast, nullptr);
    EXPECT_TRUE(fast->Verify(msg, signature)) << v.pk;
    EXPECT_TRUE(VerifyEd25519(pk, msg, signature));
    std::string bad = signature;
    bad[63] ^= 0x01;
    EXPECT_FALSE(fast->Verify(msg, bad));
  }
}

// Valid signatures and every kind of damage, each judged by the tables and by
// libsodium: the verdicts must be the same.
TEST_F(Ed25519Test, VerdictsAreLibsodiumsOnValidAndDamagedSignatures) {
  uint8_t l_bytes[32];  // L itself: s + L is the same scalar, not canonical
  {
    uint8_t one[32] = {1}, minus_one[32];
    crypto_core_ed25519_scalar_negate(minus_one, one);  // L − 1
    int carry = 1;
    for (int i = 0; i < 32; ++i) {
      const int v = minus_one[i] + carry;
      l_bytes[i] = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
  }
  int accepted = 0, refused = 0;
  for (int k = 0; k < 3; ++k) {
    Key key = NewKey();
    auto fast = Ed25519FastKey::Make(key.pk);
    ASSERT_NE(fast, nullptr);
    for (int i = 0; i < 150; ++i) {
      const std::string m = Message(i % 5 == 0 ? 0 : static_cast<size_t>(rng_() % 2000));
      const std::string sig = Sign(key, m);
      std::vector<std::pair<std::string, std::string>> cases;  // message, signature
      cases.emplace_back(m, sig);
      std::string flipped = sig;
      flipped[rng_() % 64] ^= static_cast<char>(1u << (rng_() % 8));
      cases.emplace_back(m, flipped);
      if (!m.empty()) {
        std::string m2 = m;
        m2[rng_() % m2.size()] ^= 0x20;
        cases.emplace_back(m2, sig);
      }
      std::string big_s = sig;  // s + L
      int carry = 0;
      for (int b = 0; b < 32; ++b) {
        const int v = static_cast<uint8_t>(big_s[32 + b]) + l_bytes[b] + carry;
        big_s[32 + b] = static_cast<char>(v);
        carry = v >> 8;
      }
      if (carry == 0) cases.emplace_back(m, big_s);
      std::string r_flag = sig;  // R with its sign bit flipped: the negated point
      r_flag[31] ^= static_cast<char>(0x80);
      cases.emplace_back(m, r_flag);
      for (const auto& [msg, s] : cases) {
        const bool want = Sodium(key.pk, msg, s);
        EXPECT_EQ(fast->Verify(msg, s), want) << "key " << Hex(key.pk) << " sig "
                                              << Hex(reinterpret_cast<const uint8_t*>(s.data()), 64);
        (want ? accepted : refused)++;
      }
    }
  }
  EXPECT_GT(accepted, 400);
  EXPECT_GT(refused, 800);
}

// s = 0 and R the identity: sB − hA = −hA is never the identity, so libsodium
// refuses; so must the tables. With R the identity and s·B = h·A (impossible
// to arrange without the discrete log) the identity check matters; it is
// exercised here through the encodings of small-order points as R.
TEST_F(Ed25519Test, SmallOrderAndNonCanonicalRAreRefused) {
  Key key = NewKey();
  auto fast = Ed25519FastKey::Make(key.pk);
  ASSERT_NE(fast, nullptr);
  const char* small_order[] = {
      "0100000000000000000000000000000000000000000000000000000000000000",  // identity
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // (0, −1)
      "0000000000000000000000000000000000000000000000000000000000000000",  // y = 0, order 4
      "0000000000000000000000000000000000000000000000000000000000000080",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1 (not canonical)
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p
  };
  for (const char* r : small_order) {
    auto rb = FromHexOrDie(r);
    for (int i = 0; i < 20; ++i) {
      std::string sig(64, '\0');
      std::copy(rb.begin(), rb.end(), sig.begin());
      Bytes32 s = i == 0 ? Bytes32{} : RandomScalar();
      std::copy(s.begin(), s.end(), sig.begin() + 32);
      const std::string m = Message(40);
      EXPECT_EQ(fast->Verify(m, sig), Sodium(key.pk, m, sig)) << r;
      EXPECT_FALSE(fast->Verify(m, sig)) << r;
    }
  }
}

TEST_F(Ed25519Test, KeysLibsodiumWouldNotTrustGetNoTable) {
  const char* bad[] = {
      "0100000000000000000000000000000000000000000000000000000000000000",  // identity
      "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p
      "0200000000000000000000000000000000000000000000000000000000000000",  // y = 2: not on the curve
  };
  for (const char* h : bad) {
    auto b = FromHexOrDie(h);
    PublicKey pk;
    std::copy(b.begin(), b.end(), pk.begin());
    EXPECT_EQ(Ed25519FastKey::Make(pk), nullptr) << h;
    // VerifyEd25519 still answers, through libsodium, as often as it is asked.
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(VerifyEd25519(pk, "m", std::string(64, '\x01')));
  }
  // A valid key plus a point of order 8 (mixed order): libsodium's verify takes
  // such keys, its is_valid_point does not; they stay with libsodium.
  Key key = NewKey();
  uint8_t torsion[32];
  auto t8 = FromHexOrDie("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");  // order 8
  std::copy(t8.begin(), t8.end(), torsion);
  PublicKey mixed;
  if (crypto_core_ed25519_add(mixed.data(), key.pk.data(), torsion) == 0) {
    EXPECT_EQ(Ed25519FastKey::Make(mixed), nullptr);
  }
}

TEST_F(Ed25519Test, TheCacheGivesLibsodiumsVerdictsBeforeAndAfterItsTable) {
  Key key = NewKey(), other = NewKey();
  for (int i = 0; i < 80; ++i) {  // the table is made after 16 uses
    const std::string m = Message(static_cast<size_t>(i) * 7);
    std::string sig = Sign(key, m);
    EXPECT_TRUE(VerifyEd25519(key.pk, m, sig)) << i;
    EXPECT_FALSE(VerifyEd25519(other.pk, m, sig)) << i;
    sig[i % 64] ^= 0x04;
    EXPECT_EQ(VerifyEd25519(key.pk, m, sig), Sodium(key.pk, m, sig)) << i;
    EXPECT_FALSE(VerifyEd25519(key.pk, m, sig.substr(0, 63))) << "63 bytes";
  }
  // Through the ledger's entry point too.
  const std::string m = "operation.notify\n{}";
  EXPECT_TRUE(VerifyRaw(key.pk, m, Sign(key, m)));
}

// Several threads at once, across the moment each key's table is made: the
// same verdicts (the center's HTTP threads may check signatures together).
TEST_F(Ed25519Test, ThreadsShareTheCache) {
  std::vector<Key> keys;
  for (int k = 0; k < 3; ++k) keys.push_back(NewKey());
  struct Case {
    size_t key;
    std::string msg, sig;
    bool want;
  };
  std::vector<Case> cases;
  for (int i = 0; i < 120; ++i) {
    const size_t k = static_cast<size_t>(i) % keys.size();
    std::string m = Message(static_cast<size_t>(i) * 3);
    std::string sig = Sign(keys[k], m);
    if (i % 4 == 3) sig[static_cast<size_t>(i) % 64] ^= 0x10;
    const bool want = Sodium(keys[k].pk, m, sig);
    cases.push_back({k, std::move(m), std::move(sig), want});
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[(i + static_cast<size_t>(t) * 31) % cases.size()];
        if (VerifyEd25519(keys[c.key].pk, c.msg, c.sig) != c.want) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace jic::ledger
