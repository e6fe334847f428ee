// The fields of a log entry that a replay needs, read with simdjson's
// on-demand parser instead of a DOM (Center::RecheckImpl's fast path).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jic::engine {

struct EntryFields {
  std::string type, at, user, party, role;
  std::string target;               // command.id, or command.subject for comment.add
  std::optional<int64_t> if_match;  // command.if_match, else signature.if_match
  // The command's body: a signed command's signature.body; otherwise the
  // bytes the body has in the entry (canonical in an entry the center wrote).
  std::string body;
  std::string signature;  // "<key> <sig>" when signed
  bool idempotent = false;
  std::string idempotency_key, body_hash;
};

// False when the entry is not well formed JSON of the shape the fast path
// reads, or is a command whose body must be re-assembled (an unsigned
// approval, activation, … whose body is the command less its "id"): the
// caller then reads it through the DOM.
bool ReadEntryFields(std::string_view bytes, EntryFields* out);

}  // namespace jic::engine
