// C2SP signed notes, checkpoints and cosignatures over libsodium's Ed25519.
#include "jic/ledger/note.h"

#include <sodium.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "jic/ledger/ed25519.h"

namespace jic::ledger {
namespace {

constexpr std::string_view kDash = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == '+' || c == 0x7f) return false;
  }
  return true;
}

std::string Hex8(uint32_t v) {
  char buf[9];
  static const char kDigits[] = "0123456789abcdef";
  for (int i = 7; i >= 0; --i) {
    buf[i] = kDigits[v & 15];
    v >>= 4;
  }
  buf[8] = 0;
  return buf;
}

std::string KeyIdBytes(uint32_t id) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((id >> (24 - 8 * i)) & 0xff);
  return out;
}

// Splits "a+b+c" into at most `max` parts: the last part is the rest, '+'
// included (standard base64 key material may hold '+', as Go's note.NewVerifier
// and NewSigner read it).
std::vector<std::string_view> SplitPlus(std::string_view s, size_t max) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || (s[i] == '+' && out.size() + 1 < max)) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

Result<uint32_t> ParseHex8(std::string_view s) {
  if (s.size() != 8) return Status::Invalid("", "key ID must be 8 hex digits");
  auto bytes = FromHex(s);
  if (!bytes.ok()) return Status::Invalid("", "key ID must be 8 hex digits");
  uint32_t v = 0;
  for (unsigned char c : *bytes) v = v << 8 | c;
  return v;
}

}  // namespace

uint32_t KeyId(std::string_view name, uint8_t type, const PublicKey& pub) {
  std::string buf(name);
  buf.push_back('\n');
  buf.push_back(static_cast<char>(type));
  buf.append(reinterpret_cast<const char*>(pub.data()), pub.size());
  Hash h = Sha256(buf);
  return uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | h[3];
}

bool VerifyRaw(const PublicKey& pub, std::string_view message, std::string_view signature) {
  return VerifyEd25519(pub, message, signature);
}

std::string VerifierKey::Encode() const {
  std::string material(1, static_cast<char>(type));
  material.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  return name + "+" + Hex8(key_id) + "+" + ToBase64(material);
}

Result<VerifierKey> VerifierKey::Parse(std::string_view vkey) {
  auto parts = SplitPlus(vkey, 3);
  if (parts.size() != 3) return Status::Invalid("key", "a verifier key is name+keyid+base64");
  VerifierKey k;
  k.name = std::string(parts[0]);
  if (!ValidName(k.name)) return Status::Invalid("key", "bad key name");
  auto id = ParseHex8(parts[1]);
  if (!id.ok()) return Status::Invalid("key", id.status().errors()[0].reason);
  auto material = FromBase64(parts[2]);
  if (!material.ok() || material->size() != 33) {
    return Status::Invalid("key", "key material must be base64 of 33 bytes (type and Ed25519 key)");
  }
  k.type = static_cast<uint8_t>((*material)[0]);
  if (k.type != kAlgEd25519 && k.type != kAlgCosignatureV1) {
    return Status::Invalid("key", "unknown key type (0x01 Ed25519 or 0x04 cosignature/v1)");
  }
  std::memcpy(k.public_key.data(), material->data() + 1, 32);
  k.key_id = KeyId(k.name, k.type, k.public_key);
  if (k.key_id != *id) return Status::Invalid("key", "key ID does not match the name and key");
  return k;
}

SignerKey SignerKey::FromSeed(std::string name, uint8_t type, const std::array<uint8_t, 32>& seed) {
  static const bool sodium_ready = sodium_init() >= 0;
  (void)sodium_ready;
  SignerKey k;
  k.name_ = std::move(name);
  k.type_ = type;
  k.seed_ = seed;
  crypto_sign_seed_keypair(k.public_key_.data(), k.secret_.data(), seed.data());
  k.key_id_ = KeyId(k.name_, type, k.public_key_);
  return k;
}

