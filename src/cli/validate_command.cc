#include <iostream>

#include "cli/commands.h"
#include "jic/agreement/agreement_loader.h"

namespace jic::cli {

int RunValidate(const std::string& file) {
  auto a = agreement::LoadAgreementFile(file);
  if (!a.ok()) {
    if (a.status().code() == StatusCode::kIoError) {
      std::cerr << "jic validate: " << a.status().message() << "\n";
      return kExitBadInput;
    }
    for (const FieldError& e : a.status().errors()) std::cout << file << ": " << e.ToString() << "\n";
    std::cout << a.status().errors().size() << (a.status().errors().size() == 1 ? " error" : " errors")
              << "\n";
    return kExitBadInput;
  }
  std::cout << "ok\n";
  return kExitOk;
}

}  // namespace jic::cli
