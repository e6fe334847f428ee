// Signed notes (C2SP signed-note), checkpoints (C2SP tlog-checkpoint) and
// cosignatures (C2SP tlog-cosignature), with Ed25519 from libsodium.
//
// A note is UTF-8 text ending in a newline, then a blank line, then one
// signature line per signer:
//
//   <text>\n
//   \n
//   — <key name> base64(key ID (4 bytes) || signature)\n
//
// Key IDs are SHA-256(name || "\n" || type || public key)[:4], type 0x01 for
// an Ed25519 note signature and 0x04 for an Ed25519 cosignature/v1, whose
// signature is an 8-byte big-endian timestamp and the Ed25519 signature over
// "cosignature/v1\ntime <ts>\n" || the checkpoint text.
//
// Keys are written as Go's golang.org/x/mod/sumdb/note does: a verifier key
// is `name+hex(key ID)+base64(type || public key)`, a signer key
// `PRIVATE+KEY+name+hex(key ID)+base64(type || 32-byte seed)`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jic/base/status.h"
#include "jic/ledger/merkle.h"

namespace jic::ledger {

inline constexpr uint8_t kAlgEd25519 = 0x01;
inline constexpr uint8_t kAlgCosignatureV1 = 0x04;

using PublicKey = std::array<uint8_t, 32>;

struct VerifierKey {
  std::string name;
  uint8_t type = kAlgEd25519;
  PublicKey public_key{};
  uint32_t key_id = 0;

  // name+hex(key id)+base64(type || public key)
  std::string Encode() const;
  static Result<VerifierKey> Parse(std::string_view vkey);
};

class SignerKey {
 public:
  // A fresh random key.
  static SignerKey Generate(std::string name, uint8_t type = kAlgEd25519);
  static SignerKey FromSeed(std::string name, uint8_t type, const std::array<uint8_t, 32>& seed);
  // PRIVATE+KEY+name+hex(key id)+base64(type || seed)
  static Result<SignerKey> Parse(std::string_view skey);
  std::string Encode() const;

  const std::string& name() const { return name_; }
  uint8_t type() const { return type_; }
  uint32_t key_id() const { return key_id_; }
  const PublicKey& public_key() const { return public_key_; }
  VerifierKey verifier() const;
  // The same key for the other type (note signature vs cosignature).
  SignerKey WithType(uint8_t type) const { return FromSeed(name_, type, seed_); }

  // A raw Ed25519 detached signature over `message`.
  std::array<uint8_t, 64> SignRaw(std::string_view message) const;

 private:
  std::string name_;
  uint8_t type_ = kAlgEd25519;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> seed_{};
  PublicKey public_key_{};
  std::array<uint8_t, 64> secret_{};  // libsodium's expanded secret key
};

uint32_t KeyId(std::string_view name, uint8_t type, const PublicKey& pub);
bool VerifyRaw(const PublicKey& pub, std::string_view message, std::string_view signature);

// A checkpoint's text (C2SP tlog-checkpoint).
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;

  std::string Text() const;  // "origin\nsize\nbase64(root)\n" + extension lines
  static Result<Checkpoint> Parse(std::string_view text);
  bool operator==(const Checkpoint&) const = default;
};

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // the bytes after the key ID
  std::string Line() const;  // "— name base64(...)\n"
};

struct Note {
  std::string text;  // ends in "\n"
  std::vector<NoteSignature> signatures;
  std::string Encode() const;
  // Splits a note into its text and signature lines (does not verify).
  static Result<Note> Parse(std::string_view note);
};

// The note signature of `text` by `key` (type 0x01).
NoteSignature SignNote(const SignerKey& key, std::string_view text);
// The cosignature/v1 of a checkpoint text by `key` (type 0x04) at `timestamp`.
NoteSignature Cosign(const SignerKey& key, std::string_view checkpoint_text, uint64_t timestamp);
std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp);

// Whether `sig` is a valid signature of `text` by `key` (by its type: note
// signature or cosignature). Names and key IDs must match.
Status VerifySignature(const VerifierKey& key, std::string_view text, const NoteSignature& sig);
// A cosignature's timestamp (0 when it is not one).
uint64_t CosignatureTime(const NoteSignature& sig);

}  // namespace jic::ledger
