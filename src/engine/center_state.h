// The parts of Center's state that only center*.cc see.
#pragma once

#include <map>
#include <string_view>
#include <type_traits>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "jic/engine/center.h"

namespace jic::engine {

using json = nlohmann::json;

struct Approval {
  std::string party;
  std::string user;
  bool approve = false;
  std::string reason;
  Time at;
  uint64_t seq = 0;
};

// What the center keeps about an operation besides the Operation itself.
struct OpMeta {
  Time received_at;           // of the latest notification or modification
  std::string created_by;     // user
  uint64_t created_seq = 0;
  uint64_t updated_seq = 0;
  Time updated_at;
  std::string decision_json;  // the decision in force (canonical JSON)
  std::vector<std::string> approvers;  // parties still to be asked (pending only)
  std::vector<Approval> approvals;     // since the latest notification/modification
  std::vector<std::string> notices;    // canonical JSON objects (preempted, flagged)
};

struct Amendment {
  std::string id;
  std::string summary;
  std::string proposed_by;  // user
  std::string party;
  Time proposed_at;
  uint64_t seq = 0;
  std::string state;  // pending | in_force | rejected
  int64_t base_version = 0;
  std::string changes_json;    // canonical
  std::string agreement_json;  // the agreement it would put in force (canonical)
  std::vector<Approval> approvals;
  int64_t agreement_version = 0;  // in_force: the version it made
  std::string flagged_json = "[]";  // in_force: operations flagged (canonical array)
};

struct Alert {
  std::string id;
  std::string key;  // the monitor's name for it ("" when none)
  std::string type;
  std::string state;  // open | acknowledged | resolved
  std::vector<std::string> parties;
  std::vector<std::string> tracks;
  std::string operation;
  std::string area;
  bool predicted = false;
  std::string detail_json = "{}";
  Time raised_at, updated_at, resolved_at;
  uint64_t seq = 0;
  struct Ack {
    std::string user, party, note;
    Time at;
  };
  std::vector<Ack> acks;
};

struct Comment {
  std::string id;
  std::string user, party, text;
  Time at;
  uint64_t seq = 0;
};

struct IdempotentReply {
  std::string type, target, body_hash;
  Reply reply;
};

struct Center::State {
  std::unordered_map<std::string, OpMeta> ops;
  std::map<std::string, Amendment> amendments;
  std::vector<std::string> amendment_order;
  std::map<std::string, Alert> alerts;
  std::vector<std::string> alert_order;
  std::map<std::string, std::vector<Comment>> threads;
  // (user + '\n' + key) -> the first reply
  std::unordered_map<std::string, IdempotentReply> idempotency;
};

// String concatenation that takes std::string_view (Debian's abseil has its
// own string_view, which absl::StrCat wants).
inline void CatOne(std::string& s, std::string_view v) { s.append(v); }
inline void CatOne(std::string& s, const char* v) { s.append(v); }
inline void CatOne(std::string& s, const std::string& v) { s.append(v); }
template <typename N>
  requires std::is_arithmetic_v<N>
inline void CatOne(std::string& s, N n) {
  s.append(std::to_string(n));
}
template <typename... A>
std::string Cat(const A&... a) {
  std::string s;
  (CatOne(s, a), ...);
  return s;
}

// Entry helpers shared by prepare and apply.
inline std::string Canon(const json& j) { return j.dump(); }
std::string HashHex(std::string_view bytes);  // BLAKE2b-256, hex
int ReplyStatusFor(std::string_view type);    // 201 for creations, else 200

}  // namespace jic::engine
