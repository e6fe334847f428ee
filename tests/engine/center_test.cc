// Center: commands become canonical entries (Prepare, pure), entries fold
// into the state (Apply), and the log alone re-derives everything.

#include "jic/engine/center.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/base/time_format.h"
#include "jic/engine/entry_fields.h"

namespace jic::engine {
namespace {

using nlohmann::json;

const std::string kAgreement = std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml";

Time T(const char* s) { return *ParseRfc3339(s); }

// A small polygon operation near (lat, lng), 0.01° across.
json Op(const std::string& op, const std::string& category, double lat, double lng,
        const char* start = "2016-07-20T10:00:00Z", const char* end = "2016-07-20T11:00:00Z",
        double lower = 500, double upper = 3000) {
  return json{{"operator", op},
              {"category", category},
              {"aircraft", json::array({json{{"callsign", "X1"}, {"icao24", "abcdef"}}})},
              {"volumes", json::array({json{
                              {"volume",
                               {{"outline_polygon",
                                 {{"vertices", json::array({json{{"lat", lat}, {"lng", lng}},
                                                            json{{"lat", lat}, {"lng", lng + 0.01}},
                                                            json{{"lat", lat + 0.01}, {"lng", lng + 0.01}}})}}},
                                {"altitude_lower", {{"value", lower}, {"reference", "W84"}, {"units", "M"}}},
                                {"altitude_upper", {{"value", upper}, {"reference", "W84"}, {"units", "M"}}}}},
                              {"time_start", {{"value", start}, {"format", "RFC3339"}}},
                              {"time_end", {{"value", end}, {"format", "RFC3339"}}}}})}};
}

Command Cmd(std::string_view type, const Actor& a, std::string body, std::string key = "") {
  Command c;
  c.type = std::string(type);
  c.actor = a;
  c.body = std::move(body);
  c.idempotency_key = std::move(key);
  return c;
}

const Actor kSystem{"test", "", Role::kSystem};
const Actor kRuPlanner{"ivan", "RU", Role::kPlanner};
const Actor kRuOfficer{"olga", "RU", Role::kOfficer};
const Actor kUsPlanner{"pat", "US", Role::kPlanner};
const Actor kUsOfficer{"sam", "US", Role::kOfficer};
const Actor kObserver{"una", "UN", Role::kObserver};

// A center fed commands one by one, keeping the log it would have written.
class Harness {
 public:
  Harness() {
    std::ifstream f(kAgreement);
    std::stringstream ss;
    ss << f.rdbuf();
    auto doc = agreement::AgreementToCanonicalJson(ss.str());
    EXPECT_TRUE(doc.ok());
    auto r = Do(std::string(kAgreementInit), kSystem, "", json{{"agreement", json::parse(*doc)}}.dump());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }

  Result<Reply> Do(std::string type, Actor actor, std::string target, std::string body,
                   std::optional<int64_t> if_match = std::nullopt, std::string key = "") {
    Command c;
    c.type = std::move(type);
    c.actor = std::move(actor);
    c.target = std::move(target);
    c.body = std::move(body);
    c.if_match = if_match;
    c.idempotency_key = std::move(key);
    now = now + Duration::Seconds(60);
    Result<Prepared> p = center.Prepare(c, now, center.last_seq() + 1);
    if (!p.ok()) return p.status();
    if (p->entry != nullptr) {
      Status s = center.Apply(center.last_seq() + 1, *p->entry);
      EXPECT_TRUE(s.ok()) << s.ToString();
      log.push_back(p->bytes);
    }
    return p->reply;
  }

  Result<Reply> Notify(const Actor& a, const json& op, std::string key = "") {
    return Do(std::string(kOperationNotify), a, "", op.dump(), std::nullopt, std::move(key));
  }

  json Get(const std::string& id) { return json::parse(center.GetOperation(id).body); }

