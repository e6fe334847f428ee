// libFuzzer target: the agreement loader must answer any input with an
// agreement or field errors, never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jic/agreement/agreement_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  auto a = jic::agreement::ParseAgreement(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!a.ok() && a.status().errors().empty() && a.status().message().empty()) __builtin_trap();
  return 0;
}
