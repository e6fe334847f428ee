// Center: applying entries, answering queries, snapshots.

#include "jic/engine/center.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "center_state.h"
#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/operation_json.h"

namespace jic::engine {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kPlanner: return "planner";
    case Role::kOfficer: return "officer";
    case Role::kWatch: return "watch";
    case Role::kObserver: return "observer";
    case Role::kAdmin: return "admin";
    case Role::kIntegrator: return "integrator";
    case Role::kSystem: return "system";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kPlanner, Role::kOfficer, Role::kWatch, Role::kObserver, Role::kAdmin,
                 Role::kIntegrator}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

namespace {

bool SodiumReady() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[p[i] >> 4];
    s[2 * i + 1] = kDigits[p[i] & 15];
  }
  return s;
}

}  // namespace

std::string HashHex(std::string_view bytes) {
  (void)SodiumReady();
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return Hex(h, sizeof h);
}

std::string HashToken(std::string_view token) { return HashHex(token); }

std::string NewToken() {
  (void)SodiumReady();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string("jic_") + b64;
}

int ReplyStatusFor(std::string_view type) {
  if (type == kOperationNotify || type == kAmendmentPropose || type == kCommentAdd ||
      type == kUserAdd || type == kAlertRaise || type == kAgreementInit || type == kKeyRegister) {
    return 201;
  }
  return 200;
}

Center::Center() : st_(std::make_unique<State>()) {}
Center::~Center() = default;

