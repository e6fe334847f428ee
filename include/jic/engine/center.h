// Center: the state of a Joint Implementation Center as a fold over its log
// (DESIGN.md, "a deterministic state machine over one signed log").
//
// A command goes through two steps:
//   Prepare(command, received_at, seq) -> the log entry it becomes (or an
//     error that records nothing). Pure: it reads no clock, file or network,
//     only the state, so the same state, command, time and seq always give the
//     same entry bytes. Decisions are made here, by decide().
//   Apply(seq, entry) -> folds the entry into the state. Applying every entry
//     of a log in order rebuilds the state exactly.
// replay-check re-prepares every recorded command against the state before it
// and compares the bytes (entry_format.md describes them).
//
// Thread-safety: not thread-safe. The coordinator is the only writer (Prepare
// and Apply); readers take the coordinator's shared lock around the const
// query methods.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "jic/base/status.h"
#include "jic/base/units.h"
#include "jic/engine/decision.h"
#include "jic/engine/operation.h"
#include "jic/engine/operation_store.h"
#include "jic/engine/rule_book.h"
#include "jic/ledger/note.h"

namespace jic::engine {

// Roles of API.md ("Starting it").
enum class Role { kPlanner, kOfficer, kWatch, kObserver, kAdmin, kIntegrator, kSystem };
std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);  // not "system"

// Who issues a command: a user of a party in a role, or the center itself
// (role kSystem: the agreement at the first start, the monitor's alerts).
struct Actor {
  std::string user;
  std::string party;  // empty for the system
  Role role = Role::kObserver;
};

// Command types, as they appear in an entry's "type".
inline constexpr std::string_view kAgreementInit = "agreement.init";
inline constexpr std::string_view kUserAdd = "user.add";
inline constexpr std::string_view kOperationNotify = "operation.notify";
inline constexpr std::string_view kOperationModify = "operation.modify";
inline constexpr std::string_view kOperationApprove = "operation.approve";
inline constexpr std::string_view kOperationActivate = "operation.activate";
inline constexpr std::string_view kOperationEnd = "operation.end";
inline constexpr std::string_view kOperationCancel = "operation.cancel";
inline constexpr std::string_view kAmendmentPropose = "amendment.propose";
inline constexpr std::string_view kAmendmentApprove = "amendment.approve";
inline constexpr std::string_view kCommentAdd = "comment.add";
inline constexpr std::string_view kAlertRaise = "alert.raise";
inline constexpr std::string_view kAlertUpdate = "alert.update";
inline constexpr std::string_view kAlertResolve = "alert.resolve";
inline constexpr std::string_view kAlertAck = "alert.ack";
inline constexpr std::string_view kKeyRegister = "key.register";

// The part of a command's work that needs no state (parsing and validating
// its body), done ahead by the caller's thread so that the one writer does
// less. Center::PreParse makes it; Prepare consumes it.
struct PreParsed {
  Status body_status;                    // the body as JSON
  std::shared_ptr<nlohmann::json> body;  // when body_status is OK
  Status op_status;                      // the operation in it (notify, modify)
  std::shared_ptr<Operation> operation;  // when op_status is OK; its id not set
};

// A command as the API hands it over.
struct Command {
  std::string type;
  Actor actor;
  std::string target;  // operation, amendment or alert id; thread subject
  std::string body;    // the request body, JSON ("" when there is none)
  std::optional<int64_t> if_match;  // operation.modify: the expected version
  std::string idempotency_key;      // "" when none
  // The Jic-Signature header: "<key name>+<hex key ID> <base64 Ed25519
  // signature>" over Center::CommandMessage(...) ("" when unsigned).
  std::string signature;
  // Replay only: the recorded hash of the original body (the replayed body
  // is the recorded, normalized one).
  std::optional<std::string> recorded_body_hash;
  // Replay only: nobody reads the reply, so its body is not made.
  bool replay = false;
  // Optional: Center::PreParse(*this), computed on another thread.
  std::shared_ptr<PreParsed> pre;
};

// What the center answers a command or query: an HTTP status and JSON body.
struct Reply {
  int status = 200;
  std::string body;
  std::string etag;  // the resource's version, when it has one ("" otherwise)
  std::string id;    // the resource the command made or changed, if any
};

// A command made ready for the log.
struct Prepared {
  // The entry to append, as canonical bytes (entry_format.md) and parsed;
  // null when the command records nothing (an idempotent repeat).
  std::string bytes;
  std::shared_ptr<const nlohmann::json> entry;
  Reply reply;  // what the client hears once the entry is durable
  // notify / modify: the operation as decided (Apply may use it rather than
  // parse the entry's copy again).
  std::shared_ptr<const Operation> operation;
};

struct User {
  std::string name;
  std::string party;
  Role role = Role::kObserver;
  std::string token_hash;  // hex BLAKE2b-256 of the token
  uint64_t seq = 0;        // the entry that added it
  // Public keys the user registered (key.register), oldest first.
  struct Key {
    ledger::VerifierKey key;
    uint64_t seq = 0;
  };
  std::vector<Key> keys;
};

// The hash a token is kept as (hex BLAKE2b-256, libsodium). Tokens are never stored.
std::string HashToken(std::string_view token);
// A new random token ("jic_" and 43 base64url characters: 256 bits).
std::string NewToken();

class Center {
 public:
  Center();
  ~Center();
  Center(const Center&) = delete;
  Center& operator=(const Center&) = delete;

  // Decides `cmd` as entry `seq` received at `at`. See the class comment.
  // Errors (nothing to record): InvalidArgument (400, with field paths),
  // Unauthenticated, PermissionDenied (403), NotFound (404), Conflict (409),
  // Stale (412).
  // Prepare uses and consumes cmd.pre when it is set: the outcome is the
  // same as without it.
  Result<Prepared> Prepare(const Command& cmd, Time at, uint64_t seq) const;

