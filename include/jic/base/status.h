// Status and Result<T>: how every fallible call in jic reports failure.
//
// A Status is OK or carries a code, a message and zero or more field errors
// (the path of the offending field and the reason). Validation collects every
// problem it finds, so a user fixes a file in one pass rather than one error
// at a time. No exception crosses a layer: library exceptions are caught at
// the adapter and turned into a Status.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace jic {

// One problem with one field of an input: `field` is its path in the input
// (`rules[2].when.categroy`, `volumes[0].volume.outline_polygon.vertices[2].lat`),
// empty when the problem is with the input as a whole.
struct FieldError {
  std::string field;
  std::string reason;

  // "field: reason", or just "reason" when field is empty.
  std::string ToString() const;
  bool operator==(const FieldError&) const = default;
};

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the input is malformed; field errors say where
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kIoError,
  kInternal,
  kUnauthenticated,    // no valid credentials (HTTP 401)
  kPermissionDenied,   // the actor may not do this (HTTP 403)
  kConflict,           // not allowed from the current state (HTTP 409)
  kStale,              // an If-Match version is not the current one (HTTP 412)
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::vector<FieldError> errors);
  static Status Invalid(std::string field, std::string reason);
  static Status NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
  static Status IoError(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
  static Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }
  static Status Unauthenticated(std::string message) {
    return {StatusCode::kUnauthenticated, std::move(message)};
  }
  static Status PermissionDenied(std::string message) {
    return {StatusCode::kPermissionDenied, std::move(message)};
  }
  static Status Conflict(std::string message) { return {StatusCode::kConflict, std::move(message)}; }
  static Status Stale(std::string message) { return {StatusCode::kStale, std::move(message)}; }
  static Status AlreadyExists(std::string message) {
    return {StatusCode::kAlreadyExists, std::move(message)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& errors() const { return errors_; }

  // Every field error on its own line, or the message when there are none.
  std::string ToString() const;

  // Makes ignoring an error explicit and searchable.
  void IgnoreError(const char* /*why*/) const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<FieldError> errors_;
};

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}      // NOLINT: REQUIRES !status.ok()

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace jic