SignerKey SignerKey::Generate(std::string name, uint8_t type) {
  if (sodium_init() < 0) std::abort();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  SignerKey k = FromSeed(std::move(name), type, seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

Result<SignerKey> SignerKey::Parse(std::string_view skey) {
  while (!skey.empty() && (skey.back() == '\n' || skey.back() == '\r' || skey.back() == ' ')) {
    skey.remove_suffix(1);
  }
  auto parts = SplitPlus(skey, 5);
  if (parts.size() != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY") {
    return Status::Invalid("key", "a signer key is PRIVATE+KEY+name+keyid+base64");
  }
  if (!ValidName(parts[2])) return Status::Invalid("key", "bad key name");
  auto id = ParseHex8(parts[3]);
  auto material = FromBase64(parts[4]);
  if (!id.ok() || !material.ok() || material->size() != 33) {
    return Status::Invalid("key", "malformed key ID or key material");
  }
  const auto type = static_cast<uint8_t>((*material)[0]);
  if (type != kAlgEd25519 && type != kAlgCosignatureV1) return Status::Invalid("key", "unknown key type");
  std::array<uint8_t, 32> seed;
  std::memcpy(seed.data(), material->data() + 1, 32);
  SignerKey k = FromSeed(std::string(parts[2]), type, seed);
  sodium_memzero(seed.data(), seed.size());
  if (k.key_id() != *id) return Status::Invalid("key", "key ID does not match the key");
  return k;
}

std::string SignerKey::Encode() const {
  std::string material(1, static_cast<char>(type_));
  material.append(reinterpret_cast<const char*>(seed_.data()), seed_.size());
  return "PRIVATE+KEY+" + name_ + "+" + Hex8(key_id_) + "+" + ToBase64(material);
}

VerifierKey SignerKey::verifier() const { return VerifierKey{name_, type_, public_key_, key_id_}; }

std::array<uint8_t, 64> SignerKey::SignRaw(std::string_view message) const {
  std::array<uint8_t, 64> sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return sig;
}

// --- checkpoints ---------------------------------------------------------------

std::string Checkpoint::Text() const {
  std::string out = origin + "\n" + std::to_string(size) + "\n" + ToBase64(root) + "\n";
  for (const auto& e : extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> Checkpoint::Parse(std::string_view text) {
  if (text.empty() || text.back() != '\n') return Status::Invalid("checkpoint", "must end in a newline");
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      lines.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (lines.size() < 3) return Status::Invalid("checkpoint", "needs origin, size and root lines");
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return Status::Invalid("checkpoint.origin", "empty");
  std::string_view sz = lines[1];
  if (sz.empty() || (sz.size() > 1 && sz[0] == '0')) {
    return Status::Invalid("checkpoint.size", "not a decimal without leading zeros");
  }
  auto [p, ec] = std::from_chars(sz.data(), sz.data() + sz.size(), c.size);
  if (ec != std::errc() || p != sz.data() + sz.size()) {
    return Status::Invalid("checkpoint.size", "not a decimal number");
  }
  auto root = FromBase64(lines[2]);
  if (!root.ok() || root->size() != 32) return Status::Invalid("checkpoint.root", "not base64 of 32 bytes");
  std::memcpy(c.root.data(), root->data(), 32);
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return Status::Invalid("checkpoint", "empty extension line");
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

// --- notes --------------------------------------------------------------------

std::string NoteSignature::Line() const {
  return std::string(kDash) + name + " " + ToBase64(KeyIdBytes(key_id) + signature) + "\n";
}

std::string Note::Encode() const {
  std::string out = text + "\n";
  for (const auto& s : signatures) out += s.Line();
  return out;
}

Result<Note> Note::Parse(std::string_view note) {
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Status::Invalid("note", "no blank line before the signatures");
  Note n;
  n.text = std::string(note.substr(0, split + 1));
  std::string_view rest = note.substr(split + 2);
  if (rest.empty() || rest.back() != '\n') return Status::Invalid("note", "signature lines must end in a newline");
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (line.substr(0, kDash.size()) != kDash) {
      return Status::Invalid("note", "a signature line must start with an em dash and a space");
    }
    line.remove_prefix(kDash.size());
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return Status::Invalid("note", "a signature line needs a name and a signature");
    NoteSignature s;
    s.name = std::string(line.substr(0, sp));
    if (!ValidName(s.name)) return Status::Invalid("note", "bad signer name");
    auto raw = FromBase64(line.substr(sp + 1));
    if (!raw.ok() || raw->size() < 5) return Status::Invalid("note", "signature is not base64 of a key ID and a signature");
    s.key_id = uint32_t{static_cast<uint8_t>((*raw)[0])} << 24 |
               uint32_t{static_cast<uint8_t>((*raw)[1])} << 16 |
               uint32_t{static_cast<uint8_t>((*raw)[2])} << 8 | static_cast<uint8_t>((*raw)[3]);
    s.signature = raw->substr(4);
    n.signatures.push_back(std::move(s));
  }
  if (n.signatures.empty()) return Status::Invalid("note", "no signature");
  return n;
}

NoteSignature SignNote(const SignerKey& key, std::string_view text) {
  auto sig = key.SignRaw(text);
  return NoteSignature{key.name(), key.key_id(), std::string(reinterpret_cast<const char*>(sig.data()), sig.size())};
}

std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp) {
  std::string msg = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  msg.append(checkpoint_text);
  return msg;
}

NoteSignature Cosign(const SignerKey& key, std::string_view checkpoint_text, uint64_t timestamp) {
  auto sig = key.SignRaw(CosignedMessage(checkpoint_text, timestamp));
  std::string body(8, '\0');
  for (int i = 0; i < 8; ++i) body[i] = static_cast<char>((timestamp >> (56 - 8 * i)) & 0xff);
  body.append(reinterpret_cast<const char*>(sig.data()), sig.size());
  return NoteSignature{key.name(), key.key_id(), std::move(body)};
}

uint64_t CosignatureTime(const NoteSignature& sig) {
  if (sig.signature.size() != 72) return 0;
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = t << 8 | static_cast<uint8_t>(sig.signature[i]);
  return t;
}

Status VerifySignature(const VerifierKey& key, std::string_view text, const NoteSignature& sig) {
  if (sig.name != key.name || sig.key_id != key.key_id) {
    return Status::Invalid("signature", "not by this key (name or key ID differ)");
  }
  if (key.type == kAlgEd25519) {
    if (!VerifyRaw(key.public_key, text, sig.signature)) {
      return Status::Invalid("signature", "Ed25519 signature of " + key.name + " does not verify");
    }
    return Status::Ok();
  }
  if (sig.signature.size() != 72) return Status::Invalid("signature", "a cosignature is 72 bytes");
  const uint64_t t = CosignatureTime(sig);
  if (t > (uint64_t{1} << 63) - 1) return Status::Invalid("signature", "cosignature timestamp too large");
  if (!VerifyRaw(key.public_key, CosignedMessage(text, t), std::string_view(sig.signature).substr(8))) {
    return Status::Invalid("signature", "cosignature of " + key.name + " does not verify");
  }
  return Status::Ok();
}

}  // namespace jic::ledger
