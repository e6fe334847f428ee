// LedgerService: the tree grows with every durable batch, checkpoints are
// signed, proofs verify, the caches on disk are checked against the log, and
// cosignatures are kept. Also the signed commands the engine checks.

#include "jic/api/ledger_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/api/coordinator.h"
#include "jic/api/json_log.h"
#include "jic/log/sqlite_log.h"

namespace jic::api {
namespace {

using engine::Actor;
using engine::Command;
using engine::Role;
using nlohmann::json;
namespace fs = std::filesystem;

const Actor kSystem{"test", "", Role::kSystem};

std::string HashHex(char c) { return std::string(64, c); }

Command Cmd(std::string_view type, const Actor& a, std::string body, std::string target = "") {
  Command c;
  c.type = std::string(type);
  c.actor = a;
  c.body = std::move(body);
  c.target = std::move(target);
  return c;
}

std::string Op(const std::string& op, double lat) {
  return R"({"operator": ")" + op + R"(", "category": "isr", "volumes": [{"volume": {"outline_circle": {"center": {"lat": )" +
         std::to_string(lat) + R"(, "lng": 38.0}, "radius": {"value": 1000, "units": "M"}},
      "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
      "altitude_upper": {"value": 1000, "reference": "W84", "units": "M"}},
      "time_start": {"value": "2016-07-20T10:00:00Z", "format": "RFC3339"},
      "time_end": {"value": "2016-07-20T11:00:00Z", "format": "RFC3339"}}]})";
}

std::vector<std::string> Strings(const json& list) {
  std::vector<std::string> out;
  for (const auto& h : list) out.push_back(ledger::FromBase64(h.get<std::string>()).value());
  return out;
}

class LedgerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogQuiet(true);
    char tmpl[] = "/tmp/jic-ledger-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    coord_.reset();
    ledger_.reset();
    fs::remove_all(dir_);
  }

  // Opens the log, the ledger over it and the coordinator feeding it.
  Status Open() {
    coord_.reset();
    ledger_.reset();
    auto log = log::OpenSqliteLog(dir_ + "/log.sqlite");
    if (!log.ok()) return log.status();
    auto l = LedgerService::Open(dir_, **log, "jic.test/ledger");
    if (!l.ok()) return l.status();
    ledger_ = std::move(l).value();
    Coordinator::Options opt;
    opt.on_durable = [l = ledger_.get()](uint64_t first, std::span<const std::string> e) {
      l->Appended(first, e);
    };
    auto c = Coordinator::Open(std::move(log).value(), SystemClock::Get(), opt);
    if (!c.ok()) return c.status();
    coord_ = std::move(c).value();
    return Status::Ok();
  }

  void Init(const std::string& extra_yaml = "") {
    std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
    std::stringstream ss;
    ss << f.rdbuf();
    auto doc = agreement::AgreementToCanonicalJson(ss.str() + extra_yaml);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    Submit(Cmd(engine::kAgreementInit, kSystem, json{{"agreement", json::parse(*doc)}}.dump()), 201);
    AddUser("pat", "US", "officer", 'a');
    AddUser("ivan", "RU", "officer", 'b');
    AddUser("olga", "RU", "planner", 'c');
  }
  void AddUser(const std::string& name, const std::string& party, const std::string& role, char h) {
    Submit(Cmd(engine::kUserAdd, kSystem,
               json{{"name", name}, {"party", party}, {"role", role}, {"token_hash", HashHex(h)}}.dump()),
           201);
  }
  engine::Reply Submit(Command cmd, int want_status) {
    auto r = coord_->SubmitAndWait(std::move(cmd));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, want_status) << r->body;
    return *r;
  }
  Status SubmitError(Command cmd) {
    auto r = coord_->SubmitAndWait(std::move(cmd));
    return r.ok() ? Status::Ok() : r.status();
  }

  std::string dir_;
  std::unique_ptr<LedgerService> ledger_;
  std::unique_ptr<Coordinator> coord_;
};

