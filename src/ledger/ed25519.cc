// Ed25519 verification with fixed-base tables (see the header).
//
// Field elements of GF(2^255 − 19) are five 51-bit limbs multiplied with
// 128-bit products; points are in extended twisted Edwards coordinates
// (Hisil, Wong, Carter, Dawson 2008, a = −1) and table entries in the affine
// form (y + x, y − x, 2d·x·y). Constants (d, √−1, the base point) are
// computed at start from their definitions in RFC 8032 rather than copied.

#include "jic/ledger/ed25519.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace jic::ledger {
namespace {

using u64 = uint64_t;
using u128 = unsigned __int128;
constexpr u64 kMask = (u64{1} << 51) - 1;

// --- the field ---

struct Fe {
  u64 v[5];
};

constexpr Fe kZero{{0, 0, 0, 0, 0}};
constexpr Fe kOne{{1, 0, 0, 0, 0}};

static_assert(std::endian::native == std::endian::little, "limbs and encodings are read and written little-endian");

inline u64 Load64(const uint8_t* p) {
  u64 x;
  std::memcpy(&x, p, 8);
  return x;
}

// Limbs below 2^51 (limb 0 below 2^51 + 2^18), the value unchanged mod p.
inline Fe Carry(Fe a) {
  u64 c;
  c = a.v[0] >> 51, a.v[0] &= kMask, a.v[1] += c;
  c = a.v[1] >> 51, a.v[1] &= kMask, a.v[2] += c;
  c = a.v[2] >> 51, a.v[2] &= kMask, a.v[3] += c;
  c = a.v[3] >> 51, a.v[3] &= kMask, a.v[4] += c;
  c = a.v[4] >> 51, a.v[4] &= kMask, a.v[0] += 19 * c;
  return a;
}

// Inputs with limbs below 2^53; the sum is not carried (below 2^54).
inline Fe Add(const Fe& a, const Fe& b) {
  return {{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3], a.v[4] + b.v[4]}};
}

// a − b + 4p, carried. b's limbs must be below 2^53 − 76.
inline Fe Sub(const Fe& a, const Fe& b) {
  constexpr u64 k0 = 0x1FFFFFFFFFFFB4, k = 0x1FFFFFFFFFFFFC;  // 4·(2^51 − 19), 4·(2^51 − 1)
  return Carry({{a.v[0] + k0 - b.v[0], a.v[1] + k - b.v[1], a.v[2] + k - b.v[2], a.v[3] + k - b.v[3],
                 a.v[4] + k - b.v[4]}});
}

// a − b + 4p, not carried: for a Mul operand only. a below 2^53, b below
// 2^53 − 76: the result is below 2^54, which Mul takes.
inline Fe SubLazy(const Fe& a, const Fe& b) {
  constexpr u64 k0 = 0x1FFFFFFFFFFFB4, k = 0x1FFFFFFFFFFFFC;
  return {{a.v[0] + k0 - b.v[0], a.v[1] + k - b.v[1], a.v[2] + k - b.v[2], a.v[3] + k - b.v[3],
           a.v[4] + k - b.v[4]}};
}

inline Fe Neg(const Fe& a) { return Sub(kZero, a); }

// The carry of five 128-bit column sums into limbs below 2^51 (limb 1 below
// 2^51 + 2^15). Inputs below 2^54 keep every column below 2^115.
[[gnu::always_inline]] inline Fe Reduce(u128 r0, u128 r1, u128 r2, u128 r3, u128 r4) {
  Fe h;
  r1 += static_cast<u64>(r0 >> 51), h.v[0] = static_cast<u64>(r0) & kMask;
  r2 += static_cast<u64>(r1 >> 51), h.v[1] = static_cast<u64>(r1) & kMask;
  r3 += static_cast<u64>(r2 >> 51), h.v[2] = static_cast<u64>(r2) & kMask;
  r4 += static_cast<u64>(r3 >> 51), h.v[3] = static_cast<u64>(r3) & kMask;
  h.v[4] = static_cast<u64>(r4) & kMask;
  const u128 t = u128{h.v[0]} + u128{static_cast<u64>(r4 >> 51)} * 19;
  h.v[0] = static_cast<u64>(t) & kMask;
  h.v[1] += static_cast<u64>(t >> 51);
  return h;
}

