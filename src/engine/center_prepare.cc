// Center::Prepare: from a command to the log entry it becomes. Every check
// that can refuse a command lives here, before anything is recorded.

#include <algorithm>
#include <cstdio>
#include <set>

#include "center_state.h"
#include "json_parse.h"
#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/decide.h"
#include "jic/engine/entry_fields.h"
#include "jic/engine/operation_json.h"
#include "jic/ledger/merkle.h"

namespace jic::engine {

namespace {

constexpr size_t kMaxTextBytes = 10000;

const char* JsonTypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

// Parses a request body that must be a JSON object. An empty body is {} when
// `empty_ok`.
Result<json> ParseBody(std::string_view body, bool empty_ok) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (empty_ok) return json::object();
    return Status::Invalid("", "a JSON object is required");
  }
  json j;
  std::string error;
  if (!ParseJson(body, &j, &error)) return Status::Invalid("", error);
  if (!j.is_object()) {
    return Status::Invalid("", Cat("expected a JSON object, got ", JsonTypeName(j)));
  }
  return j;
}

// Checks that `obj` has only the keys in `allowed`.
Status OnlyKeys(const json& obj, std::initializer_list<std::string_view> allowed,
                const std::string& prefix = "") {
  std::vector<FieldError> errors;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      errors.push_back({prefix + it.key(), "unknown field"});
    }
  }
  if (errors.empty()) return Status::Ok();
  return Status::Invalid(std::move(errors));
}

Result<bool> RequiredBool(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Invalid(key, "required");
  if (!it->is_boolean()) {
    return Status::Invalid(key, Cat("expected a boolean, got ", JsonTypeName(*it)));
  }
  return it->get<bool>();
}

// An optional string of at most kMaxTextBytes; `required` makes it required
// and non-empty.
Result<std::string> Text(const json& obj, const char* key, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return Status::Invalid(key, "required");
    return std::string();
  }
  if (!it->is_string()) {
    return Status::Invalid(key, Cat("expected a string, got ", JsonTypeName(*it)));
  }
  std::string s = it->get<std::string>();
  if (required && s.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid(key, "must not be empty");
  }
  if (s.size() > kMaxTextBytes) {
    return Status::Invalid(key, Cat("longer than ", kMaxTextBytes, " bytes"));
  }
  return s;
}

json ActorJson(const Actor& a) {
  return json{{"user", a.user}, {"party", a.party}, {"role", RoleName(a.role)}};
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

OpState StateFor(Outcome o) {
  switch (o) {
    case Outcome::kAccepted: return OpState::kAccepted;
    case Outcome::kNeedsApproval: return OpState::kPendingApproval;
    case Outcome::kRejected: return OpState::kRejected;
  }
  return OpState::kRejected;
}

json ApprovalsJson(const std::vector<Approval>& approvals) {
  json a = json::array();
  for (const Approval& p : approvals) {
    json o{{"party", p.party}, {"user", p.user}, {"approve", p.approve},
           {"at", FormatRfc3339(p.at)}, {"seq", p.seq}};
    if (!p.reason.empty()) o["reason"] = p.reason;
    a.push_back(std::move(o));
  }
  return a;
}

// Applies an amendment's `changes` to the agreement document. Errors name
// the field of the request.
Result<json> ApplyChanges(const json& base, const json& changes,
                          std::vector<std::pair<std::string, std::string>>* index_paths) {
  if (Status s = OnlyKeys(changes, {"title", "areas", "rules", "separation", "monitoring"},
                          "changes.");
      !s.ok()) {
    return s;
  }
  json doc = base;
  std::vector<FieldError> errors;
  if (auto it = changes.find("title"); it != changes.end()) doc["title"] = *it;
  for (const char* key : {"separation", "monitoring"}) {
    if (auto it = changes.find(key); it != changes.end()) doc[key] = *it;
  }
  for (const char* list : {"areas", "rules"}) {
    auto it = changes.find(list);
    if (it == changes.end()) continue;
    const std::string path = Cat("changes.", list);
    if (!it->is_object()) {
      errors.push_back({path, Cat("expected an object {put, remove}, got ",
                                           JsonTypeName(*it))});
      continue;
    }
    if (Status s = OnlyKeys(*it, {"put", "remove"}, path + "."); !s.ok()) {
      for (const FieldError& e : s.errors()) errors.push_back(e);
      continue;
    }
    json& items = doc[list];
    if (!items.is_array()) items = json::array();
    if (auto rm = it->find("remove"); rm != it->end()) {
      if (!rm->is_array()) {
        errors.push_back({path + ".remove", "expected an array of ids"});
      } else {
        for (size_t i = 0; i < rm->size(); ++i) {
          const json& id = (*rm)[i];
          auto pos = std::find_if(items.begin(), items.end(), [&](const json& x) {
            return x.is_object() && x.contains("id") && x["id"] == id;
          });
          if (!id.is_string() || pos == items.end()) {
            errors.push_back({Cat(path, ".remove[", i, "]"),
                              Cat("no ", std::string_view(list).substr(0, 4),
                                           " with this id in the agreement")});
          } else {
            items.erase(pos);
          }
        }
      }
    }
    if (auto put = it->find("put"); put != it->end()) {
      if (!put->is_array()) {
        errors.push_back({path + ".put", "expected an array"});
      } else {
        for (size_t i = 0; i < put->size(); ++i) {
          const json& item = (*put)[i];
          const std::string item_path = Cat(path, ".put[", i, "]");
          if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
            errors.push_back({item_path, "expected an object with an id"});
            continue;
          }
          auto pos = std::find_if(items.begin(), items.end(), [&](const json& x) {
            return x.is_object() && x.contains("id") && x["id"] == item["id"];
          });
          size_t ix;
          if (pos != items.end()) {
            ix = static_cast<size_t>(pos - items.begin());
            *pos = item;
          } else {
            ix = items.size();
            items.push_back(item);
          }
          index_paths->push_back({Cat(list, "[", ix, "]"), item_path});
        }
      }
    }
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  return doc;
}

// Rewrites the loader's paths in the amended document to the request's.
Status MapAgreementErrors(const Status& s,
                          const std::vector<std::pair<std::string, std::string>>& index_paths) {
  std::vector<FieldError> out;
  for (const FieldError& e : s.errors()) {
    FieldError m{"agreement." + e.field, e.reason};
    for (const auto& [doc_path, req_path] : index_paths) {
      if (e.field == doc_path || e.field.rfind(doc_path + ".", 0) == 0 ||
          e.field.rfind(doc_path + "[", 0) == 0) {
        m.field = req_path + e.field.substr(doc_path.size());
        break;
      }
    }
    if (e.field.empty()) m.field = "changes";
    out.push_back(std::move(m));
  }
  if (out.empty()) out.push_back({"changes", s.message()});
  return Status::Invalid(std::move(out));
}

}  // namespace

