// The jic subcommands, as plain functions of their parsed arguments (main.cc
// does the parsing). Each returns the process exit code: 0 success, 2 bad
// input or usage, 1 anything else.
#pragma once

#include <optional>
#include <cstdint>
#include <string>
#include <vector>

namespace jic::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// jic validate FILE: prints "ok", or every error found (exit 2).
int RunValidate(const std::string& file);

struct EvaluateArgs {
  std::string agreement;
  std::optional<std::string> state;
  std::optional<std::string> at;
  std::string candidate;
};
// jic evaluate: prints the decision as JSON (exit 0 for any decision).
int RunEvaluate(const EvaluateArgs& args);

struct DemoArgs {
  std::string dir = "scenarios/jic-2016";
  bool check = false;  // exit 1 when a decision differs from the line's `expect`
  bool json = false;   // one JSON object per notification instead of the table
};
// jic demo: runs a scenario through the engine and prints each decision.
int RunDemo(const DemoArgs& args);

struct ServeArgs {
  std::string data;
  std::string agreement;  // required on the first start
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  int64_t snapshot_every = -1;  // -1: the default
  std::string static_dir;  // the console (--web); "": found next to the executable
  bool no_web = false;
  bool access_log = false;
  bool hello_world = false;  // benchmarks: answer every request with a constant
  int read_timeout_s = 15;   // to receive a whole request
  int idle_timeout_s = 60;   // between requests on a kept-alive connection
  int events_queue = 2048;   // events a slow stream may lag before it is dropped
  std::vector<std::string> sbs;  // SBS-1 feeds to follow (HOST:PORT)
  double track_retention_h = 72;
  std::string origin;  // the ledger's origin on the first start ("": jic/<agreement id>)
};
// jic serve: runs the center until SIGTERM/SIGINT.
int RunServe(const ServeArgs& args);

struct UserAddArgs {
  std::string data, name, party, role;
};
// jic user add: prints the new user's token once.
int RunUserAdd(const UserAddArgs& args);

struct ReplayArgs {
  std::string file;
  std::string to;  // the center's base URL, http://HOST:PORT
  std::string token;
  double speed = 1;  // 0: as fast as possible
  size_t batch = 500;
};
// jic replay: sends a recorded SBS file to a running center (POST /v1/tracks).
int RunReplay(const ReplayArgs& args);

struct ReplayCheckArgs {
  std::string data;
};
// jic replay-check: exit 0 when every recorded decision re-derives identically.
int RunReplayCheck(const ReplayCheckArgs& args);

// The transparency log's client side (docs/ledger.md, "Verifying and mirroring").
struct VerifyArgs {
  std::string url, token;  // a running center
  std::string dir;         // or a mirror's folder
  std::string key;         // the center's verifier key
  std::vector<std::string> cosigners;  // verifier keys whose cosignature is demanded
  bool require_signatories = false;    // one cosignature per signatory party
  std::optional<uint64_t> size;        // --url: this checkpoint rather than the latest
  bool no_replay = false;              // hashes and signatures only
};
// jic verify: 0 when everything holds; 1 naming the first entry that differs.
int RunVerify(const VerifyArgs& args);

struct MirrorArgs {
  std::string url, token, key, dir;
  std::string cosign_key;  // a PRIVATE+KEY file of type 0x04; "" to not cosign
  double interval = 60;
  bool once = false;
};
// jic mirror: 0 ok (--once), 1 a failed update, 3 the history was rewritten or forked.
int RunMirror(const MirrorArgs& args);

struct KeygenArgs {
  std::string name, out;
  bool cosigner = false;
};
// jic keygen: writes the private key to `out` (0600), prints the verifier key.
int RunKeygen(const KeygenArgs& args);

struct CallArgs {
  std::string method, path, url, token, data, if_match, idempotency_key;
  std::string key;  // a PRIVATE+KEY file: sign the command (Jic-Signature)
};
// jic call: one request to a running center; prints the response body.
int RunCall(const CallArgs& args);

}  // namespace jic::cli
