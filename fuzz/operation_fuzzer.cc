// libFuzzer target: the operation parser must answer any input with an
// operation or field errors; a parsed operation must survive a JSON round
// trip with the same number of volumes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jic/engine/operation_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  using namespace jic::engine;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (OperationForm form : {OperationForm::kNotification, OperationForm::kStateLine}) {
    auto op = ParseOperationJson(text, form);
    if (!op.ok()) {
      if (op.status().errors().empty()) __builtin_trap();
      continue;
    }
    if (op->id.empty()) op->id = "x";
    if (op->submitted_by.empty()) op->submitted_by = op->operator_party;
    auto again = ParseOperationJson(OperationToJson(*op), OperationForm::kStateLine);
    if (!again.ok() || again->volumes.size() != op->volumes.size()) __builtin_trap();
  }
  return 0;
}
