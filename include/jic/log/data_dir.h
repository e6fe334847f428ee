// DataDir: the folder that holds everything a center keeps (API.md, "DIR"):
//   DIR/log.sqlite   the log (and snapshots)
//   DIR/LOCK         held (flock) by the one process that writes
// Thread-safety: not thread-safe; one owner.
#pragma once

#include <memory>
#include <string>

#include "jic/base/status.h"
#include "jic/log/log.h"

namespace jic::log {

class DataDir {
 public:
  // Opens DIR for writing: creates it when `create` (and it is absent), and
  // takes its lock. FailedPrecondition when another process holds the lock
  // (a running center); NotFound when DIR has no log and !create.
  static Result<std::unique_ptr<DataDir>> Open(const std::string& dir, bool create);
  ~DataDir();

  const std::string& path() const { return dir_; }
  std::string log_path() const { return dir_ + "/log.sqlite"; }
  // Opens the log. The caller owns it; keep this DataDir (the lock) alive
  // as long as it is used.
  Result<std::unique_ptr<Log>> OpenLog() const;
  // Whether DIR holds a log already.
  static bool HasLog(const std::string& dir);

 private:
  DataDir(std::string dir, int fd) : dir_(std::move(dir)), lock_fd_(fd) {}
  std::string dir_;
  int lock_fd_;
};

}  // namespace jic::log
