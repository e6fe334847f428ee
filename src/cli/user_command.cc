// jic user add: a user and a new token, on a stopped center's data folder.

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "jic/api/coordinator.h"
#include "jic/api/json_log.h"
#include "jic/log/data_dir.h"

namespace jic::cli {

Result<std::unique_ptr<api::Coordinator>> OpenCenter(const log::DataDir& dir,
                                                    api::Coordinator::Options options);

int RunUserAdd(const UserAddArgs& args) {
  api::SetLogQuiet(true);
  auto dir = log::DataDir::Open(args.data, /*create=*/false);
  if (!dir.ok()) {
    std::cerr << dir.status().ToString();
    if (dir.status().code() == StatusCode::kFailedPrecondition) {
      std::cerr << "; stop it first, or add users over HTTP (POST /v1/users as an admin)";
    }
    std::cerr << "\n";
    return kExitFailure;
  }
  api::Coordinator::Options opt;
  opt.snapshot_every = 0;
  auto center = OpenCenter(**dir, opt);
  if (!center.ok()) {
    std::cerr << args.data << ": " << center.status().ToString() << "\n";
    return kExitFailure;
  }
  const std::string token = engine::NewToken();
  engine::Command cmd;
  cmd.type = std::string(engine::kUserAdd);
  cmd.actor = engine::Actor{"jic user add", "", engine::Role::kSystem};
  cmd.body = nlohmann::json{{"name", args.name},
                            {"party", args.party},
                            {"role", args.role},
                            {"token_hash", engine::HashToken(token)}}
                 .dump();
  auto r = (*center)->SubmitAndWait(std::move(cmd));
  (*center)->Stop();
  if (!r.ok()) {
    std::cerr << r.status().ToString() << "\n";
    return r.status().code() == StatusCode::kInvalidArgument ||
                   r.status().code() == StatusCode::kConflict
               ? kExitBadInput
               : kExitFailure;
  }
  std::cout << token << std::endl;
  return kExitOk;
}

}  // namespace jic::cli
