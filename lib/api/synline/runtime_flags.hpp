// The command-line flags every synline program shares: --config, --var,
// --set, --ip and --gateway, parsed one way everywhere.
#pragma once

#include "synline/runtime.hpp"

namespace synline {

// When argv[i] is one of the shared flags, stores its value in `o`, moves i
// past the value and returns true; otherwise returns false. Bad values throw
// std::invalid_argument with one line naming the flag and the fix.
bool parse_runtime_flag(int argc, char** argv, int& i, RuntimeOptions& o);

// Throws std::invalid_argument when --config or --ip is missing.
void require_runtime_flags(const RuntimeOptions& o);

}  // namespace synline