[[gnu::always_inline]] inline Fe Mul(const Fe& a, const Fe& b) {
  const u64 a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const u64 b0 = b.v[0], b1 = b.v[1], b2 = b.v[2], b3 = b.v[3], b4 = b.v[4];
  const u64 b1_19 = 19 * b1, b2_19 = 19 * b2, b3_19 = 19 * b3, b4_19 = 19 * b4;
  auto m = [](u64 x, u64 y) { return u128{x} * y; };
  return Reduce(m(a0, b0) + m(a1, b4_19) + m(a2, b3_19) + m(a3, b2_19) + m(a4, b1_19),
                m(a0, b1) + m(a1, b0) + m(a2, b4_19) + m(a3, b3_19) + m(a4, b2_19),
                m(a0, b2) + m(a1, b1) + m(a2, b0) + m(a3, b4_19) + m(a4, b3_19),
                m(a0, b3) + m(a1, b2) + m(a2, b1) + m(a3, b0) + m(a4, b4_19),
                m(a0, b4) + m(a1, b3) + m(a2, b2) + m(a3, b1) + m(a4, b0));
}

[[gnu::always_inline]] inline Fe Sq(const Fe& a) {
  const u64 a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const u64 d0 = 2 * a0, d1 = 2 * a1, d2 = 2 * a2, d3 = 2 * a3;
  const u64 a3_19 = 19 * a3, a4_19 = 19 * a4;
  auto m = [](u64 x, u64 y) { return u128{x} * y; };
  return Reduce(m(a0, a0) + m(d1, a4_19) + m(d2, a3_19),  //
                m(d0, a1) + m(d2, a4_19) + m(a3, a3_19),  //
                m(d0, a2) + m(a1, a1) + m(d3, a4_19),     //
                m(d0, a3) + m(d1, a2) + m(a4, a4_19),     //
                m(d0, a4) + m(d1, a3) + m(a2, a2));
}

inline Fe SqN(Fe a, int n) {
  while (n-- > 0) a = Sq(a);
  return a;
}

Fe FromBytes(const uint8_t* s) {  // the top bit is ignored
  return {{Load64(s) & kMask, (Load64(s + 6) >> 3) & kMask, (Load64(s + 12) >> 6) & kMask,
           (Load64(s + 19) >> 1) & kMask, (Load64(s + 24) >> 12) & kMask}};
}

// The canonical 32 bytes (the value reduced below p), top bit clear.
std::array<uint8_t, 32> ToBytes(const Fe& a) {
  Fe h = Carry(Carry(a));  // h < 2^255 + 2^18 < 2p
  // q = 1 exactly when h ≥ p, i.e. when h + 19 carries out of bit 255.
  u64 q = (h.v[0] + 19) >> 51;
  q = (h.v[1] + q) >> 51;
  q = (h.v[2] + q) >> 51;
  q = (h.v[3] + q) >> 51;
  q = (h.v[4] + q) >> 51;
  h.v[0] += 19 * q;  // h − p = h + 19 − 2^255
  h.v[1] += h.v[0] >> 51, h.v[0] &= kMask;
  h.v[2] += h.v[1] >> 51, h.v[1] &= kMask;
  h.v[3] += h.v[2] >> 51, h.v[2] &= kMask;
  h.v[4] += h.v[3] >> 51, h.v[3] &= kMask;
  h.v[4] &= kMask;
  const u64 w[4] = {h.v[0] | h.v[1] << 51, h.v[1] >> 13 | h.v[2] << 38, h.v[2] >> 26 | h.v[3] << 25,
                    h.v[3] >> 39 | h.v[4] << 12};
  std::array<uint8_t, 32> out;
  std::memcpy(out.data(), w, 32);
  return out;
}

bool IsZero(const Fe& a) {
  const auto b = ToBytes(a);
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}
bool Equal(const Fe& a, const Fe& b) { return IsZero(Sub(a, b)); }
bool IsNegative(const Fe& a) { return ToBytes(a)[0] & 1; }

