#include "jic/base/status.h"

namespace jic {

std::string FieldError::ToString() const {
  if (field.empty()) return reason;
  return field + ": " + reason;
}

Status Status::Invalid(std::vector<FieldError> errors) {
  Status s(StatusCode::kInvalidArgument,
           errors.empty() ? std::string("invalid input") : errors.front().ToString());
  s.errors_ = std::move(errors);
  return s;
}

Status Status::Invalid(std::string field, std::string reason) {
  return Invalid(std::vector<FieldError>{{std::move(field), std::move(reason)}});
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  if (errors_.empty()) return message_;
  std::string out;
  for (const FieldError& e : errors_) {
    if (!out.empty()) out += '\n';
    out += e.ToString();
  }
  return out;
}

}  // namespace jic
