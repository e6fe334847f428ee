// The jic command, end to end: the real binary (JIC_BINARY) on real files,
// its stdout, stderr and exit code captured. Exit codes: 0 success (any
// decision), 1 a demo expectation not met, 2 bad input or usage.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using nlohmann::json;

const std::string kScenario = std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016";
const std::string kAgreement = kScenario + "/agreement.yaml";

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Output {
  int code = -1;  // exit code; 128 + signal when killed
  std::string out;
  std::string err;
};

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The scenario's notifications, parsed.
std::vector<json> Notifications() {
  std::vector<json> out;
  for (const std::string& line : Lines(ReadFile(kScenario + "/notifications.jsonl"))) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(json::parse(line));
  }
  return out;
}

class CliTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/jic_cli_test.XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr) << "mkdtemp " << templ;
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Writes `text` to a file in the test's folder; returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f << text;
    EXPECT_TRUE(f.good()) << path;
    return path;
  }

  // Runs jic with `args`, stdin from /dev/null.
  Output Jic(const std::vector<std::string>& args) {
    const std::string out_path = dir_ + "/.stdout", err_path = dir_ + "/.stderr";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> storage = {JIC_BINARY};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_t pid;
    Output o;
    const int rc = posix_spawn(&pid, JIC_BINARY, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      ADD_FAILURE() << "posix_spawn " << JIC_BINARY << ": " << rc;
      return o;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    o.out = ReadFile(out_path);
    o.err = ReadFile(err_path);
    return o;
  }

  // jic evaluate, expecting exit 0 and a decision in JSON on stdout.
  json Evaluate(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"evaluate", "--agreement", kAgreement};
    full.insert(full.end(), args.begin(), args.end());
    const Output o = Jic(full);
    EXPECT_EQ(o.code, 0) << o.err;
    json j;
    try {
      j = json::parse(o.out);
    } catch (const json::exception& e) {
      ADD_FAILURE() << "not JSON: " << e.what() << "\n" << o.out << o.err;
      return json::object();
    }
    EXPECT_TRUE(j.is_object()) << o.out;
    EXPECT_TRUE(j.contains("outcome") && j.contains("approvers") && j.contains("findings"))
        << o.out;
    return j;
  }

  // The scenario's operation `n` (1-based) written to a file.
  std::string Candidate(int n, const std::vector<json>& notes) {
    return Write("op-" + std::to_string(n) + ".json", notes[n - 1]["operation"].dump());
  }

  std::string dir_;
};

// "rule effect [area|operation]" for each finding of a decision.
std::vector<std::string> Summary(const json& decision) {
  std::vector<std::string> out;
  for (const json& f : decision.value("findings", json::array())) {
    std::string s = f.value("rule", "?") + " " + f.value("effect", "?");
    if (f.contains("area")) s += " " + f["area"].get<std::string>();
    if (f.contains("operation")) s += " " + f["operation"].get<std::string>();
    out.push_back(s);
  }
  return out;
}

using Strings = std::vector<std::string>;

std::string Str(const json& j) { return j.get<std::string>(); }

// ---------------------------------------------------------------------------
// jic validate

TEST_F(CliTest, ValidateSaysOkOnTheScenarioAgreement) {
  const Output o = Jic({"validate", kAgreement});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "ok\n");
  EXPECT_EQ(o.err, "");
}

constexpr char kBroken[] = R"(jic: 1
id: broken
signatories: [US, XX]
parties:
  - {id: US, name: United States}
categories:
  - {id: isr, priority: 10}
areas:
  - {id: A1, kind: designated, geometry: {type: Point, coordinates: [37.0, 36.0]}}
  - {id: A2, kind: designated, geometry: {type: Polygon, coordinates: [[[37.0, 36.0], [37.1, 36.0], [37.0, 36.1]]]}}
rules:
  - {id: R1, when: {categroy: [isr]}, effect: reject}
  - {id: R2, when: {operator: [US]}, effect: explode}
)";