// Friend of Center: the command handlers.
class CenterPrepare {
 public:
  CenterPrepare(const Center& c, const Command& cmd, Time at, uint64_t seq)
      : c_(c), st_(*c.st_), cmd_(cmd), at_(at), seq_(seq) {}

  Result<Prepared> Run() {
    const std::string_view t = cmd_.type;
    if (!c_.initialized() && t != kAgreementInit) {
      return Status(StatusCode::kFailedPrecondition, "the center has no agreement yet");
    }
    std::string body_hash;
    if (!cmd_.idempotency_key.empty()) {
      if (cmd_.idempotency_key.size() > 200) {
        return Status::Invalid("Idempotency-Key", "longer than 200 characters");
      }
      body_hash = cmd_.recorded_body_hash ? *cmd_.recorded_body_hash : HashHex(cmd_.body);
      auto it = st_.idempotency.find(cmd_.actor.user + '\n' + cmd_.idempotency_key);
      if (it != st_.idempotency.end()) {
        const IdempotentReply& r = it->second;
        if (r.type != cmd_.type || r.target != cmd_.target || r.body_hash != body_hash) {
          return Status::Conflict(
              "Idempotency-Key was used before for a different request; use a new key");
        }
        Prepared p;
        p.reply = r.reply;
        return p;
      }
    }
    Result<json> r = Dispatch(t);
    if (!r.ok()) return r.status();
    Result<json> signature = CheckSignature();
    if (!signature.ok()) return signature.status();
    json entry{{"v", 1},
               {"seq", seq_},
               {"type", cmd_.type},
               {"at", FormatRfc3339(at_)},
               {"actor", ActorJson(cmd_.actor)},
               {"command", std::move(command_)},
               {"result", std::move(r.value())}};
    if (!cmd_.idempotency_key.empty()) {
      entry["idempotency"] =
          json{{"key", cmd_.idempotency_key}, {"body_hash", body_hash}, {"target", cmd_.target}};
    }
    if (!signature->is_null()) entry["signature"] = std::move(signature).value();
    Prepared p;
    p.operation = std::move(operation_);
    p.bytes = Canon(entry);
    p.reply.status = ReplyStatusFor(t);
    if (!cmd_.replay) p.reply.body = Canon(entry["result"]);
    const json& res = entry["result"];
    if (auto it = res.find("id"); it != res.end() && it->is_string()) p.reply.id = it->get<std::string>();
    if (auto it = res.find("version"); it != res.end() && it->is_number_integer()) {
      p.reply.etag = std::to_string(it->get<int64_t>());
    }
    p.entry = std::make_shared<const json>(std::move(entry));
    return p;
  }

 private:
  Result<json> Dispatch(std::string_view t) {
    if (t == kAgreementInit) return Init();
    if (t == kUserAdd) return UserAdd();
    if (t == kOperationNotify) return Notify();
    if (t == kOperationModify) return Modify();
    if (t == kOperationApprove) return ApproveOperation();
    if (t == kOperationActivate) return Transition({OpState::kAccepted}, OpState::kActivated);
    if (t == kOperationEnd) return Transition({OpState::kActivated}, OpState::kEnded);
    if (t == kOperationCancel) {
      return Transition({OpState::kAccepted, OpState::kPendingApproval}, OpState::kCancelled);
    }
    if (t == kAmendmentPropose) return ProposeAmendment();
    if (t == kAmendmentApprove) return ApproveAmendment();
    if (t == kCommentAdd) return AddComment();
    if (t == kAlertRaise) return RaiseAlert();
    if (t == kAlertUpdate || t == kAlertResolve) return ChangeAlert(t == kAlertResolve);
    if (t == kAlertAck) return AckAlert();
    if (t == kKeyRegister) return RegisterKey();
    return Status::Invalid("type", Cat("unknown command type '", t, "'"));
  }

