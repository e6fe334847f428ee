// Reading an agreement from YAML (JSON is valid YAML) and validating every
// part of it: unknown and missing keys, types, references between parties,
// categories and areas, duplicate ids, and geometry.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "jic/agreement/agreement.h"
#include "jic/base/status.h"

namespace jic::agreement {

// Parses and validates an agreement. On failure the Status holds every
// problem found, each with its path (`rules[2].when.categroy: unknown key`).
Result<std::shared_ptr<const Agreement>> ParseAgreement(std::string_view yaml);

// Reads the file at `path` and parses it; an unreadable file is an IoError.
Result<std::shared_ptr<const Agreement>> LoadAgreementFile(const std::string& path);

// True for ids the agreement and operations accept: 1-64 characters of
// letters, digits, '_', '-', '.' and ':'.
// The agreement document converted to canonical JSON: object keys sorted, no
// whitespace, numbers in shortest round-trip form. A YAML plain scalar that
// reads as a number, boolean or null becomes one; other scalars are strings.
// ParseAgreement accepts the result (JSON is YAML) and reads it as the same
// agreement. InvalidArgument when the text is not YAML; the content is not
// validated here.
Result<std::string> AgreementToCanonicalJson(std::string_view yaml);

bool IsValidId(std::string_view id);

}  // namespace jic::agreement
