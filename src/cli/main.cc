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
  return kExitBadInput;
}