TEST_F(LedgerServiceTest, TreeFollowsTheLogAndProofsVerify) {
  ASSERT_TRUE(Open().ok());
  Init();
  for (int i = 0; i < 20; ++i) Submit(Cmd(engine::kOperationNotify, {"olga", "RU", Role::kPlanner}, Op("RU", 30 + i)), 201);
  const uint64_t n = coord_->committed_seq();
  ASSERT_EQ(ledger_->size(), n);

  // The latest checkpoint is signed by the center's key and names the root
  // of every entry's bytes.
  auto note = ledger::Note::Parse(ledger_->CheckpointNote(std::nullopt).value());
  ASSERT_TRUE(note.ok());
  auto vkey = ledger::VerifierKey::Parse(ledger_->verifier_key());
  ASSERT_TRUE(vkey.ok());
  EXPECT_EQ(vkey->name, "jic.test/ledger");
  ASSERT_TRUE(ledger::VerifySignature(*vkey, note->text, note->signatures[0]).ok());
  auto cp = ledger::Checkpoint::Parse(note->text).value();
  EXPECT_EQ(cp.origin, "jic.test/ledger");
  EXPECT_EQ(cp.size, n);
  std::vector<ledger::Hash> leaves;
  ASSERT_TRUE(coord_->log().Read(1, UINT64_MAX, [&](uint64_t, std::string_view b) {
    leaves.push_back(ledger::LeafHash(b));
    return true;
  }).ok());
  EXPECT_EQ(ledger::RootOf(leaves), cp.root);

  for (uint64_t i = 0; i < n; i += 3) {
    json p = json::parse(ledger_->InclusionProof(i, n).value());
    EXPECT_TRUE(ledger::VerifyInclusion(i, n, std::string(ledger::AsBytes(leaves[i])), Strings(p["proof"]),
                                        std::string(ledger::AsBytes(cp.root)))
                    .ok());
  }
  auto old_root = ledger::RootOf(std::span(leaves).first(5));
  json c = json::parse(ledger_->ConsistencyProof(5, n).value());
  EXPECT_TRUE(ledger::VerifyConsistency(5, n, Strings(c["proof"]), std::string(ledger::AsBytes(old_root)),
                                        std::string(ledger::AsBytes(cp.root)))
                  .ok());
  EXPECT_FALSE(ledger_->InclusionProof(n, n).ok());
  EXPECT_FALSE(ledger_->CheckpointNote(n + 1).ok());
  // An older checkpoint, signed on request.
  auto old = ledger::Note::Parse(ledger_->CheckpointNote(5).value()).value();
  EXPECT_EQ(ledger::Checkpoint::Parse(old.text)->root, old_root);

  // tlog-tiles: the partial level-0 tile of width n is the leaf hashes; what
  // the tree does not hold is NotFound, impossible coordinates Invalid.
  std::string level0;
  for (const ledger::Hash& h : leaves) level0 += ledger::AsBytes(h);
  EXPECT_EQ(ledger_->Tile(0, 0, n).value(), level0);
  EXPECT_EQ(ledger_->Tile(0, 0, 3).value(), level0.substr(0, 96));
  EXPECT_EQ(ledger_->Tile(0, 0, n + 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->Tile(0, 0, 256).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->Tile(0, 1, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->Tile(1, 0, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->Tile(7, UINT64_MAX, 256).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->Tile(63, 0, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->Tile(64, 0, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Tile(0, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Tile(0, 0, 257).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LedgerServiceTest, RestartKeepsTheKeyAndChecksTheCache) {
  ASSERT_TRUE(Open().ok());
  Init();
  const std::string key = ledger_->verifier_key();
  const std::string note = ledger_->CheckpointNote(std::nullopt).value();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(ledger_->verifier_key(), key);
  EXPECT_EQ(ledger_->CheckpointNote(std::nullopt).value(), note);

  // A damaged leaf cache is rebuilt from the log, not believed.
  coord_.reset();
  ledger_.reset();
  {
    std::fstream f(dir_ + "/ledger/leaves", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x42');
  }
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(ledger_->CheckpointNote(std::nullopt).value(), note);
  Submit(Cmd(engine::kOperationNotify, {"olga", "RU", Role::kPlanner}, Op("RU", 31)), 201);
  EXPECT_EQ(ledger_->size(), coord_->committed_seq());
}

TEST_F(LedgerServiceTest, ALogChangedUnderTheCenterIsRefused) {
  ASSERT_TRUE(Open().ok());
  Init();
  coord_.reset();
  ledger_.reset();
  // Rewrite entry 3 in the log behind the center's back.
  {
    auto log = log::OpenSqliteLog(dir_ + "/log.sqlite");
    ASSERT_TRUE(log.ok());
  }
  std::string cmd = "sqlite3 " + dir_ + "/log.sqlite \"UPDATE entries SET bytes = replace(bytes, 'ivan', 'ivam') WHERE seq = 3\" 2>&1";
  if (std::system("command -v sqlite3 >/dev/null") != 0) GTEST_SKIP() << "no sqlite3 shell";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  // The leaf cache still matches the checkpoint; the audit of the log does not.
  ASSERT_TRUE(Open().ok());
  std::atomic<bool> stop{false};
  Status s = ledger_->AuditLog(coord_->log(), stop);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("log entry 3 does not hash"), std::string::npos) << s.ToString();
  // Without the cache the tree is rebuilt from the log and the signed
  // checkpoint no longer holds: the center refuses to start.
  coord_.reset();
  ledger_.reset();
  fs::remove(dir_ + "/ledger/leaves");
  s = Open();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("does not match checkpoint"), std::string::npos) << s.ToString();
}

TEST_F(LedgerServiceTest, CosignaturesAreCheckedAndKept) {
  ASSERT_TRUE(Open().ok());
  Init();
  ledger::SignerKey us = ledger::SignerKey::Generate("us.mirror", ledger::kAlgCosignatureV1);
  const auto note = ledger::Note::Parse(ledger_->CheckpointNote(std::nullopt).value()).value();
  const ledger::VerifierKey vk = us.verifier();
  auto cosig = ledger::Cosign(us, note.text, 1700000000);
  auto r = ledger_->AddCosignature(note.text, cosig.Line(), vk);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The checkpoint now carries it, and so does the one found by cosigner.
  auto with = ledger::Note::Parse(ledger_->CheckpointNote(std::nullopt).value()).value();
  ASSERT_EQ(with.signatures.size(), 2u);
  EXPECT_TRUE(ledger::VerifySignature(vk, with.text, with.signatures[1]).ok());
  EXPECT_TRUE(ledger_->CosignedCheckpointNote({"us.mirror"}).ok());
  EXPECT_FALSE(ledger_->CosignedCheckpointNote({"us.mirror", "ru.mirror"}).ok());

  // Not verifying, or of another tree: refused.
  auto bad = cosig;
  bad.signature[20] ^= 1;
  EXPECT_EQ(ledger_->AddCosignature(note.text, bad.Line(), vk).status().code(), StatusCode::kInvalidArgument);
  auto cp = ledger::Checkpoint::Parse(note.text).value();
  cp.root[0] ^= 1;
  auto forged = ledger::Cosign(us, cp.Text(), 1700000001);
  EXPECT_EQ(ledger_->AddCosignature(cp.Text(), forged.Line(), vk).status().code(), StatusCode::kConflict);

  // Kept across a restart.
  const uint64_t size = cp.size;
  ASSERT_TRUE(Open().ok());
  auto again = ledger::Note::Parse(ledger_->CheckpointNote(size).value()).value();
  EXPECT_EQ(again.signatures.size(), 2u);
}

// --- signed commands (the engine checks them; entries keep them) ---

TEST_F(LedgerServiceTest, SignedApprovalsAreRequiredCheckedAndReplayable) {
  ASSERT_TRUE(Open().ok());
  Init("\nsigned_commands: approvals\n");
  ledger::SignerKey pat = ledger::SignerKey::Generate("pat.key");
  const Actor kPat{"pat", "US", Role::kOfficer};
  Submit(Cmd(engine::kKeyRegister, kPat, json{{"key", pat.verifier().Encode()}}.dump()), 201);
  // A key name is taken once.
  EXPECT_EQ(SubmitError(Cmd(engine::kKeyRegister, {"ivan", "RU", Role::kOfficer},
                            json{{"key", pat.verifier().Encode()}}.dump()))
                .code(),
            StatusCode::kConflict);
  EXPECT_EQ(SubmitError(Cmd(engine::kKeyRegister, kPat, R"({"key": "nope"})")).code(),
            StatusCode::kInvalidArgument);

  // The scenario's RU notification that needs US approval (R2).
  std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/notifications.jsonl");
  std::string line, pending_id;
  int64_t version = 0;
  while (std::getline(f, line) && pending_id.empty()) {
    json n = json::parse(line, nullptr, false);
    if (!n.is_object() || !n.contains("operation")) continue;
    if (n.value("expect", "") != "needs_approval") continue;
    json op = n["operation"];
    op.erase("id");
    const std::string party = op.value("operator", "");
    if (party != "RU") continue;
    auto r = coord_->SubmitAndWait(Cmd(engine::kOperationNotify, {"olga", "RU", Role::kPlanner}, op.dump()));
    if (r.ok() && json::parse(r->body)["state"] == "pending_approval") {
      pending_id = json::parse(r->body)["id"];
      version = json::parse(r->body)["version"];
    }
  }
  if (pending_id.empty()) GTEST_SKIP() << "no RU notification of the scenario needs US approval";

  const std::string body = R"({"approve": true})";
  // Unsigned: refused, nothing recorded.
  const uint64_t before = coord_->committed_seq();
  EXPECT_EQ(SubmitError(Cmd(engine::kOperationApprove, kPat, body, pending_id)).code(),
            StatusCode::kPermissionDenied);
  // Signed with the wrong message (another version): refused.
  auto sign = [&](std::optional<int64_t> if_match) {
    const std::string msg = engine::Center::CommandMessage(
        "jic-2016", "pat", "POST /v1/operations/" + pending_id + "/approvals", if_match, body);
    auto sig = pat.SignRaw(msg);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", pat.key_id());
    return "pat.key+" + std::string(hex) + " " +
           ledger::ToBase64(std::string_view(reinterpret_cast<const char*>(sig.data()), 64));
  };
  Command wrong = Cmd(engine::kOperationApprove, kPat, body, pending_id);
  wrong.signature = sign(version + 1);
  wrong.if_match = version;
  EXPECT_EQ(SubmitError(wrong).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(coord_->committed_seq(), before);
  // Signed over this version: recorded with the signature.
  Command ok = Cmd(engine::kOperationApprove, kPat, body, pending_id);
  ok.signature = sign(version);
  ok.if_match = version;
  Submit(ok, 200);
  std::string entry;
  ASSERT_TRUE(coord_->log().Read(coord_->committed_seq(), 1, [&](uint64_t, std::string_view b) {
    entry = b;
    return false;
  }).ok());
  json e = json::parse(entry);
  ASSERT_TRUE(e.contains("signature")) << entry;
  EXPECT_EQ(e["signature"]["body"], body);
  EXPECT_EQ(e["signature"]["if_match"], version);
  // Replay re-checks the signature and derives the same bytes.
  coord_->Read([&](const engine::Center&) { return 0; });
  engine::Center fresh;
  uint64_t seq = 0;
  ASSERT_TRUE(coord_->log().Read(1, UINT64_MAX, [&](uint64_t s, std::string_view b) {
    seq = s;
    Status r = fresh.Recheck(s, b);
    EXPECT_TRUE(r.ok()) << "entry " << s << ": " << r.ToString();
    EXPECT_TRUE(fresh.ApplyBytes(s, b).ok());
    return true;
  }).ok());
  // A tampered signature in the entry is caught on replay.
  json t = e;
  std::string sig = t["signature"]["sig"];
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  t["signature"]["sig"] = sig;
  engine::Center again;
  ASSERT_TRUE(coord_->log().Read(1, seq - 1, [&](uint64_t s, std::string_view b) {
    return again.ApplyBytes(s, b).ok();
  }).ok());
  EXPECT_FALSE(again.Recheck(seq, t.dump()).ok());
}

}  // namespace
}  // namespace jic::api