// z^(2^250 − 1) and z^11, the common trunk of inversion and square root.
void Pow2_250(const Fe& z, Fe* z250, Fe* z11) {
  const Fe z2 = Sq(z);
  const Fe z9 = Mul(SqN(z2, 2), z);
  *z11 = Mul(z9, z2);
  const Fe z5_0 = Mul(Sq(*z11), z9);             // 2^5 − 1
  const Fe z10_0 = Mul(SqN(z5_0, 5), z5_0);      // 2^10 − 1
  const Fe z20_0 = Mul(SqN(z10_0, 10), z10_0);   // 2^20 − 1
  const Fe z40_0 = Mul(SqN(z20_0, 20), z20_0);   // 2^40 − 1
  const Fe z50_0 = Mul(SqN(z40_0, 10), z10_0);   // 2^50 − 1
  const Fe z100_0 = Mul(SqN(z50_0, 50), z50_0);  // 2^100 − 1
  const Fe z200_0 = Mul(SqN(z100_0, 100), z100_0);
  *z250 = Mul(SqN(z200_0, 50), z50_0);  // 2^250 − 1
}

Fe Invert(const Fe& z) {  // z^(p − 2) = z^(2^255 − 21)
  Fe z250, z11;
  Pow2_250(z, &z250, &z11);
  return Mul(SqN(z250, 5), z11);
}

Fe Pow22523(const Fe& z) {  // z^((p − 5) / 8) = z^(2^252 − 3)
  Fe z250, z11;
  Pow2_250(z, &z250, &z11);
  return Mul(SqN(z250, 2), z);
}

Fe FromInt(u64 x) { return {{x, 0, 0, 0, 0}}; }

// --- the curve: −x² + y² = 1 + d·x²·y² ---

struct Constants {
  Fe d, d2, sqrtm1;
};

const Constants& K() {
  static const Constants k = [] {
    Constants c;
    c.d = Neg(Mul(FromInt(121665), Invert(FromInt(121666))));
    c.d2 = Carry(Add(c.d, c.d));
    // √−1 = 2^((p − 1) / 4) = 2^(2^253 − 5): square-and-multiply over the exponent's bits.
    Fe r = kOne;
    const Fe two = FromInt(2);
    for (int bit = 252; bit >= 0; --bit) {
      r = Sq(r);
      const bool set = bit >= 3 || bit == 1 || bit == 0;  // 2^253 − 5 = 1…1011 (binary)
      if (set) r = Mul(r, two);
    }
    c.sqrtm1 = r;
    return c;
  }();
  return k;
}

struct P3 {  // x = X/Z, y = Y/Z, x·y = T/Z
  Fe X, Y, Z, T;
};
struct Cached {  // for a full addition
  Fe YplusX, YminusX, Z, T2d;
};
struct Precomp {  // an affine table entry
  Fe ypx, ymx, xy2d;
};

constexpr P3 kIdentity{kZero, kOne, kOne, kZero};

Cached ToCached(const P3& p) {
  return {Carry(Add(p.Y, p.X)), Sub(p.Y, p.X), p.Z, Mul(p.T, K().d2)};
}

// The unified addition (add-2008-hwcd-3), complete on this curve.
// Every operand is a Mul output (limbs below 2^52), d twice one.
inline P3 Combine(const Fe& a, const Fe& b, const Fe& c, const Fe& d) {
  // a = (Y1 − X1)(Y2 − X2), b = (Y1 + X1)(Y2 + X2), c = T1·2d·T2, d = 2·Z1·Z2
  const Fe e = SubLazy(b, a), f = SubLazy(d, c), g = Add(d, c), h = Add(b, a);
  return {Mul(e, f), Mul(g, h), Mul(f, g), Mul(e, h)};
}

P3 AddCached(const P3& p, const Cached& q) {
  const Fe a = Mul(Sub(p.Y, p.X), q.YminusX);
  const Fe b = Mul(Add(p.Y, p.X), q.YplusX);
  const Fe c = Mul(p.T, q.T2d);
  const Fe zz = Mul(p.Z, q.Z);
  return Combine(a, b, c, Add(zz, zz));
}

// p's coordinates are Mul outputs (as every P3 here but the identity is).
inline P3 AddPrecomp(const P3& p, const Precomp& q) {
  const Fe a = Mul(SubLazy(p.Y, p.X), q.ymx);
  const Fe b = Mul(Add(p.Y, p.X), q.ypx);
  const Fe c = Mul(p.T, q.xy2d);
  return Combine(a, b, c, Add(p.Z, p.Z));
}