  // The actor's signature of the command (docs/ledger.md, "Signed
  // commands"): checked when present, demanded when the agreement says so.
  // The entry's "signature" member, or null when unsigned.
  Result<json> CheckSignature() const {
    const std::string_view t = cmd_.type;
    const User* user = nullptr;
    if (cmd_.actor.role != Role::kSystem) {
      auto it = c_.users_.find(cmd_.actor.user);
      if (it != c_.users_.end()) user = &it->second;
    }
    auto has_signing_key = [](const User& u) {
      return std::any_of(u.keys.begin(), u.keys.end(),
                         [](const User::Key& k) { return k.key.type == ledger::kAlgEd25519; });
    };
    bool required = false;
    if (user != nullptr && c_.initialized()) {
      switch (agreement().signed_commands) {
        case agreement::SignedCommands::kApprovals:
          required = t == kOperationApprove || t == kAmendmentApprove;
          break;
        case agreement::SignedCommands::kAll:
          required = !(t == kKeyRegister && !has_signing_key(*user));
          break;
        case agreement::SignedCommands::kNone:
          break;
      }
    }
    if (cmd_.signature.empty()) {
      if (required) {
        return Status::PermissionDenied(
            Cat("the agreement requires ", t, " to be signed: send Jic-Signature with a key you registered (docs/ledger.md)"));
      }
      return json();
    }
    if (user == nullptr) return Status::Invalid("Jic-Signature", "the center's own commands carry no signature");
    std::optional<std::string> line = Center::RequestLine(t, cmd_.target);
    if (!line) return Status::Invalid("Jic-Signature", Cat(t, " cannot be signed"));
    const std::string_view header = cmd_.signature;
    const size_t sp = header.find(' ');
    const size_t plus = header.substr(0, sp).rfind('+');
    if (sp == std::string_view::npos || plus == std::string_view::npos) {
      return Status::Invalid("Jic-Signature", "must be '<key name>+<key ID> <base64 signature>'");
    }
    const std::string_view key_ref = header.substr(0, sp), name = header.substr(0, plus),
                           key_id = header.substr(plus + 1, sp - plus - 1), b64 = header.substr(sp + 1);
    const ledger::VerifierKey* key = nullptr;
    for (const User::Key& k : user->keys) {
      char hex[9];
      std::snprintf(hex, sizeof hex, "%08x", k.key.key_id);
      if (k.key.name == name && k.key.type == ledger::kAlgEd25519 && key_id == hex) key = &k.key;
    }
    if (key == nullptr) {
      return Status::PermissionDenied(
          Cat("Jic-Signature: ", cmd_.actor.user, " has registered no signing key '", key_ref, "'"));
    }
    Result<std::string> sig = ledger::FromBase64(b64);
    if (!sig.ok() || sig->size() != 64) {
      return Status::Invalid("Jic-Signature", "the signature must be base64 of 64 bytes (Ed25519)");
    }
    const std::string message =
        Center::CommandMessage(agreement().id, cmd_.actor.user, *line, cmd_.if_match, cmd_.body);
    if (!ledger::VerifyRaw(key->public_key, message, *sig)) {
      return Status::PermissionDenied(
          Cat("Jic-Signature: the signature does not verify over '", *line,
              "' and this body (docs/ledger.md, \"Signed commands\")"));
    }
    json out{{"key", std::string(key_ref)}, {"sig", std::string(b64)}, {"body", cmd_.body}};
    if (cmd_.if_match) out["if_match"] = *cmd_.if_match;
    return out;
  }