TEST_F(CliTest, ValidatePrintsEveryErrorWithItsPath) {
  const std::string path = Write("broken.yaml", kBroken);
  const Output o = Jic({"validate", path});
  EXPECT_EQ(o.code, 2);
  const std::string all = o.out + o.err;
  EXPECT_FALSE(Contains(o.out, "ok\n")) << all;
  for (const char* field :
       {"signatories[1]: ", "areas[0].radius_m: ", "areas[1].geometry.coordinates[0]",
        "rules[0].when.categroy: unknown key", "rules[1].effect: "}) {
    EXPECT_TRUE(Contains(all, field)) << "missing " << field << " in:\n" << all;
  }
  // Each error on its own line, naming the file.
  int lines_with_path = 0;
  for (const std::string& line : Lines(all)) lines_with_path += Contains(line, path + ": ");
  EXPECT_GE(lines_with_path, 5) << all;
}

TEST_F(CliTest, ValidateAMissingFileIsBadInput) {
  const Output o = Jic({"validate", dir_ + "/nothing.yaml"});
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(Contains(o.out + o.err, "nothing.yaml")) << o.out << o.err;
}

TEST_F(CliTest, ValidateAcceptsJson) {
  const std::string path = Write("a.json", R"({"jic": 1, "id": "j", "signatories": ["US"],
    "parties": [{"id": "US", "name": "United States"}], "categories": [{"id": "isr", "priority": 1}]})");
  const Output o = Jic({"validate", path});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_EQ(o.out, "ok\n");
}

// ---------------------------------------------------------------------------
// jic evaluate

TEST_F(CliTest, EvaluateAcceptedNeedsApprovalAndRejectedAllExitZero) {
  const std::vector<json> notes = Notifications();
  ASSERT_EQ(notes.size(), 16u);
  // op-1: accepted, no finding.
  json d = Evaluate({"--at", Str(notes[0]["received_at"]), Candidate(1, notes)});
  EXPECT_EQ(d["outcome"], "accepted");
  EXPECT_EQ(d["approvers"], json::array());
  EXPECT_EQ(d["findings"], json::array());
  // op-3: needs the US's approval (R2).
  d = Evaluate({"--at", Str(notes[2]["received_at"]), Candidate(3, notes)});
  EXPECT_EQ(d["outcome"], "needs_approval");
  EXPECT_EQ(d["approvers"], json::array({"US"}));
  ASSERT_EQ(d["findings"].size(), 1u);
  EXPECT_EQ(d["findings"][0]["rule"], "R2");
  EXPECT_EQ(d["findings"][0]["effect"], "require_approval");
  EXPECT_EQ(d["findings"][0]["approvers"], json::array({"US"}));
  // op-4: rejected by R1 in DA-2.
  d = Evaluate({"--at", Str(notes[3]["received_at"]), Candidate(4, notes)});
  EXPECT_EQ(d["outcome"], "rejected");
  EXPECT_EQ(Summary(d), Strings{"R1 reject DA-2"});
  // op-6: rejected by the reporting check.
  d = Evaluate({"--at", Str(notes[5]["received_at"]), Candidate(6, notes)});
  EXPECT_EQ(d["outcome"], "rejected");
  EXPECT_EQ(Summary(d), Strings{"reporting reject"});
}

// Each notification, with the operations before it as the state file in
// the states the scenario gives them, decides as the scenario expects.
TEST_F(CliTest, EvaluateReplaysTheScenarioLineByLine) {
  const std::vector<json> notes = Notifications();
  std::string state;
  const std::map<std::string, std::string> state_of = {
      {"accepted", "accepted"}, {"needs_approval", "pending_approval"}, {"rejected", "rejected"}};
  for (size_t i = 0; i < notes.size(); ++i) {
    const std::string id = Str(notes[i]["operation"]["id"]);
    const std::string state_path = Write("state-" + id + ".jsonl", state);
    const json d = Evaluate({"--state", state_path, "--at", Str(notes[i]["received_at"]),
                             Candidate(static_cast<int>(i + 1), notes)});
    EXPECT_EQ(d["outcome"], notes[i]["expect"]) << id << ": " << d.dump();
    if (id == "op-10") {
      EXPECT_EQ(Summary(d), Strings{"separation preempt op-9"});
    }
    if (id == "op-11") {
      EXPECT_EQ(Summary(d), Strings{"separation reject op-9"});
    }
    json line = notes[i]["operation"];
    line["state"] = state_of.at(Str(notes[i]["expect"]));
    state += line.dump() + "\n";
  }
}