inline P3 SubPrecomp(const P3& p, const Precomp& q) {  // p − q: −(x, y) = (−x, y)
  const Fe a = Mul(SubLazy(p.Y, p.X), q.ypx);
  const Fe b = Mul(Add(p.Y, p.X), q.ymx);
  const Fe c = Mul(p.T, q.xy2d);
  const Fe d = Add(p.Z, p.Z);
  const Fe e = SubLazy(b, a), f = Add(d, c), g = SubLazy(d, c), h = Add(b, a);
  return {Mul(e, f), Mul(g, h), Mul(f, g), Mul(e, h)};
}

// dbl-2008-hwcd with a = −1.
P3 Double(const P3& p) {
  const Fe a = Sq(p.X), b = Sq(p.Y);
  const Fe zz = Sq(p.Z), c = Carry(Add(zz, zz));
  const Fe e = Sub(Sub(Sq(Add(p.X, p.Y)), a), b);
  const Fe g = Sub(b, a);           // −A + B
  const Fe f = Sub(g, c);           // G − C
  const Fe h = Sub(Neg(a), b);      // −A − B
  return {Mul(e, f), Mul(g, h), Mul(f, g), Mul(e, h)};
}

std::array<uint8_t, 32> Encode(const P3& p) {
  const Fe zi = Invert(p.Z);
  const Fe x = Mul(p.X, zi), y = Mul(p.Y, zi);
  std::array<uint8_t, 32> out = ToBytes(y);
  out[31] |= static_cast<uint8_t>(IsNegative(x) << 7);
  return out;
}

// RFC 8032 §5.1.3. Only for points already known to be valid.
bool Decode(const uint8_t* s, P3* out) {
  const Fe y = FromBytes(s);
  const Fe yy = Sq(y);
  const Fe u = Sub(yy, kOne);
  const Fe v = Carry(Add(Mul(yy, K().d), kOne));
  const Fe v3 = Mul(Sq(v), v);
  Fe x = Mul(Mul(u, v3), Pow22523(Mul(u, Mul(Sq(v3), v))));  // u·v³·(u·v⁷)^((p−5)/8)
  const Fe vxx = Mul(v, Sq(x));
  if (!Equal(vxx, u)) {
    if (!Equal(vxx, Neg(u))) return false;
    x = Mul(x, K().sqrtm1);
  }
  if (IsNegative(x) != ((s[31] >> 7) != 0)) x = Neg(x);
  *out = {x, y, kOne, Mul(x, y)};
  return true;
}

// --- fixed-base tables ---

// Signed digits of radix 2^W: a scalar below 2^253 is Σ d_i·2^(W·i) with
// |d_i| ≤ 2^(W−1); table row i holds 1..2^(W−1) times 2^(W·i)·P. A key's
// table has W = 7 (37 rows of 64 entries, 284 KB); the base point's, shared
// by every key, W = 8 (32 rows of 128, 492 KB).
template <int W>
class FixedTable {
 public:
  static constexpr int kRows = (253 + W - 1) / W;
  static constexpr int kCols = 1 << (W - 1);
  using Digits = std::array<int16_t, kRows>;

  explicit FixedTable(const P3& p) : rows_(static_cast<size_t>(kRows) * kCols) {
    std::vector<P3> points(rows_.size());
    P3 base = p;
    for (int i = 0; i < kRows; ++i) {
      const Cached step = ToCached(base);
      P3 cur = base;
      for (int j = 0; j < kCols; ++j) {
        points[static_cast<size_t>(i) * kCols + j] = cur;
        if (j + 1 < kCols) cur = AddCached(cur, step);
      }
      base = Double(cur);  // 2^(W − 1)·base doubled = 2^W·base
    }
    // One inversion for all: prefix products, then back.
    std::vector<Fe> prefix(points.size());
    Fe acc = kOne;
    for (size_t k = 0; k < points.size(); ++k) prefix[k] = acc = Mul(acc, points[k].Z);
    Fe inv = Invert(acc);
    for (size_t k = points.size(); k-- > 0;) {
      const Fe zi = k > 0 ? Mul(inv, prefix[k - 1]) : inv;
      inv = Mul(inv, points[k].Z);
      const Fe x = Mul(points[k].X, zi), y = Mul(points[k].Y, zi);
      rows_[k] = {Carry(Add(y, x)), Sub(y, x), Mul(Mul(x, y), K().d2)};
    }
  }

