// RuleBook: an agreement made ready for deciding — its areas filed in a
// SpaceTimeIndex so that the areas a volume meets are found without a scan.
//
// Thread-safety: immutable after construction.
#pragma once

#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"

#include "jic/agreement/agreement.h"
#include "jic/engine/operation.h"
#include "jic/engine/space_time_index.h"

namespace jic::engine {

class RuleBook {
 public:
  explicit RuleBook(std::shared_ptr<const agreement::Agreement> agreement);

  const agreement::Agreement& agreement() const { return *agreement_; }
  const std::shared_ptr<const agreement::Agreement>& shared_agreement() const { return agreement_; }

  // Appends, in ascending order, the indices of the areas that `v` meets:
  // horizontally (outline and area touch or overlap), vertically (bands
  // overlap) and in time (window and validity overlap), all closed.
  void AreasMet(const Volume4D& v, std::vector<int>* out) const;
  // The same among the areas `wanted` says yes to (asked before the exact,
  // costly test).
  void AreasMet(const Volume4D& v, std::vector<int>* out, absl::FunctionRef<bool(int)> wanted) const;

  // The same by brute force over every area (for tests).
  void AreasMetByScan(const Volume4D& v, std::vector<int>* out) const;

 private:
  bool Meets(const agreement::Area& area, const Volume4D& v) const;

  std::shared_ptr<const agreement::Agreement> agreement_;
  SpaceTimeIndex areas_;
};

}  // namespace jic::engine