  // --- key.register ---
  Result<json> RegisterKey() {
    if (cmd_.actor.role == Role::kSystem) return Status::PermissionDenied("the center registers no keys");
    Result<json> body = ParseBody(cmd_.body, false);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"key"}); !s.ok()) return s;
    Result<std::string> text = Text(*body, "key", true);
    if (!text.ok()) return text.status();
    Result<ledger::VerifierKey> key = ledger::VerifierKey::Parse(*text);
    if (!key.ok()) {
      return Status::Invalid("key", key.status().errors().empty() ? key.status().ToString()
                                                                  : key.status().errors()[0].reason);
    }
    if (c_.key_to_user_.count(key->name)) {
      return Status::Conflict(Cat("a key named '", key->name, "' is registered; choose another name"));
    }
    const std::string encoded = key->Encode();
    command_ = json{{"key", encoded}};
    return json{{"name", key->name},
                {"key", encoded},
                {"type", key->type == ledger::kAlgCosignatureV1 ? "cosignature" : "signature"},
                {"user", cmd_.actor.user}};
  }

  const agreement::Agreement& agreement() const { return c_.rules_->agreement(); }

  Status RequireRole(std::initializer_list<Role> roles, std::string_view what) const {
    for (Role r : roles) {
      if (cmd_.actor.role == r) return Status::Ok();
    }
    return Status::PermissionDenied(Cat("role '", RoleName(cmd_.actor.role),
                                                 "' may not ", what));
  }

  // Whether the actor's party may notify operations of `operator_party`: its
  // own, and those of parties that list it in reported_by (API.md, roles).
  bool MayNotify(const std::string& operator_party) const {
    const std::string& p = cmd_.actor.party;
    if (operator_party == p) return true;
    const agreement::Party* party = agreement().FindParty(operator_party);
    return party != nullptr && Contains(party->reported_by, p);
  }

  // Whether a notification by the actor for `operator_party` is refused
  // outright (403) rather than decided. Where the operator's party lists
  // reported_by, the agreement's own reporting check decides it, and a
  // notification by a party not on the list is recorded as rejected
  // (AGREEMENT.md); where it lists nobody, only the party itself may notify.
  bool NotifyForbidden(const std::string& operator_party) const {
    if (MayNotify(operator_party)) return false;
    const agreement::Party* party = agreement().FindParty(operator_party);
    return party == nullptr || party->reported_by.empty();
  }

  // Whether the actor's party manages a notified operation: it may notify
  // such operations, or it notified this one.
  bool Manages(const Operation& op) const {
    return MayNotify(op.operator_party) || op.submitted_by == cmd_.actor.party;
  }

  Result<const Operation*> FindManagedOperation(std::string_view what) const {
    if (Status s = RequireRole({Role::kPlanner, Role::kOfficer}, what); !s.ok()) return s;
    const Operation* op = c_.store_.Find(cmd_.target);
    if (op == nullptr) return Status::NotFound(Cat("no operation '", cmd_.target, "'"));
    if (!Manages(*op)) {
      return Status::PermissionDenied(Cat("party ", cmd_.actor.party,
                                                   " does not manage operation ", op->id));
    }
    return op;
  }

  json OperationResult(const std::string& id, int64_t version, OpState state, json decision) {
    return json{{"id", id},
                {"version", version},
                {"state", OpStateName(state)},
                {"decision", std::move(decision)}};
  }

  // --- agreement.init ---
  Result<json> Init() {
    if (cmd_.actor.role != Role::kSystem) {
      return Status::PermissionDenied("only the center itself installs the first agreement");
    }
    if (c_.initialized()) return Status::Conflict("the center already has an agreement");
    Result<json> body = ParseBody(cmd_.body, false);
    if (!body.ok()) return body.status();
    auto it = body->find("agreement");
    if (it == body->end() || !it->is_object()) {
      return Status::Invalid("agreement", "required: the agreement document as an object");
    }
    auto parsed = agreement::ParseAgreement(Canon(*it));
    if (!parsed.ok()) return parsed.status();
    command_ = json{{"agreement", *it}};
    return json{{"agreement_version", 1}, {"id", (*parsed)->id}};
  }

  // --- user.add ---
  Result<json> UserAdd() {
    if (cmd_.actor.role != Role::kSystem && cmd_.actor.role != Role::kAdmin) {
      return Status::PermissionDenied("only an admin may add users");
    }
    Result<json> body = ParseBody(cmd_.body, false);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"name", "party", "role", "token_hash"}); !s.ok()) return s;
    std::vector<FieldError> errors;
    auto str = [&](const char* key) -> std::string {
      auto it = body->find(key);
      if (it == body->end()) {
        errors.push_back({key, "required"});
        return "";
      }
      if (!it->is_string()) {
        errors.push_back({key, Cat("expected a string, got ", JsonTypeName(*it))});
        return "";
      }
      return it->get<std::string>();
    };
    std::string name = str("name"), party = str("party"), role_name = str("role"),
                hash = str("token_hash");
    if (!errors.empty()) return Status::Invalid(std::move(errors));
    if (!agreement::IsValidId(name)) {
      errors.push_back({"name", "must be 1-64 characters of letters, digits, '_', '-', '.'"});
    } else if (c_.users_.count(name)) {
      return Status::Conflict(Cat("a user named '", name, "' exists"));
    }
    std::optional<Role> role = ParseRole(role_name);
    if (!role) {
      errors.push_back({"role", "must be planner, officer, watch, observer, integrator or admin"});
    }
    if (role && (*role == Role::kPlanner || *role == Role::kOfficer || *role == Role::kWatch)) {
      if (agreement().FindParty(party) == nullptr) {
        errors.push_back({"party", Cat("no party '", party, "' in the agreement")});
      }
    } else if (!agreement::IsValidId(party)) {
      errors.push_back({"party", "must be a party id, or the id of the observing body"});
    }
    if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
      errors.push_back({"token_hash", "must be 64 lower-case hex digits"});
    } else if (c_.token_to_user_.count(hash)) {
      return Status::Conflict("token already in use");
    }
    if (!errors.empty()) return Status::Invalid(std::move(errors));
    command_ = json{{"name", name}, {"party", party}, {"role", role_name}, {"token_hash", hash}};
    return json{{"name", name}, {"party", party}, {"role", role_name}};
  }

  // Parses a notification body (with id and submitted_by filled in) into an
  // operation; `body` becomes its canonical form.
  Result<Operation> ParseNotification(json* body, const std::string& id) {
    if (PreParsed* pre = cmd_.pre.get(); pre != nullptr && (pre->operation || !pre->op_status.ok())) {
      if (!pre->op_status.ok()) return pre->op_status;
      Operation op = std::move(*pre->operation);
      pre->operation.reset();
      op.id = id;
      (*body)["id"] = id;  // submitted_by was set by PreParse
      if (Status s = CheckReferences(agreement(), op); !s.ok()) return s;
      return op;
    }
    if (auto it = body->find("submitted_by"); it != body->end()) {
      if (!it->is_string() || it->get<std::string>() != cmd_.actor.party) {
        return Status::Invalid("submitted_by",
                               Cat("comes from your token: must be absent or '",
                                            cmd_.actor.party, "'"));
      }
    }
    (*body)["submitted_by"] = cmd_.actor.party;
    (*body)["id"] = id;
    Result<Operation> op = ParseOperationValue(*body, OperationForm::kNotification);
    if (!op.ok()) return op.status();
    if (Status s = CheckReferences(agreement(), *op); !s.ok()) return s;
    return op;
  }

  // --- operation.notify ---
  // The request body: PreParse's when there is one, else parsed here.
  Result<json> Body(bool empty_ok) {
    if (PreParsed* pre = cmd_.pre.get(); pre != nullptr && (pre->body || !pre->body_status.ok())) {
      if (!pre->body_status.ok()) return pre->body_status;
      json b = std::move(*pre->body);
      pre->body.reset();
      return b;
    }
    return ParseBody(cmd_.body, empty_ok);
  }

  Result<json> Notify() {
    if (Status s = RequireRole({Role::kPlanner, Role::kOfficer}, "notify operations"); !s.ok()) {
      return s;
    }
    Result<json> body = Body(false);
    if (!body.ok()) return body.status();
    std::string id = Cat("op-", seq_);
    if (auto it = body->find("id"); it != body->end() && !it->is_null()) {
      if (!it->is_string() || !agreement::IsValidId(it->get<std::string>())) {
        return Status::Invalid("id", "must be 1-64 characters of letters, digits, '_', '-', '.'");
      }
      id = it->get<std::string>();
      if (c_.store_.Find(id) != nullptr) {
        return Status::Conflict(Cat("an operation '", id, "' exists; modify it with PUT"));
      }
    }
    Result<Operation> op = ParseNotification(&*body, id);
    if (!op.ok()) return op.status();
    if (NotifyForbidden(op->operator_party)) {
      return Status::PermissionDenied(
          Cat("party ", cmd_.actor.party, " may not notify operations of ",
                       op->operator_party, " (only ", op->operator_party, " notifies them)"));
    }
    Result<Decision> d = Decide(*c_.rules_, c_.store_, *op, at_);
    if (!d.ok()) return d.status();
    command_ = json{{"operation", std::move(*body)}};
    operation_ = std::make_shared<const Operation>(std::move(*op));
    return OperationResult(id, 1, StateFor(d->outcome), DecisionJsonValue(*d));
  }

  // --- operation.modify ---
  Result<json> Modify() {
    Result<const Operation*> found = FindManagedOperation("modify operations");
    if (!found.ok()) return found.status();
    const Operation& old = **found;
    if (!cmd_.if_match) {
      return Status::Invalid("If-Match", "required: the version you are modifying");
    }
    if (*cmd_.if_match != old.version) {
      return Status::Stale(Cat("operation ", old.id, " is at version ", old.version,
                                        ", not ", *cmd_.if_match));
    }
    if (old.state != OpState::kAccepted && old.state != OpState::kPendingApproval &&
        old.state != OpState::kRejected) {
      return Status::Conflict(Cat("an operation that is ", OpStateName(old.state),
                                           " cannot be modified"));
    }
    Result<json> body = Body(false);
    if (!body.ok()) return body.status();
    if (auto it = body->find("id"); it != body->end() && *it != old.id) {
      return Status::Invalid("id", Cat("must be absent or '", old.id, "'"));
    }
    if (auto it = body->find("operator"); it != body->end() && *it != old.operator_party) {
      return Status::Invalid("operator", Cat("cannot change (it is '",
                                                      old.operator_party, "')"));
    }
    Result<Operation> op = ParseNotification(&*body, old.id);
    if (!op.ok()) return op.status();
    Result<Decision> d = Decide(*c_.rules_, c_.store_, *op, at_);
    if (!d.ok()) return d.status();
    command_ = json{{"id", old.id}, {"if_match", *cmd_.if_match}, {"operation", std::move(*body)}};
    operation_ = std::make_shared<const Operation>(std::move(*op));
    return OperationResult(old.id, old.version + 1, StateFor(d->outcome), DecisionJsonValue(*d));
  }

  // An officer's answer, {"approve": bool, "reason"?}, to the operation or
  // amendment `id`; sets the command.
  struct Answer {
    bool approve = false;
    std::string reason;
  };
  Result<Answer> ParseAnswer(const std::string& id) {
    Result<json> body = ParseBody(cmd_.body, false);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"approve", "reason"}); !s.ok()) return s;
    Result<bool> approve = RequiredBool(*body, "approve");
    if (!approve.ok()) return approve.status();
    Result<std::string> reason = Text(*body, "reason", false);
    if (!reason.ok()) return reason.status();
    command_ = json{{"id", id}, {"approve", *approve}};
    if (!reason->empty()) command_["reason"] = *reason;
    return Answer{*approve, *reason};
  }

  // --- operation.approve ---
  Result<json> ApproveOperation() {
    if (Status s = RequireRole({Role::kOfficer}, "approve operations"); !s.ok()) return s;
    const Operation* op = c_.store_.Find(cmd_.target);
    if (op == nullptr) return Status::NotFound(Cat("no operation '", cmd_.target, "'"));
    const OpMeta& meta = st_.ops.at(op->id);
    if (op->state != OpState::kPendingApproval) {
      return Status::Conflict(Cat("operation ", op->id, " is ", OpStateName(op->state),
                                           ", not pending_approval"));
    }
    const std::string& party = cmd_.actor.party;
    if (!Contains(meta.approvers, party)) {
      return Status::PermissionDenied(
          Cat("party ", party, " is not asked to approve operation ", op->id));
    }
    for (const Approval& a : meta.approvals) {
      if (a.party == party) {
        return Status::Conflict(Cat("party ", party, " has already approved ", op->id));
      }
    }
    if (cmd_.if_match && *cmd_.if_match != op->version) {
      return Status::Stale(Cat("operation ", op->id, " is at version ", op->version, ", not ",
                               *cmd_.if_match));
    }
    Result<Answer> answer = ParseAnswer(op->id);
    if (!answer.ok()) return answer.status();

    std::vector<Approval> approvals = meta.approvals;
    approvals.push_back({party, cmd_.actor.user, answer->approve, answer->reason, at_, seq_});
    OpState state = OpState::kPendingApproval;
    json decision = json::parse(meta.decision_json);
    if (!answer->approve) {
      state = OpState::kRejected;
    } else {
      std::set<std::string> approved;
      for (const Approval& a : approvals) approved.insert(a.party);
      bool all = std::all_of(meta.approvers.begin(), meta.approvers.end(),
                             [&](const std::string& p) { return approved.count(p) > 0; });
      if (all) {
        // Decided again against the state at this moment (API.md).
        Result<Decision> d = Decide(*c_.rules_, c_.store_, *op, meta.received_at);
        if (!d.ok()) return d.status();
        decision = DecisionJsonValue(*d);
        if (d->outcome == Outcome::kRejected) {
          state = OpState::kRejected;
        } else if (d->outcome == Outcome::kAccepted ||
                   std::all_of(d->approvers.begin(), d->approvers.end(),
                               [&](const std::string& p) { return approved.count(p) > 0; })) {
          state = OpState::kAccepted;
        }
      }
    }
    json result = OperationResult(op->id, op->version + 1, state, std::move(decision));
    result["approvals"] = ApprovalsJson(approvals);
    return result;
  }

  // --- operation.activate / end / cancel ---
  Result<json> Transition(std::initializer_list<OpState> from, OpState to) {
    Result<const Operation*> found = FindManagedOperation("change the state of operations");
    if (!found.ok()) return found.status();
    const Operation& op = **found;
    if (std::find(from.begin(), from.end(), op.state) == from.end()) {
      return Status::Conflict(Cat("operation ", op.id, " is ", OpStateName(op.state),
                                           "; it cannot become ", OpStateName(to)));
    }
    Result<json> body = ParseBody(cmd_.body, true);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"reason"}); !s.ok()) return s;
    Result<std::string> reason = Text(*body, "reason", false);
    if (!reason.ok()) return reason.status();
    command_ = json{{"id", op.id}};
    if (!reason->empty()) command_["reason"] = *reason;
    return json{{"id", op.id}, {"version", op.version + 1}, {"state", OpStateName(to)},
                {"previous_state", OpStateName(op.state)}};
  }

  // --- amendment.propose ---
  Result<json> ProposeAmendment() {
    if (Status s = RequireRole({Role::kOfficer}, "propose amendments"); !s.ok()) return s;
    Result<json> body = ParseBody(cmd_.body, false);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"summary", "changes"}); !s.ok()) return s;
    Result<std::string> summary = Text(*body, "summary", true);
    if (!summary.ok()) return summary.status();
    auto ch = body->find("changes");
    if (ch == body->end()) return Status::Invalid("changes", "required");
    if (!ch->is_object() || ch->empty()) {
      return Status::Invalid("changes", "expected a non-empty object");
    }
    std::vector<std::pair<std::string, std::string>> index_paths;
    Result<json> doc = ApplyChanges(json::parse(c_.agreement_json_), *ch, &index_paths);
    if (!doc.ok()) return doc.status();
    auto parsed = agreement::ParseAgreement(Canon(*doc));
    if (!parsed.ok()) return MapAgreementErrors(parsed.status(), index_paths);
    if ((*parsed)->id != agreement().id) {
      return Status::Invalid("changes", "an amendment cannot change the agreement's id");
    }
    std::string id = Cat("am-", seq_);
    command_ = json{{"summary", *summary}, {"changes", *ch}};
    return json{{"id", id},
                {"state", "pending"},
                {"base_version", c_.agreement_version_},
                {"signatories", agreement().signatories},
                {"agreement", std::move(*doc)}};
  }

  // --- amendment.approve ---
  Result<json> ApproveAmendment() {
    if (Status s = RequireRole({Role::kOfficer}, "sign off amendments"); !s.ok()) return s;
    auto it = st_.amendments.find(cmd_.target);
    if (it == st_.amendments.end()) {
      return Status::NotFound(Cat("no amendment '", cmd_.target, "'"));
    }
    const Amendment& am = it->second;
    if (am.state != "pending") {
      return Status::Conflict(Cat("amendment ", am.id, " is ", am.state));
    }
    const std::string& party = cmd_.actor.party;
    if (!Contains(agreement().signatories, party)) {
      return Status::PermissionDenied(Cat("party ", party, " is not a signatory"));
    }
    for (const Approval& a : am.approvals) {
      if (a.party == party) {
        return Status::Conflict(Cat("party ", party, " has already signed ", am.id));
      }
    }
    if (am.base_version != c_.agreement_version_) {
      return Status::Conflict(Cat("amendment ", am.id, " was made against version ",
                                           am.base_version, " of the agreement, which is now at ",
                                           c_.agreement_version_, "; propose it again"));
    }
    Result<Answer> answer = ParseAnswer(am.id);
    if (!answer.ok()) return answer.status();

    std::vector<Approval> approvals = am.approvals;
    approvals.push_back({party, cmd_.actor.user, answer->approve, answer->reason, at_, seq_});
    json result{{"id", am.id}, {"approvals", ApprovalsJson(approvals)}};
    if (!answer->approve) {
      result["state"] = "rejected";
      return result;
    }
    std::set<std::string> approved;
    for (const Approval& a : approvals) approved.insert(a.party);
    for (const std::string& s : agreement().signatories) {
      if (!approved.count(s)) {
        result["state"] = "pending";
        return result;
      }
    }
    // In force: every live operation is decided again under the new rules;
    // those that now break the agreement are flagged, not changed.
    auto parsed = agreement::ParseAgreement(am.agreement_json);
    if (!parsed.ok()) return Status::Internal("amended agreement no longer parses");
    RuleBook rules(std::move(parsed).value());
    json flagged = json::array();
    std::vector<const Operation*> live;
    c_.store_.ForEach([&](const Operation& op) {
      if (TakesPartInSeparation(op.state)) live.push_back(&op);
    });
    std::sort(live.begin(), live.end(),
              [](const Operation* a, const Operation* b) { return a->id < b->id; });
    for (const Operation* op : live) {
      const OpMeta& meta = st_.ops.at(op->id);
      Result<Decision> d = Decide(rules, c_.store_, *op, meta.received_at);
      if (!d.ok()) {
        // A party or category the operation names is gone.
        flagged.push_back(json{{"operation", op->id}, {"error", d.status().ToString()}});
        continue;
      }
      // What the operation has (approvals given) or is already waiting for
      // (a pending operation's approvers): only more than that breaks it.
      std::set<std::string> have;
      for (const Approval& a : meta.approvals) {
        if (a.approve) have.insert(a.party);
      }
      if (op->state == OpState::kPendingApproval) have.insert(meta.approvers.begin(), meta.approvers.end());
      bool breaks = d->outcome == Outcome::kRejected;
      for (const std::string& p : d->approvers) breaks = breaks || !have.count(p);
      if (breaks) {
        flagged.push_back(json{{"operation", op->id}, {"decision", DecisionJsonValue(*d)}});
      }
    }
    result["state"] = "in_force";
    result["agreement_version"] = c_.agreement_version_ + 1;
    result["flagged"] = std::move(flagged);
    return result;
  }

  // Whether a thread subject ("operation:ID", "amendment:ID", "alert:ID") exists.
  Status CheckSubject(const std::string& subject) const {
    auto colon = subject.find(':');
    std::string kind = subject.substr(0, colon == std::string::npos ? 0 : colon);
    std::string id = colon == std::string::npos ? "" : subject.substr(colon + 1);
    bool exists = false;
    if (kind == "operation") {
      exists = c_.store_.Find(id) != nullptr;
    } else if (kind == "amendment") {
      exists = st_.amendments.count(id) > 0;
    } else if (kind == "alert") {
      exists = st_.alerts.count(id) > 0;
    } else {
      return Status::Invalid("subject",
                             "must be operation:ID, amendment:ID or alert:ID");
    }
    if (!exists) return Status::NotFound(Cat("no ", kind, " '", id, "'"));
    return Status::Ok();
  }

  // --- comment.add ---
  Result<json> AddComment() {
    if (Status s = RequireRole({Role::kPlanner, Role::kOfficer, Role::kWatch}, "comment");
        !s.ok()) {
      return s;
    }
    if (Status s = CheckSubject(cmd_.target); !s.ok()) return s;
    Result<json> body = ParseBody(cmd_.body, false);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"text"}); !s.ok()) return s;
    Result<std::string> text = Text(*body, "text", true);
    if (!text.ok()) return text.status();
    command_ = json{{"subject", cmd_.target}, {"text", *text}};
    return json{{"id", Cat("c-", seq_)}, {"subject", cmd_.target}};
  }

  // --- alert.raise (the monitor) ---
  Result<json> RaiseAlert() {
    if (cmd_.actor.role != Role::kSystem) {
      return Status::PermissionDenied("alerts are raised by the center's monitor");
    }
    Result<json> body = ParseBody(cmd_.body, false);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"type", "key", "parties", "tracks", "operation", "area",
                                    "predicted", "detail"});
        !s.ok()) {
      return s;
    }
    Result<std::string> type = Text(*body, "type", true);
    if (!type.ok()) return type.status();
    json cmd = *body;
    for (const char* k : {"parties", "tracks"}) {
      if (!cmd.contains(k)) cmd[k] = json::array();
      if (!cmd[k].is_array()) return Status::Invalid(k, "expected an array of strings");
      for (const json& x : cmd[k]) {
        if (!x.is_string()) return Status::Invalid(k, "expected an array of strings");
      }
    }
    if (!cmd.contains("detail")) cmd["detail"] = json::object();
    if (!cmd["detail"].is_object()) return Status::Invalid("detail", "expected an object");
    for (const char* k : {"key", "operation", "area"}) {
      if (cmd.contains(k) && !cmd[k].is_string()) return Status::Invalid(k, "expected a string");
    }
    if (cmd.contains("predicted") && !cmd["predicted"].is_boolean()) {
      return Status::Invalid("predicted", "expected a boolean");
    }
    if (cmd.contains("key")) {
      const std::string key = cmd["key"].get<std::string>();
      if (key.empty() || key.size() > 200) return Status::Invalid("key", "must be 1-200 characters");
      if (c_.open_alert_by_key_.count(key)) {
        return Status::Conflict(Cat("an alert with key '", key, "' is open"));
      }
    }
    command_ = std::move(cmd);
    return json{{"id", Cat("al-", seq_)}, {"state", "open"}};
  }

  // --- alert.update / alert.resolve (the monitor) ---
  Result<json> ChangeAlert(bool resolve) {
    if (cmd_.actor.role != Role::kSystem) {
      return Status::PermissionDenied("alerts are changed by the center's monitor");
    }
    // The monitor names an alert by its id or by its key.
    auto it = st_.alerts.find(cmd_.target);
    if (it == st_.alerts.end()) {
      auto k = c_.open_alert_by_key_.find(cmd_.target);
      if (k != c_.open_alert_by_key_.end()) it = st_.alerts.find(k->second);
    }
    if (it == st_.alerts.end()) return Status::NotFound(Cat("no alert '", cmd_.target, "'"));
    if (it->second.state == "resolved") return Status::Conflict("the alert is resolved");
    Result<json> body = ParseBody(cmd_.body, true);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"detail", "predicted"}); !s.ok()) return s;
    json cmd{{"id", it->first}};
    if (body->contains("detail")) {
      if (!(*body)["detail"].is_object()) return Status::Invalid("detail", "expected an object");
      cmd["detail"] = (*body)["detail"];
    }
    if (body->contains("predicted")) {
      Result<bool> p = RequiredBool(*body, "predicted");
      if (!p.ok()) return p.status();
      cmd["predicted"] = *p;
    }
    command_ = std::move(cmd);
    return json{{"id", it->first},
                {"state", resolve ? std::string("resolved") : it->second.state}};
  }

  // --- alert.ack ---
  Result<json> AckAlert() {
    if (Status s = RequireRole({Role::kWatch, Role::kOfficer}, "acknowledge alerts"); !s.ok()) {
      return s;
    }
    auto it = st_.alerts.find(cmd_.target);
    if (it == st_.alerts.end()) return Status::NotFound(Cat("no alert '", cmd_.target, "'"));
    if (it->second.state != "open") {
      return Status::Conflict(Cat("alert ", cmd_.target, " is ", it->second.state));
    }
    Result<json> body = ParseBody(cmd_.body, true);
    if (!body.ok()) return body.status();
    if (Status s = OnlyKeys(*body, {"note"}); !s.ok()) return s;
    Result<std::string> note = Text(*body, "note", false);
    if (!note.ok()) return note.status();
    command_ = json{{"id", cmd_.target}};
    if (!note->empty()) command_["note"] = *note;
    return json{{"id", cmd_.target}, {"state", "acknowledged"}};
  }

  const Center& c_;
  const Center::State& st_;
  const Command& cmd_;
  Time at_;
  uint64_t seq_;
  json command_ = json::object();
  std::shared_ptr<const Operation> operation_;
};