// A quadrilateral over Kuweires, US ISR, 09:00-10:30 on 21 July (the
// scenario's op-11).
json KuweiresOp(const std::string& op_operator, const std::string& category) {
  return json::parse(
      R"({"operator": ")" + op_operator + R"(", "category": ")" + category +
      R"(", "volumes": [{"volume": {"outline_polygon": {"vertices": [{"lat": 36.2, "lng": 37.6}, {"lat": 36.2, "lng": 37.68}, {"lat": 36.3, "lng": 37.68}, {"lat": 36.3, "lng": 37.6}]}, "altitude_lower": {"value": 1000, "reference": "W84", "units": "M"}, "altitude_upper": {"value": 4000, "reference": "W84", "units": "M"}}, "time_start": {"value": "2016-07-21T09:00:00Z", "format": "RFC3339"}, "time_end": {"value": "2016-07-21T10:30:00Z", "format": "RFC3339"}}]})");
}

TEST_F(CliTest, EvaluateFindsASeparationConflictInTheStateFile) {
  const std::string candidate = Write("cand.json", KuweiresOp("US", "isr").dump());
  auto with_state = [&](const std::string& party, const std::string& state) {
    json kept = KuweiresOp(party, "transport");
    kept["id"] = "kept-1";
    kept["state"] = state;
    const std::string path = Write("state.jsonl", "\n" + kept.dump() + "\n");
    return Evaluate({"--state", path, "--at", "2016-07-21T05:30:00Z", candidate});
  };
  json d = with_state("RU", "accepted");
  EXPECT_EQ(d["outcome"], "rejected");
  EXPECT_EQ(Summary(d), Strings{"separation reject kept-1"});
  EXPECT_EQ(with_state("RU", "activated")["outcome"], "rejected");
  EXPECT_EQ(with_state("RU", "pending_approval")["outcome"], "rejected");
  for (const char* s : {"rejected", "ended", "cancelled"}) {
    d = with_state("RU", s);
    EXPECT_EQ(d["outcome"], "accepted") << s;
    EXPECT_EQ(d["findings"], json::array()) << s;
  }
  d = with_state("US", "accepted");
  EXPECT_EQ(d["findings"], json::array()) << "same party";
  // A medevac candidate preempts instead, and is accepted.
  const std::string medevac = Write("medevac.json", KuweiresOp("US", "medevac").dump());
  json kept = KuweiresOp("RU", "transport");
  kept["id"] = "kept-1";
  kept["state"] = "accepted";
  d = Evaluate(
      {"--state", Write("s2.jsonl", kept.dump()), "--at", "2016-07-21T05:30:00Z", medevac});
  EXPECT_EQ(d["outcome"], "accepted");
  EXPECT_EQ(Summary(d), Strings{"separation preempt kept-1"});
}

TEST_F(CliTest, AtChangesTheNoticeWarning) {
  const std::vector<json> notes = Notifications();
  const std::string op1 = Candidate(1, notes);  // starts 2016-07-20T06:00:00Z
  EXPECT_EQ(Summary(Evaluate({"--at", "2016-07-20T05:30:00Z", op1})), Strings{"R4 warn"});
  EXPECT_EQ(Summary(Evaluate({"--at", "2016-07-20T05:00:00.000001Z", op1})), Strings{"R4 warn"});
  EXPECT_EQ(Summary(Evaluate({"--at", "2016-07-20T05:00:00Z", op1})), Strings{})
      << "exactly an hour";
  EXPECT_EQ(Summary(Evaluate({"--at", "2016-07-20T02:00:00Z", op1})), Strings{});
  EXPECT_EQ(Summary(Evaluate({"--at", "2016-07-20T08:00:00+03:00", op1})), Strings{}) << "05:00Z";
  const json late = Evaluate({"--at", "2016-07-20T07:00:00Z", op1});
  EXPECT_EQ(Summary(late), Strings{"R4 warn"});
  EXPECT_EQ(late["outcome"], "accepted") << "a warning does not change the outcome";
}

TEST_F(CliTest, EvaluateBadAtIsBadInput) {
  const std::vector<json> notes = Notifications();
  const Output o =
      Jic({"evaluate", "--agreement", kAgreement, "--at", "tomorrow", Candidate(1, notes)});
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(Contains(o.err, "--at")) << o.err;
  EXPECT_EQ(o.out, "");
}

