// Minimal JSON output for `--json`: string escaping is all we need.
#pragma once

#include <string>

namespace jpki::tool {

std::string json_string(const std::string& s);  // with quotes

}  // namespace jpki::tool