std::shared_ptr<PreParsed> Center::PreParse(const Command& cmd) {
  if (cmd.type != kOperationNotify && cmd.type != kOperationModify) return nullptr;
  auto pre = std::make_shared<PreParsed>();
  try {
    Result<json> body = ParseBody(cmd.body, false);
    if (!body.ok()) {
      pre->body_status = body.status();
      return pre;
    }
    json b = std::move(body).value();
    // As ParseNotification: submitted_by comes from the token; the id is
    // set by Prepare (a null one is as good as none).
    if (auto it = b.find("submitted_by"); it != b.end() &&
                                          (!it->is_string() || it->get<std::string>() != cmd.actor.party)) {
      pre->op_status = Status::Invalid(
          "submitted_by", Cat("comes from your token: must be absent or '", cmd.actor.party, "'"));
    } else {
      b["submitted_by"] = cmd.actor.party;
      // A bad id fails here too, but Prepare checks the id first and says so.
      if (auto it = b.find("id"); it != b.end() && it->is_null()) b.erase(it);
      Result<Operation> op = ParseOperationValue(b, OperationForm::kNotification);
      if (op.ok()) {
        pre->operation = std::make_shared<Operation>(std::move(op).value());
      } else {
        pre->op_status = op.status();
      }
    }
    pre->body = std::make_shared<json>(std::move(b));
  } catch (const json::exception&) {
    return nullptr;  // Prepare will do it all (and report what went wrong)
  }
  return pre;
}