TEST_F(CliTest, EvaluateMalformedCandidateNamesTheField) {
  json op = KuweiresOp("US", "isr");
  op["volumes"][0]["volume"]["outline_polygon"]["vertices"][2]["lat"] = 91;
  const std::string path = Write("bad.json", op.dump());
  const Output o =
      Jic({"evaluate", "--agreement", kAgreement, "--at", "2016-07-21T05:30:00Z", path});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.out, "") << "no decision";
  EXPECT_TRUE(Contains(o.err, "volumes[0].volume.outline_polygon.vertices[2].lat: ")) << o.err;

  const Output not_json =
      Jic({"evaluate", "--agreement", kAgreement, Write("x.json", "{\"operator\": ")});
  EXPECT_EQ(not_json.code, 2);
  EXPECT_EQ(not_json.out, "");
  EXPECT_FALSE(not_json.err.empty());

  json unknown = KuweiresOp("XX", "isr");
  const Output o2 = Jic({"evaluate", "--agreement", kAgreement, Write("u.json", unknown.dump())});
  EXPECT_EQ(o2.code, 2);
  EXPECT_TRUE(Contains(o2.err, "operator: ")) << o2.err;

  const Output missing = Jic({"evaluate", "--agreement", kAgreement, dir_ + "/none.json"});
  EXPECT_EQ(missing.code, 2);
}

TEST_F(CliTest, EvaluateMalformedStateLineNamesTheLineAndField) {
  json good = KuweiresOp("RU", "transport");
  good["id"] = "kept-1";
  good["state"] = "accepted";
  json bad_state = good;
  bad_state["id"] = "kept-2";
  bad_state["state"] = "flying";
  json bad_vertex = good;
  bad_vertex["id"] = "kept-3";
  bad_vertex["volumes"][0]["volume"]["outline_polygon"]["vertices"][1]["lng"] = 181;
  const std::string path =
      Write("state.jsonl", good.dump() + "\n" + bad_state.dump() + "\n" + bad_vertex.dump() + "\n");
  const Output o = Jic({"evaluate", "--agreement", kAgreement, "--state", path,
                        Write("c.json", KuweiresOp("US", "isr").dump())});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_TRUE(Contains(o.err, path + ":2: state: ")) << o.err;
  EXPECT_TRUE(Contains(o.err, path + ":3: volumes[0].volume.outline_polygon.vertices[1].lng: "))
      << o.err;

  // A state line needs its id and state.
  json no_id = KuweiresOp("RU", "transport");
  const Output o2 =
      Jic({"evaluate", "--agreement", kAgreement, "--state", Write("s2.jsonl", no_id.dump()),
           Write("c.json", KuweiresOp("US", "isr").dump())});
  EXPECT_EQ(o2.code, 2);
  EXPECT_TRUE(Contains(o2.err, ":1: id: ")) << o2.err;
  EXPECT_TRUE(Contains(o2.err, ":1: state: ")) << o2.err;
}

TEST_F(CliTest, EvaluateStateLinesMayCarryVersionAndDecisionButNotTwiceTheSameId) {
  json kept = KuweiresOp("RU", "transport");
  kept["id"] = "kept-1";
  kept["state"] = "accepted";
  kept["version"] = 3;
  kept["decision"] = {
      {"outcome", "accepted"}, {"approvers", json::array()}, {"findings", json::array()}};
  const std::string candidate = Write("c.json", KuweiresOp("US", "isr").dump());
  json d = Evaluate(
      {"--state", Write("s.jsonl", kept.dump() + "\n"), "--at", "2016-07-21T05:30:00Z", candidate});
  EXPECT_EQ(Summary(d), Strings{"separation reject kept-1"});

  const std::string twice = Write("twice.jsonl", kept.dump() + "\n" + kept.dump() + "\n");
  const Output o = Jic({"evaluate", "--agreement", kAgreement, "--state", twice, candidate});
  EXPECT_EQ(o.code, 2);
  EXPECT_TRUE(Contains(o.err, twice + ":2: id: ")) << o.err;
}

TEST_F(CliTest, EvaluateMalformedAgreementIsBadInput) {
  const std::string agreement = Write("broken.yaml", kBroken);
  const Output o =
      Jic({"evaluate", "--agreement", agreement, Write("c.json", KuweiresOp("US", "isr").dump())});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_TRUE(Contains(o.err, "rules[0].when.categroy: unknown key")) << o.err;
  EXPECT_TRUE(Contains(o.err, "signatories[1]: ")) << o.err;
}