  static Digits Recode(const uint8_t* n) {
    const u64 w[5] = {Load64(n), Load64(n + 8), Load64(n + 16), Load64(n + 24), 0};
    Digits d{};
    int carry = 0;
    for (int i = 0; i < kRows; ++i) {
      const int bit = i * W, word = bit >> 6, off = bit & 63;
      u64 window = w[word] >> off;
      if (off + W > 64) window |= w[word + 1] << (64 - off);
      window &= (u64{1} << W) - 1;
      const int v = static_cast<int>(window) + carry;
      carry = v >= kCols ? 1 : 0;
      d[i] = static_cast<int16_t>(v - (carry << W));
    }
    return d;  // the final carry is 0 for n < 2^253
  }

  // Starts fetching the entries n·P will read.
  Digits Prefetch(const uint8_t* n) const {
    const Digits d = Recode(n);
    for (int i = 0; i < kRows; ++i) {
      if (d[i] == 0) continue;
      const char* e = reinterpret_cast<const char*>(&rows_[static_cast<size_t>(i) * kCols + (std::abs(d[i]) - 1)]);
      __builtin_prefetch(e);
      __builtin_prefetch(e + 64);
      __builtin_prefetch(e + sizeof(Precomp) - 1);
    }
    return d;
  }

  // acc += n·P, n little-endian below 2^253, recoded by Prefetch.
  void Accumulate(P3* acc, const Digits& d) const {
    for (int i = 0; i < kRows; ++i) {
      const int v = d[i];
      if (v > 0) {
        *acc = AddPrecomp(*acc, rows_[static_cast<size_t>(i) * kCols + (v - 1)]);
      } else if (v < 0) {
        *acc = SubPrecomp(*acc, rows_[static_cast<size_t>(i) * kCols + (-v - 1)]);
      }
    }
  }

 private:
  std::vector<Precomp> rows_;
};

}  // namespace

struct Ed25519FastKey::Table : FixedTable<7> {
  using FixedTable<7>::FixedTable;
};

namespace {

const FixedTable<8>& BaseTable() {
  static const FixedTable<8>* t = [] {
    // B: y = 4/5, x even (RFC 8032 §5.1).
    const Fe y = Mul(FromInt(4), Invert(FromInt(5)));
    std::array<uint8_t, 32> enc = ToBytes(y);
    P3 b;
    if (!Decode(enc.data(), &b)) std::abort();
    return new FixedTable<8>(b);
  }();
  return *t;
}

// SHA-512(R || A || M) reduced mod L; false if OpenSSL fails (the caller
// then refuses, and libsodium decides).
bool Challenge(std::string_view sig, const PublicKey& pub, std::string_view message, std::array<uint8_t, 32>* out) {
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Ctx c;
  unsigned char h[64];
  unsigned int len = 0;
  if (c.ctx == nullptr || EVP_DigestInit_ex(c.ctx, EVP_sha512(), nullptr) != 1 ||
      EVP_DigestUpdate(c.ctx, sig.data(), 32) != 1 || EVP_DigestUpdate(c.ctx, pub.data(), pub.size()) != 1 ||
      EVP_DigestUpdate(c.ctx, message.data(), message.size()) != 1 || EVP_DigestFinal_ex(c.ctx, h, &len) != 1 ||
      len != sizeof h) {
    return false;
  }
  crypto_core_ed25519_scalar_reduce(out->data(), h);
  return true;
}

// s < L = 2^252 + 27742317777372353535851937790883648493, little-endian.
bool IsCanonicalScalar(const uint8_t* s) {
  static constexpr uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                     0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                     0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  for (int i = 31; i >= 0; --i) {
    if (s[i] != kL[i]) return s[i] < kL[i];
  }
  return false;  // s == L
}

}  // namespace

Ed25519FastKey::Ed25519FastKey(std::unique_ptr<Table> table) : table_(std::move(table)) {}
Ed25519FastKey::~Ed25519FastKey() = default;