  Center center;
  std::vector<std::string> log;
  Time now = T("2016-07-20T06:00:00Z");
};

void AddUsers(Harness& h) {
  for (const auto& [name, party, role] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"ivan", "RU", "planner"}, {"olga", "RU", "officer"}, {"sam", "US", "officer"}}) {
    auto r = h.Do(std::string(kUserAdd), kSystem, "",
                  json{{"name", name}, {"party", party}, {"role", role},
                       {"token_hash", HashToken("tok-" + name)}}
                      .dump());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

// The replay's fast read of an entry (simdjson, the body as the entry's
// bytes) gives the command the full read (the DOM, the body re-serialised)
// gives, or declines.
void ExpectFastReadMatchesFullRead(const std::string& bytes) {
  const json e = json::parse(bytes);
  const std::string t = e.at("type");
  const bool by_id = t == kOperationApprove || t == kOperationActivate || t == kOperationEnd ||
                     t == kOperationCancel || t == kAmendmentApprove || t == kAlertUpdate || t == kAlertResolve ||
                     t == kAlertAck;
  const bool is_signed = e.contains("signature");
  EntryFields f;
  const bool read = ReadEntryFields(bytes, &f);
  if ((by_id || t == kCommentAdd) && !is_signed) {
    EXPECT_FALSE(read) << "an unsigned " << t << "'s body is the command less a member: " << bytes;
    return;
  }
  ASSERT_TRUE(read) << bytes;
  const json& c = e.at("command");
  std::string body = c.dump(), target;
  std::optional<int64_t> if_match;
  if (t == kOperationModify) {
    target = c.at("id");
    if_match = c.at("if_match").get<int64_t>();
    body = c.at("operation").dump();
  } else if (t == kOperationNotify) {
    body = c.at("operation").dump();
  } else if (by_id) {
    target = c.at("id");
  } else if (t == kCommentAdd) {
    target = c.at("subject");
  }
  std::string signature;
  if (is_signed) {
    const json& sig = e.at("signature");
    body = sig.at("body");
    signature = sig.at("key").get<std::string>() + " " + sig.at("sig").get<std::string>();
    if (sig.contains("if_match")) if_match = sig.at("if_match").get<int64_t>();
  }
  EXPECT_EQ(f.type, t);
  EXPECT_EQ(f.at, e.at("at"));
  EXPECT_EQ(f.user, e.at("actor").at("user"));
  EXPECT_EQ(f.party, e.at("actor").at("party"));
  EXPECT_EQ(f.role, e.at("actor").at("role"));
  EXPECT_EQ(f.target, target) << bytes;
  EXPECT_EQ(f.body, body) << bytes;
  EXPECT_EQ(f.if_match, if_match) << bytes;
  EXPECT_EQ(f.signature, signature);
  EXPECT_EQ(f.idempotent, e.contains("idempotency"));
  if (e.contains("idempotency")) {
    EXPECT_EQ(f.idempotency_key, e["idempotency"].at("key"));
    EXPECT_EQ(f.body_hash, e["idempotency"].at("body_hash"));
  }
}

// Rebuilds a center from the harness's log and compares the snapshots.
void ExpectReplayEqual(const Harness& h) {
  for (const std::string& bytes : h.log) ExpectFastReadMatchesFullRead(bytes);
  Center replay;
  for (size_t i = 0; i < h.log.size(); ++i) {
    ASSERT_TRUE(replay.Recheck(i + 1, h.log[i]).ok()) << "entry " << i + 1;
    ASSERT_TRUE(replay.ApplyBytes(i + 1, h.log[i]).ok()) << "entry " << i + 1;
  }
  EXPECT_TRUE(replay.Snapshot() == h.center.Snapshot()) << "replayed state differs";
}

TEST(CenterTest, NotifyRecordsTheDecisionAndTheCanonicalEntry) {
  Harness h;
  auto r = h.Notify(kUsPlanner, Op("US", "isr", 35.0, 39.0));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  json body = json::parse(r->body);
  EXPECT_EQ(body["id"], "op-2");
  EXPECT_EQ(body["state"], "accepted");
  EXPECT_EQ(body["version"], 1);
  EXPECT_EQ(body["decision"]["outcome"], "accepted");

  json e = json::parse(h.log.back());
  EXPECT_EQ(h.log.back(), e.dump()) << "entry bytes are canonical JSON";
  EXPECT_EQ(e["v"], 1);
  EXPECT_EQ(e["seq"], 2);
  EXPECT_EQ(e["type"], "operation.notify");
  EXPECT_EQ(e["at"], "2016-07-20T06:02:00Z");
  EXPECT_EQ(e["actor"], (json{{"user", "pat"}, {"party", "US"}, {"role", "planner"}}));
  EXPECT_EQ(e["command"]["operation"]["submitted_by"], "US");
  EXPECT_EQ(e["command"]["operation"]["id"], "op-2");
  EXPECT_EQ(e["result"], body);
  EXPECT_EQ(h.Get("op-2")["state"], "accepted");
}

TEST(CenterTest, PrepareIsPureAndDeterministic) {
  Harness h;
  ASSERT_TRUE(h.Notify(kUsPlanner, Op("US", "isr", 35.0, 39.0)).ok());
  const std::string before = h.center.Snapshot();
  Command c = Cmd(kOperationNotify, kRuPlanner, Op("RU", "transport", 35.0, 39.0).dump());
  auto a = h.center.Prepare(c, T("2016-07-20T07:00:00Z"), 3);
  auto b = h.center.Prepare(c, T("2016-07-20T07:00:00Z"), 3);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bytes, b->bytes);
  EXPECT_TRUE(h.center.Snapshot() == before) << "Prepare changed the state";
  EXPECT_EQ(h.center.last_seq(), 2u);
}

TEST(CenterTest, BadInputChangesNothingAndNamesTheField) {
  Harness h;
  const std::string before = h.center.Snapshot();
  json op = Op("US", "isr", 35.0, 39.0);
  op["volumes"][0]["volume"]["outline_polygon"]["vertices"][1]["lat"] = 95;
  auto r = h.Notify(kUsPlanner, op);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().errors().front().field, "volumes[0].volume.outline_polygon.vertices[1].lat");
  for (const char* body : {"", "[1]", "{\"a\":", "\"x\""}) {
    auto bad = h.Do(std::string(kOperationNotify), kUsPlanner, "", body);
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << body;
  }
  op = Op("US", "isr", 35.0, 39.0);
  op["category"] = "bombing";
  r = h.Notify(kUsPlanner, op);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().errors().front().field, "category");
  op = Op("US", "isr", 35.0, 39.0);
  op["submitted_by"] = "RU";
  r = h.Notify(kUsPlanner, op);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().errors().front().field, "submitted_by");
  EXPECT_TRUE(h.center.Snapshot() == before);
  EXPECT_EQ(h.log.size(), 1u);
}

