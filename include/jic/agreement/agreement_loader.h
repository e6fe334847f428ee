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
bool IsValidId(std::string_view id);

}  // namespace jic::agreement