namespace {

Time ParseTimeOrThrow(const json& j) {
  Result<Time> t = ParseRfc3339(j.get<std::string>());
  if (!t.ok()) throw std::runtime_error("bad time " + j.get<std::string>());
  return *t;
}

std::vector<Approval> ApprovalsFromJson(const json& a) {
  std::vector<Approval> out;
  for (const json& p : a) {
    Approval x;
    x.party = p.at("party").get<std::string>();
    x.user = p.at("user").get<std::string>();
    x.approve = p.at("approve").get<bool>();
    x.reason = p.value("reason", "");
    x.at = ParseTimeOrThrow(p.at("at"));
    x.seq = p.at("seq").get<uint64_t>();
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<std::string> Strings(const json& a) {
  std::vector<std::string> out;
  for (const json& s : a) out.push_back(s.get<std::string>());
  return out;
}

Result<Operation> OperationFromCommand(const json& op_json) {
  return ParseOperationValue(op_json, OperationForm::kNotification);
}

}  // namespace

class CenterApply {
 public:
  CenterApply(Center& c, uint64_t seq, const json& e, const Operation* hint)
      : c_(c), st_(*c.st_), seq_(seq), e_(e), hint_(hint) {}

  Status Run() {
    const std::string type = e_.at("type").get<std::string>();
    at_ = ParseTimeOrThrow(e_.at("at"));
    const json& cmd = e_.at("command");
    const json& res = e_.at("result");
    if (type == kAgreementInit) {
      return InstallAgreement(Canon(cmd.at("agreement")), 1);
    } else if (type == kUserAdd) {
      User u;
      u.name = cmd.at("name").get<std::string>();
      u.party = cmd.at("party").get<std::string>();
      u.role = ParseRole(cmd.at("role").get<std::string>()).value_or(Role::kObserver);
      u.token_hash = cmd.at("token_hash").get<std::string>();
      u.seq = seq_;
      c_.token_to_user_[u.token_hash] = u.name;
      c_.users_[u.name] = std::move(u);
    } else if (type == kOperationNotify || type == kOperationModify) {
      Result<Operation> op = hint_ != nullptr ? Result<Operation>(*hint_)
                                              : OperationFromCommand(cmd.at("operation"));
      if (!op.ok()) return Status::Internal("entry's operation does not parse: " + op.status().ToString());
      op->state = ParseOpState(res.at("state").get<std::string>()).value();
      op->version = res.at("version").get<int64_t>();
      c_.ForgetRendered(op->id);
      OpMeta& m = st_.ops[op->id];
      if (type == kOperationNotify) {
        m.created_by = e_.at("actor").at("user").get<std::string>();
        m.created_seq = seq_;
      }
      m.received_at = at_;
      m.approvals.clear();
      SetDecision(&m, res.at("decision"), op->state);
      Touch(&m);
      const std::string id = op->id;
      c_.IndexAircraft(*op);
      c_.store_.Put(std::move(op).value());
      for (const json& f : res.at("decision").at("findings")) {
        if (f.value("effect", "") == "preempt" && f.contains("operation")) {
          auto it = st_.ops.find(f["operation"].get<std::string>());
          if (it != st_.ops.end()) {
            c_.ForgetRendered(it->first);
            it->second.notices.push_back(Canon(json{{"type", "preempted"},
                                                    {"by", id},
                                                    {"seq", seq_},
                                                    {"at", FormatRfc3339(at_)}}));
          }
        }
      }
    } else if (type == kOperationApprove) {
      Operation op = *Find(cmd.at("id").get<std::string>());
      op.state = ParseOpState(res.at("state").get<std::string>()).value();
      op.version = res.at("version").get<int64_t>();
      c_.ForgetRendered(op.id);
      OpMeta& m = st_.ops.at(op.id);
      m.approvals = ApprovalsFromJson(res.at("approvals"));
      SetDecision(&m, res.at("decision"), op.state);
      Touch(&m);
      c_.store_.Put(std::move(op));
    } else if (type == kOperationActivate || type == kOperationEnd || type == kOperationCancel) {
      Operation op = *Find(cmd.at("id").get<std::string>());
      op.state = ParseOpState(res.at("state").get<std::string>()).value();
      op.version = res.at("version").get<int64_t>();
      c_.ForgetRendered(op.id);
      OpMeta& m = st_.ops.at(op.id);
      if (op.state != OpState::kPendingApproval) m.approvers.clear();
      Touch(&m);
      c_.store_.Put(std::move(op));
    } else if (type == kAmendmentPropose) {
      Amendment a;
      a.id = res.at("id").get<std::string>();
      a.summary = cmd.at("summary").get<std::string>();
      a.proposed_by = e_.at("actor").at("user").get<std::string>();
      a.party = e_.at("actor").at("party").get<std::string>();
      a.proposed_at = at_;
      a.seq = seq_;
      a.state = "pending";
      a.base_version = res.at("base_version").get<int64_t>();
      a.changes_json = Canon(cmd.at("changes"));
      a.agreement_json = Canon(res.at("agreement"));
      st_.amendment_order.push_back(a.id);
      st_.amendments[a.id] = std::move(a);
    } else if (type == kAmendmentApprove) {
      Amendment& a = st_.amendments.at(cmd.at("id").get<std::string>());
      a.approvals = ApprovalsFromJson(res.at("approvals"));
      a.state = res.at("state").get<std::string>();
      if (a.state == "in_force") {
        a.agreement_version = res.at("agreement_version").get<int64_t>();
        a.flagged_json = Canon(res.at("flagged"));
        if (Status s = InstallAgreement(a.agreement_json, a.agreement_version); !s.ok()) return s;
        for (const json& f : res.at("flagged")) {
          auto it = st_.ops.find(f.at("operation").get<std::string>());
          if (it == st_.ops.end()) continue;
          json n{{"type", "flagged"},
                 {"amendment", a.id},
                 {"agreement_version", a.agreement_version},
                 {"seq", seq_},
                 {"at", FormatRfc3339(at_)}};
          if (f.contains("decision")) n["decision"] = f["decision"];
          if (f.contains("error")) n["error"] = f["error"];
          c_.ForgetRendered(it->first);
          it->second.notices.push_back(Canon(n));
          it->second.updated_seq = seq_;
          it->second.updated_at = at_;
        }
      }
    } else if (type == kKeyRegister) {
      Result<ledger::VerifierKey> k = ledger::VerifierKey::Parse(cmd.at("key").get<std::string>());
      if (!k.ok()) return Status::Internal("entry's key does not parse: " + k.status().ToString());
      const std::string user = e_.at("actor").at("user").get<std::string>();
      auto it = c_.users_.find(user);
      if (it == c_.users_.end()) return Status::Internal("key.register by an unknown user");
      c_.key_to_user_[k->name] = user;
      it->second.keys.push_back(User::Key{std::move(k).value(), seq_});
    } else if (type == kCommentAdd) {
      Comment c;
      c.id = res.at("id").get<std::string>();
      c.user = e_.at("actor").at("user").get<std::string>();
      c.party = e_.at("actor").at("party").get<std::string>();
      c.text = cmd.at("text").get<std::string>();
      c.at = at_;
      c.seq = seq_;
      st_.threads[cmd.at("subject").get<std::string>()].push_back(std::move(c));
    } else if (type == kAlertRaise) {
      Alert a;
      a.id = res.at("id").get<std::string>();
      a.key = cmd.value("key", "");
      if (!a.key.empty()) c_.open_alert_by_key_[a.key] = a.id;
      a.type = cmd.at("type").get<std::string>();
      a.state = "open";
      a.parties = Strings(cmd.at("parties"));
      a.tracks = Strings(cmd.at("tracks"));
      a.operation = cmd.value("operation", "");
      a.area = cmd.value("area", "");
      a.predicted = cmd.value("predicted", false);
      a.detail_json = Canon(cmd.at("detail"));
      a.raised_at = a.updated_at = at_;
      a.seq = seq_;
      st_.alert_order.push_back(a.id);
      st_.alerts[a.id] = std::move(a);
    } else if (type == kAlertUpdate || type == kAlertResolve || type == kAlertAck) {
      Alert& a = st_.alerts.at(cmd.at("id").get<std::string>());
      a.state = res.at("state").get<std::string>();
      a.updated_at = at_;
      if (cmd.contains("detail")) a.detail_json = Canon(cmd["detail"]);
      if (cmd.contains("predicted")) a.predicted = cmd["predicted"].get<bool>();
      if (type == kAlertResolve) {
        a.resolved_at = at_;
        if (!a.key.empty()) c_.open_alert_by_key_.erase(a.key);
      }
      if (type == kAlertAck) {
        a.acks.push_back({e_.at("actor").at("user").get<std::string>(),
                          e_.at("actor").at("party").get<std::string>(), cmd.value("note", ""),
                          at_});
      }
    } else {
      return Status::Internal("unknown entry type " + type);
    }
    if (e_.contains("idempotency")) {
      const json& k = e_["idempotency"];
      IdempotentReply r;
      r.type = type;
      r.target = k.value("target", "");
      r.body_hash = k.at("body_hash").get<std::string>();
      r.reply = Reply{ReplyStatusFor(type), Canon(res), "", res.value("id", "")};
      if (res.contains("version") && res["version"].is_number_integer()) {
        r.reply.etag = std::to_string(res["version"].get<int64_t>());
      }
      st_.idempotency[e_.at("actor").at("user").get<std::string>() + '\n' +
                      k.at("key").get<std::string>()] = std::move(r);
    }
    return Status::Ok();
  }

 private:
  const Operation* Find(const std::string& id) {
    const Operation* op = c_.store_.Find(id);
    if (op == nullptr) throw std::runtime_error("entry names unknown operation " + id);
    return op;
  }

  void SetDecision(OpMeta* m, const json& decision, OpState state) {
    m->decision_json = Canon(decision);
    m->approvers.clear();
    // Every approver party of the decision in force is asked; one that has
    // approved already may not approve twice (Prepare refuses it).
    if (state == OpState::kPendingApproval) m->approvers = Strings(decision.at("approvers"));
  }

  void Touch(OpMeta* m) {
    m->updated_seq = seq_;
    m->updated_at = at_;
  }

  Status InstallAgreement(const std::string& doc, int64_t version) {
    auto parsed = agreement::ParseAgreement(doc);
    if (!parsed.ok()) return Status::Internal("entry's agreement does not load: " + parsed.status().ToString());
    c_.rules_ = std::make_shared<const RuleBook>(std::move(parsed).value());
    c_.agreement_json_ = doc;
    c_.agreement_version_ = version;
    return Status::Ok();
  }

  Center& c_;
  Center::State& st_;
  uint64_t seq_;
  const json& e_;
  const Operation* hint_;
  Time at_;
};

Status Center::Apply(uint64_t seq, const json& entry, const Operation* hint) {
  if (seq != last_seq_ + 1) {
    return Status::Internal(Cat("entry ", seq, " applied after ", last_seq_));
  }
  try {
    if (entry.at("seq").get<uint64_t>() != seq) {
      return Status::Internal(Cat("entry at position ", seq, " says it is ",
                                           entry.at("seq").get<uint64_t>()));
    }
    Status s = CenterApply(*this, seq, entry, hint).Run();
    if (!s.ok()) return s;
  } catch (const std::exception& e) {
    return Status::Internal(Cat("entry ", seq, " is not well formed: ", e.what()));
  }
  last_seq_ = seq;
  return Status::Ok();
}

Status Center::ApplyBytes(uint64_t seq, std::string_view bytes) {
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Internal(Cat("entry ", seq, " is not JSON"));
  }
  return Apply(seq, j);
}

const User* Center::Authenticate(std::string_view token) const {
  if (token.empty() || token.size() > 256) return nullptr;
  auto it = token_to_user_.find(HashToken(token));
  if (it == token_to_user_.end()) return nullptr;
  return &users_.at(it->second);
}

// ---------------------------------------------------------------- queries

namespace {

json ApprovalsOut(const std::vector<Approval>& approvals) {
  json a = json::array();
  for (const Approval& p : approvals) {
    json o{{"party", p.party}, {"user", p.user}, {"approve", p.approve},
           {"at", FormatRfc3339(p.at)}};
    if (!p.reason.empty()) o["reason"] = p.reason;
    a.push_back(std::move(o));
  }
  return a;
}

// Replies may quote what a client sent (an id from the path): never let a
// byte that is not UTF-8 stop the dump.
Reply Json(int status, const json& j) {
  Reply r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Reply ErrorReply(int status, const char* code, const std::string& message,
                 const std::string& field = "") {
  json e{{"code", code}, {"message", message}};
  if (!field.empty()) e["field"] = field;
  return Json(status, json{{"error", e}});
}

}  // namespace

namespace {
json OperationOut(const Operation& op, const OpMeta& m) {
  json j = json::parse(OperationToJson(op));
  j["decision"] = json::parse(m.decision_json);
  j["approvals"] = ApprovalsOut(m.approvals);
  if (op.state == OpState::kPendingApproval) j["awaiting"] = m.approvers;
  json notices = json::array();
  for (const std::string& n : m.notices) notices.push_back(json::parse(n));
  j["notices"] = std::move(notices);
  j["received_at"] = FormatRfc3339(m.received_at);
  j["updated_at"] = FormatRfc3339(m.updated_at);
  j["created_by"] = m.created_by;
  return j;
}
}  // namespace

void Center::IndexAircraft(const Operation& op) {
  for (const Aircraft& a : op.aircraft) {
    for (const std::string* k : {&a.icao24, &a.callsign}) {
      if (k->empty()) continue;
      auto& ids = ops_by_aircraft_[*k];
      if (std::find(ids.begin(), ids.end(), op.id) == ids.end()) ids.push_back(op.id);
    }
  }
}

void Center::OperationsOfAircraft(std::string_view icao24, std::string_view callsign,
                                  std::vector<const Operation*>* out) const {
  out->clear();
  for (std::string_view k : {icao24, callsign}) {
    if (k.empty()) continue;
    auto it = ops_by_aircraft_.find(std::string(k));
    if (it == ops_by_aircraft_.end()) continue;
    for (const std::string& id : it->second) {
      const Operation* op = store_.Find(id);
      if (op == nullptr || (op->state != OpState::kAccepted && op->state != OpState::kActivated)) continue;
      bool lists = false;
      for (const Aircraft& a : op->aircraft) lists = lists || a.icao24 == k || a.callsign == k;
      if (lists && std::find(out->begin(), out->end(), op) == out->end()) out->push_back(op);
    }
  }
  std::sort(out->begin(), out->end(),
            [](const Operation* a, const Operation* b) { return a->id < b->id; });
}

void Center::ForgetRendered(const std::string& id) {
  std::lock_guard<std::mutex> lock(render_mu_);
  rendered_.erase(id);
}

Reply Center::GetOperation(std::string_view id) const {
  const Operation* op = store_.Find(id);
  if (op == nullptr) return ErrorReply(404, "not_found", Cat("no operation '", id, "'"));
  std::shared_ptr<const std::string> body;
  {
    std::lock_guard<std::mutex> lock(render_mu_);
    auto it = rendered_.find(op->id);
    if (it != rendered_.end()) body = it->second;
  }
  if (body == nullptr) {
    body = std::make_shared<const std::string>(Json(200, OperationOut(*op, st_->ops.at(op->id))).body);
    std::lock_guard<std::mutex> lock(render_mu_);
    constexpr size_t kMaxRendered = 100000;
    if (rendered_.size() >= kMaxRendered) rendered_.clear();
    rendered_[op->id] = body;
  }
  Reply r;
  r.body = *body;
  r.etag = std::to_string(op->version);
  return r;
}

Reply Center::ListOperations(std::string_view state, std::string_view party) const {
  std::optional<OpState> want;
  if (!state.empty()) {
    want = ParseOpState(state);
    if (!want) {
      return ErrorReply(400, "invalid_argument",
                        "state must be accepted, pending_approval, rejected, activated, ended "
                        "or cancelled",
                        "state");
    }
  }
  std::vector<const Operation*> ops;
  store_.ForEach([&](const Operation& op) {
    if (want && op.state != *want) return;
    if (!party.empty() && op.operator_party != party && op.submitted_by != party) return;
    ops.push_back(&op);
  });
  std::sort(ops.begin(), ops.end(), [&](const Operation* a, const Operation* b) {
    return st_->ops.at(a->id).created_seq < st_->ops.at(b->id).created_seq;
  });
  json list = json::array();
  for (const Operation* op : ops) list.push_back(OperationOut(*op, st_->ops.at(op->id)));
  return Json(200, json{{"operations", std::move(list)}});
}

Reply Center::GetAgreement() const {
  if (!initialized()) return ErrorReply(503, "unavailable", "no agreement yet");
  return Json(200, json{{"version", agreement_version_},
                        {"agreement", json::parse(agreement_json_)}});
}

Reply Center::GetAreas(std::optional<Time> at) const {
  if (!initialized()) return ErrorReply(503, "unavailable", "no agreement yet");
  json doc = json::parse(agreement_json_);
  json features = json::array();
  const auto& areas = rules_->agreement().areas;
  const json& doc_areas = doc.contains("areas") ? doc["areas"] : json::array();
  for (size_t i = 0; i < areas.size() && i < doc_areas.size(); ++i) {
    const agreement::Area& a = areas[i];
    if (at && (*at < a.valid_from || *at > a.valid_to)) continue;
    json props{{"id", a.id}, {"name", a.name}, {"kind", agreement::AreaKindName(a.kind)}};
    if (doc_areas[i].contains("altitude")) props["altitude"] = doc_areas[i]["altitude"];
    if (doc_areas[i].contains("valid")) props["valid"] = doc_areas[i]["valid"];
    if (a.geometry_type == "Point") props["radius_m"] = a.radius_m;
    features.push_back(json{{"type", "Feature"},
                            {"id", a.id},
                            {"geometry", doc_areas[i]["geometry"]},
                            {"properties", std::move(props)}});
  }
  return Json(200, json{{"type", "FeatureCollection"},
                        {"agreement_version", agreement_version_},
                        {"features", std::move(features)}});
}

namespace {
json AmendmentOut(const Amendment& a) {
  return json{{"id", a.id},
              {"summary", a.summary},
              {"proposed_by", a.proposed_by},
              {"party", a.party},
              {"proposed_at", FormatRfc3339(a.proposed_at)},
              {"state", a.state},
              {"base_version", a.base_version},
              {"changes", json::parse(a.changes_json)},
              {"approvals", ApprovalsOut(a.approvals)},
              {"agreement_version", a.agreement_version},
              {"flagged", json::parse(a.flagged_json)}};
}

json AlertOut(const Alert& a) {
  json acks = json::array();
  for (const Alert::Ack& k : a.acks) {
    json o{{"user", k.user}, {"party", k.party}, {"at", FormatRfc3339(k.at)}};
    if (!k.note.empty()) o["note"] = k.note;
    acks.push_back(std::move(o));
  }
  json j{{"id", a.id},
         {"key", a.key},
         {"type", a.type},
         {"state", a.state},
         {"parties", a.parties},
         {"tracks", a.tracks},
         {"predicted", a.predicted},
         {"detail", json::parse(a.detail_json)},
         {"raised_at", FormatRfc3339(a.raised_at)},
         {"updated_at", FormatRfc3339(a.updated_at)},
         {"acks", std::move(acks)}};
  if (!a.operation.empty()) j["operation"] = a.operation;
  if (!a.area.empty()) j["area"] = a.area;
  if (a.state == "resolved") j["resolved_at"] = FormatRfc3339(a.resolved_at);
  return j;
}
}  // namespace

Reply Center::GetAmendment(std::string_view id) const {
  auto it = st_->amendments.find(std::string(id));
  if (it == st_->amendments.end()) {
    return ErrorReply(404, "not_found", Cat("no amendment '", id, "'"));
  }
  json j = AmendmentOut(it->second);
  j["agreement"] = json::parse(it->second.agreement_json);
  return Json(200, j);
}

Reply Center::ListAmendments(std::string_view state) const {
  json list = json::array();
  for (const std::string& id : st_->amendment_order) {
    const Amendment& a = st_->amendments.at(id);
    if (!state.empty() && a.state != state) continue;
    list.push_back(AmendmentOut(a));
  }
  return Json(200, json{{"amendments", std::move(list)}});
}

Reply Center::ListAlerts(std::string_view state) const {
  if (!state.empty() && state != "open" && state != "acknowledged" && state != "resolved") {
    return ErrorReply(400, "invalid_argument", "state must be open, acknowledged or resolved",
                      "state");
  }
  json list = json::array();
  for (const std::string& id : st_->alert_order) {
    const Alert& a = st_->alerts.at(id);
    if (!state.empty() && a.state != state) continue;
    list.push_back(AlertOut(a));
  }
  return Json(200, json{{"alerts", std::move(list)}});
}

Reply Center::GetAlert(std::string_view id) const {
  auto it = st_->alerts.find(std::string(id));
  if (it == st_->alerts.end()) return ErrorReply(404, "not_found", Cat("no alert '", id, "'"));
  return Json(200, AlertOut(it->second));
}

Reply Center::GetThread(std::string_view subject) const {
  const size_t colon = subject.find(':');
  const std::string kind(subject.substr(0, colon == std::string_view::npos ? 0 : colon));
  const std::string id(colon == std::string_view::npos ? "" : subject.substr(colon + 1));
  bool exists;
  if (kind == "operation") {
    exists = store_.Find(id) != nullptr;
  } else if (kind == "amendment") {
    exists = st_->amendments.count(id) > 0;
  } else if (kind == "alert") {
    exists = st_->alerts.count(id) > 0;
  } else {
    return ErrorReply(400, "invalid_argument", "subject must be operation:ID, amendment:ID or alert:ID",
                      "subject");
  }
  if (!exists) return ErrorReply(404, "not_found", Cat("no ", kind, " '", id, "'"));
  json list = json::array();
  auto it = st_->threads.find(std::string(subject));
  if (it != st_->threads.end()) {
    for (const Comment& c : it->second) {
      list.push_back(json{{"id", c.id},
                          {"user", c.user},
                          {"party", c.party},
                          {"text", c.text},
                          {"at", FormatRfc3339(c.at)},
                          {"seq", c.seq}});
    }
  }
  return Json(200, json{{"subject", subject}, {"comments", std::move(list)}});
}

Reply Center::ListUsers() const {
  std::vector<const User*> users;
  for (const auto& [name, u] : users_) users.push_back(&u);
  std::sort(users.begin(), users.end(), [](const User* a, const User* b) { return a->seq < b->seq; });
  json list = json::array();
  for (const User* u : users) {
    list.push_back(json{{"name", u->name}, {"party", u->party}, {"role", RoleName(u->role)}});
  }
  return Json(200, json{{"users", std::move(list)}});
}

Reply Center::ListKeys() const {
  std::vector<std::pair<uint64_t, json>> keys;
  for (const auto& [name, u] : users_) {
    for (const User::Key& k : u.keys) {
      keys.emplace_back(k.seq, json{{"user", u.name}, {"party", u.party}, {"name", k.key.name},
                                    {"key", k.key.Encode()},
                                    {"type", k.key.type == ledger::kAlgCosignatureV1 ? "cosignature" : "signature"},
                                    {"seq", k.seq}});
    }
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json list = json::array();
  for (auto& [seq, k] : keys) list.push_back(std::move(k));
  return Json(200, json{{"keys", std::move(list)}});
}

std::pair<const User*, const ledger::VerifierKey*> Center::FindKey(std::string_view name) const {
  auto it = key_to_user_.find(std::string(name));
  if (it == key_to_user_.end()) return {nullptr, nullptr};
  const User& u = users_.at(it->second);
  for (const User::Key& k : u.keys) {
    if (k.key.name == name) return {&u, &k.key};
  }
  return {nullptr, nullptr};
}

const std::string& Center::agreement_id() const {
  static const std::string kNone;
  return rules_ ? rules_->agreement().id : kNone;
}

std::string Center::CommandMessage(std::string_view agreement_id, std::string_view user,
                                   std::string_view request_line, std::optional<int64_t> if_match,
                                   std::string_view body) {
  std::string m = "jic-command/v1\n";
  m.append(agreement_id).append("\n").append(user).append("\n").append(request_line).append("\n");
  if (if_match) m.append(std::to_string(*if_match));
  m.append("\n").append(body);
  return m;
}

std::optional<std::string> Center::RequestLine(std::string_view type, std::string_view target) {
  const std::string t(target);
  if (type == kOperationNotify) return "POST /v1/operations";
  if (type == kOperationModify) return "PUT /v1/operations/" + t;
  if (type == kOperationApprove) return "POST /v1/operations/" + t + "/approvals";
  if (type == kOperationActivate) return "POST /v1/operations/" + t + "/activate";
  if (type == kOperationEnd) return "POST /v1/operations/" + t + "/end";
  if (type == kOperationCancel) return "POST /v1/operations/" + t + "/cancel";
  if (type == kAmendmentPropose) return "POST /v1/amendments";
  if (type == kAmendmentApprove) return "POST /v1/amendments/" + t + "/approvals";
  if (type == kCommentAdd) return "POST /v1/threads/" + t + "/comments";
  if (type == kAlertAck) return "POST /v1/alerts/" + t + "/ack";
  if (type == kUserAdd) return "POST /v1/users";
  if (type == kKeyRegister) return "POST /v1/keys";
  return std::nullopt;
}

bool Center::EntryVisibleTo(const json& entry, const Actor& actor) {
  if (entry.value("type", "") == kUserAdd) {
    return actor.role == Role::kAdmin || actor.role == Role::kSystem;
  }
  return true;
}

std::string Center::EntryForEvents(const json& entry) {
  if (entry.value("type", "") == kUserAdd && entry.contains("command")) {
    json e = entry;
    e["command"].erase("token_hash");
    return e.dump();
  }
  return entry.dump();
}

Center::Counts Center::counts() const {
  Counts c;
  c.operations = store_.size();
  c.users = users_.size();
  c.amendments = st_->amendments.size();
  for (const auto& [id, a] : st_->alerts) c.alerts_open += a.state != "resolved";
  return c;
}

}  // namespace jic::engine