TEST(CenterTest, RolesAndPartiesAreEnforced) {
  Harness h;
  auto r = h.Notify(kObserver, Op("US", "isr", 35.0, 39.0));
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  // US may not notify RU's operations (RU lists no reporters: 403); RU may
  // notify SY's (reported_by). US notifying SY's is decided: the reporting
  // check rejects it, and the rejection is recorded.
  r = h.Notify(kUsPlanner, Op("RU", "isr", 35.0, 39.0));
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  r = h.Notify(kUsPlanner, Op("SY", "transport", 33.0, 40.0));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(r->body)["decision"]["findings"][0]["rule"], "reporting");
  EXPECT_EQ(json::parse(r->body)["state"], "rejected");
  r = h.Notify(kRuPlanner, Op("SY", "transport", 33.0, 40.0));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string id = json::parse(r->body)["id"];
  // US may not cancel it; a planner may not approve.
  EXPECT_EQ(h.Do(std::string(kOperationCancel), kUsPlanner, id, "").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(h.Do(std::string(kOperationApprove), kRuPlanner, id, "{\"approve\":true}").status().code(),
            StatusCode::kPermissionDenied);
  // Only the system installs agreements and raises alerts; admins add users.
  EXPECT_EQ(h.Do(std::string(kAlertRaise), kUsOfficer, "", "{\"type\":\"x\"}").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(h.Do(std::string(kUserAdd), kUsOfficer, "", "{}").status().code(),
            StatusCode::kPermissionDenied);
}

TEST(CenterTest, StateMachineRefusesImpossibleMoves) {
  Harness h;
  auto r = h.Notify(kUsPlanner, Op("US", "isr", 35.0, 39.0));
  ASSERT_TRUE(r.ok());
  const std::string id = json::parse(r->body)["id"];
  auto move = [&](std::string_view type) { return h.Do(std::string(type), kUsPlanner, id, ""); };
  EXPECT_EQ(move(kOperationEnd).status().code(), StatusCode::kConflict);
  ASSERT_TRUE(move(kOperationActivate).ok());
  EXPECT_EQ(move(kOperationActivate).status().code(), StatusCode::kConflict);
  EXPECT_EQ(move(kOperationCancel).status().code(), StatusCode::kConflict);
  auto ended = move(kOperationEnd);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(json::parse(ended->body)["version"], 3);
  for (auto t : {kOperationActivate, kOperationEnd, kOperationCancel}) {
    EXPECT_EQ(move(t).status().code(), StatusCode::kConflict) << t;
  }
  EXPECT_EQ(h.Get(id)["state"], "ended");
  EXPECT_EQ(move(kOperationEnd).status().code(), StatusCode::kConflict);
  EXPECT_EQ(h.Do(std::string(kOperationEnd), kUsPlanner, "nope", "").status().code(),
            StatusCode::kNotFound);
  ExpectReplayEqual(h);
}

TEST(CenterTest, ModifyNeedsTheCurrentVersion) {
  Harness h;
  auto r = h.Notify(kUsPlanner, Op("US", "isr", 35.0, 39.0));
  const std::string id = json::parse(r->body)["id"];
  const std::string moved = Op("US", "isr", 35.5, 39.5).dump();
  auto m = h.Do(std::string(kOperationModify), kUsPlanner, id, moved);
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().errors().front().field, "If-Match");
  m = h.Do(std::string(kOperationModify), kUsPlanner, id, moved, 7);
  EXPECT_EQ(m.status().code(), StatusCode::kStale);
  m = h.Do(std::string(kOperationModify), kUsPlanner, id, moved, 1);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(json::parse(m->body)["version"], 2);
  json op = Op("US", "isr", 35.5, 39.5);
  op["operator"] = "RU";
  m = h.Do(std::string(kOperationModify), kUsPlanner, id, op.dump(), 2);
  EXPECT_EQ(m.status().errors().front().field, "operator");
  ExpectReplayEqual(h);
}

