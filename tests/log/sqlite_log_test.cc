// The embedded log: appends are all-or-none at the expected sequence number,
// survive reopening and a killed writer, and snapshots come back.
#include "jic/log/sqlite_log.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace jic::log {
namespace {

class SqliteLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/jic-log-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/log.db";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  std::unique_ptr<Log> Open() {
    auto log = OpenSqliteLog(path_);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  static std::vector<std::pair<uint64_t, std::string>> All(const Log& log) {
    std::vector<std::pair<uint64_t, std::string>> out;
    Status s = log.Read(1, UINT64_MAX, [&](uint64_t seq, std::string_view b) {
      out.emplace_back(seq, std::string(b));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::string dir_, path_;
};

TEST_F(SqliteLogTest, EmptyLogStartsAtOne) {
  auto log = Open();
  EXPECT_EQ(log->next_seq(), 1u);
  EXPECT_TRUE(All(*log).empty());
  auto snap = log->LatestSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_FALSE(snap->has_value());
}

TEST_F(SqliteLogTest, AppendsInOrderAndReadsBackBytesExactly) {
  auto log = Open();
  const std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(log->Append(1, std::vector<std::string>{"one", binary}).ok());
  ASSERT_TRUE(log->Append(3, std::vector<std::string>{"three"}).ok());
  EXPECT_EQ(log->next_seq(), 4u);
  auto all = All(*log);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], (std::pair<uint64_t, std::string>{1, "one"}));
  EXPECT_EQ(all[1], (std::pair<uint64_t, std::string>{2, binary}));
  EXPECT_EQ(all[2], (std::pair<uint64_t, std::string>{3, "three"}));
}

TEST_F(SqliteLogTest, AppendAtTheWrongSequenceChangesNothing) {
  auto log = Open();
  ASSERT_TRUE(log->Append(1, std::vector<std::string>{"one"}).ok());
  for (uint64_t wrong : {1u, 3u, 100u}) {
    Status s = log->Append(wrong, std::vector<std::string>{"x", "y"});
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << wrong;
  }
  EXPECT_EQ(log->next_seq(), 2u);
  EXPECT_EQ(All(*log).size(), 1u);
}

TEST_F(SqliteLogTest, ReadFromAndLimitAndStop) {
  auto log = Open();
  std::vector<std::string> batch;
  for (int i = 1; i <= 10; ++i) batch.push_back("e" + std::to_string(i));
  ASSERT_TRUE(log->Append(1, batch).ok());
  std::vector<uint64_t> seen;
  ASSERT_TRUE(log->Read(4, 3, [&](uint64_t seq, std::string_view) {
                    seen.push_back(seq);
                    return true;
                  }).ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{4, 5, 6}));
  seen.clear();
  ASSERT_TRUE(log->Read(1, 100, [&](uint64_t seq, std::string_view) {
                    seen.push_back(seq);
                    return seq < 2;
                  }).ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2}));
}

TEST_F(SqliteLogTest, SurvivesReopening) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append(1, std::vector<std::string>{"a", "b"}).ok());
    ASSERT_TRUE(log->PutSnapshot(2, "state-after-2").ok());
  }
  auto log = Open();
  EXPECT_EQ(log->next_seq(), 3u);
  EXPECT_EQ(All(*log).size(), 2u);
  auto snap = log->LatestSnapshot();
  ASSERT_TRUE(snap.ok() && snap->has_value());
  EXPECT_EQ((*snap)->seq, 2u);
  EXPECT_EQ((*snap)->bytes, "state-after-2");
}

TEST_F(SqliteLogTest, LatestSnapshotWinsAndSnapshotsBeyondTheLogAreRefused) {
  auto log = Open();
  ASSERT_TRUE(log->Append(1, std::vector<std::string>{"a", "b", "c"}).ok());
  ASSERT_TRUE(log->PutSnapshot(1, "s1").ok());
  ASSERT_TRUE(log->PutSnapshot(3, "s3").ok());
  ASSERT_TRUE(log->PutSnapshot(2, "s2").ok());
  EXPECT_EQ(log->PutSnapshot(4, "s4").code(), StatusCode::kFailedPrecondition);
  auto snap = log->LatestSnapshot();
  ASSERT_TRUE(snap.ok() && snap->has_value());
  EXPECT_EQ((*snap)->bytes, "s3");
}

TEST_F(SqliteLogTest, AFileThatIsNotALogIsRefused) {
  std::ofstream(path_) << "this is not a database, just some text that is long enough";
  auto log = OpenSqliteLog(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kIoError);
}

TEST_F(SqliteLogTest, AnUnreachablePathIsAnIoError) {
  auto log = OpenSqliteLog(dir_ + "/no/such/folder/log.db");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kIoError);
}

// A writer killed with SIGKILL while appending: every append it had been told
// was durable is there after reopening, and the log is a gap-free prefix.
TEST_F(SqliteLogTest, AcknowledgedAppendsSurviveAKilledWriter) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto log = OpenSqliteLog(path_);
    if (!log.ok()) _exit(3);
    for (uint64_t seq = 1;; ++seq) {
      if (!(*log)->Append(seq, std::vector<std::string>{"entry-" + std::to_string(seq)}).ok()) _exit(4);
      if (write(fds[1], &seq, sizeof seq) != sizeof seq) _exit(5);  // "acknowledged"
    }
  }
  close(fds[1]);
  uint64_t acked = 0, seq;
  while (acked < 200 && read(fds[0], &seq, sizeof seq) == sizeof seq) acked = seq;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  while (read(fds[0], &seq, sizeof seq) == sizeof seq) acked = seq;
  close(fds[0]);
  ASSERT_GE(acked, 200u);

  auto log = Open();
  auto all = All(*log);
  ASSERT_GE(all.size(), acked);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].first, i + 1);
    EXPECT_EQ(all[i].second, "entry-" + std::to_string(i + 1));
  }
  EXPECT_EQ(log->next_seq(), all.size() + 1);
}

}  // namespace
}  // namespace jic::log
