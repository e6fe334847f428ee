// The jic command: one binary, one subcommand per job.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace jic::cli;
  CLI::App app{"jic: the Joint Implementation Center — decides, deconflicts and records air "
               "operations under a written agreement"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "jic 0.1.0");

  std::string validate_file;
  auto* validate = app.add_subcommand("validate", "Check an agreement file; prints ok or every error");
  validate->add_option("FILE", validate_file, "agreement (YAML or JSON)")->required();

  EvaluateArgs eval;
  auto* evaluate = app.add_subcommand(
      "evaluate", "Decide one notification against an agreement and known operations; prints the "
                  "decision as JSON");
  evaluate->add_option("--agreement", eval.agreement, "agreement file")->required();
  evaluate->add_option("--state", eval.state, "known operations, one JSON object per line with id and state");
  evaluate->add_option("--at", eval.at, "when the center received the candidate (RFC 3339; default: now)");
  evaluate->add_option("CANDIDATE", eval.candidate, "the notification (JSON)")->required();

  DemoArgs demo;
  auto* demo_cmd = app.add_subcommand("demo", "Run a scenario's notifications through the engine");
  demo_cmd->add_option("DIR", demo.dir, "scenario folder (agreement.yaml, notifications.jsonl)")
      ->capture_default_str();
  demo_cmd->add_flag("--check", demo.check, "exit 1 when a decision differs from its expectation");
  demo_cmd->add_flag("--json", demo.json, "print JSON lines instead of a table");

  ServeArgs serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the center: the HTTP API over one durable log");
  serve_cmd->add_option("--data", serve.data, "folder holding everything the center keeps")->required();
  serve_cmd->add_option("--agreement", serve.agreement, "the agreement (YAML), on the first start");
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT (port 0: a free one)")->capture_default_str();
  serve_cmd->add_option("--threads", serve.threads, "HTTP threads")->capture_default_str();
  serve_cmd->add_option("--snapshot-every", serve.snapshot_every,
                        "a state snapshot every N entries (0: only at shutdown)");
  serve_cmd->add_option("--web,--static", serve.static_dir,
                        "folder of the web console's built assets, served at / (default: "
                        "EXE_DIR/../share/jic/web, else EXE_DIR/../web/dist)");
  serve_cmd->add_flag("--no-web", serve.no_web, "serve the API only, no console at /");
  serve_cmd->add_option("--origin", serve.origin,
                        "the ledger's name in its checkpoints, fixed at the first start "
                        "(default: jic/<agreement id>)");
  serve_cmd->add_flag("--access-log", serve.access_log, "log every request (JSON lines on stderr)");
  serve_cmd->add_option("--read-timeout-s", serve.read_timeout_s,
                        "seconds a client has to send a whole request")->capture_default_str();
  serve_cmd->add_option("--idle-timeout-s", serve.idle_timeout_s,
                        "seconds a kept-alive connection may sit idle")->capture_default_str();
  serve_cmd->add_option("--events-queue", serve.events_queue,
                        "events an event stream may lag behind before it is dropped")
      ->capture_default_str();
  serve_cmd->add_option("--sbs", serve.sbs,
                        "follow an SBS-1 BaseStation feed (dump1090 port 30003), HOST:PORT; repeatable");
  serve_cmd->add_option("--track-retention-h", serve.track_retention_h,
                        "hours of track history kept (DIR/tracks.sqlite)")
      ->capture_default_str();
  serve_cmd->add_flag("--hello-world", serve.hello_world)->group("");  // benchmark ceiling

  UserAddArgs user_add;
  auto* user_cmd = app.add_subcommand("user", "Manage users on a stopped center");
  user_cmd->require_subcommand(1);
  auto* user_add_cmd = user_cmd->add_subcommand("add", "Add a user; prints its token, once");
  user_add_cmd->add_option("--data", user_add.data, "the center's data folder")->required();
  user_add_cmd->add_option("--name", user_add.name, "user name")->required();
  user_add_cmd->add_option("--party", user_add.party, "the user's party")->required();
  user_add_cmd->add_option("--role", user_add.role, "planner, officer, watch, observer, integrator or admin")
      ->required();

  ReplayArgs replay_feed;
  auto* replay_feed_cmd = app.add_subcommand(
      "replay", "Send a recorded SBS file to a running center, at its own pace or faster");
  replay_feed_cmd->add_option("FILE", replay_feed.file, "SBS-1 lines (as dump1090 port 30003 serves)")
      ->required();
  replay_feed_cmd->add_option("--to", replay_feed.to, "the center, http://HOST:PORT")->required();
  replay_feed_cmd->add_option("--token", replay_feed.token,
                              "a watch officer's or integrator's token (default: $JIC_TOKEN)");
  replay_feed_cmd->add_option("--speed", replay_feed.speed,
                              "1: the recording's pace; 10: ten times faster; 0: as fast as possible")
      ->capture_default_str();
  replay_feed_cmd->add_option("--batch", replay_feed.batch, "reports per request at most")
      ->capture_default_str();

  ReplayCheckArgs replay;
  auto* replay_cmd = app.add_subcommand(
      "replay-check", "Re-run every command of a center's log through decide() and report any "
                      "decision that differs");
  replay_cmd->add_option("--data", replay.data, "the center's data folder")->required();

  VerifyArgs verify;
  auto* verify_cmd = app.add_subcommand(
      "verify", "Verify a center's log from its public key alone: checkpoint signatures, the Merkle "
                "root over every entry, every decision replayed; names the first entry that differs");
  verify_cmd->add_option("--url", verify.url, "a running center, http://HOST:PORT");
  verify_cmd->add_option("--token", verify.token, "any user's token (default: $JIC_TOKEN)");
  verify_cmd->add_option("--dir", verify.dir, "or a folder `jic mirror` keeps");
  verify_cmd->add_option("--key", verify.key, "the center's verifier key (name+keyid+base64)")->required();
  verify_cmd->add_option("--cosigner", verify.cosigners, "demand a valid cosignature by this key; repeatable");
  verify_cmd->add_flag("--require-signatories", verify.require_signatories,
                       "demand a cosignature by every signatory party, with the keys the log registered");
  verify_cmd->add_option("--size", verify.size, "with --url: the checkpoint of this size, not the latest");
  verify_cmd->add_flag("--no-replay", verify.no_replay, "signatures and hashes only");

  MirrorArgs mirror;
  auto* mirror_cmd = app.add_subcommand(
      "mirror", "Keep a verified copy of a center's log in DIR, extended only through consistency "
                "proofs; exit 3 when the center rewrote or forked its history");
  mirror_cmd->add_option("--url", mirror.url, "the center, http://HOST:PORT")->required();
  mirror_cmd->add_option("--token", mirror.token, "any user's token (default: $JIC_TOKEN)");
  mirror_cmd->add_option("--key", mirror.key, "the center's verifier key")->required();
  mirror_cmd->add_option("DIR", mirror.dir, "the mirror's folder")->required();
  mirror_cmd->add_option("--cosign-key", mirror.cosign_key,
                         "cosign each verified checkpoint with this PRIVATE+KEY file (`jic keygen --cosigner`)");
  mirror_cmd->add_option("--interval", mirror.interval, "seconds between updates")->capture_default_str();
  mirror_cmd->add_flag("--once", mirror.once, "one update, then exit");

  KeygenArgs keygen;
  auto* keygen_cmd = app.add_subcommand("keygen", "Make an Ed25519 key: the private key to a file, the "
                                                  "verifier key on stdout");
  keygen_cmd->add_option("--name", keygen.name, "the key's name, e.g. us.jic.example/mirror")->required();
  keygen_cmd->add_flag("--cosigner", keygen.cosigner, "a cosigner key (type 0x04) for `jic mirror --cosign-key`");
  keygen_cmd->add_option("--out", keygen.out, "the private key file (created 0600; never overwritten)")->required();

  CallArgs call;
  auto* call_cmd = app.add_subcommand(
      "call", "One request to a running center, signed with your key when --key is given (docs/ledger.md)");
  call_cmd->add_option("METHOD", call.method, "GET, POST, PUT")->required();
  call_cmd->add_option("PATH", call.path, "e.g. /v1/operations/op-3/approvals")->required();
  call_cmd->add_option("--url", call.url, "the center, http://HOST:PORT")->required();
  call_cmd->add_option("--token", call.token, "your token (default: $JIC_TOKEN)");
  call_cmd->add_option("--data", call.data, "the JSON body, or @FILE (@- for stdin)");
  call_cmd->add_option("--if-match", call.if_match, "If-Match: the version the command is for");
  call_cmd->add_option("--idempotency-key", call.idempotency_key, "Idempotency-Key");
  call_cmd->add_option("--key", call.key, "your PRIVATE+KEY file (jic keygen): send Jic-Signature");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }
  if (validate->parsed()) return RunValidate(validate_file);
  if (evaluate->parsed()) return RunEvaluate(eval);
  if (demo_cmd->parsed()) return RunDemo(demo);
  if (serve_cmd->parsed()) return RunServe(serve);
  if (user_add_cmd->parsed()) return RunUserAdd(user_add);
  if (replay_cmd->parsed()) return RunReplayCheck(replay);
  if (replay_feed_cmd->parsed()) return RunReplay(replay_feed);
  if (verify_cmd->parsed()) return RunVerify(verify);
  if (mirror_cmd->parsed()) return RunMirror(mirror);
  if (keygen_cmd->parsed()) return RunKeygen(keygen);
  if (call_cmd->parsed()) return RunCall(call);
  return kExitBadInput;
}
