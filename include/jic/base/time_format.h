// RFC 3339 timestamps: parsing and formatting.
#pragma once

#include <string>
#include <string_view>

#include "jic/base/status.h"
#include "jic/base/units.h"

namespace jic {

// Parses an RFC 3339 date-time ("2016-07-20T10:00:00Z", "2016-07-20T13:00:00.5+03:00").
// Fractions finer than a microsecond are truncated. Years 0001-9999.
// On failure returns a Status whose single field error has an empty field and
// the reason; callers prefix the path.
Result<Time> ParseRfc3339(std::string_view text);

// Formats as UTC with a "Z" suffix, with a fraction only when it is not zero
// ("2016-07-20T10:00:00Z", "2016-07-20T10:00:00.250Z").
// REQUIRES: t.is_finite()
std::string FormatRfc3339(Time t);

}  // namespace jic