TEST(CenterTest, ApprovalIsDecidedAgainAgainstTheStateOfThatMoment) {
  Harness h;
  // RU air support needs US approval (R2), at 36.0 N 38.0 E, outside the areas.
  auto r = h.Notify(kRuPlanner, Op("RU", "defensive_air_support", 34.5, 38.5));
  ASSERT_TRUE(r.ok());
  json first = json::parse(r->body);
  ASSERT_EQ(first["state"], "pending_approval");
  ASSERT_EQ(first["decision"]["approvers"], json::array({"US"}));
  const std::string id = first["id"];
  // Meanwhile a US medevac (priority 100) in the same place: it preempts.
  r = h.Notify(kUsPlanner, Op("US", "medevac", 34.5, 38.5));
  ASSERT_TRUE(r.ok());
  json second = json::parse(r->body);
  EXPECT_EQ(second["state"], "accepted");
  EXPECT_EQ(second["decision"]["findings"][0]["effect"], "preempt");
  EXPECT_EQ(second["decision"]["findings"][0]["operation"], id);
  EXPECT_EQ(h.Get(id)["notices"][0]["type"], "preempted");
  // An RU officer may not approve for US; the US officer's yes re-decides it.
  EXPECT_EQ(h.Do(std::string(kOperationApprove), kRuOfficer, id, "{\"approve\":true}").status().code(),
            StatusCode::kPermissionDenied);
  auto a = h.Do(std::string(kOperationApprove), kUsOfficer, id, "{\"approve\":true}");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  json after = json::parse(a->body);
  EXPECT_EQ(after["state"], "rejected");
  EXPECT_EQ(after["decision"]["outcome"], "rejected");
  bool separation = false;
  for (const json& f : after["decision"]["findings"]) {
    separation = separation || (f["rule"] == "separation" && f["operation"] == second["id"]);
  }
  EXPECT_TRUE(separation) << after.dump();
  EXPECT_EQ(h.Do(std::string(kOperationApprove), kUsOfficer, id, "{\"approve\":true}").status().code(),
            StatusCode::kConflict);
  ExpectReplayEqual(h);
}

