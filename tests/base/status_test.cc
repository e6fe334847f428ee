#include "jic/base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace jic {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_TRUE(s.errors().empty());
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, InvalidWithOneFieldError) {
  Status s = Status::Invalid("rules[2].when.categroy", "unknown key");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(s.errors().size(), 1u);
  EXPECT_EQ(s.errors()[0].field, "rules[2].when.categroy");
  EXPECT_EQ(s.errors()[0].reason, "unknown key");
  EXPECT_EQ(s.message(), "rules[2].when.categroy: unknown key");
  EXPECT_EQ(s.ToString(), "rules[2].when.categroy: unknown key");
}

TEST(StatusTest, InvalidKeepsEveryErrorInOrder) {
  Status s = Status::Invalid(std::vector<FieldError>{
      {"parties[0].name", "missing"}, {"", "not valid YAML"}, {"jic", "format version 2"}});
  ASSERT_EQ(s.errors().size(), 3u);
  EXPECT_EQ(s.message(), "parties[0].name: missing");  // the first one
  EXPECT_EQ(s.ToString(), "parties[0].name: missing\nnot valid YAML\njic: format version 2");
}

TEST(StatusTest, InvalidWithNoErrorsStillFails) {
  Status s = Status::Invalid(std::vector<FieldError>{});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(s.ToString(), s.message());
}

TEST(StatusTest, FieldErrorToStringOmitsEmptyField) {
  EXPECT_EQ((FieldError{"", "not valid JSON"}).ToString(), "not valid JSON");
  EXPECT_EQ((FieldError{"id", "missing"}).ToString(), "id: missing");
  EXPECT_EQ((FieldError{"a", "b"}), (FieldError{"a", "b"}));
  EXPECT_NE((FieldError{"a", "b"}), (FieldError{"a", "c"}));
}

TEST(StatusTest, OtherCodesCarryTheirMessage) {
  struct Case {
    Status s;
    StatusCode code;
  } cases[] = {
      {Status::NotFound("no op-9"), StatusCode::kNotFound},
      {Status::IoError("no op-9"), StatusCode::kIoError},
      {Status::Internal("no op-9"), StatusCode::kInternal},
      {Status(StatusCode::kAlreadyExists, "no op-9"), StatusCode::kAlreadyExists},
      {Status(StatusCode::kFailedPrecondition, "no op-9"), StatusCode::kFailedPrecondition}};
  for (const Case& c : cases) {
    EXPECT_FALSE(c.s.ok());
    EXPECT_EQ(c.s.code(), c.code);
    EXPECT_EQ(c.s.message(), "no op-9");
    EXPECT_EQ(c.s.ToString(), "no op-9");
    EXPECT_TRUE(c.s.errors().empty());
  }
}

TEST(StatusTest, IgnoreErrorCompilesOnATemporary) {
  Status::IoError("disk full").IgnoreError("test: nothing to do");
}

TEST(ResultTest, HoldsAValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  *r = 7;
  EXPECT_EQ(r.value(), 7);
}

TEST(ResultTest, HoldsAStatus) {
  Result<std::string> r = Status::Invalid("id", "missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().ToString(), "id: missing");
}

TEST(ResultTest, ArrowAndMoveOut) {
  Result<std::string> r = std::string("op-17");
  EXPECT_EQ(r->size(), 5u);
  std::string s = std::move(r).value();
  EXPECT_EQ(s, "op-17");

  Result<std::unique_ptr<int>> p = std::make_unique<int>(3);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> owned = std::move(p).value();
  EXPECT_EQ(*owned, 3);
}

}  // namespace
}  // namespace jic
