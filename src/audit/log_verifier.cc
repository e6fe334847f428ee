#include "jic/audit/log_verifier.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "jic/engine/center.h"

namespace jic::audit {

using ledger::Hash;

Result<SignedCheckpoint> OpenCheckpoint(std::string_view note, const ledger::VerifierKey& center) {
  Result<ledger::Note> parsed = ledger::Note::Parse(note);
  if (!parsed.ok()) return Status::Invalid("checkpoint", "not a signed note: " + parsed.status().ToString());
  Result<ledger::Checkpoint> cp = ledger::Checkpoint::Parse(parsed->text);
  if (!cp.ok()) return Status::Invalid("checkpoint", "not a checkpoint: " + cp.status().ToString());
  bool named = false;
  for (const ledger::NoteSignature& sig : parsed->signatures) {
    if (sig.name != center.name || sig.key_id != center.key_id) continue;
    named = true;
    if (VerifySignature(center, parsed->text, sig).ok()) {
      return SignedCheckpoint{std::string(note), std::move(parsed).value(), std::move(cp).value()};
    }
  }
  return Status::Invalid(
      "checkpoint", named ? "the center's signature (" + center.name + ") does not verify: the checkpoint was altered or signed by another key"
                          : "no signature by the center's key " + center.Encode().substr(0, center.name.size() + 9) +
                                " (signed by another key, or not at all)");
}

Status CheckCosignature(const SignedCheckpoint& cp, const ledger::VerifierKey& key) {
  bool named = false;
  for (const ledger::NoteSignature& sig : cp.parsed.signatures) {
    if (sig.name != key.name || sig.key_id != key.key_id) continue;
    named = true;
    if (VerifySignature(key, cp.parsed.text, sig).ok()) return Status::Ok();
  }
  return Status::Invalid("checkpoint", named ? "the cosignature by " + key.name + " does not verify"
                                             : "no cosignature by " + key.name);
}

namespace {

// Whether the first index+1 leaves of `ours` are those of the tree the proof
// leads to: the proof's left siblings fold with the leaf into the root of the
// prefix [0, index + 1) (RFC 6962: the left siblings on a leaf's path are the
// perfect subtrees that make up the leaves before it).
Result<bool> PrefixGood(const ledger::MerkleTree& ours, uint64_t index, uint64_t size, const Hash& root,
                        const InclusionProof& p) {
  if (Status s = ledger::VerifyInclusion(index, size, p.leaf_hash, p.proof, ledger::AsBytes(root)); !s.ok()) {
    return Status::Invalid("proof", "the inclusion proof of entry " + std::to_string(index + 1) +
                                        " does not verify against the checkpoint: " + s.ToString());
  }
  if (index >= ours.size()) return false;
  Hash prefix;
  std::copy(p.leaf_hash.begin(), p.leaf_hash.end(), prefix.begin());
  uint64_t fn = index, sn = size - 1;
  for (const std::string& h : p.proof) {
    Hash sib;
    std::copy(h.begin(), h.end(), sib.begin());
    if ((fn & 1) || fn == sn) {
      prefix = ledger::NodeHash(sib, prefix);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    }
    fn >>= 1;
    sn >>= 1;
  }
  Result<Hash> mine = ours.Root(index + 1);
  return mine.ok() && *mine == prefix;
}

}  // namespace

Result<std::optional<uint64_t>> FirstBadLeaf(
    const ledger::MerkleTree& ours, uint64_t size, const Hash& root,
    const std::function<Result<InclusionProof>(uint64_t index)>& prove) {
  // The smallest i with !PrefixGood(i): the property holds for a prefix of
  // the indices and fails for the rest.
  uint64_t lo = 0, hi = size;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    Result<InclusionProof> p = prove(mid);
    if (!p.ok()) return p.status();
    Result<bool> good = PrefixGood(ours, mid, size, root, *p);
    if (!good.ok()) return good.status();
    if (*good) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == size) return std::optional<uint64_t>();
  return std::optional<uint64_t>(lo);
}

std::string EntryType(std::string_view bytes) {
  constexpr std::string_view kKey = ",\"type\":\"";
  const size_t p = bytes.rfind(kKey);
  if (p == std::string_view::npos) return "";
  const size_t start = p + kKey.size();
  const size_t end = bytes.find('"', start);
  if (end == std::string_view::npos || end - start > 64) return "";
  return std::string(bytes.substr(start, end - start));
}

