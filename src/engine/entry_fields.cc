#include "jic/engine/entry_fields.h"

#include <simdjson.h>

#include <initializer_list>
#include <utility>

#include "jic/engine/center.h"

namespace jic::engine {
namespace {

namespace od = simdjson::ondemand;

bool GetString(od::value v, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return false;
  out->assign(s);
  return true;
}

// An object's string members named in `want`, every one required (others
// are skipped).
bool GetStrings(od::value v, std::initializer_list<std::pair<std::string_view, std::string*>> want) {
  od::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return false;
  size_t seen = 0;
  for (auto f : o) {
    std::string_view k;
    od::value fv;
    if (f.unescaped_key().get(k) != simdjson::SUCCESS || f.value().get(fv) != simdjson::SUCCESS) return false;
    for (const auto& [name, dst] : want) {
      if (k != name) continue;
      if (!GetString(fv, dst)) return false;
      ++seen;
      break;
    }
  }
  return seen == want.size();
}

}  // namespace

bool ReadEntryFields(std::string_view bytes, EntryFields* out) {
  thread_local od::parser parser, command_parser;
  thread_local std::string buf;
  buf.assign(bytes);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  const char* const end = buf.data() + buf.size();
  od::document doc;
  if (parser.iterate(simdjson::padded_string_view(buf.data(), bytes.size(), buf.size())).get(doc) !=
      simdjson::SUCCESS) {
    return false;
  }
  od::object entry;
  if (doc.get_object().get(entry) != simdjson::SUCCESS) return false;
  std::string_view command_raw;
  bool signed_command = false;
  bool has_type = false, has_at = false, has_actor = false, has_command = false;
  for (auto field : entry) {
    std::string_view key;
    od::value v;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS || field.value().get(v) != simdjson::SUCCESS) {
      return false;
    }
    if (key == "type") {
      if (!GetString(v, &out->type)) return false;
      has_type = true;
    } else if (key == "at") {
      if (!GetString(v, &out->at)) return false;
      has_at = true;
    } else if (key == "actor") {
      if (!GetStrings(v, {{"user", &out->user}, {"party", &out->party}, {"role", &out->role}})) return false;
      has_actor = true;
    } else if (key == "command") {
      od::object c;
      if (v.get_object().get(c) != simdjson::SUCCESS || c.raw_json().get(command_raw) != simdjson::SUCCESS) {
        return false;
      }
      has_command = true;
    } else if (key == "signature") {
      od::object s;
      if (v.get_object().get(s) != simdjson::SUCCESS) return false;
      std::string sig_key, sig;
      bool has_body = false;
      for (auto sf : s) {
        std::string_view k;
        od::value sv;
        if (sf.unescaped_key().get(k) != simdjson::SUCCESS || sf.value().get(sv) != simdjson::SUCCESS) return false;
        if (k == "key") {
          if (!GetString(sv, &sig_key)) return false;
        } else if (k == "sig") {
          if (!GetString(sv, &sig)) return false;
        } else if (k == "body") {
          if (!GetString(sv, &out->body)) return false;
          has_body = true;
        } else if (k == "if_match") {
          int64_t m;
          if (sv.get_int64().get(m) != simdjson::SUCCESS) return false;
          out->if_match = m;  // after the command's own, as the full read does
        }
      }
      if (!has_body || sig_key.empty() || sig.empty()) return false;
      out->signature = sig_key + " " + sig;
      signed_command = true;
    } else if (key == "idempotency") {
      if (!GetStrings(v, {{"key", &out->idempotency_key}, {"body_hash", &out->body_hash}})) return false;
      out->idempotent = true;
    }
  }
  if (!has_type || !has_at || !has_actor || !has_command) return false;

  // What the body and target are, by type, as Center::RecheckImpl's full read.
  const std::string_view t = out->type;
  const bool by_id = t == kOperationApprove || t == kOperationActivate || t == kOperationEnd ||
                     t == kOperationCancel || t == kAmendmentApprove || t == kAlertUpdate || t == kAlertResolve ||
                     t == kAlertAck;
  const bool modify = t == kOperationModify, notify = t == kOperationNotify, comment = t == kCommentAdd;
  if ((by_id || comment) && !signed_command) return false;  // the body is the command less a member
  if (!(by_id || comment || modify || notify)) {
    if (!signed_command) out->body.assign(command_raw);
    return true;
  }
  // The command's members, read from its bytes again: the entry's keys are
  // sorted, so "type", which says which members matter, comes after it.
  od::document cdoc;
  if (command_parser.iterate(simdjson::padded_string_view(command_raw.data(), command_raw.size(),
                                                          static_cast<size_t>(end - command_raw.data())))
          .get(cdoc) != simdjson::SUCCESS) {
    return false;
  }
  od::object command;
  if (cdoc.get_object().get(command) != simdjson::SUCCESS) return false;
  std::optional<int64_t> command_if_match;
  bool has_target = false, has_operation = false;
  for (auto field : command) {
    std::string_view k;
    od::value v;
    if (field.unescaped_key().get(k) != simdjson::SUCCESS || field.value().get(v) != simdjson::SUCCESS) return false;
    if ((k == "id" && (by_id || modify)) || (k == "subject" && comment)) {
      if (!GetString(v, &out->target)) return false;
      has_target = true;
    } else if (k == "if_match" && modify) {
      int64_t m;
      if (v.get_int64().get(m) != simdjson::SUCCESS) return false;
      command_if_match = m;
    } else if (k == "operation" && (modify || notify)) {
      od::object op;
      std::string_view raw;
      if (v.get_object().get(op) != simdjson::SUCCESS || op.raw_json().get(raw) != simdjson::SUCCESS) return false;
      if (!signed_command) out->body.assign(raw);
      has_operation = true;
    }
  }
  if ((modify || notify) && !has_operation) return false;
  if (!notify && !has_target) return false;
  if (modify) {
    if (!command_if_match) return false;
    if (!out->if_match) out->if_match = command_if_match;  // a signed if_match overrides
  }
  return true;
}

}  // namespace jic::engine