Status Center::Recheck(uint64_t seq, std::string_view bytes) const {
  return RecheckImpl(seq, bytes, nullptr);
}

Status Center::RecheckAndApply(uint64_t seq, std::string_view bytes, bool* applied) {
  *applied = false;
  Prepared p;
  if (Status s = RecheckImpl(seq, bytes, &p); !s.ok()) return s;
  if (Status s = Apply(seq, *p.entry, p.operation.get()); !s.ok()) {
    return Status::Internal("cannot be applied: " + s.ToString());
  }
  *applied = true;
  return Status::Ok();
}

namespace {

// An entry's actor role ("system" for the center's own commands).
Role EntryRole(std::string_view role) {
  return role == "system" ? Role::kSystem : ParseRole(role).value_or(Role::kObserver);
}

}  // namespace

Status Center::RecheckImpl(uint64_t seq, std::string_view bytes, Prepared* out) const {
  // The fast path: the command read with simdjson's on-demand parser, its
  // body taken as the bytes it has in the entry. An entry the center wrote is
  // canonical JSON, so these are the bytes the full read below would
  // re-serialise. It is accepted only when the re-derived entry is the
  // recorded one byte for byte; anything else is read again in full, which
  // names the difference.
  if (EntryFields f; ReadEntryFields(bytes, &f)) {
    Result<Time> at = ParseRfc3339(f.at);
    if (at.ok()) {
      Command cmd;
      cmd.type = std::move(f.type);
      cmd.actor.user = std::move(f.user);
      cmd.actor.party = std::move(f.party);
      cmd.actor.role = EntryRole(f.role);
      cmd.target = std::move(f.target);
      cmd.body = std::move(f.body);
      cmd.if_match = f.if_match;
      cmd.signature = std::move(f.signature);
      cmd.replay = true;
      if (f.idempotent) {
        cmd.idempotency_key = std::move(f.idempotency_key);
        cmd.recorded_body_hash = std::move(f.body_hash);
      }
      Result<Prepared> p = Prepare(cmd, *at, seq);
      if (p.ok() && p->entry != nullptr && p->bytes == bytes) {
        if (out != nullptr) *out = std::move(p).value();
        return Status::Ok();
      }
    }
  }
  json e = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (!e.is_object()) return Status::Internal("the entry is not JSON");
  Command cmd;
  cmd.replay = true;
  Time at;
  try {
    cmd.type = e.at("type").get<std::string>();
    Result<Time> t = ParseRfc3339(e.at("at").get<std::string>());
    if (!t.ok()) return Status::Internal("the entry's time does not parse");
    at = *t;
    const json& a = e.at("actor");
    cmd.actor.user = a.at("user").get<std::string>();
    cmd.actor.party = a.at("party").get<std::string>();
    cmd.actor.role = EntryRole(a.at("role").get<std::string>());
    // The command's body, as the actor sent it: the entry's "command" (or a
    // member of it) less what the request path carried. Copied only where a
    // member must be removed.
    const json& command = e.at("command");
    const json* body = &command;
    json trimmed;
    const std::string_view t_ = cmd.type;
    if (t_ == kOperationModify) {
      cmd.target = command.at("id").get<std::string>();
      cmd.if_match = command.at("if_match").get<int64_t>();
      body = &command.at("operation");
    } else if (t_ == kOperationApprove || t_ == kOperationActivate || t_ == kOperationEnd ||
               t_ == kOperationCancel || t_ == kAmendmentApprove || t_ == kAlertUpdate ||
               t_ == kAlertResolve || t_ == kAlertAck) {
      cmd.target = command.at("id").get<std::string>();
      trimmed = command;
      trimmed.erase("id");
      body = &trimmed;
    } else if (t_ == kCommentAdd) {
      cmd.target = command.at("subject").get<std::string>();
      trimmed = command;
      trimmed.erase("subject");
      body = &trimmed;
    } else if (t_ == kOperationNotify) {
      body = &command.at("operation");
    }
    if (auto sig = e.find("signature"); sig == e.end()) {
      cmd.body = Canon(*body);
    } else {
      // A signed command is replayed from the body the actor signed.
      cmd.body = sig->at("body").get<std::string>();
      cmd.signature = Cat(sig->at("key").get<std::string>(), " ", sig->at("sig").get<std::string>());
      if (sig->contains("if_match")) cmd.if_match = sig->at("if_match").get<int64_t>();
    }
    if (e.contains("idempotency")) {
      cmd.idempotency_key = e["idempotency"].at("key").get<std::string>();
      cmd.recorded_body_hash = e["idempotency"].at("body_hash").get<std::string>();
      // The target is checked on a repeat only; it is not re-derived here.
    }
  } catch (const json::exception& ex) {
    return Status::Internal(Cat("the entry is not well formed: ", ex.what()));
  }
  Result<Prepared> p = Prepare(cmd, at, seq);
  if (!p.ok()) return Status::Internal("the command is refused on replay: " + p.status().ToString());
  if (p->entry == nullptr) return Status::Internal("the command replays as an idempotent repeat");
  if (p->bytes == bytes) {
    if (out != nullptr) *out = std::move(p).value();
    return Status::Ok();
  }
  const json& mine = *p->entry;
  if (mine.contains("result") && e.contains("result") && mine["result"].contains("decision") &&
      mine["result"]["decision"] != e["result"].value("decision", json())) {
    return Status::Internal(Cat("decision differs: recorded ", Canon(e["result"].value("decision", json())),
                                ", re-derived ", Canon(mine["result"]["decision"])));
  }
  if (mine.value("result", json()) != e.value("result", json())) {
    return Status::Internal(Cat("result differs: recorded ", Canon(e.value("result", json())),
                                ", re-derived ", Canon(mine.value("result", json()))));
  }
  return Status::Internal("the entry's bytes differ from the re-derived entry");
}

Result<Prepared> Center::Prepare(const Command& cmd, Time at, uint64_t seq) const {
  try {
    return CenterPrepare(*this, cmd, at, seq).Run();
  } catch (const json::exception& e) {
    // Every input is checked before use; reaching this is a bug, reported
    // rather than crashing the center.
    return Status::Internal(Cat("preparing ", cmd.type, ": ", e.what()));
  }
}

}  // namespace jic::engine