// ---------------------------------------------------------------------------
// jic demo

TEST_F(CliTest, DemoCheckPassesAndListsEveryOperation) {
  const Output o = Jic({"demo", "--check", kScenario});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  const std::vector<std::string> lines = Lines(o.out);
  for (int i = 1; i <= 16; ++i) {
    const std::string id = "op-" + std::to_string(i);
    bool listed = false;
    for (const std::string& line : lines) listed = listed || line.rfind(id + " ", 0) == 0;
    EXPECT_TRUE(listed) << id << " not in the table:\n" << o.out;
  }
  EXPECT_FALSE(Contains(o.out, "!! expected")) << o.out;
  EXPECT_TRUE(Contains(o.out, "10 accepted, 2 need approval, 4 rejected")) << o.out;
}

TEST_F(CliTest, DemoJsonGivesOneDecisionPerNotification) {
  const Output o = Jic({"demo", "--json", kScenario});
  EXPECT_EQ(o.code, 0) << o.err;
  const std::vector<std::string> lines = Lines(o.out);
  ASSERT_EQ(lines.size(), 16u) << o.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json j = json::parse(lines[i]);
    EXPECT_EQ(j["id"], "op-" + std::to_string(i + 1));
    EXPECT_EQ(j["decision"]["outcome"], j["expect"]) << lines[i];
  }
}

TEST_F(CliTest, DemoCheckFailsWhenAnExpectationIsNotMet) {
  const std::string dir = dir_ + "/scenario";
  std::filesystem::create_directory(dir);
  std::filesystem::copy_file(kAgreement, dir + "/agreement.yaml");
  std::string notes = ReadFile(kScenario + "/notifications.jsonl");
  const size_t at = notes.find(R"("expect": "rejected")");  // op-4
  ASSERT_NE(at, std::string::npos);
  notes.replace(at, 20, R"("expect": "accepted")");
  {
    std::ofstream f(dir + "/notifications.jsonl", std::ios::binary);
    f << notes;
  }
  const Output check = Jic({"demo", "--check", dir});
  EXPECT_EQ(check.code, 1) << check.out << check.err;
  EXPECT_TRUE(Contains(check.out, "!! expected accepted")) << check.out;
  EXPECT_EQ(Jic({"demo", dir}).code, 0) << "without --check a mismatch is only shown";
}

TEST_F(CliTest, DemoOnAMissingFolderIsBadInput) {
  const Output o = Jic({"demo", "--check", dir_ + "/nowhere"});
  EXPECT_EQ(o.code, 2);
  EXPECT_FALSE(o.err.empty());
}

TEST_F(CliTest, UsageErrorsAreBadInput) {
  EXPECT_EQ(Jic({}).code, 2);
  EXPECT_EQ(Jic({"frobnicate"}).code, 2);
  EXPECT_EQ(Jic({"evaluate", "c.json"}).code, 2) << "--agreement is required";
  EXPECT_EQ(Jic({"validate"}).code, 2);
  EXPECT_EQ(Jic({"--help"}).code, 0);
}

}  // namespace

// ---------------------------------------------------------------------------
// The documentation's examples are checked like any input.

namespace {

TEST_F(CliTest, EveryYamlExampleInTheAgreementGuideValidates) {
  const std::string doc = ReadFile(std::string(JIC_SOURCE_DIR) + "/docs/agreement.md");
  int blocks = 0;
  for (size_t at = doc.find("```yaml\n"); at != std::string::npos;
       at = doc.find("```yaml\n", at + 1)) {
    const size_t begin = at + 8;
    const size_t end = doc.find("```", begin);
    ASSERT_NE(end, std::string::npos);
    const std::string file = Write("doc-" + std::to_string(blocks++) + ".yaml",
                                   doc.substr(begin, end - begin));
    const Output o = Jic({"validate", file});
    EXPECT_EQ(o.code, 0) << "docs/agreement.md yaml block " << blocks << ":\n" << o.out << o.err;
    EXPECT_EQ(o.out, "ok\n");
  }
  EXPECT_GE(blocks, 1);
}

}  // namespace
