// jic replay-check: re-derives every recorded decision from the log alone.

#include <iostream>

#include "cli/commands.h"
#include "jic/engine/center.h"
#include "jic/log/data_dir.h"
#include "jic/log/sqlite_log.h"

namespace jic::cli {

int RunReplayCheck(const ReplayCheckArgs& args) {
  // Read-only: SQLite's WAL lets this run beside a serving center.
  if (!log::DataDir::HasLog(args.data)) {
    std::cerr << args.data << " holds no center (no log.sqlite)\n";
    return kExitFailure;
  }
  auto log = log::OpenSqliteLog(args.data + "/log.sqlite");
  if (!log.ok()) {
    std::cerr << log.status().ToString() << "\n";
    return kExitFailure;
  }
  engine::Center center;
  uint64_t entries = 0, differ = 0;
  Status fatal;
  Status read = (*log)->Read(1, UINT64_MAX, [&](uint64_t seq, std::string_view bytes) {
    ++entries;
    bool applied = false;
    if (Status s = center.RecheckAndApply(seq, bytes, &applied); !s.ok()) {
      ++differ;
      std::cout << "entry " << seq << ": " << s.ToString() << "\n";
    }
    if (Status s = applied ? Status::Ok() : center.ApplyBytes(seq, bytes); !s.ok()) {
      fatal = s;
      return false;
    }
    return true;
  });
  if (!read.ok()) {
    std::cerr << read.ToString() << "\n";
    return kExitFailure;
  }
  if (!fatal.ok()) {
    std::cout << "stopped: " << fatal.ToString() << "\n";
    return kExitFailure;
  }
  if (differ > 0) {
    std::cout << "replay-check: " << differ << " of " << entries << " entries differ\n";
    return kExitFailure;
  }
  std::cout << "replay-check: " << entries << " entries, every decision re-derived identically\n";
  return kExitOk;
}

}  // namespace jic::cli