  // The stateless part of Prepare for `cmd` (notify and modify; null for
  // other types). Pure and thread-safe: call it on any thread.
  static std::shared_ptr<PreParsed> PreParse(const Command& cmd);

  // Folds entry `seq` into the state. REQUIRES: seq == last_seq() + 1.
  // Internal error when the entry is not one this center could have made
  // (a corrupt log): the state is then unspecified.
  // `hint`: the Prepared::operation of this entry, when at hand.
  Status Apply(uint64_t seq, const nlohmann::json& entry, const Operation* hint = nullptr);
  Status ApplyBytes(uint64_t seq, std::string_view bytes);

  // replay-check, one entry: prepares the command recorded in `bytes`
  // against the current state and checks that it gives the same bytes.
  // OK when it does; otherwise a Status saying what differs (the decision,
  // or the whole entry). Does not apply the entry.
  Status Recheck(uint64_t seq, std::string_view bytes) const;
  // Recheck, then, when the entry re-derives to the same bytes, Apply it
  // from the re-derived entry (one JSON parse instead of two: what verifiers
  // do for every entry). *applied says whether it was applied; when the
  // entry differs it is not, and the caller may still ApplyBytes it.
  Status RecheckAndApply(uint64_t seq, std::string_view bytes, bool* applied);

  uint64_t last_seq() const { return last_seq_; }
  bool initialized() const { return rules_ != nullptr; }

  // What a user signs for a command (docs/ledger.md, "Signed commands"):
  //   "jic-command/v1\n" agreement id "\n" user "\n" request line "\n"
  //   If-Match value (or nothing) "\n" body
  static std::string CommandMessage(std::string_view agreement_id, std::string_view user,
                                    std::string_view request_line,
                                    std::optional<int64_t> if_match, std::string_view body);
  // "METHOD /path" of the request that makes a command of `type` on
  // `target`; nullopt for the center's own commands.
  static std::optional<std::string> RequestLine(std::string_view type, std::string_view target);

  // --- Queries (const; see thread-safety above) ---
  const User* Authenticate(std::string_view token) const;
  const RuleBook* rules() const { return rules_.get(); }
  const OperationStore& operations() const { return store_; }
  int64_t agreement_version() const { return agreement_version_; }
  size_t user_count() const { return users_.size(); }

  // GET /v1/operations/{id}
  Reply GetOperation(std::string_view id) const;
  // GET /v1/operations?state=&party= ("" for any); InvalidArgument on a bad state.
  Reply ListOperations(std::string_view state, std::string_view party) const;
  Reply GetAgreement() const;
  // GET /v1/areas?at= (nullopt: every area)
  Reply GetAreas(std::optional<Time> at) const;
  Reply GetAmendment(std::string_view id) const;
  Reply ListAmendments(std::string_view state) const;
  Reply ListAlerts(std::string_view state) const;
  Reply GetAlert(std::string_view id) const;
  Reply GetThread(std::string_view subject) const;
  Reply ListUsers() const;
  // GET /v1/keys
  Reply ListKeys() const;
  // The user who registered the key named `name` and the key, or nulls.
  std::pair<const User*, const ledger::VerifierKey*> FindKey(std::string_view name) const;
  // The agreement's id ("" before the first entry).
  const std::string& agreement_id() const;
  // Whether `actor` may see the entry on the event stream (user entries
  // are for admins only).
  static bool EntryVisibleTo(const nlohmann::json& entry, const Actor& actor);
  // The entry as the event stream shows it (token hashes removed).
  static std::string EntryForEvents(const nlohmann::json& entry);

  // The operations in state accepted or activated that list this aircraft
  // (by ICAO address, or by callsign when given), ordered by id. Pointers
  // valid until the next Apply.
  void OperationsOfAircraft(std::string_view icao24, std::string_view callsign,
                            std::vector<const Operation*>* out) const;

  // Counts for /metrics.
  struct Counts {
    size_t operations = 0, users = 0, amendments = 0, alerts_open = 0;
  };
  Counts counts() const;

  // Snapshot of the whole state after last_seq() (a compact binary form);
  // LoadSnapshot replaces the state with one. Corrupt input: Internal.
  std::string Snapshot() const;
  Status LoadSnapshot(uint64_t seq, std::string_view bytes);

  struct State;  // defined in center_state.h (internal)

 private:
  // The agreement in force.
  std::shared_ptr<const RuleBook> rules_;
  std::string agreement_json_;  // canonical JSON of the document
  int64_t agreement_version_ = 0;
  OperationStore store_;
  std::unordered_map<std::string, User> users_;  // by name
  std::unordered_map<std::string, std::string> token_to_user_;  // hash -> name
  std::unordered_map<std::string, std::string> key_to_user_;    // key name -> user name
  std::unordered_map<std::string, std::string> open_alert_by_key_;  // key -> id, not resolved
  // Operations by the aircraft they list (icao24 and callsign), for the
  // monitor's association; may hold ids that no longer list it (checked on use).
  std::unordered_map<std::string, std::vector<std::string>> ops_by_aircraft_;
  std::unique_ptr<State> st_;
  uint64_t last_seq_ = 0;
  Status RecheckImpl(uint64_t seq, std::string_view bytes, Prepared* out) const;

  // Operations as GET renders them, made on first read and dropped when the
  // operation changes (Apply) or the cache grows past its bound.
  void ForgetRendered(const std::string& id);
  void IndexAircraft(const Operation& op);
  mutable std::mutex render_mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const std::string>> rendered_;  // guarded by render_mu_

  friend class CenterPrepare;
  friend class CenterApply;
};

}  // namespace jic::engine
