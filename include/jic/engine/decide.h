// decide(): the heart of jic. Given the agreement, the operations already
// known and a notification, say whether it is accepted, needs approval (and
// by whom) or is rejected, and exactly why (AGREEMENT.md).
//
// Decide is pure: it reads no clock, no file, no network; the time the center
// received the command is an input. The same inputs always give the same
// decision, so anyone holding the log can re-derive every decision.
#pragma once

#include "jic/base/status.h"
#include "jic/base/units.h"
#include "jic/engine/decision.h"
#include "jic/engine/operation.h"
#include "jic/engine/operation_store.h"
#include "jic/engine/rule_book.h"

namespace jic::engine {

// Checks that the operation's operator, submitter and category exist in the
// agreement. InvalidArgument naming each field otherwise.
Status CheckReferences(const agreement::Agreement& agreement, const Operation& op);

// Decides `candidate` (a new notification, or a modification of the stored
// operation with the same id, which is then not counted against itself).
// Findings come in a fixed order: reporting, then the rules in agreement
// order (each rule's areas in agreement order), then separation by operation
// id. Fails only when CheckReferences fails.
// REQUIRES: candidate passed ParseOperationJson's validation.
Result<Decision> Decide(const RuleBook& rules, const OperationStore& store,
                        const Operation& candidate, Time received_at);

// Separation alone, found by scanning every stored operation instead of the
// index (for the differential tests).
std::vector<Finding> SeparationByScan(const RuleBook& rules, const OperationStore& store,
                                      const Operation& candidate);

}  // namespace jic::engine
