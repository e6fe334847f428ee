#include "jic/log/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jic/log/sqlite_log.h"

namespace jic::log {

bool DataDir::HasLog(const std::string& dir) {
  struct stat st;
  return ::stat((dir + "/log.sqlite").c_str(), &st) == 0;
}

Result<std::unique_ptr<DataDir>> DataDir::Open(const std::string& dir, bool create) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (!create) return Status::NotFound(dir + " does not exist");
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IoError("cannot create " + dir + ": " + std::strerror(errno));
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return Status::IoError(dir + " is not a folder");
  }
  if (!create && !HasLog(dir)) {
    return Status::NotFound(dir + " holds no center: start `jic serve --data " + dir +
                            " --agreement FILE` once first");
  }
  int fd = ::open((dir + "/LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot open " + dir + "/LOCK: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status(StatusCode::kFailedPrecondition,
                  dir + " is in use by a running center (its LOCK is held)");
  }
  return std::unique_ptr<DataDir>(new DataDir(dir, fd));
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<Log>> DataDir::OpenLog() const { return OpenSqliteLog(log_path()); }

}  // namespace jic::log