TEST(CenterTest, ApprovalAndRefusal) {
  Harness h;
  auto r = h.Notify(kRuPlanner, Op("RU", "defensive_air_support", 34.5, 38.5));
  const std::string a = json::parse(r->body)["id"];
  r = h.Notify(kRuPlanner, Op("RU", "defensive_air_support", 33.0, 37.0));
  const std::string b = json::parse(r->body)["id"];
  auto bad = h.Do(std::string(kOperationApprove), kUsOfficer, a, "{\"approve\":\"yes\"}");
  EXPECT_EQ(bad.status().errors().front().field, "approve");
  auto ok = h.Do(std::string(kOperationApprove), kUsOfficer, a, "{\"approve\":true,\"reason\":\"agreed\"}");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(json::parse(ok->body)["state"], "accepted");
  auto no = h.Do(std::string(kOperationApprove), kUsOfficer, b, "{\"approve\":false,\"reason\":\"no\"}");
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(json::parse(no->body)["state"], "rejected");
  EXPECT_EQ(h.Get(b)["approvals"][0]["reason"], "no");
  ExpectReplayEqual(h);
}

TEST(CenterTest, AmendmentTakesEffectWithEverySignatoryAndFlagsOperations) {
  Harness h;
  // An accepted US ISR flight where the amendment will put a restricted area.
  auto r = h.Notify(kUsPlanner, Op("US", "isr", 33.0, 40.0));
  const std::string id = json::parse(r->body)["id"];
  json area{{"id", "RA-9"},
            {"name", "new restricted area"},
            {"kind", "restricted"},
            {"geometry",
             {{"type", "Polygon"},
              {"coordinates", json::array({json::array({json::array({39.9, 32.9}), json::array({40.2, 32.9}),
                                                        json::array({40.2, 33.2}), json::array({39.9, 33.2}),
                                                        json::array({39.9, 32.9})})})}}}};
  json rule{{"id", "R9"},
            {"text", "no flights in RA-9"},
            {"when", {{"area", json::array({"RA-9"})}}},
            {"effect", "reject"}};
  json body{{"summary", "close RA-9"},
            {"changes", {{"areas", {{"put", json::array({area})}}}, {"rules", {{"put", json::array({rule})}}}}}};
  EXPECT_EQ(h.Do(std::string(kAmendmentPropose), kUsPlanner, "", body.dump()).status().code(),
            StatusCode::kPermissionDenied);
  auto p = h.Do(std::string(kAmendmentPropose), kUsOfficer, "", body.dump());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->status, 201);
  const std::string am = json::parse(p->body)["id"];
  auto s1 = h.Do(std::string(kAmendmentApprove), kUsOfficer, am, "{\"approve\":true}");
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(json::parse(s1->body)["state"], "pending");
  EXPECT_EQ(h.center.agreement_version(), 1);
  EXPECT_EQ(h.Do(std::string(kAmendmentApprove), kUsOfficer, am, "{\"approve\":true}").status().code(),
            StatusCode::kConflict);
  auto s2 = h.Do(std::string(kAmendmentApprove), kRuOfficer, am, "{\"approve\":true}");
  ASSERT_TRUE(s2.ok());
  json res = json::parse(s2->body);
  EXPECT_EQ(res["state"], "in_force");
  EXPECT_EQ(res["agreement_version"], 2);
  ASSERT_EQ(res["flagged"].size(), 1u) << res.dump();
  EXPECT_EQ(res["flagged"][0]["operation"], id);
  EXPECT_EQ(h.center.agreement_version(), 2);
  json op = h.Get(id);
  EXPECT_EQ(op["state"], "accepted") << "flagged, not silently changed";
  EXPECT_EQ(op["notices"][0]["type"], "flagged");
  // The new rule applies to new notifications.
  r = h.Notify(kUsPlanner, Op("US", "isr", 33.0, 40.0, "2016-07-21T10:00:00Z", "2016-07-21T11:00:00Z"));
  EXPECT_EQ(json::parse(r->body)["state"], "rejected");
  ExpectReplayEqual(h);
}

