// The embedded log backend: one SQLite database in WAL mode with
// synchronous=FULL, so a committed append has been fsynced. A batch of
// entries is one transaction (group commit: one sync for many commands).
#pragma once

#include <memory>
#include <string>

#include "jic/base/status.h"
#include "jic/log/log.h"

namespace jic::log {

// Opens (creating when absent) the log database at `path`. IoError when the
// file cannot be opened or is not a jic log.
Result<std::unique_ptr<Log>> OpenSqliteLog(const std::string& path);

}  // namespace jic::log
