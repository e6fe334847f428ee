// Ed25519 signature verification that gives libsodium's verdicts, faster
// for a key that verifies many signatures.
//
// `jic verify` checks every signed command of a log, and most of a log's
// signatures come from a handful of registered keys. libsodium's
// crypto_sign_verify_detached spends most of its ~110,000 cycles on a
// double-scalar multiplication s·B − h·A with 253 doublings. With a table
// of fixed multiples of A (as there is of B) the same point is a sum of
// about 69 table entries and needs no doubling at all; the comparison with
// the signature's R is then the same byte comparison libsodium makes.
//
// The verdicts are libsodium's, and libsodium stays the authority:
// - a table is made only for a key that crypto_core_ed25519_is_valid_point
//   accepts (canonical, on the curve, in the prime-order subgroup), so
//   every check libsodium makes on the key holds for it;
// - s must be canonical (s < L) and the recomputed R must equal the
//   signature's 32 bytes, as in libsodium; the identity (the one point of
//   small order in the prime-order subgroup) is refused as libsodium's
//   blacklist refuses it;
// - a signature the tables do not accept is checked again by libsodium,
//   whose verdict is returned: a fault here can cost time, not a wrong
//   "does not verify".
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "jic/ledger/note.h"

namespace jic::ledger {

// Whether `signature` (64 bytes) is an Ed25519 signature of `message` by
// `pub`: crypto_sign_verify_detached's verdict. A key seen often enough (16
// signatures) gets a fixed-base table of 284 KB; at most 64 are kept.
bool VerifyEd25519(const PublicKey& pub, std::string_view message, std::string_view signature);

// One key's table. Exposed for tests and benchmarks.
class Ed25519FastKey {
 public:
  using Scalar = std::array<uint8_t, 32>;  // little-endian, < 2^253
  using Point = std::array<uint8_t, 32>;   // an encoded point

  // Null when libsodium's crypto_core_ed25519_is_valid_point refuses `pub`.
  static std::unique_ptr<Ed25519FastKey> Make(const PublicKey& pub);
  ~Ed25519FastKey();

  // The verdict of crypto_sign_verify_detached, from the tables alone (no
  // libsodium fallback).
  bool Verify(std::string_view message, std::string_view signature) const;

  // n·A and n·B, encoded (for tests against libsodium's scalar multiplication).
  Point Multiply(const Scalar& n) const;
  static Point MultiplyBase(const Scalar& n);

  struct Table;

 private:
  explicit Ed25519FastKey(std::unique_ptr<Table> table);
  std::unique_ptr<Table> table_;
  PublicKey pub_{};
};

}  // namespace jic::ledger