TEST(CenterTest, AmendmentErrorsNameTheRequestField) {
  Harness h;
  json body{{"summary", "bad"},
            {"changes",
             {{"areas",
               {{"put", json::array({json{{"id", "RA-9"},
                                          {"name", "x"},
                                          {"kind", "restricted"},
                                          {"geometry", {{"type", "Point"}, {"coordinates", {40, 33}}}}}})}}}}}};
  auto p = h.Do(std::string(kAmendmentPropose), kUsOfficer, "", body.dump());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().errors().front().field.rfind("changes.areas.put[0]", 0), 0u)
      << p.status().ToString();
  body["changes"] = {{"areas", {{"remove", json::array({"NOPE"})}}}};
  p = h.Do(std::string(kAmendmentPropose), kUsOfficer, "", body.dump());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().errors().front().field, "changes.areas.remove[0]");
}

TEST(CenterTest, IdempotencyKeyReturnsTheFirstReplyAndRecordsNothingNew) {
  Harness h;
  json op = Op("US", "isr", 35.0, 39.0);
  auto a = h.Notify(kUsPlanner, op, "k1");
  auto b = h.Notify(kUsPlanner, op, "k1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->body, b->body);
  EXPECT_EQ(a->status, b->status);
  EXPECT_EQ(h.log.size(), 2u);
  op["category"] = "transport";
  EXPECT_EQ(h.Notify(kUsPlanner, op, "k1").status().code(), StatusCode::kConflict);
  // Keys are per user.
  auto c = h.Notify(kUsOfficer, op, "k1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(h.log.size(), 3u);
  ExpectReplayEqual(h);
  // Survives a snapshot.
  Center restored;
  ASSERT_TRUE(restored.LoadSnapshot(h.center.last_seq(), h.center.Snapshot()).ok());
  Command repeat = Cmd(kOperationNotify, kUsPlanner, Op("US", "isr", 35.0, 39.0).dump(), "k1");
  auto again = restored.Prepare(repeat, T("2016-07-21T00:00:00Z"), restored.last_seq() + 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->entry, nullptr);
  EXPECT_EQ(again->reply.body, a->body);
}

TEST(CenterTest, ThreadsAlertsAndAcks) {
  Harness h;
  auto r = h.Notify(kUsPlanner, Op("US", "isr", 35.0, 39.0));
  const std::string id = json::parse(r->body)["id"];
  EXPECT_EQ(h.Do(std::string(kCommentAdd), kObserver, "operation:" + id, "{\"text\":\"hi\"}").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(h.Do(std::string(kCommentAdd), kUsOfficer, "operation:nope", "{\"text\":\"hi\"}").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(h.Do(std::string(kCommentAdd), kUsOfficer, "weird", "{\"text\":\"hi\"}").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(h.Do(std::string(kCommentAdd), kUsOfficer, "operation:" + id, "{\"text\":\" \"}").status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(h.Do(std::string(kCommentAdd), kUsOfficer, "operation:" + id, "{\"text\":\"why here?\"}").ok());
  json thread = json::parse(h.center.GetThread("operation:" + id).body);
  ASSERT_EQ(thread["comments"].size(), 1u);
  EXPECT_EQ(thread["comments"][0]["text"], "why here?");
  EXPECT_EQ(thread["comments"][0]["party"], "US");

  auto raised = h.Do(std::string(kAlertRaise), kSystem, "",
                     json{{"type", "unreported_flight"}, {"parties", {"SY"}}, {"tracks", {"7781a2"}}}.dump());
  ASSERT_TRUE(raised.ok()) << raised.status().ToString();
  const std::string al = json::parse(raised->body)["id"];
  EXPECT_EQ(h.Do(std::string(kAlertAck), kObserver, al, "").status().code(), StatusCode::kPermissionDenied);
  const Actor watch{"wanda", "US", Role::kWatch};
  ASSERT_TRUE(h.Do(std::string(kAlertAck), watch, al, "{\"note\":\"seen\"}").ok());
  EXPECT_EQ(h.Do(std::string(kAlertAck), watch, al, "").status().code(), StatusCode::kConflict);
  json alerts = json::parse(h.center.ListAlerts("acknowledged").body);
  ASSERT_EQ(alerts["alerts"].size(), 1u);
  EXPECT_EQ(alerts["alerts"][0]["acks"][0]["note"], "seen");
  ASSERT_TRUE(h.Do(std::string(kAlertResolve), kSystem, al, "").ok());
  EXPECT_EQ(json::parse(h.center.GetAlert(al).body)["state"], "resolved");
  ExpectReplayEqual(h);
}

TEST(CenterTest, UsersAuthenticateByTokenHashOnly) {
  Harness h;
  AddUsers(h);
  const User* u = h.center.Authenticate("tok-olga");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->party, "RU");
  EXPECT_EQ(u->role, Role::kOfficer);
  EXPECT_EQ(h.center.Authenticate("tok-nobody"), nullptr);
  EXPECT_EQ(h.center.Authenticate(""), nullptr);
  for (const std::string& e : h.log) EXPECT_EQ(e.find("tok-olga"), std::string::npos);
  // Duplicate name; party that is not in the agreement for a planner.
  auto dup = h.Do(std::string(kUserAdd), kSystem, "",
                  json{{"name", "olga"}, {"party", "RU"}, {"role", "officer"}, {"token_hash", HashToken("x")}}.dump());
  EXPECT_EQ(dup.status().code(), StatusCode::kConflict);
  auto bad = h.Do(std::string(kUserAdd), kSystem, "",
                  json{{"name", "zed"}, {"party", "XX"}, {"role", "planner"}, {"token_hash", HashToken("y")}}.dump());
  EXPECT_EQ(bad.status().errors().front().field, "party");
  // Events hide token hashes.
  json e = json::parse(h.log[1]);
  EXPECT_FALSE(json::parse(Center::EntryForEvents(e))["command"].contains("token_hash"));
  EXPECT_FALSE(Center::EntryVisibleTo(e, kObserver));
  ExpectReplayEqual(h);
}

TEST(CenterTest, RecheckFindsATamperedDecision) {
  Harness h;
  ASSERT_TRUE(h.Notify(kRuPlanner, Op("SY", "combat", 36.2, 37.0)).ok());  // in DA-1: rejected
  Center replay;
  ASSERT_TRUE(replay.ApplyBytes(1, h.log[0]).ok());
  json e = json::parse(h.log[1]);
  ASSERT_EQ(e["result"]["decision"]["outcome"], "rejected");
  e["result"]["decision"]["outcome"] = "accepted";
  e["result"]["state"] = "accepted";
  Status s = replay.Recheck(2, e.dump());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("decision differs"), std::string::npos) << s.message();
  EXPECT_TRUE(replay.Recheck(2, h.log[1]).ok());
}

// Signed entries are read from the body the actor signed; entries the fast
// read cannot take, or takes and re-derives differently, go to the full read,
// which names the difference.
TEST(CenterTest, TheReplaysFastReadTakesSignedBodiesAndDeclinesWhatItCannotRead) {
  Harness h;
  ASSERT_TRUE(h.Notify(kUsPlanner, Op("US", "isr", 35.0, 39.0)).ok());
  json e = json::parse(h.log[1]);
  json signed_entry = e;
  signed_entry["signature"] = {{"key", "pat.key+0a1b2c3d"}, {"sig", "c2lnbmF0dXJl"}, {"body", "{\"signed\": true}"},
                               {"if_match", 4}};
  ExpectFastReadMatchesFullRead(signed_entry.dump());
  EntryFields f;
  ASSERT_TRUE(ReadEntryFields(signed_entry.dump(), &f));
  EXPECT_EQ(f.body, "{\"signed\": true}");
  EXPECT_EQ(f.signature, "pat.key+0a1b2c3d c2lnbmF0dXJl");
  EXPECT_EQ(f.if_match, 4);
  json approve = e;  // a signed approval: the target from the command, the body from the signature
  approve["type"] = kOperationApprove;
  approve["command"] = {{"id", "op-1"}, {"approve", true}};
  approve["signature"] = {{"key", "sam.key+00000001"}, {"sig", "AAAA"}, {"body", "{\"approve\":true}"}};
  ExpectFastReadMatchesFullRead(approve.dump());
  approve.erase("signature");
  ExpectFastReadMatchesFullRead(approve.dump());  // declined: the body is the command less its id
  for (std::string bad : {std::string("not json"), std::string("[1,2]"), std::string(R"({"type":"operation.notify"})"),
                          h.log[1].substr(0, h.log[1].size() / 2)}) {
    EXPECT_FALSE(ReadEntryFields(bad, &f)) << bad;
  }
  json no_actor = e;
  no_actor.erase("actor");
  EXPECT_FALSE(ReadEntryFields(no_actor.dump(), &f));
  // Not canonical (indented): the fast read takes it, the re-derived entry
  // differs in its bytes, and the full read names that.
  Center replay;
  ASSERT_TRUE(replay.ApplyBytes(1, h.log[0]).ok());
  ASSERT_TRUE(ReadEntryFields(e.dump(1), &f));
  Status s = replay.Recheck(2, e.dump(1));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bytes differ"), std::string::npos) << s.message();
  EXPECT_TRUE(replay.Recheck(2, h.log[1]).ok());
}

TEST(CenterTest, SnapshotRestoresTheSameState) {
  Harness h;
  AddUsers(h);
  for (int i = 0; i < 20; ++i) {
    auto r = h.Notify(i % 2 ? kUsPlanner : kRuPlanner,
                      Op(i % 2 ? "US" : "RU", i % 3 ? "isr" : "defensive_air_support", 34.0 + 0.003 * i, 38.0));
    ASSERT_TRUE(r.ok());
  }
  json circle = Op("US", "isr", 34.0, 38.0);
  circle["volumes"][0]["volume"].erase("outline_polygon");
  circle["volumes"][0]["volume"]["outline_circle"] = {{"center", {{"lat", 34.7}, {"lng", 38.3}}},
                                                       {"radius", {{"value", 1234.5}, {"units", "M"}}}};
  ASSERT_TRUE(h.Notify(kUsPlanner, circle).ok());
  const std::string snap = h.center.Snapshot();
  Center restored;
  ASSERT_TRUE(restored.LoadSnapshot(h.center.last_seq(), snap).ok());
  EXPECT_TRUE(restored.Snapshot() == snap) << "restored state differs";
  EXPECT_EQ(restored.last_seq(), h.center.last_seq());
  // The next decisions are the same on both.
  for (double lat : {34.0, 34.03, 34.7}) {
    Command c = Cmd(kOperationNotify, kUsPlanner, Op("US", "combat", lat, 38.0).dump());
    auto a = h.center.Prepare(c, T("2016-07-20T09:00:00Z"), h.center.last_seq() + 1);
    auto b = restored.Prepare(c, T("2016-07-20T09:00:00Z"), restored.last_seq() + 1);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->bytes, b->bytes);
  }
  // Corrupt snapshots are refused and leave the state alone.
  Center other;
  EXPECT_FALSE(other.LoadSnapshot(h.center.last_seq(), snap.substr(0, snap.size() / 2)).ok());
  EXPECT_FALSE(other.LoadSnapshot(h.center.last_seq(), "JICSNAP2\xff\xff").ok());
  EXPECT_FALSE(other.LoadSnapshot(h.center.last_seq() + 1, snap).ok());
  EXPECT_FALSE(other.initialized());
}

TEST(CenterTest, ApplyRefusesEntriesOutOfOrderOrMalformed) {
  Harness h;
  ASSERT_TRUE(h.Notify(kUsPlanner, Op("US", "isr", 35.0, 39.0)).ok());
  Center c;
  EXPECT_FALSE(c.ApplyBytes(2, h.log[1]).ok());
  ASSERT_TRUE(c.ApplyBytes(1, h.log[0]).ok());
  EXPECT_FALSE(c.ApplyBytes(2, "not json").ok());
  EXPECT_FALSE(c.ApplyBytes(2, "{\"seq\":2,\"type\":\"operation.notify\"}").ok());
  EXPECT_TRUE(c.ApplyBytes(2, h.log[1]).ok());
}

}  // namespace
}  // namespace jic::engine