uint64_t EntrySeq(std::string_view bytes) {
  constexpr std::string_view kKey = ",\"seq\":";  // the top level's is the last one
  size_t p = bytes.rfind(kKey);
  if (p == std::string_view::npos) p = bytes.rfind("{\"seq\":") == 0 ? 0 : p;
  if (p == std::string_view::npos) return 0;
  uint64_t v = 0;
  const char* b = bytes.data() + p + kKey.size();
  std::from_chars(b, bytes.data() + bytes.size(), v);
  return v;
}

std::string DescribeBadLeaf(uint64_t index, uint64_t held,
                            const std::function<std::optional<std::string>(uint64_t)>& entry_at) {
  const std::string name = "entry " + std::to_string(index + 1);
  if (index >= held) {
    return name + ": missing: the log holds " + std::to_string(held) +
           " entries, fewer than the checkpoint covers (truncated, or entries dropped)";
  }
  std::optional<std::string> bytes = entry_at(index);
  if (!bytes) return name + ": its bytes do not hash to the tree";
  const uint64_t seq = EntrySeq(*bytes);
  const std::string type = EntryType(*bytes);
  const std::string typed = type.empty() ? name : name + " (" + type + ")";
  if (seq != 0 && seq != index + 1) {
    return name + ": out of place: position " + std::to_string(index + 1) + " holds entry " +
           std::to_string(seq) + " (an entry dropped, moved or swapped); its bytes do not hash to the tree";
  }
  return typed + ": its bytes do not hash to the tree (altered)";
}

LogVerifier::LogVerifier(bool replay) : replay_(replay), center_(std::make_unique<engine::Center>()) {}
LogVerifier::~LogVerifier() = default;

void LogVerifier::Fail(uint64_t seq, std::string_view bytes, const std::string& why) {
  const std::string type = EntryType(bytes);
  replay_failure_ = Failure{seq, "entry " + std::to_string(seq) + (type.empty() ? "" : " (" + type + ")") +
                                     ": " + why};
}

void LogVerifier::Add(std::string_view bytes) {
  tree_.AppendEntry(bytes);
  const uint64_t seq = tree_.size();
  if (!replay_ || replay_failure_) return;
  if (const uint64_t recorded = EntrySeq(bytes); recorded != seq) {
    Fail(seq, bytes,
         "records seq " + std::to_string(recorded) + ": an entry is missing, moved or duplicated before it");
    return;
  }
  bool applied = false;
  if (Status s = center_->RecheckAndApply(seq, bytes, &applied); !s.ok()) {
    Fail(seq, bytes, s.message().empty() ? s.ToString() : s.message());
    return;
  }
  if (EntryType(bytes) == engine::kKeyRegister) {
    nlohmann::json e = nlohmann::json::parse(bytes, nullptr, false);
    if (!e.is_object()) return;
    const nlohmann::json& key = e["command"]["key"];
    const nlohmann::json& party = e["actor"]["party"];
    if (!key.is_string() || !party.is_string()) return;
    Result<ledger::VerifierKey> k = ledger::VerifierKey::Parse(key.get<std::string>());
    if (k.ok() && k->type == ledger::kAlgCosignatureV1) {
      cosigners_[party.get<std::string>()].push_back(std::move(k).value());
    }
  }
}

std::vector<std::string> LogVerifier::Signatories() const {
  if (center_->rules() == nullptr) return {};
  return center_->rules()->agreement().signatories;
}

Status CheckSignatories(const SignedCheckpoint& cp, const LogVerifier& log) {
  std::vector<std::string> missing;
  for (const std::string& party : log.Signatories()) {
    auto it = log.cosigners_by_party().find(party);
    bool ok = false;
    std::string names;
    if (it != log.cosigners_by_party().end()) {
      for (const ledger::VerifierKey& k : it->second) {
        if (CheckCosignature(cp, k).ok()) ok = true;
        names += (names.empty() ? "" : ", ") + k.name;
      }
    }
    if (!ok) {
      missing.push_back(party + (names.empty() ? " (it registered no cosigner key)"
                                               : " (none by its keys " + names + ")"));
    }
  }
  if (missing.empty()) return Status::Ok();
  std::string msg = "checkpoint " + std::to_string(cp.checkpoint.size) +
                    " lacks a valid cosignature by signatory party ";
  for (size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
  return Status::Invalid("checkpoint", msg);
}

}  // namespace jic::audit