std::unique_ptr<Ed25519FastKey> Ed25519FastKey::Make(const PublicKey& pub) {
  if (sodium_init() < 0) return nullptr;
  if (crypto_core_ed25519_is_valid_point(pub.data()) != 1) return nullptr;
  P3 a;
  if (!Decode(pub.data(), &a)) return nullptr;
  std::unique_ptr<Ed25519FastKey> key(new Ed25519FastKey(std::make_unique<Table>(a)));
  key->pub_ = pub;
  return key;
}

bool Ed25519FastKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  const auto* sig = reinterpret_cast<const uint8_t*>(signature.data());
  if (!IsCanonicalScalar(sig + 32)) return false;
  std::array<uint8_t, 32> h, neg_h;
  if (!Challenge(signature, pub_, message, &h)) return false;
  crypto_core_ed25519_scalar_negate(neg_h.data(), h.data());  // L − h (0 stays 0)
  const auto& base = BaseTable();
  const auto ds = base.Prefetch(sig + 32);
  const auto dh = table_->Prefetch(neg_h.data());
  P3 r = kIdentity;
  base.Accumulate(&r, ds);
  table_->Accumulate(&r, dh);
  const std::array<uint8_t, 32> check = Encode(r);
  static constexpr std::array<uint8_t, 32> kIdentityBytes{1};
  if (check == kIdentityBytes) return false;  // libsodium refuses an R of small order
  return std::memcmp(check.data(), sig, 32) == 0;
}

Ed25519FastKey::Point Ed25519FastKey::Multiply(const Scalar& n) const {
  P3 r = kIdentity;
  table_->Accumulate(&r, table_->Prefetch(n.data()));
  return Encode(r);
}

Ed25519FastKey::Point Ed25519FastKey::MultiplyBase(const Scalar& n) {
  P3 r = kIdentity;
  BaseTable().Accumulate(&r, BaseTable().Prefetch(n.data()));
  return Encode(r);
}

namespace {

// Keys seen often get a table; the first few signatures of a key go to
// libsodium (a table costs about as much as a dozen verifications).
class KeyCache {
 public:
  static constexpr int kUsesBeforeTable = 16;
  static constexpr size_t kMaxTables = 64;
  static constexpr size_t kMaxCounted = 4096;

  std::shared_ptr<const Ed25519FastKey> Get(const PublicKey& pub) {
    {
      std::lock_guard lock(mu_);
      auto it = keys_.find(pub);
      if (it == keys_.end()) {
        if (keys_.size() >= kMaxCounted) Forget();
        it = keys_.emplace(pub, Entry{}).first;
      }
      Entry& e = it->second;
      if (e.table || e.refused) return e.table;
      if (++e.uses < kUsesBeforeTable || tables_ >= kMaxTables) return nullptr;
      e.refused = true;  // made once, outside the lock, below
    }
    std::shared_ptr<const Ed25519FastKey> made = Ed25519FastKey::Make(pub);
    std::lock_guard lock(mu_);
    auto it = keys_.find(pub);
    if (made && it != keys_.end()) {
      it->second.table = made;
      it->second.refused = false;
      ++tables_;
    }
    return made;
  }

 private:
  struct Entry {
    int uses = 0;
    bool refused = false;  // not eligible, or being made
    std::shared_ptr<const Ed25519FastKey> table;
  };
  struct KeyHash {
    size_t operator()(const PublicKey& k) const {
      size_t h;
      std::memcpy(&h, k.data(), sizeof h);
      return h;
    }
  };
  // Drops the counts of keys without a table.
  void Forget() {
    for (auto it = keys_.begin(); it != keys_.end();) {
      it = it->second.table ? std::next(it) : keys_.erase(it);
    }
  }

  std::mutex mu_;
  std::unordered_map<PublicKey, Entry, KeyHash> keys_;
  size_t tables_ = 0;
};

}  // namespace

bool VerifyEd25519(const PublicKey& pub, std::string_view message, std::string_view signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  static KeyCache* cache = new KeyCache;
  if (std::shared_ptr<const Ed25519FastKey> key = cache->Get(pub)) {
    if (key->Verify(message, signature)) return true;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     pub.data()) == 0;
}

}  // namespace jic::ledger
