// Fuzzes the center's commands: whatever a client sends, Prepare must not
// crash; an entry it makes must apply, and must re-derive byte for byte
// (replay-check's property), and a refusal must change nothing.
//
// Input: first byte picks the command type and actor, the second the target,
// the rest is the request body.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/engine/center.h"

using namespace jic;
using namespace jic::engine;

namespace {

const Actor kActors[] = {
    {"ivan", "RU", Role::kPlanner}, {"olga", "RU", Role::kOfficer}, {"sam", "US", Role::kOfficer},
    {"pat", "US", Role::kPlanner},  {"wanda", "US", Role::kWatch},  {"adm", "JIC", Role::kAdmin},
    {"sys", "", Role::kSystem},
};
const std::string_view kTypes[] = {kOperationNotify,   kOperationModify,   kOperationApprove,
                                   kOperationActivate, kOperationEnd,      kOperationCancel,
                                   kAmendmentPropose,  kAmendmentApprove,  kCommentAdd,
                                   kAlertRaise,        kAlertAck,          kUserAdd};
const char* kTargets[] = {"op-2", "op-3", "op-4", "am-5", "al-6", "operation:op-2", "amendment:am-5",
                          "alert:al-6", "", "nope"};

Center* Seed() {
  static Center* center = [] {
    auto* c = new Center();
    std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
    std::stringstream ss;
    ss << f.rdbuf();
    auto doc = agreement::AgreementToCanonicalJson(ss.str());
    Time at = Time::FromUnixSeconds(1468990800);
    auto run = [&](std::string_view type, const Actor& a, std::string target, std::string body) {
      Command cmd;
      cmd.type = std::string(type);
      cmd.actor = a;
      cmd.target = std::move(target);
      cmd.body = std::move(body);
      auto p = c->Prepare(cmd, at, c->last_seq() + 1);
      if (!p.ok() || !p->entry || !c->Apply(c->last_seq() + 1, *p->entry).ok()) std::abort();
    };
    run(kAgreementInit, kActors[6], "", nlohmann::json{{"agreement", nlohmann::json::parse(*doc)}}.dump());
    const char* op = R"({"operator":"%s","category":"%s","volumes":[{"volume":{"outline_circle":{"center":{"lat":34.5,"lng":38.5},"radius":{"value":3000,"units":"M"}},"altitude_lower":{"value":0,"reference":"W84","units":"M"},"altitude_upper":{"value":2000,"reference":"W84","units":"M"}},"time_start":{"value":"2016-07-20T10:00:00Z","format":"RFC3339"},"time_end":{"value":"2016-07-20T11:00:00Z","format":"RFC3339"}}]})";
    char buf[1024];
    std::snprintf(buf, sizeof buf, op, "US", "isr");
    run(kOperationNotify, kActors[3], "", buf);                                        // op-2
    std::snprintf(buf, sizeof buf, op, "RU", "defensive_air_support");
    run(kOperationNotify, kActors[0], "", buf);                                        // op-3
    std::snprintf(buf, sizeof buf, op, "RU", "medevac");
    run(kOperationNotify, kActors[0], "", buf);                                        // op-4
    run(kAmendmentPropose, kActors[2], "", R"({"summary":"s","changes":{"title":"t"}})");  // am-5
    run(kAlertRaise, kActors[6], "", R"({"type":"unreported_flight","parties":["SY"]})");  // al-6
    return c;
  }();
  return center;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Center* base = Seed();
  const size_t ntypes = sizeof(kTypes) / sizeof(kTypes[0]);
  Command cmd;
  cmd.type = std::string(kTypes[data[0] % ntypes]);
  cmd.actor = kActors[(data[0] / ntypes) % 7];
  cmd.target = kTargets[data[1] % 10];
  if (data[1] & 0x80) cmd.if_match = data[1] & 3;
  cmd.body.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  const Time at = Time::FromUnixSeconds(1468994400);
  const uint64_t seq = base->last_seq() + 1;
  auto p = base->Prepare(cmd, at, seq);
  if (!p.ok()) {
    if (p.status().code() == StatusCode::kInternal) std::abort();  // a bug, not bad input
    return 0;
  }
  if (!p->entry) return 0;
  // Apply on a copy of the state, then check that the entry re-derives.
  Center copy;
  if (!copy.LoadSnapshot(base->last_seq(), base->Snapshot()).ok()) std::abort();
  if (!copy.Recheck(seq, p->bytes).ok()) std::abort();
  if (!copy.ApplyBytes(seq, p->bytes).ok()) std::abort();
  return 0;
}
