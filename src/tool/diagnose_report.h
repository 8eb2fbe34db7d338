// How `jpki-tool diagnose` shows a Diagnosis: steps and findings for the holder
// (in the locale's language), a block to paste into a bug report (always
// English, for the people who read the reports), or one JSON object.
#pragma once

#include <string>

#include "tool/diagnose.h"
#include "tool/system_info.h"

namespace jpki::tool {

std::string diagnose_text(const Diagnosis& d, const SystemInfo& sys);  // includes the report block
std::string diagnose_report_block(const Diagnosis& d, const SystemInfo& sys);
std::string diagnose_json(const Diagnosis& d, const SystemInfo& sys);

}  // namespace jpki::tool
